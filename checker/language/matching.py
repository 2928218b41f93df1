"""The `match:` key: which count a spec must keep, and by varying which var.

match:
  reference: {hidden_layers: 2, hidden_dim: 16}   # this spec with these vars,
                                                   # or a count (552, "1.2M"),
                                                   # or another spec's file ("base.yaml")
  vary: hidden_dim
  tolerance: 2%                                    # default 1%
  multiple_of: 8                                   # default 1
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import rules
from ..findings import SpecError
from .budgets import Tolerance, parse_tolerance
from .hints import did_you_mean
from .loader import Location, YamlMapping
from .units import UnitError, parse_count

MATCH_KEYS = ("reference", "vary", "tolerance", "multiple_of")
DEFAULT_TOLERANCE = Tolerance(relative=Fraction(1, 100))


@dataclass(frozen=True)
class Match:
    vary: str
    tolerance: Tolerance
    multiple_of: int
    location: Location
    overrides: YamlMapping | None = None  # reference: this spec with these vars
    count: int | None = None  # reference: a count
    path: str | None = None  # reference: another spec file, relative to this one


def parse_match(
    raw: Any, location: Location, variables: dict[str, Any], default_tolerance: Tolerance = DEFAULT_TOLERANCE
) -> Match | None:
    if raw is None:
        return None
    if not isinstance(raw, YamlMapping):
        raise SpecError(rules.INVALID_MATCH, "`match` must be a mapping with `reference` and `vary`", location)
    for key in raw:
        if key not in MATCH_KEYS:
            raise SpecError(
                rules.INVALID_MATCH, f"unknown match key {key!r}{did_you_mean(key, MATCH_KEYS)}", raw.key_locations[key]
            )
    vary = raw.get("vary")
    if not isinstance(vary, str) or vary not in variables:
        known = ", ".join(variables) or "none"
        raise SpecError(
            rules.INVALID_MATCH, f"match.vary must name one of the spec's vars ({known})", raw.location_of("vary")
        )
    multiple_of = raw.get("multiple_of", 1)
    if isinstance(multiple_of, bool) or not isinstance(multiple_of, int) or multiple_of < 1:
        raise SpecError(
            rules.INVALID_MATCH,
            "match.multiple_of must be a whole number of at least 1",
            raw.location_of("multiple_of"),
        )
    reference = raw.get("reference")
    where = raw.location_of("reference")
    fields: dict[str, Any] = {}
    if isinstance(reference, YamlMapping):
        unknown = [name for name in reference if name not in variables]
        if unknown:
            raise SpecError(
                rules.INVALID_MATCH,
                f"match.reference sets {unknown[0]!r}, which is not a var of this spec"
                f"{did_you_mean(unknown[0], variables)}",
                reference.key_locations[unknown[0]],
            )
        if vary not in reference:
            raise SpecError(
                rules.INVALID_MATCH,
                f"match.reference must set {vary} too: a reference that takes {vary} from the spec would move with it",
                where,
            )
        fields["overrides"] = reference
    elif isinstance(reference, str) and reference.endswith((".yaml", ".yml")):
        fields["path"] = reference
    elif reference is not None:
        try:
            fields["count"] = parse_count(reference)
        except UnitError as error:
            raise SpecError(
                rules.INVALID_MATCH, f"match.reference: {error}; give vars, a count or a spec file", where
            ) from None
    else:
        raise SpecError(rules.INVALID_MATCH, "match needs a `reference`: vars, a count or a spec file", location)
    return Match(
        vary=vary,
        tolerance=default_tolerance if raw.get("tolerance") is None else _tolerance(raw),
        multiple_of=multiple_of,
        location=location,
        **fields,
    )


def _tolerance(raw: YamlMapping) -> Tolerance:
    try:
        return parse_tolerance(parse_count, raw["tolerance"], raw.location_of("tolerance"))
    except SpecError as error:
        raise SpecError(rules.INVALID_MATCH, f"match.{error.finding.message}", error.finding.location) from None
