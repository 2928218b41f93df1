"""JSON for machines, with the stable fields of the command-line design (version 1)."""

from __future__ import annotations

from ..checks.check import FileResult, SpecResult
from ..records import TYPE_CHECKING
from . import Reporter, Summary
from .escaping import json_text

if TYPE_CHECKING:
    from typing import Any


class JsonReporter(Reporter):
    shows_other_counts = True

    def report(self, files: list[FileResult]) -> None:
        summary = Summary.of(files)
        document = {
            "version": 1,
            "specs": [spec_json(spec) for file in files for spec in file.specs],
            "summary": {
                "checked": summary.checked,
                "passed": summary.passed,
                "failed": summary.failed,
                "invalid": summary.invalid,
                "unchecked": summary.unchecked,
                "skipped": summary.skipped,
            },
        }
        self.stream.write(json_text(document))


def spec_json(spec: SpecResult) -> dict[str, Any]:
    budget = spec.budget
    base = {} if spec.base is None else {"base": spec.base, "base_params": spec.base_params}
    return {
        "file": spec.file,
        "name": spec.name,
        "status": spec.status,
        "params": spec.params,
        "trainable": spec.trainable,
        "embedding": None if spec.tree is None else spec.tree.embedding,
        "non_embedding": None if spec.tree is None else spec.tree.non_embedding,
        "active": None if spec.tree is None else spec.tree.active,
        "torch_params": spec.torch_params,
        **{other.key: value for other, value in spec.others},
        "budget": None if budget is None or budget.params is None else budget.params.to_json(),
        "findings": [finding.to_json() for finding in spec.findings],
        **base,
    }
