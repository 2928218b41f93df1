"""Reporters turn check results into output: one class per format.

They are imported only when used, so the default path stays light.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from .. import rules
from ..checks.check import FileResult, SpecResult
from ..records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import TextIO

FORMATS = {
    "text": "checker.reporters.text:TextReporter",
    "json": "checker.reporters.json:JsonReporter",
    "github": "checker.reporters.github:GithubReporter",
    "sarif": "checker.reporters.sarif:SarifReporter",
}


class Summary(NamedTuple):
    """How many specs passed, failed or were invalid, for the last line of a report."""

    checked: int
    passed: int
    failed: int  # specs that fail a check
    invalid: int  # specs that cannot be checked
    skipped: int  # YAML documents that are not specs
    unchecked: int = 0  # foreign models only --torch can count
    not_models: int = 0  # of those, the configs --torch built and found no model in (a data module's)

    @classmethod
    def of(cls, files: list[FileResult]) -> Summary:
        statuses = [spec.status for file in files for spec in file.specs]
        return cls(
            checked=len(statuses),
            passed=statuses.count("pass"),
            failed=statuses.count("fail"),
            invalid=statuses.count("error"),
            skipped=sum(file.skipped for file in files),
            unchecked=statuses.count("unchecked"),
            not_models=sum(not_a_model(spec) for file in files for spec in file.specs),
        )


def not_a_model(spec: SpecResult) -> bool:
    """Whether --torch built the config and found it builds no model, so that there is nothing to count."""
    return spec.status == "unchecked" and any(finding.rule is rules.NOT_A_MODEL for finding in spec.findings)


def path_in_repository(file: str, root: Path) -> str | None:
    """`file` (as given on the command line) from the repository root, with forward slashes;
    None outside it. GitHub places annotations and code-scanning results by this path."""
    path = Path.cwd() / file  # an absolute `file` stays as it is
    # Folders resolved as the root is, so that the two compare; the file itself is not,
    # since a linked spec belongs where the link is.
    path = path.parent.resolve() / path.name
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


class Reporter:
    """Writes the results of a check run to a stream."""

    shows_other_counts = False  # whether it prints a format's other counts (Ultralytics' fused one): they cost a count

    def __init__(self, stream: TextIO, quiet: bool = False):
        self.stream = stream
        self.quiet = quiet

    def report(self, files: list[FileResult]) -> None:
        raise NotImplementedError


def reporter_for(format_name: str, stream: TextIO, quiet: bool = False) -> Reporter:
    module_name, class_name = FORMATS[format_name].split(":")
    reporter: type[Reporter] = getattr(import_module(module_name), class_name)
    return reporter(stream, quiet)
