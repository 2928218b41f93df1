"""`budget-check init`: a first budget for every spec that has none, at its count plus a margin.

The budget goes at the end of the spec's document, as a line of its own, so
that nothing else in the file changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..checks.check import SpecResult
from ..language.loader import LoadError, YamlMapping, load_documents
from .fixing import FixError, read_for_edit, write_file

_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "k"))


@dataclass(frozen=True)
class NewBudget:
    spec: str
    budget: str | None  # None: it could not be added in place
    params: int


def first_budget(params: int, margin: Fraction) -> str:
    """The count plus the margin, rounded up to three significant digits: 124,439,808 + 10% -> "137M"."""
    limit = math.ceil(params * (1 + margin))
    for size, unit in _UNITS:
        if limit >= size:
            step = 10 ** max(0, len(str(limit)) - 3)
            rounded = -(-limit // step) * step
            value = Fraction(rounded, size)
            text = f"{float(value):.3f}".rstrip("0").rstrip(".")
            return f"{text}{unit}"
    return str(limit)


def add_budgets(path: Path, specs: Sequence[SpecResult], margin: Fraction) -> list[NewBudget]:
    """Write a budget into each counted spec of `path` that has none; the file is written once.

    Raises FixError when the file cannot be read or written as `--fix` would (nothing is written then).
    """
    counted = [spec for spec in specs if spec.tree is not None]
    if not counted:
        return []
    target, bom, text = read_for_edit(path)
    try:
        ends = {d.number: (d.end, d.value) for d in load_documents(text)}
    except LoadError:
        raise FixError("the file changed since it was checked") from None
    added = []
    for spec in sorted(counted, key=lambda s: s.document, reverse=True):  # from the end: offsets stay true
        if spec.document not in ends:
            raise FixError("the file changed since it was checked")
        end, document = ends[spec.document]
        params = spec.params
        if not isinstance(document, YamlMapping) or "budget" in document or params is None:
            continue
        budget = first_budget(params, margin)
        line = f"budget: {budget}  # budget-check init: {params:,} params + {float(margin * 100):g}%"
        changed = _insert_line(text, end, line)
        if _reads_back(changed, spec.document, budget):
            text = changed
            added.append(NewBudget(spec.name, budget, params))
        else:  # a flow-style document, say: appending a line would not add a key to it
            added.append(NewBudget(spec.name, None, params))
    if any(new.budget for new in added):
        write_file(target, bom + text.encode("utf-8"))
    return list(reversed(added))


def _reads_back(text: str, number: int, budget: str) -> bool:
    try:
        document = next(d.value for d in load_documents(text) if d.number == number)
    except (LoadError, StopIteration):
        return False
    return isinstance(document, YamlMapping) and str(document.get("budget")) == budget


def _insert_line(text: str, offset: int, line: str) -> str:
    before, after = text[:offset], text[offset:]
    newline = "\r\n" if "\r\n" in text else "\n"
    if before and not before.endswith(("\n", "\r")):
        before += newline
    return f"{before}{line}{newline}{after}"
