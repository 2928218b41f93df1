"""`--fix`: write suggested values into spec files, changing nothing else.

Only the text of the var's value changes; comments, quoting, flow or block
style and every other byte stay. A file keeps its mode, owner and hard links,
and is replaced atomically where it can be: a crash leaves the old file or the
new one, never half of each.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..language.loader import LoadError, Location, Span, YamlMapping, YamlSequence, load_documents
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from ..checks.check import FileResult, SpecResult
    from ..formats import Configured
    from ..language.budgets import Tolerance

_BOM = b"\xef\xbb\xbf"


class FixError(Exception):
    """The edit cannot be made; nothing was written."""


@dataclass(frozen=True)
class Edit:
    var: str
    old: str  # the value's text before
    new: str  # and after
    location: Location


def edit_vars(text: str, document_number: int, values: Mapping[str, object]) -> tuple[str, list[Edit]]:
    """`text` with the given vars of one document set to new values, and the edits made.

    A key of an imported config (`model: {hf_config: ...}`) that is no var is written
    under the model's `set:`, first there, or in a new `set:`, never into the config.
    A value is written plain where YAML reads it back as written, else quoted; the
    edited text is read back, and an edit that would not read as its value is refused.
    """
    document = _document(text, document_number)
    replacements: list[tuple[int, int, str]] = []
    edits = []
    added: dict[str, object] = {}
    for var, value in values.items():
        written = _holder(document, var)
        if written is None:
            added[var] = value
            continue
        span = written.value_spans.get(var)
        if span is None:
            raise FixError(f"{var} is not written as a value under `vars`, so it cannot be edited in place")
        if span.style in ("|", ">"):
            raise FixError(f"{var} is a block scalar; edit it by hand")
        old = text[span.start : span.end]
        new = _written(value, span.style)
        if old != new:
            replacements.append((span.start, span.end, new))
            edits.append(Edit(var, old, new, written.location_of(var)))
    if added:
        where, inserted = _insertion(text, document, added)
        replacements.append((where, where, inserted))
    for start, end, new in sorted(replacements, key=lambda r: r[0], reverse=True):
        text = text[:start] + new + text[end:]
    edited = _document(text, document_number)
    for var, value in values.items():
        holder = _holder(edited, var)
        if holder is None or str(holder.get(var)) != str(value):
            raise FixError(f"{var}: {value!r} cannot be written so that it reads back as written")
        if var in added:
            edits.append(Edit(var, "(as the config has it)", _written(value, None), holder.location_of(var)))
    return text, sorted(edits, key=lambda edit: (edit.location.line, edit.location.column))


def edit_numbers(
    text: str, document_number: int, places: Mapping[str, str], values: Mapping[str, object]
) -> tuple[str, list[Edit]]:
    """`text` with the numbers some dotted paths of a foreign file hold (a LitGPT config's `n_embd`, a Hydra
    config's `_args_.0.out_features`) rewritten in place, and the edits made; `places` gives the path each
    var is written at. Only those numbers change: comments, spacing and every other value stay as written."""
    from ..formats import path_value

    document = _document(text, document_number)
    replacements = []
    for var, value in values.items():
        *holder_path, key = places[var].split(".")
        holder = path_value(document, ".".join(holder_path)) if holder_path else document
        span = None
        if isinstance(holder, YamlMapping) and key in holder:
            span = holder.value_spans.get(key)
            where = holder.location_of(key)
        elif isinstance(holder, YamlSequence) and key.isdigit() and int(key) < len(holder):
            where = holder.location_of(int(key))
            start = _offset(text, where)
            found = _NUMBER.match(text, start)
            span = None if found is None else Span(start, found.end(), None)
        current = path_value(document, places[var])
        if span is None or isinstance(current, bool) or not isinstance(current, int) or not isinstance(value, int):
            raise FixError(
                f"{places[var]} is not written in the file as a whole number, so it cannot be edited in place"
            )
        old, new = text[span.start : span.end], str(value)
        replacements.append((span.start, span.end, Edit(var, old, new, where)))
    for start, end, edit in sorted(replacements, key=lambda r: r[0], reverse=True):
        text = text[:start] + edit.new + text[end:]
    return text, [edit for _, _, edit in sorted(replacements, key=lambda r: r[0]) if edit.old != edit.new]


_NUMBER = re.compile(r"[0-9][0-9_]*")


def _document(text: str, document_number: int) -> Any:
    try:
        return next(d for d in load_documents(text) if d.number == document_number).value
    except (LoadError, StopIteration):
        raise FixError("the file changed since it was checked") from None


def _holder(document: Any, var: str) -> YamlMapping | None:
    """The mapping that writes `var`: `vars`, or an imported config's `set:`; None when neither does."""
    if not isinstance(document, YamlMapping):
        return None
    variables, written = document.get("vars"), _imported_settings(document)
    if isinstance(variables, YamlMapping) and var in variables:
        return variables
    return written if isinstance(written, YamlMapping) and var in written else None


def _imported_settings(document: YamlMapping) -> Any:
    model = document.get("model")
    return model.get("set") if isinstance(model, YamlMapping) and "hf_config" in model else None


def _insertion(text: str, document: Any, values: Mapping[str, object]) -> tuple[int, str]:
    """Config keys written first under `set:`, or in a `set:` written first in the model."""
    model = document.get("model") if isinstance(document, YamlMapping) else None
    if not isinstance(model, YamlMapping) or "hf_config" not in model:
        raise FixError(f"{next(iter(values))} is not written as a value under `vars`, so it cannot be edited in place")
    written = model.get("set")
    entries = [f"{var}: {_written(value, None)}" for var, value in values.items()]
    if isinstance(written, YamlMapping):
        target, lines = written, entries
    elif "set" in model:
        raise FixError("`set:` is not a mapping; edit it by hand")
    else:
        target, lines = model, [f"set: {{{', '.join(entries)}}}"]
    start = _offset(text, target.location)
    if text.startswith("{", start):  # a flow mapping: `{a: 1}` -> `{new: 2, a: 1}`
        inserted = ", ".join(lines) + (", " if target else "")
        start += 1
    else:  # a block mapping starts at its first key: a line each, indented as that key
        indent = "\n" + " " * (target.location.column - 1)
        inserted = indent.join(lines) + indent
    return start, inserted


def _offset(text: str, location: Location) -> int:
    """The offset of a line and column of `text`."""
    start = 0
    for _ in range(location.line - 1):
        start = text.index("\n", start) + 1
    return start + location.column - 1


def _written(value: Any, style: str | None) -> str:
    """A value as YAML text: in the quotes it had, else plain where YAML reads it back as itself, else quoted."""
    text = str(value)
    if style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if not style and _reads_as_itself(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _reads_as_itself(text: str) -> bool:
    """Whether `text`, written plain as a value, reads back as itself in a block and in a flow mapping."""
    for document in (f"v: {text}\n", f"{{v: {text}}}\n"):
        try:
            [read] = load_documents(document)
        except (LoadError, ValueError):
            return False
        if not isinstance(read.value, YamlMapping) or list(read.value) != ["v"] or str(read.value["v"]) != text:
            return False
    return True


def fix_file(path: Path, document_number: int, values: Mapping[str, object]) -> list[Edit]:
    """Edit the file in place; returns the edits (none: the file is left untouched). A foreign
    format's file is edited its own way (an Ultralytics scale's width), a spec's under `vars`.

    The edited spec is checked before it is written: an edit that makes it
    invalid is refused, and the file keeps its text.
    """
    from ..formats import read_foreign, recognise

    target, bom, text = read_for_edit(path)
    formats = recognise(path.name, text).formats
    read = read_foreign(formats, text, str(path), target.parent, None) if formats else None
    # The format that reads the file edits it: a spec with a Hydra-like comment is still a spec.
    edit = read.format.edit if read is not None and read.format.editor is not None else edit_vars
    edited, edits = edit(text, document_number, values)
    if edits:
        from ..checks.check import check_text

        result = check_text(edited, str(path), target.parent)
        for spec in result.specs:
            invalid = [finding for finding in spec.findings if finding.invalid]
            if spec.document == document_number and (invalid or spec.tree is None):
                reason = invalid[0].message if invalid else "it could not be counted"
                raise FixError(f"the edited spec would be invalid ({reason}); nothing written")
        write_file(target, bom + edited.encode("utf-8"))
    return edits


def read_for_edit(path: Path) -> tuple[Path, bytes, str]:
    """The file an edit writes (a link's target), its byte-order mark, and its text, read as `check` reads it."""
    from ..files import Unreadable, decode_text, read_bytes

    target = path.resolve()  # write through a symlink, not over it
    try:
        data = read_bytes(target)
        text = decode_text(data)
    except Unreadable as error:
        raise FixError(error.finding.message) from None
    return target, _BOM if data.startswith(_BOM) else b"", text


def write_file(path: Path, data: bytes) -> None:
    """Write `data` as the new content of `path`, keeping its mode, owner and hard links.

    A read-only file is refused. A file with one link is replaced atomically (a crash
    leaves the old file or the new one); a file with several links, or one whose owner
    cannot be given to a new file, is written in place, so that it stays the same file.
    """
    status = path.stat()
    if not status.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise FixError("the file is read-only; nothing written")
    if status.st_nlink > 1 or not _replace_atomically(path, data, status):
        with open(path, "r+b") as stream:
            stream.write(data)
            stream.truncate()
            stream.flush()
            os.fsync(stream.fileno())


def _replace_atomically(path: Path, data: bytes, status: os.stat_result) -> bool:
    """Replace `path` with a new file holding `data`; False when the new file cannot have the old owner."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, stat.S_IMODE(status.st_mode))
        new = os.stat(temporary)
        if (new.st_uid, new.st_gid) != (status.st_uid, status.st_gid):
            try:
                os.chown(temporary, status.st_uid, status.st_gid)
            except PermissionError:
                os.unlink(temporary)
                return False
        os.replace(temporary, path)
        return True
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


@dataclass(frozen=True)
class Fixed:
    """What `--fix` did to one spec: the edits it made, or why it could not make them."""

    path: Path
    spec: str
    edits: tuple[Edit, ...] = ()
    problem: str | None = None  # not fixed, and why


def fix_suggestions(file: FileResult, tolerance: Tolerance, budget: Configured) -> tuple[FileResult, list[Fixed]]:
    """Write each failing spec's suggestions into its file; the file checked again if it changed, and what was done.

    `tolerance` and `budget` are the configured ones the file was checked with.
    """
    path = Path(file.path)
    fixes = [fix_spec(path, spec, chosen_values(spec)) for spec in file.specs]
    if not any(fix.edits for fix in fixes):
        return file, fixes
    from ..checks.check import check_file

    return check_file(path, file.path, tolerance, budget), fixes


def chosen_values(spec: SpecResult) -> dict[str, object]:
    """The values `--fix` writes into a spec: for each var, the suggestion of the error that comes first
    by the rules' fix priority (a matched width before a budget's)."""
    values: dict[str, object] = {}
    for finding in sorted(spec.findings, key=lambda f: f.rule.fix_priority, reverse=True):
        if finding.suggestion is not None and finding.severity == "error":
            values.setdefault(finding.suggestion.var, finding.suggestion.value)
    return values


def fix_spec(path: Path, spec: SpecResult, values: Mapping[str, object]) -> Fixed:
    """Write `values` into the vars of one spec of `path`."""
    if not values:
        return Fixed(path, spec.name)
    try:
        return Fixed(path, spec.name, tuple(fix_file(path, spec.document, values)))
    except (FixError, OSError) as error:
        return Fixed(path, spec.name, problem=str(error))
