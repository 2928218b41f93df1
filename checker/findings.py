"""Findings: what is wrong, where, and (when known) what to change.

Codes are stable. They are grouped by kind: BC0xx the file or the spec is
invalid, BC1xx a budget fails, BC2xx a matched width drifts, BC3xx torch
disagrees. Each code has a short rule name and a help text, which the
reporters (SARIF rules, `--explain`-style docs) reuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .language.loader import Location


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    help: str


RULES = {
    rule.code: rule
    for rule in (
        Rule("BC001", "yaml-syntax", "The file is not valid YAML."),
        Rule("BC002", "duplicate-key", "A mapping has the same key twice; YAML keeps only one, silently."),
        Rule("BC003", "unsafe-tag", "Specs hold plain data: YAML tags such as !!python/object are refused."),
        Rule("BC004", "too-many-nodes", "The document, with what its aliases expand to, is past the size limit "
                                        "(a YAML bomb)."),
        Rule("BC005", "not-text", "The file is binary or not UTF-8 text."),
        Rule("BC006", "too-deep", "The document or model nests past the depth limit."),
        Rule("BC007", "unreadable", "The file cannot be read."),
        Rule("BC008", "internal-error", "budget-check failed on this file; please report it."),
        Rule("BC010", "unknown-key", "A key is not part of the spec language (use an `x-` prefix for your own)."),
        Rule("BC011", "invalid-value", "A value has the wrong type or cannot be computed."),
        Rule("BC012", "unknown-layer", "A node names no torch layer, block or preset."),
        Rule("BC013", "unknown-argument", "A layer or block is given an argument it does not take."),
        Rule("BC014", "missing-argument", "A layer or block lacks a required argument."),
        Rule("BC015", "unknown-size", "An input size is omitted where the running size is unknown."),
        Rule("BC016", "invalid-layer", "torch would refuse to build this layer with these arguments."),
        Rule("BC017", "block-cycle", "Blocks use each other in a cycle."),
        Rule("BC018", "require-failed", "A block's `require` condition does not hold."),
        Rule("BC019", "invalid-tie", "A `tie` names no earlier layer, or the shapes of the shared parameters differ."),
        Rule("BC020", "size-mismatch", "The branches of a `parallel` produce different sizes."),
        Rule("BC100", "invalid-budget", "The budget cannot be read."),
        Rule("BC101", "over-budget", "The parameter count is over the maximum."),
        Rule("BC102", "under-budget", "The parameter count is under the minimum."),
        Rule("BC103", "off-target", "The parameter count is outside the target's tolerance."),
        Rule("BC104", "trainable-budget", "The trainable parameter count breaks its budget."),
        Rule("BC105", "memory-budget", "Parameter memory breaks its budget."),
        Rule("BC200", "invalid-match", "The `match` key cannot be read."),
        Rule("BC201", "match-drift", "The count has drifted from the reference past the tolerance."),
        Rule("BC202", "base-drift", "A var changed since the base revision and moved the count (a note)."),
        Rule("BC300", "invalid-torch-key", "The `torch` key cannot be read."),
        Rule("BC301", "torch-nn-mismatch", "torch.nn builds the spec with another count than budget-check's."),
        Rule("BC302", "module-mismatch", "The user's module has another count than the spec."),
        Rule("BC303", "import-failed", "The `torch.target` cannot be imported."),
        Rule("BC304", "build-failed", "The `torch.target` raised while building the module."),
        Rule("BC305", "not-a-module", "The `torch.target` did not return a torch.nn.Module."),
        Rule("BC306", "uncountable", "The module has parameters that only a forward pass sizes (lazy modules)."),
        Rule("BC307", "torch-crashed", "Building the module crashed or timed out the torch worker."),
    )
}


@dataclass(frozen=True)
class Suggestion:
    """A value to write for a var, and the count it gives."""

    var: str
    value: int
    params: int


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    location: Location
    severity: str = "error"
    suggestion: Suggestion | None = None
    notes: tuple = field(default=())  # extra lines for people (the largest parts, ...)

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "line": self.location.line,
            "column": self.location.column,
        }
        if self.suggestion is not None:
            data["suggestion"] = {
                "var": self.suggestion.var,
                "value": self.suggestion.value,
                "params": self.suggestion.params,
            }
        return data


class SpecError(Exception):
    """Raised inside the core when a spec is invalid; carries its finding."""

    def __init__(self, code: str, message: str, location: Location):
        super().__init__(message)
        self.finding = Finding(code, message, location)
