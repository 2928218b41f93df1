"""The `match:` key: which count a spec must keep, and by varying which var.

match:
  reference: {hidden_layers: 2, hidden_dim: 16}   # this spec with these vars,
                                                   # or a count (552, "1.2M"),
                                                   # or another spec's file ("base.yaml");
                                                   # without one, the spec's budget
  vary: hidden_dim
  tolerance: 2%                                    # default 1%, or the configured one
  multiple_of: 8                                   # default 1; an expression over vars works
"""

from __future__ import annotations

from .. import rules
from ..findings import SpecError
from ..records import TYPE_CHECKING, NamedTuple
from .budgets import Tolerance, tolerance_kind
from .expressions import ExpressionError, evaluate
from .hints import did_you_mean
from .loader import Location, YamlMapping
from .units import UnitError, parse_count
from .validation import Invalid, Key, Kind, Table, mapping_of

if TYPE_CHECKING:
    from typing import Any

DEFAULT_TOLERANCE = Tolerance(percent=1)


class Match(NamedTuple):
    """The `match:` key: which var to vary so that the count matches a reference."""

    vary: str
    tolerance: Tolerance | None  # None: the default (the configuration's, else 1%)
    multiple_of: int
    location: Location
    overrides: YamlMapping | None = None  # reference: this spec with these vars
    reference_count: int | None = None  # reference: a count
    path: str | None = None  # reference: another spec file, relative to this one

    @property
    def has_reference(self) -> bool:
        """False when the spec's budget is what the width must meet."""
        return self.overrides is not None or self.reference_count is not None or self.path is not None


def _reference(value: Any, at: Location, variables: dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(value, YamlMapping):
        unknown = [name for name in value if variables is not None and name not in variables]
        if unknown:
            raise SpecError(
                rules.INVALID_MATCH,
                f"match.reference sets {unknown[0]!r}, which is not a var of this spec"
                f"{did_you_mean(unknown[0], variables or ())}",
                value.key_locations[unknown[0]],
            )
        return {"overrides": value}
    if isinstance(value, str) and value.endswith((".yaml", ".yml")):
        return {"path": value}
    try:
        count = parse_count(value)
    except UnitError as error:
        raise Invalid(f"cannot be read: {error}; give vars, a count or a spec file") from None
    if count == 0:
        raise Invalid("must be a count of at least 1: a drift from 0 has no size")
    return {"reference_count": count}


def _vary(value: Any, at: Location, variables: dict[str, Any] | None) -> str:
    if not isinstance(value, str) or (variables is not None and value not in variables):
        raise Invalid(f"must name one of the spec's vars ({', '.join(variables or ()) or 'none'})")
    return value


def _multiple_of(value: Any, at: Location, variables: dict[str, Any] | None) -> int:
    if isinstance(value, str) and variables is not None:
        try:
            value = evaluate(value, variables)
        except ExpressionError as error:
            raise Invalid(f"cannot be computed: {error}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid(f"must be a whole number of at least 1, not {value!r}")
    return value


def _match(values: dict[str, Any], mapping: YamlMapping, variables: dict[str, Any] | None) -> Match:
    reference = values["reference"] or {}
    overrides = reference.get("overrides")
    if overrides is not None and values["vary"] not in overrides:
        vary = values["vary"]
        raise SpecError(
            rules.INVALID_MATCH,
            f"match.reference must set {vary} too: a reference that takes {vary} from the spec would move with it",
            mapping.location_of("reference"),
        )
    return Match(
        vary=values["vary"],
        tolerance=values["tolerance"],
        multiple_of=values["multiple_of"],
        location=mapping.location,
        **reference,
    )


MATCH_TABLE = Table(
    "match",
    keys=(
        Key(
            "reference",
            Kind(
                "vars of this spec, a count or a spec file",
                {
                    "type": ["object", "number", "string"],
                    "propertyNames": {"$ref": "#/$defs/identifier"},
                    "additionalProperties": {"$ref": "#/$defs/value"},
                },
                _reference,
            ),
            "The count to keep: this spec with some vars set otherwise (including `vary`), a count (552, 124M), "
            "or another spec's file (base.yaml); without it, the spec's budget.",
        ),
        Key(
            "vary", Kind("a var's name", {"$ref": "#/$defs/identifier"}, _vary), "The var to solve for.", required=True
        ),
        Key(
            "tolerance",
            tolerance_kind(parse_count),
            "How far the count may drift from the reference: a percentage or a count; 1% by default.",
        ),
        Key(
            "multiple_of",
            Kind("a whole number of at least 1", {"type": ["integer", "string"], "minimum": 1}, _multiple_of),
            "Only multiples of this are tried: a whole number or an expression over the vars.",
            default=1,
        ),
    ),
    rule=rules.INVALID_MATCH,
    unknown=rules.INVALID_MATCH,
    description="Keep the count of a reference (or meet the budget) by solving for one var.",
    build=_match,
)
MATCH = mapping_of(MATCH_TABLE, "a mapping with `vary`, and `reference` or a budget")
