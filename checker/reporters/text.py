"""Text for people: `file:line:col: CODE message` per finding, a line per spec, a summary."""

from __future__ import annotations

from ..checks.check import FileResult, SpecResult
from ..findings import Category, Finding
from ..language.budgets import Budget
from ..language.units import format_bytes, format_change, format_count
from . import Reporter, Summary
from .escaping import escaped, quoted


class TextReporter(Reporter):
    def report(self, files: list[FileResult]) -> None:
        for file in files:
            for spec in file.specs:
                self._spec(spec)
        summary = Summary.of(files)
        parts = [
            f"{summary.checked} spec{'s' if summary.checked != 1 else ''} checked: {summary.passed} passed",
            f"{summary.failed} failed",
            f"{summary.invalid} invalid",
        ]
        waiting = summary.unchecked - summary.not_models  # what --torch found to be no model waits for nothing
        if waiting:
            parts.append(f"{waiting} not counted without --torch")
        if summary.not_models:
            parts.append(f"{summary.not_models} not {'a model' if summary.not_models == 1 else 'models'}")
        if summary.skipped:
            parts.append(f"{summary.skipped} other YAML documents skipped")
        self.stream.write(", ".join(parts) + "\n")

    def _spec(self, spec: SpecResult) -> None:
        for finding in spec.findings:
            where = f"{quoted(spec.file)}:{finding.location.line}:{finding.location.column}"
            severity = "" if finding.severity == "error" else f"{finding.severity}: "
            self.stream.write(f"{where}: {finding.code} {severity}{escaped(finding.message)}\n")
            for line in finding_details(finding, spec.file):
                self.stream.write(f"    {line}\n")
        if spec.status == "pass" and self.quiet:
            return
        self.stream.write(f"{quoted(spec.file)}: {quoted(spec.name)}: {describe_count(spec)}: {spec.status}\n")


def finding_details(finding: Finding, file: str) -> list[str]:
    """The lines under a finding: the other places it is about, its notes, then what to change, each escaped."""
    lines = [
        f"{quoted(file)}:{related.location.line}:{related.location.column}: {escaped(related.message)}"
        for related in finding.related
    ]
    lines += [escaped(note) for note in finding.notes]
    if finding.suggestion is not None:
        s = finding.suggestion
        fix = " (--fix writes it)" if finding.severity == "error" else ""
        lines.append(f"suggestion: {quoted(s.var)}: {s.value} gives {format_count(s.params)} params{fix}")
    return lines


def describe_count(spec: SpecResult) -> str:
    """`552 params, budget ≤ 600` — the spec's count beside its budget."""
    if spec.params is None:
        return "not counted"
    text = f"{format_count(spec.params)} params"
    if spec.trainable is not None and spec.trainable != spec.params:
        text += f" ({format_count(spec.trainable)} trainable)"
    if spec.tree is not None and spec.tree.idle:
        text += f" ({format_count(spec.tree.active)} active)"
    if spec.base is not None:
        text += f" ({change_since_base(spec)})"
    if spec.budget is not None:
        text += f", budget {describe_budget(spec.budget)}"
    if spec.torch_params == spec.params and not any(f.rule.category is Category.TORCH for f in spec.findings):
        text += f", confirmed with torch: {format_count(spec.torch_params)}"
    return text


def describe_budget(budget: Budget) -> str:
    """Every limit the budget sets: `≤ 600, trainable ≤ 100, memory ≤ 2.00 KiB (bfloat16)`."""
    limits = []
    if budget.params is not None:
        limits.append(budget.params.describe(format_count))
    if budget.trainable is not None:
        limits.append(f"trainable {budget.trainable.describe(format_count)}")
    if budget.non_embedding is not None:
        limits.append(f"non-embedding {budget.non_embedding.describe(format_count)}")
    if budget.active is not None:
        limits.append(f"active {budget.active.describe(format_count)}")
    if budget.memory is not None:
        dtype = f" ({budget.memory_dtype})" if budget.memory_dtype else ""
        limits.append(f"memory {budget.memory.describe(format_bytes)}{dtype}")
    return ", ".join(limits)


def change_since_base(spec: SpecResult) -> str:
    """`552 at main → +544, +98.6%`, or `new since main`."""
    base = quoted(spec.base or "")
    if spec.base_params is None or spec.params is None:
        return f"new since {base}"
    return f"{format_count(spec.base_params)} at {base}: {format_change(spec.base_params, spec.params)}"
