"""`--fix`: write suggested values into spec files, changing nothing else.

Only the text of the var's value changes; comments, quoting, flow or block
style and every other byte stay. Files are written atomically: a crash
leaves the old file or the new one, never half of each.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..language.loader import LoadError, Location, YamlMapping, load_documents

_BOM = b"\xef\xbb\xbf"


class FixError(Exception):
    """The edit cannot be made; nothing was written."""


@dataclass(frozen=True)
class Edit:
    var: str
    old: str  # the value's text before
    new: str  # and after
    location: Location


def edit_vars(text: str, document_number: int, values: dict[str, Any]) -> tuple[str, list[Edit]]:
    """`text` with the given vars of one document set to new values, and the edits made."""
    try:
        document = next(d for d in load_documents(text) if d.number == document_number).value
    except (LoadError, StopIteration):
        raise FixError("the file changed since it was checked") from None
    variables = document.get("vars") if isinstance(document, YamlMapping) else None
    replacements = []
    for var, value in values.items():
        span = variables.value_spans.get(var) if isinstance(variables, YamlMapping) else None
        if span is None:
            raise FixError(f"{var} is not written as a value under `vars`, so it cannot be edited in place")
        if span.style in ("|", ">"):
            raise FixError(f"{var} is a block scalar; edit it by hand")
        quote = span.style if span.style in ("'", '"') else ""
        old = text[span.start : span.end]
        new = f"{quote}{value}{quote}"
        if old != new:
            replacements.append((span.start, span.end, Edit(var, old, new, variables.location_of(var))))
    for start, end, edit in sorted(replacements, key=lambda r: r[0], reverse=True):
        text = text[:start] + edit.new + text[end:]
    return text, [edit for _, _, edit in sorted(replacements, key=lambda r: r[0])]


def fix_file(path: Path, document_number: int, values: dict[str, Any]) -> list[Edit]:
    """Edit the file in place; returns the edits (none: the file is left untouched)."""
    target = path.resolve()  # write through a symlink, not over it
    data = target.read_bytes()
    bom = _BOM if data.startswith(_BOM) else b""
    text, edits = edit_vars(data[len(bom) :].decode("utf-8"), document_number, values)
    if edits:
        write_atomically(target, bom + text.encode("utf-8"))
    return edits


def write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
