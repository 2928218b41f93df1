"""Output of `budget-check match`: one solution, or a sweep table."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..checks.check import SpecResult
from ..checks.solving import CLOSEST, Solution
from ..checks.suggestions import fits, no_fit_text
from ..language.budgets import Tolerance
from ..records import TYPE_CHECKING
from .escaping import escaped, json_text, quoted

if TYPE_CHECKING:
    from typing import Any, TextIO


@dataclass
class MatchReport:
    spec: SpecResult
    vary: str
    sets: dict[str, Any]
    solution: Solution | None = None
    rows: list[tuple[str, float, Solution]] = field(default_factory=list)
    tolerance: Tolerance | None = None  # how far the one solution may be from the reference

    @property
    def reference(self) -> int:
        """The count to keep: the spec's own (the match command takes counted specs only)."""
        return self.spec.params or 0

    @property
    def found(self) -> bool:
        if self.solution is not None:
            return self.solution.value is not None
        return all(solution.value is not None for _, _, solution in self.rows)

    @property
    def within_tolerance(self) -> bool:
        """Whether the one solution keeps the reference within the tolerance (when there is one)."""
        if self.tolerance is None or self.solution is None or self.solution.value is None:
            return True
        return fits(self.solution, CLOSEST, self.tolerance.allowed(self.reference))

    def add_row(self, var: str, depth: float, solution: Solution) -> None:
        self.rows.append((var, depth, solution))

    def write(self, stream: TextIO, format_name: str) -> None:
        if format_name == "json":
            stream.write(json_text(self._json()))
        else:
            stream.write(self._text())

    def _json(self) -> dict[str, Any]:
        if self.solution is not None:
            return {**_solution_json(self.solution), "reference": self.reference}
        rows = [{"depth": depth, **_solution_json(solution)} for _, depth, solution in self.rows]
        for row in rows:
            del row["var"]
        return {"var": self.vary, "reference": self.reference, "rows": rows}

    def _text(self) -> str:
        header = f"{quoted(self.spec.name)} ({quoted(self.spec.file)}): {self.reference:,} params as written"
        changes = ", ".join(f"{quoted(var)}={quoted(str(value))}" for var, value in self.sets.items())
        if self.solution is not None:
            text = f"{header}\n{_line(self.solution, changes)}\n"
            if not self.within_tolerance:
                goal = f"keeps {self.reference:,} within ±{self.tolerance}"
                text += escaped(no_fit_text(self.solution, goal)) + " (--fix writes nothing)\n"
            return text
        sweep_var = quoted(self.rows[0][0])
        table = [(sweep_var, quoted(self.vary), "params", "error")]
        notes = []
        for _, depth, solution in self.rows:
            if solution.value is None:
                table.append((str(depth), "-", "-", "-"))
                notes.append(f"{sweep_var}={depth}: {escaped(solution.problem or '')}")
            else:
                table.append((str(depth), str(solution.value), f"{solution.params:,}", solution.error_text))
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in table]
        with_changes = f" (with {changes})" if changes else ""
        return f"{header}; {quoted(self.vary)} for each {sweep_var}{with_changes}:\n" + "\n".join(lines + notes) + "\n"


def _line(solution: Solution, changes: str) -> str:
    where = f"with {changes}: " if changes else ""
    if solution.value is None:
        return f"{where}no value of {quoted(solution.var)}: {escaped(solution.problem or '')}"
    text = (
        f"{where}{quoted(solution.var)} = {solution.value} gives {solution.params:,} params "
        f"({solution.error_text} vs {solution.target:,})"
    )
    if solution.real_width is not None:
        text += f"; the closed form gives {solution.real_width:.4g}"
    if solution.problem:
        text += f"; note: {escaped(solution.problem)}"
    return text


def _solution_json(solution: Solution) -> dict[str, Any]:
    return {
        "var": solution.var,
        "value": solution.value,
        "params": solution.params,
        "error": None if solution.error is None else round(solution.error, 4),
    }
