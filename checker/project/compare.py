"""`--base REV`: every spec as it was at a git revision, beside what it is now."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .. import rules
from ..checks.check import FileResult, SpecResult, check_text, config_reader
from ..checks.suggestions import check_base
from ..files import Unreadable, decode_text
from ..language.budgets import Tolerance
from .git import files_at


def compare_with_base(files: list[FileResult], revision: str, cwd: Path, tolerance: Tolerance) -> list[FileResult]:
    """Each spec with its count at `revision` (by name, in the file it was in then), and notes on vars that moved it."""
    contents = files_at(revision, [Path(file.path) for file in files], cwd)
    return [_compared(file, contents.get(Path(file.path)), revision, cwd, tolerance) for file in files]


def _compared(file: FileResult, content: bytes | None, revision: str, cwd: Path, tolerance: Tolerance) -> FileResult:
    text, folder = _text(content), Path(file.path).parent
    read_config = config_reader(folder, _read_at(revision, cwd))  # the configs it imported then
    before = (
        {}
        if text is None
        else {
            spec.name: spec
            for spec in check_text(text, file.path, folder, tolerance, read_config=read_config).specs
            if spec.tree is not None
        }
    )
    return file._replace(specs=tuple(_with_base(spec, before.get(spec.name), revision) for spec in file.specs))


def _with_base(spec: SpecResult, old: SpecResult | None, revision: str) -> SpecResult:
    compared = spec._replace(base=revision, base_params=None if old is None else old.params)
    new_spec, tree = spec.spec, spec.tree
    if new_spec and tree and old is not None and old.spec is not None and old.params is not None:
        return compared.with_findings(*check_base(new_spec, tree, old.spec, old.params, revision))
    return compared


def _read_at(revision: str, cwd: Path) -> Callable[[Path], bytes]:
    """Reads a file as it was at `revision`: the config a spec imported then."""

    def read(path: Path) -> bytes:
        content = files_at(revision, [path], cwd)[path]
        if content is None:
            raise Unreadable(rules.UNREADABLE, f"no such file at {revision}")
        return content

    return read


def _text(content: bytes | None) -> str | None:
    """A file's text at the base; None where it cannot be a spec there (binary, not UTF-8)."""
    try:
        return None if content is None else decode_text(content)
    except Unreadable:
        return None
