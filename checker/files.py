"""Reading the user's files: the one way every command reads one, and where a reference may point.

Every file is a regular UTF-8 text file of bounded size, opened before it is
looked at; a reference from one file to another stays inside the repository.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from . import rules
from .findings import Finding, Location, Rule

MAX_FILE_BYTES = 10 * 2**20
FILE_START = Location(1, 1)


class Unreadable(Exception):
    """A file that cannot be a spec's text; its finding says why."""

    def __init__(self, rule: Rule, message: str, location: Location = FILE_START):
        super().__init__(message)
        self.finding = Finding(rule, message, location)


def read_text(path: Path) -> str:
    """The text of a regular UTF-8 file of at most MAX_FILE_BYTES: the one way every command reads a spec."""
    return decode_text(read_bytes(path))


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, at most one more than MAX_FILE_BYTES.

    The file is opened before it is looked at, so that it cannot be swapped for a
    pipe or a device in between; a pipe opened without blocking cannot hang.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # a device or a pipe could be read forever
            os.close(descriptor)
            raise Unreadable(rules.UNREADABLE, "not a regular file")
        with os.fdopen(descriptor, "rb") as stream:
            return stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise Unreadable(rules.UNREADABLE, f"cannot read the file: {error.strerror or error}") from None


def decode_text(data: bytes) -> str:
    """Spec bytes as text: refuses files over MAX_FILE_BYTES, binary files and files that are not UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(rules.UNREADABLE, f"the file is over {MAX_FILE_BYTES // 2**20} MiB; not a spec")
    if b"\0" in data:
        raise Unreadable(rules.NOT_TEXT, "this is a binary file, not YAML text")
    data = data.removeprefix(codecs.BOM_UTF8)  # what the codec "utf-8-sig" does, without importing it each run
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"the file is not UTF-8 text (byte 0x{data[error.start]:02x})"
        raise Unreadable(rules.NOT_TEXT, message, Location(line, column)) from None


def reference_root(folder: Path) -> Path:
    """Where references may point: the git repository that holds `folder`, else `folder` itself."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def inside_repository(folder: Path, reference: str) -> Path | None:
    """The file `reference` (relative to `folder`) names, links resolved; None when it is outside the repository
    that holds `folder` (or outside `folder` itself, when there is none)."""
    path = (folder / reference).resolve()
    return path if path.is_relative_to(reference_root(folder)) else None
