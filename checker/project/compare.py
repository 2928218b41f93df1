"""`--base REV`: every spec as it was at a git revision, beside what it is now."""

from __future__ import annotations

from pathlib import Path

from ..checks.check import FileResult, Unreadable, check_text, decode_text
from ..checks.suggestions import check_base
from ..language.budgets import Tolerance
from .git import files_at


def compare_with_base(files: list[FileResult], revision: str, cwd: Path, tolerance: Tolerance) -> None:
    """Set each spec's count at `revision` (by name, in the file it was in then), and note vars that moved it."""
    contents = files_at(revision, [Path(file.path) for file in files], cwd)
    for file in files:
        text = _text(contents.get(Path(file.path)))
        before = (
            {}
            if text is None
            else {
                spec.name: spec
                for spec in check_text(text, file.path, Path(file.path).parent, tolerance).specs
                if spec.tree is not None
            }
        )
        for spec in file.specs:
            spec.base = revision
            old = before.get(spec.name)
            spec.base_params = None if old is None else old.params
            new_spec, tree = spec.spec, spec.tree
            if new_spec and tree and old is not None and old.spec is not None and old.params is not None:
                spec.findings.extend(check_base(new_spec, tree, old.spec, old.params, revision))


def _text(content: bytes | None) -> str | None:
    """A file's text at the base; None where it cannot be a spec there (binary, not UTF-8)."""
    try:
        return None if content is None else decode_text(content)
    except Unreadable:
        return None
