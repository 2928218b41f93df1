"""What `--fix` did: a line for each edit, `file:line:col: fixed var: old -> new`, or why a spec was not fixed."""

from __future__ import annotations

from collections.abc import Iterable

from ..project.fixing import Fixed
from ..records import TYPE_CHECKING
from .escaping import escaped, quoted

if TYPE_CHECKING:
    from typing import TextIO


def write_fixes(fixes: Iterable[Fixed], stream: TextIO) -> None:
    for fix in fixes:
        if fix.problem is not None:
            stream.write(f"{quoted(str(fix.path))}: {quoted(fix.spec)}: not fixed: {escaped(fix.problem)}\n")
        for edit in fix.edits:
            where = f"{quoted(str(fix.path))}:{edit.location.line}:{edit.location.column}"
            stream.write(f"{where}: fixed {quoted(edit.var)}: {escaped(str(edit.old))} -> {escaped(str(edit.new))}\n")
