"""GitHub Actions: an annotation per finding, then the text log, and a table in the step summary.

Annotations are workflow commands (`::error file=F,line=L,col=C,title=T::message`).
GitHub shows only ten of them per step, so each one repeats its location in its
text, and the full log after them has every finding.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from ..checks.check import FileResult, SpecResult
from ..findings import Finding
from ..language.units import format_change, format_count
from ..project.config import project_root
from ..records import TYPE_CHECKING
from . import Reporter, Summary, not_a_model, path_in_repository
from .escaping import escaped, printable, quoted
from .text import TextReporter, describe_budget, finding_details

if TYPE_CHECKING:
    from typing import TextIO

ANNOTATION_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}
STATUS_CELLS = {"pass": "✅ pass", "fail": "❌ fail", "error": "⚠️ error", "unchecked": "➖ needs --torch"}
NO_VALUE = "—"


class GithubReporter(Reporter):
    def __init__(self, stream: TextIO, quiet: bool = False, *, environ: Mapping[str, str] | None = None):
        super().__init__(stream, quiet)
        self.environ = os.environ if environ is None else environ

    def report(self, files: list[FileResult]) -> None:
        root = project_root(Path.cwd())
        for file in files:
            for spec in file.specs:
                for finding in spec.findings:
                    self.stream.write(annotation(spec.file, finding, root) + "\n")
        TextReporter(self.stream, self.quiet).report(files)
        summary_file = self.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            # Appended: other steps' tools, or an earlier run in this step, may have written there.
            try:
                with open(summary_file, "a", encoding="utf-8") as summary:
                    summary.write(step_summary(files))
            except OSError as error:
                print(f"budget-check: cannot write the step summary: {error}", file=sys.stderr)


def annotation(file: str, finding: Finding, root: Path) -> str:
    """A workflow command; GitHub places it by the file's path in the repository."""
    line, column = finding.location.line, finding.location.column
    properties = {
        "file": path_in_repository(file, root) or file,
        "line": line,
        "col": column,
        "title": f"{finding.code} {finding.rule.name}",
    }
    written = ",".join(f"{key}={escape_property(printable(str(value)))}" for key, value in properties.items())
    message = "\n".join(
        [f"{quoted(file)}:{line}:{column}: {escaped(finding.message)}", *finding_details(finding, file)]
    )
    return f"::{ANNOTATION_COMMANDS[finding.severity]} {written}::{escape_data(message)}"


# As @actions/core escapes commands: the runner would otherwise end the command at a newline,
# and cut the properties at `,` and `:`.
def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def step_summary(files: list[FileResult]) -> str:
    summary = Summary.of(files)
    lines = [
        "### budget-check",
        "",
        "| spec | params | budget | change vs base | status |",
        "| --- | ---: | --- | ---: | --- |",
        *(summary_row(spec) for file in files for spec in file.specs),
        "",
        f"{summary.passed} passed, {summary.failed} failed, {summary.invalid} invalid",
    ]
    return "\n".join(lines) + "\n"


def summary_row(spec: SpecResult) -> str:
    cells = (
        f"{markdown_code(spec.name)} ({markdown_code(spec.file)})",
        NO_VALUE if spec.params is None else format_count(spec.params),
        NO_VALUE if spec.budget is None else describe_budget(spec.budget),
        change_vs_base(spec),
        "➖ not a model" if not_a_model(spec) else STATUS_CELLS[spec.status],
    )
    # A `|` would end its cell, even inside a code span.
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def markdown_code(text: str) -> str:
    """`text` as a Markdown code span, on one line, whatever backticks it holds."""
    shown = escaped(text)
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", shown)), default=0))
    padding = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{padding}{shown}{padding}{fence}"


def change_vs_base(spec: SpecResult) -> str:
    """`552 → 1,096 (+544, +98.6%)`: the count at the base revision, and now; `new` if the spec was not there."""
    before, after = spec.base_params, spec.params
    if before is None:
        return NO_VALUE if spec.base is None else "new"
    if after is None:
        return f"{format_count(before)} → {NO_VALUE}"
    return f"{format_count(before)} → {format_count(after)} ({format_change(before, after)})"
