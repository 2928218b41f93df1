"""Reporters turn check results into output: one class per format.

They are imported only when used, so the default path stays light.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TextIO

from ..check import FileResult

FORMATS = {
    "text": "checker.reporters.text:TextReporter",
    "json": "checker.reporters.json:JsonReporter",
}


@dataclass(frozen=True)
class Summary:
    checked: int
    passed: int
    failed: int  # specs that fail a check or are invalid
    errors: int  # of which invalid
    skipped: int  # YAML documents that are not specs

    @classmethod
    def of(cls, files: list[FileResult]) -> Summary:
        statuses = [spec.status for file in files for spec in file.specs]
        return cls(
            checked=len(statuses),
            passed=statuses.count("pass"),
            failed=len(statuses) - statuses.count("pass"),
            errors=statuses.count("error"),
            skipped=sum(file.skipped for file in files),
        )


class Reporter:
    """Writes the results of a check run to a stream."""

    def __init__(self, stream: TextIO, quiet: bool = False):
        self.stream = stream
        self.quiet = quiet

    def report(self, files: list[FileResult]) -> None:
        raise NotImplementedError


def reporter_for(format_name: str, stream: TextIO, quiet: bool = False) -> Reporter:
    module_name, class_name = FORMATS[format_name].split(":")
    return getattr(import_module(module_name), class_name)(stream, quiet)
