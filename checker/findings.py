"""Findings: what is wrong, where, and (when known) what to change.

A finding is an instance of a rule; rules.py is the registry of every rule.
"""

from __future__ import annotations

from enum import Enum

from .records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any


class Location(NamedTuple):
    """A 1-based line and column in a file (a tuple: made for every value loaded, so it must be cheap)."""

    line: int
    column: int

    @classmethod
    def of(cls, mark: Any) -> Location:
        return cls(mark.line + 1, mark.column + 1)


ERROR, WARNING, NOTE = "error", "warning", "note"


class Category(Enum):
    """What a rule is about; an `invalid` finding means the spec could not be checked."""

    INVALID = "invalid"
    BUDGET = "budget"
    MATCH = "match"
    BASE = "base"
    TORCH = "torch"
    FORMAT = "format"


class Rule(NamedTuple):
    """One kind of finding: its code, name, category, severity and help (rules.py lists them all)."""

    code: str
    name: str
    category: Category
    help: str
    severity: str = ERROR
    fix_priority: int = 0  # which suggestion --fix writes when several name the same var: higher wins


class Suggestion(NamedTuple):
    """A value to write for a var, and the count it gives."""

    var: str
    value: float  # a whole number for a var; --fix writes it as it is
    params: int


class Related(NamedTuple):
    """A second place in the same file that the finding is about (where a block is used, say)."""

    message: str
    location: Location


class Finding(NamedTuple):
    """One problem found in a spec, where it was written, and what would fix it."""

    rule: Rule
    message: str
    location: Location
    suggestion: Suggestion | None = None
    notes: tuple[str, ...] = ()  # extra lines for people (the largest parts, ...)
    related: tuple[Related, ...] = ()

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def invalid(self) -> bool:
        """The spec could not be checked: it is invalid, not over a budget."""
        return self.rule.category is Category.INVALID

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "line": self.location.line,
            "column": self.location.column,
        }
        if self.related:
            data["related"] = [
                {"message": related.message, "line": related.location.line, "column": related.location.column}
                for related in self.related
            ]
        if self.suggestion is not None:
            data["suggestion"] = {
                "var": self.suggestion.var,
                "value": self.suggestion.value,
                "params": self.suggestion.params,
            }
        return data


class SpecError(Exception):
    """Raised inside the core when a spec is invalid; carries its finding."""

    def __init__(self, rule: Rule, message: str, location: Location):
        super().__init__(message)
        self.finding = Finding(rule, message, location)
        # Its location is in the spec's own file, where the user wrote the line: a preset whose body the
        # error passes through on its way up (a block replaced by `extends`) leaves it there.
        self.settled = False

    def related_to(self, message: str, location: Location) -> SpecError:
        """This error, also pointing at `location`; a finding keeps the first place it was related to."""
        if not self.finding.related:
            self.finding = self.finding._replace(related=(Related(message, location),))
        return self
