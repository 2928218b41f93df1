"""Reading files as they were at a git revision, without a checkout.

File names may hold any byte, newlines and spaces included, so git is asked
only for NUL-separated lists (`ls-tree -z`, `diff -z`), and file contents are
fetched by object id, which holds no such bytes.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..files import MAX_FILE_BYTES

_REGULAR_FILE_MODES = (b"100644", b"100755")  # not links, folders or submodules


class GitError(Exception):
    """git cannot answer: not a repository, an unknown revision, git missing."""


def files_at(revision: str, paths: list[Path], cwd: Path) -> dict[Path, bytes | None]:
    """The bytes of each file at `revision`, following renames since; None where it was no file there.

    Files over MAX_FILE_BYTES at the revision are None too: they are not specs.
    """
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    commit = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd, f"unknown revision {revision!r}")
    commit_id = commit.decode().strip()
    renamed = _renames(commit_id, top)
    blobs = _blobs(commit_id, top)
    names = {path: _name_in(path, top) for path in paths}
    wanted = {path: blobs.get(renamed.get(name, name)) for path, name in names.items() if name is not None}
    contents = _contents({blob for blob in wanted.values() if blob is not None}, top)
    return {path: None if (blob := wanted.get(path)) is None else contents[blob] for path in paths}


def _name_in(path: Path, top: Path) -> bytes | None:
    """The path as git names it in the repository at `top`; None outside it."""
    try:
        return path.resolve().relative_to(top.resolve()).as_posix().encode("utf-8", "surrogateescape")
    except ValueError:
        return None


def _renames(commit: str, top: Path) -> dict[bytes, bytes]:
    """Each file's name now -> its name at `commit`, for the files git sees as renamed since."""
    output = _git(["diff", "-z", "--no-ext-diff", "--name-status", "-M", "--diff-filter=R", commit, "--"], top)
    fields = output.split(b"\0")
    renames = {}
    for start in range(0, len(fields) - 2, 3):  # R<score>, the old name, the new name
        status, old, new = fields[start : start + 3]
        if not status.startswith(b"R"):
            raise GitError(f"cannot read git diff's output at {status[:20]!r}")
        renames[new] = old
    return renames


def _blobs(commit: str, top: Path) -> dict[bytes, bytes]:
    """Each regular file's name at `commit` -> its object id, for files of at most MAX_FILE_BYTES."""
    output = _git(["ls-tree", "-r", "-z", "-l", "--full-tree", commit], top)
    blobs = {}
    for entry in output.split(b"\0"):
        if not entry:
            continue
        header, _, name = entry.partition(b"\t")  # "<mode> <type> <id> <size>\t<name>"
        mode, kind, blob, size = header.split()
        if mode in _REGULAR_FILE_MODES and kind == b"blob" and int(size) <= MAX_FILE_BYTES:
            blobs[name] = blob
    return blobs


def _contents(blobs: set[bytes], top: Path) -> dict[bytes, bytes]:
    """The content of each object, read with one `git cat-file --batch` and matched by id."""
    if not blobs:
        return {}
    output = _git(["cat-file", "--batch"], top, stdin=b"".join(blob + b"\n" for blob in blobs))
    contents = {}
    position = 0
    while position < len(output):
        header_end = output.index(b"\n", position)
        blob, _, size = output[position:header_end].split()  # "<id> blob <size>"
        start = header_end + 1
        contents[blob] = output[start : start + int(size)]
        position = start + int(size) + 1
    if set(contents) != blobs:
        raise GitError("git cat-file did not return every file asked for")
    return contents


def _git(arguments: list[str], cwd: Path, failure: str | None = None, stdin: bytes | None = None) -> bytes:
    try:
        return subprocess.run(["git", *arguments], cwd=cwd, input=stdin, capture_output=True, check=True).stdout
    except FileNotFoundError:
        raise GitError("--base needs git, which is not installed") from None
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode("utf-8", "replace").strip()
        raise GitError(failure or message or f"git {' '.join(arguments)} failed") from None
