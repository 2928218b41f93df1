"""Budgets: reading `budget:` and checking counts against it.

budget: 125M                  a maximum
budget: 552 ± 2%              a target with a tolerance ("+-" works too)
budget: {min: 1M, max: 1.2M}
budget: <= 125M                a maximum, as budget-check prints it (also ≤; >= and ≥ for a minimum)
budget: {max: 7B, trainable: {max: 20M}, memory: {max: 16GiB, dtype: bfloat16}}
budget: {max: 50B, active: 13B, non_embedding: {max: 47B}}

Counts may be written 125M, 1.5B, 5e6 or 5,000,000. The tables below (see
validation.py) say every key, and schema.py writes the JSON Schema from them.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import rules
from ..findings import Finding, Rule, SpecError
from ..patterns import pattern
from ..records import TYPE_CHECKING, NamedTuple
from .loader import Location
from .units import (
    DTYPE_BITS,
    UnitError,
    dtype_bytes,
    format_bytes,
    format_count,
    parse_bytes,
    parse_count,
    read_percent,
)
from .validation import START, Invalid, Key, Kind, Table, choice, mapping_of, read_value

if TYPE_CHECKING:
    from fractions import Fraction
    from typing import Any

# Compiled on first use (checker/patterns.py): most runs read no budget written as text.
_TARGET = r"\s*(?P<target>.+?)\s*(?:±|\+-|\+/-)\s*(?P<tolerance>.+?)\s*"
_BOUND = r"\s*(?P<sign><=|≤|>=|≥)\s*(?P<amount>.+?)\s*"
LIMIT_KEYS = ("min", "max", "target", "tolerance")


class Tolerance(NamedTuple):
    """How far from a target a value may be: a percentage of it, or an amount."""

    percent: Fraction | int | None = None  # 2 for 2% (a whole percentage needs no Fraction, so no import)
    absolute: int | None = None

    def allowed(self, target: int) -> Fraction:
        from fractions import Fraction

        return Fraction(self.percent) * target / 100 if self.percent is not None else Fraction(self.absolute or 0)

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{float(self.percent):g}%"
        return format_count(self.absolute or 0)


class Limits(NamedTuple):
    """The bounds on one quantity, each with where it was written."""

    min: int | None = None
    max: int | None = None
    target: int | None = None
    tolerance: Tolerance | None = None
    min_location: Location | None = None
    max_location: Location | None = None
    target_location: Location | None = None

    def to_json(self) -> dict[str, Any]:
        """The bounds; `tolerance` is the allowed distance from the target, in the same unit."""
        tolerance = None
        if self.target is not None:
            allowed = (self.tolerance or Tolerance(absolute=0)).allowed(self.target)
            tolerance = int(allowed) if allowed.denominator == 1 else float(allowed)
        return {"min": self.min, "max": self.max, "target": self.target, "tolerance": tolerance}

    def describe(self, show: Callable[[int], str]) -> str:
        """The budget in short: `≤ 125,000,000`, `552 ± 2%`, `1,000 – 2,000`."""
        parts = []
        if self.target is not None:
            parts.append(f"{show(self.target)} ± {self.tolerance or 0}")
        if self.min is not None and self.max is not None:
            parts.append(f"{show(self.min)} – {show(self.max)}")
        elif self.max is not None:
            parts.append(f"≤ {show(self.max)}")
        elif self.min is not None:
            parts.append(f"≥ {show(self.min)}")
        return ", ".join(parts)


class Budget(NamedTuple):
    """The limits a spec sets on its parameters, trainable parameters and memory."""

    params: Limits | None = None
    trainable: Limits | None = None
    memory: Limits | None = None
    memory_dtype: str | None = None
    non_embedding: Limits | None = None
    active: Limits | None = None


# ------------------------------------------------------------------ reading
def _amount(parse: Callable[[Any], int], words: str, examples: list[str]) -> Kind:
    """A count or a byte size, read by `parse`."""

    def read(value: Any, at: Location, context: Any) -> int:
        try:
            return parse(value)
        except UnitError as error:
            raise Invalid(f"cannot be read: {error}") from None

    return Kind(words, {"type": ["number", "string"], "minimum": 0, "examples": examples}, read)


COUNT = _amount(parse_count, "a count (125M, 1.5B, 5,000,000)", ["125M", "1.5B"])
BYTES = _amount(parse_bytes, "a memory size (16GiB, 500MB)", ["16GiB", "500MB"])


def tolerance_kind(parse: Callable[[Any], int]) -> Kind:
    """A percentage of the target (2%), or an amount in the unit of `parse`."""

    def read(value: Any, at: Location, context: Any) -> Tolerance:
        try:
            return parse_tolerance(parse, value)
        except UnitError as error:
            raise Invalid(f"cannot be read: {error}") from None

    return Kind("a percentage (2%) or an amount", {"type": ["number", "string"], "examples": ["2%"]}, read)


def _scalar_limits(parse: Callable[[Any], int]) -> Callable[[Any, Location, Any], Limits]:
    """The short forms: a maximum (`125M`, `<= 125M`), a minimum (`>= 1M`), or `target ± tolerance`."""

    def read(value: Any, at: Location, context: Any) -> Limits:
        try:
            if isinstance(value, str):
                bound = pattern(_BOUND).fullmatch(value)
                if bound is not None and bound.group("sign") in ("<=", "≤"):
                    return Limits(max=parse(bound.group("amount")), max_location=at)
                if bound is not None:
                    return Limits(min=parse(bound.group("amount")), min_location=at)
                target = pattern(_TARGET).fullmatch(value)
                if target is not None:
                    tolerance = parse_tolerance(parse, target.group("tolerance"))
                    return Limits(target=parse(target.group("target")), tolerance=tolerance, target_location=at)
            return Limits(max=parse(value), max_location=at)
        except UnitError as error:
            raise Invalid(f"cannot be read: {error}") from None

    return read


def _limits_keys(amount: Kind, parse: Callable[[Any], int]) -> tuple[Key, ...]:
    return (
        Key("min", amount, "At least this much."),
        Key("max", amount, "At most this much."),
        Key("target", amount, "This much, within `tolerance`."),
        Key(
            "tolerance",
            tolerance_kind(parse),
            "How far from `target` is allowed: a percentage (2%) or an amount; 0 by default.",
            needs=("target",),
        ),
    )


def _limits(values: dict[str, Any], mapping: Any, context: Any) -> Limits:
    locations = getattr(mapping, "value_locations", {})  # a TOML table has none: its findings are at its start
    where = getattr(mapping, "location", START)
    limits = Limits(
        min=values["min"],
        max=values["max"],
        target=values["target"],
        tolerance=values["tolerance"],
        min_location=locations.get("min", where),
        max_location=locations.get("max", where),
        target_location=locations.get("target", where),
    )
    if limits.min is not None and limits.max is not None and limits.min > limits.max:
        raise SpecError(
            rules.INVALID_BUDGET, f"budget min {limits.min:,} is above max {limits.max:,}", locations.get("min", where)
        )
    return limits


def _limits_table(name: str, amount: Kind, parse: Callable[[Any], int], *extra: Key, **options: Any) -> Table:
    return Table(
        name,
        keys=(*_limits_keys(amount, parse), *extra),
        rule=rules.INVALID_BUDGET,
        unknown=rules.INVALID_BUDGET,
        at_least_one=("min", "max", "target"),
        **options,
    )


_SHORT_FORMS = "a count (125M), `<= 125M`, `>= 1M`, `552 ± 2%`"


def _count_key(name: str, description: str) -> Key:
    """A budget key that limits one more count, written in the same forms as the budget."""
    table = _limits_table(
        f"budget.{name}",
        COUNT,
        parse_count,
        description="Limits on a count, in the forms of the budget.",
        build=_limits,
        schema_name="budget.count",
    )
    forms = f"{_SHORT_FORMS}, or a mapping of min, max, target, tolerance"
    return Key(name, mapping_of(table, forms, _scalar_limits(parse_count), schema=COUNT.schema), description)


MEMORY = _limits_table(
    "budget.memory",
    BYTES,
    parse_bytes,
    Key("dtype", choice(DTYPE_BITS), "The dtype that sets the bytes per parameter; by default the spec's `dtype`."),
    description="Limits on parameter memory: a byte size (16GiB, 500MB) or a mapping.",
    build=lambda values, mapping, context: (_limits(values, mapping, context), values["dtype"]),
)


def _budget(values: dict[str, Any], mapping: Any, context: Any) -> Budget:
    memory, memory_dtype = values["memory"] or (None, None)
    counts = ("trainable", "non_embedding", "active")
    has_params = any(key in mapping for key in LIMIT_KEYS) or (
        memory is None and all(values[key] is None for key in counts)
    )
    return Budget(
        params=_limits(values, mapping, context) if has_params else None,
        trainable=values["trainable"],
        memory=memory,
        memory_dtype=memory_dtype,
        non_embedding=values["non_embedding"],
        active=values["active"],
    )


BUDGET_TABLE = Table(
    "budget",
    keys=(
        *_limits_keys(COUNT, parse_count),
        _count_key("trainable", "Limits on the trainable count, in the same forms."),
        _count_key(
            "non_embedding",
            "Limits on the count without the embedding tables (tokens, positions), in the same forms.",
        ),
        _count_key(
            "active",
            "Limits on the count one token uses (all but the routed experts its router skips), in the same forms.",
        ),
        Key(
            "memory",
            mapping_of(
                MEMORY,
                "a memory size (16GiB), `<= 16GiB`, or a mapping of min, max, target, tolerance, dtype",
                lambda value, at, context: (_scalar_limits(parse_bytes)(value, at, context), None),
                schema=BYTES.schema,
            ),
            "Limits on parameter memory: the count times the bytes of `dtype`.",
        ),
    ),
    rule=rules.INVALID_BUDGET,
    unknown=rules.INVALID_BUDGET,
    at_least_one=(*LIMIT_KEYS[:3], "trainable", "non_embedding", "active", "memory"),
    description="The parameter budget as a mapping.",
    build=_budget,
)
BUDGET = mapping_of(
    BUDGET_TABLE,
    f"{_SHORT_FORMS}, or a mapping of min, max, target, tolerance, trainable, non_embedding, active, memory",
    lambda value, at, context: Budget(params=_scalar_limits(parse_count)(value, at, context)),
    schema={"type": ["number", "string"], "examples": ["125M", "552 ± 2%", "<= 20M"]},
)


def parse_budget(raw: Any, location: Location) -> Budget | None:
    """A budget written on its own (under no table): raises SpecError, with every problem found."""
    try:
        budget: Budget = read_value(BUDGET, raw, location)
        return budget
    except Invalid as problem:
        raise SpecError(rules.INVALID_BUDGET, f"budget {problem}", location) from None


def parse_tolerance(parse: Callable[[Any], int], raw: Any) -> Tolerance:
    """`2%` (of the target) or an amount in the unit of `parse`; raises UnitError."""
    if isinstance(raw, str) and raw.strip().endswith("%"):
        return Tolerance(percent=read_percent(raw) * 100)
    return Tolerance(absolute=parse(raw))


# ------------------------------------------------------------------ checks
class Quantity(NamedTuple):
    """What a limit is checked on: its value, its wording, its codes (over, under, off target)."""

    value: int
    noun: str
    codes: tuple[Rule, Rule, Rule]
    show: Callable[[int], str] = format_count


def check_limits(limits: Limits, quantity: Quantity) -> list[Finding]:
    """A finding for each bound the value breaks, saying by how much."""
    value, show, noun = quantity.value, quantity.show, quantity.noun
    over, under, off_target = quantity.codes
    findings = []
    if limits.max is not None and value > limits.max:
        excess = value - limits.max
        findings.append(
            Finding(
                over,
                f"{show(value)} {noun} is over the budget of {show(limits.max)} by {show(excess)} "
                f"({_percent(excess, limits.max)})",
                _written_at(limits.max_location),
            )
        )
    if limits.min is not None and value < limits.min:
        shortfall = limits.min - value
        findings.append(
            Finding(
                under,
                f"{show(value)} {noun} is under the minimum of {show(limits.min)} by {show(shortfall)} "
                f"({_percent(-shortfall, limits.min)})",
                _written_at(limits.min_location),
            )
        )
    if limits.target is not None:
        tolerance = limits.tolerance or Tolerance(absolute=0)
        off = value - limits.target
        if abs(off) > tolerance.allowed(limits.target):
            findings.append(
                Finding(
                    off_target,
                    f"{show(value)} {noun} is off the target of {show(limits.target)} ± {tolerance} "
                    f"by {'+' if off > 0 else '-'}{show(abs(off))} ({_percent(off, limits.target)})",
                    _written_at(limits.target_location),
                )
            )
    return findings


def _written_at(location: Location | None) -> Location:
    """Where a bound stands: every bound read from a spec has a location, set with it."""
    assert location is not None, "a bound without a location"
    return location


def _percent(part: int, whole: int) -> str:
    if whole == 0:
        return "the budget is zero"
    return f"{100 * part / whole:+.1f}%"


def check_budget(
    budget: Budget, params: int, trainable: int, default_dtype: str, non_embedding: int = 0, active: int = 0
) -> list[Finding]:
    """All budget findings for a model with these counts."""
    findings = []
    if budget.params is not None:
        findings += check_limits(
            budget.params, Quantity(params, "params", (rules.OVER_BUDGET, rules.UNDER_BUDGET, rules.OFF_TARGET))
        )
    if budget.trainable is not None:
        findings += check_limits(
            budget.trainable, Quantity(trainable, "trainable params", (rules.TRAINABLE_BUDGET,) * 3)
        )
    if budget.non_embedding is not None:
        findings += check_limits(
            budget.non_embedding, Quantity(non_embedding, "non-embedding params", (rules.NON_EMBEDDING_BUDGET,) * 3)
        )
    if budget.active is not None:
        findings += check_limits(budget.active, Quantity(active, "active params", (rules.ACTIVE_BUDGET,) * 3))
    if budget.memory is not None:
        dtype = budget.memory_dtype or default_dtype
        memory = dtype_bytes(params, dtype)
        findings += check_limits(
            budget.memory,
            Quantity(memory, f"of {dtype} parameter memory", (rules.MEMORY_BUDGET,) * 3, show=format_bytes),
        )
    return findings
