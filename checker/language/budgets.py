"""Budgets: reading `budget:` and checking counts against it.

budget: 125M                  a maximum
budget: 552 ± 2%              a target with a tolerance ("+-" works too)
budget: {min: 1M, max: 1.2M}
budget: {max: 7B, trainable: {max: 20M}, memory: {max: 16GiB, dtype: bfloat16}}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from .. import rules
from ..findings import Finding, SpecError
from .hints import did_you_mean
from .loader import Location, YamlMapping
from .units import DTYPE_BITS, UnitError, dtype_bytes, format_bytes, format_count, parse_bytes, parse_count

_TARGET = re.compile(r"\s*(?P<target>[^±+]+?)\s*(?:±|\+-|\+/-)\s*(?P<tolerance>.+?)\s*")
LIMIT_KEYS = ("min", "max", "target", "tolerance")


@dataclass(frozen=True)
class Tolerance:
    """How far from a target a value may be: a fraction of it, or an amount."""

    relative: Fraction | None = None
    absolute: int | None = None

    def allowed(self, target: int) -> Fraction:
        return self.relative * target if self.relative is not None else Fraction(self.absolute or 0)

    def __str__(self) -> str:
        if self.relative is not None:
            return f"{float(self.relative * 100):g}%"
        return format_count(self.absolute or 0)


@dataclass(frozen=True)
class Limits:
    """The bounds on one quantity, each with where it was written."""

    min: int | None = None
    max: int | None = None
    target: int | None = None
    tolerance: Tolerance | None = None
    min_location: Location | None = None
    max_location: Location | None = None
    target_location: Location | None = None

    def to_json(self) -> dict:
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


@dataclass(frozen=True)
class Budget:
    params: Limits | None = None
    trainable: Limits | None = None
    memory: Limits | None = None
    memory_dtype: str | None = None


def parse_budget(raw: Any, location: Location) -> Budget | None:
    if raw is None:
        return None
    if isinstance(raw, YamlMapping):
        unknown = [key for key in raw if key not in (*LIMIT_KEYS, "trainable", "memory")]
        if unknown:
            key = unknown[0]
            keys = (*LIMIT_KEYS, "trainable", "memory")
            raise SpecError(
                rules.INVALID_BUDGET, f"unknown budget key {key!r}{did_you_mean(key, keys)}", raw.key_locations[key]
            )
        trainable = raw.get("trainable")
        memory = raw.get("memory")
        memory_dtype = None
        if isinstance(memory, YamlMapping) and "dtype" in memory:
            memory_dtype = memory["dtype"]
            if memory_dtype not in DTYPE_BITS:
                raise SpecError(
                    rules.INVALID_BUDGET,
                    f"unknown dtype {memory_dtype!r}{did_you_mean(memory_dtype, DTYPE_BITS)}",
                    memory.location_of("dtype"),
                )
        has_params = any(key in raw for key in LIMIT_KEYS) or (trainable is None and memory is None)
        return Budget(
            params=_limits(raw, location, parse_count, skip=("trainable", "memory")) if has_params else None,
            trainable=None if trainable is None else _limits(trainable, raw.location_of("trainable"), parse_count),
            memory=None if memory is None else _limits(memory, raw.location_of("memory"), parse_bytes, skip=("dtype",)),
            memory_dtype=memory_dtype,
        )
    return Budget(params=_limits(raw, location, parse_count))


def _limits(raw: Any, location: Location, parse: Callable[[Any], int], skip: tuple = ()) -> Limits:
    """Limits from a scalar (a maximum, or `target ± tolerance`) or a mapping."""
    if not isinstance(raw, YamlMapping):
        match = _TARGET.fullmatch(raw) if isinstance(raw, str) else None
        if match:
            target = _amount(parse, match.group("target"), location)
            tolerance = parse_tolerance(parse, match.group("tolerance"), location)
            return Limits(target=target, tolerance=tolerance, target_location=location)
        return Limits(max=_amount(parse, raw, location), max_location=location)
    for key in raw:
        if key not in LIMIT_KEYS + skip:
            raise SpecError(
                rules.INVALID_BUDGET,
                f"unknown budget key {key!r}{did_you_mean(key, LIMIT_KEYS)}",
                raw.key_locations[key],
            )

    def read(key: str) -> int | None:
        return None if raw.get(key) is None else _amount(parse, raw[key], raw.location_of(key))

    tolerance = raw.get("tolerance")
    if tolerance is not None and raw.get("target") is None:
        raise SpecError(rules.INVALID_BUDGET, "`tolerance` needs a `target`", raw.location_of("tolerance"))
    limits = Limits(
        min=read("min"),
        max=read("max"),
        target=read("target"),
        tolerance=None if tolerance is None else parse_tolerance(parse, tolerance, raw.location_of("tolerance")),
        min_location=raw.value_locations.get("min"),
        max_location=raw.value_locations.get("max"),
        target_location=raw.value_locations.get("target"),
    )
    if limits.min is not None and limits.max is not None and limits.min > limits.max:
        raise SpecError(
            rules.INVALID_BUDGET, f"budget min {limits.min:,} is above max {limits.max:,}", raw.location_of("min")
        )
    if limits.min is None and limits.max is None and limits.target is None:
        raise SpecError(rules.INVALID_BUDGET, "a budget needs `max`, `min` or `target`", location)
    return limits


def _amount(parse: Callable[[Any], int], raw: Any, location: Location) -> int:
    try:
        return parse(raw)
    except UnitError as error:
        raise SpecError(rules.INVALID_BUDGET, f"invalid budget: {error}", location) from None


def parse_tolerance(parse: Callable[[Any], int], raw: Any, location: Location) -> Tolerance:
    """`2%` (of the target) or an amount in the unit of `parse`."""
    text = str(raw).strip()
    if text.endswith("%"):
        try:
            percent = Fraction(text[:-1].strip().replace("_", ""))
        except ValueError:
            raise SpecError(rules.INVALID_BUDGET, f"invalid tolerance {raw!r}", location) from None
        if percent < 0:
            raise SpecError(rules.INVALID_BUDGET, f"invalid tolerance {raw!r}: negative", location)
        return Tolerance(relative=percent / 100)
    return Tolerance(absolute=_amount(parse, raw, location))


# ------------------------------------------------------------------ checks
@dataclass(frozen=True)
class Quantity:
    """What a limit is checked on: its value, its wording, its codes (over, under, off target)."""

    value: int
    noun: str
    codes: tuple[str, str, str]
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
                limits.max_location,
            )
        )
    if limits.min is not None and value < limits.min:
        shortfall = limits.min - value
        findings.append(
            Finding(
                under,
                f"{show(value)} {noun} is under the minimum of {show(limits.min)} by {show(shortfall)} "
                f"({_percent(-shortfall, limits.min)})",
                limits.min_location,
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
                    limits.target_location,
                )
            )
    return findings


def _percent(part: int, whole: int) -> str:
    if whole == 0:
        return "the budget is zero"
    return f"{100 * part / whole:+.1f}%"


def check_budget(budget: Budget, params: int, trainable: int, default_dtype: str) -> list[Finding]:
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
    if budget.memory is not None:
        dtype = budget.memory_dtype or default_dtype
        memory = dtype_bytes(params, dtype)
        findings += check_limits(
            budget.memory,
            Quantity(memory, f"of {dtype} parameter memory", (rules.MEMORY_BUDGET,) * 3, show=format_bytes),
        )
    return findings
