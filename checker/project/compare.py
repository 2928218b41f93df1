"""`--base REV`: every spec as it was at a git revision, beside what it is now."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..checks.check import FileResult, SpecResult, Unreadable, check_text, decode_text
from ..checks.suggestions import check_base
from ..language.budgets import Tolerance
from .git import files_at


def compare_with_base(files: list[FileResult], revision: str, cwd: Path, tolerance: Tolerance) -> list[FileResult]:
    """Each spec with its count at `revision` (by name, in the file it was in then), and notes on vars that moved it."""
    contents = files_at(revision, [Path(file.path) for file in files], cwd)
    return [_compared(file, contents.get(Path(file.path)), revision, tolerance) for file in files]


def _compared(file: FileResult, content: bytes | None, revision: str, tolerance: Tolerance) -> FileResult:
    text = _text(content)
    before = (
        {}
        if text is None
        else {
            spec.name: spec
            for spec in check_text(text, file.path, Path(file.path).parent, tolerance).specs
            if spec.tree is not None
        }
    )
    return replace(file, specs=tuple(_with_base(spec, before.get(spec.name), revision) for spec in file.specs))


def _with_base(spec: SpecResult, old: SpecResult | None, revision: str) -> SpecResult:
    compared = replace(spec, base=revision, base_params=None if old is None else old.params)
    new_spec, tree = spec.spec, spec.tree
    if new_spec and tree and old is not None and old.spec is not None and old.params is not None:
        return compared.with_findings(*check_base(new_spec, tree, old.spec, old.params, revision))
    return compared


def _text(content: bytes | None) -> str | None:
    """A file's text at the base; None where it cannot be a spec there (binary, not UTF-8)."""
    try:
        return None if content is None else decode_text(content)
    except Unreadable:
        return None
