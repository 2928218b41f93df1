"""Matched widths for Ultralytics files: the width multiplier that keeps a scale's count at a new depth.

Multipliers are decimals with two places, as the files write them. A larger
width never gives fewer parameters (channels are ceil(min(c, max_channels) ·
width / 8) · 8), so a bisection over the hundredths finds the crossing, and
the closer of its two neighbours wins (the smaller on a tie).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ...findings import Finding, Location
from ...language.loader import YamlMapping, YamlSequence, load_documents
from .building import count_scale
from .reading import ModelFile, Scale

HUNDREDTHS = 100
LARGEST_WIDTH = 16.0  # the search stops here: no file widens a scale further


@dataclass(frozen=True)
class MatchedWidth:
    depth: float
    width: float
    params: int
    reference: int

    @property
    def error(self) -> float:
        return (self.params - self.reference) / self.reference


def with_multipliers(model: ModelFile, letter: str, depth: float, width: float) -> ModelFile:
    """The model with scale `letter` (or, without scales, depth_multiple and width_multiple) set to these."""
    scale = model.scale(letter)
    if scale is None:
        return dataclasses.replace(model, depth=depth, width=width)
    changed = Scale(letter, depth, width, scale.max_channels, scale.location)
    return dataclasses.replace(model, scales=tuple(changed if s.letter == letter else s for s in model.scales))


def multipliers(model: ModelFile, letter: str) -> tuple[float, float]:
    """The depth and width multipliers the file writes for scale `letter`."""
    scale = model.scale(letter)
    return (model.depth, model.width) if scale is None else (scale.depth, scale.width)


def params_at(model: ModelFile, letter: str, depth: float, width: float) -> tuple[int | None, list[Finding]]:
    counted, findings = count_scale(with_multipliers(model, letter, depth, width), letter)
    return (None if counted is None else counted.params), findings


def match_width(model: ModelFile, letter: str, depth: float, reference: int) -> MatchedWidth | None:
    """The two-place width multiplier whose count at `depth` is closest to `reference`; None if none builds."""
    counts: dict[int, int | None] = {}

    def count(hundredths: int) -> int | None:
        if hundredths not in counts:
            counts[hundredths] = params_at(model, letter, depth, hundredths / HUNDREDTHS)[0]
        return counts[hundredths]

    low, high = 1, int(LARGEST_WIDTH * HUNDREDTHS)
    while low < high:  # the smallest width whose count reaches the reference (or fails to build)
        middle = (low + high) // 2
        params = count(middle)
        if params is None or params >= reference:
            high = middle
        else:
            low = middle + 1
    candidates = {h: params for h in (low - 1, low) if h >= 1 and (params := count(h)) is not None}
    if not candidates:
        return None
    best = min(candidates, key=lambda h: (abs(candidates[h] - reference), h))
    return MatchedWidth(depth, best / HUNDREDTHS, candidates[best], reference)


_NUMBER = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9_]+")


def write_multipliers(text: str, letter: str, depth: float, width: float) -> str:
    """`text` with scale `letter`'s depth and width (or depth_multiple and width_multiple) rewritten in place.

    Only the two numbers change: comments, spacing and the other scales stay as written.
    """
    document = next(load_documents(text)).value
    scales = document.get("scales")
    row = scales.get(letter) if isinstance(scales, YamlMapping) else None
    if isinstance(row, YamlSequence):
        places = [row.location_of(0), row.location_of(1)]
    else:
        places = [document.location_of("depth_multiple"), document.location_of("width_multiple")]
        if not all(key in document for key in ("depth_multiple", "width_multiple")):
            raise ValueError("the file writes no depth_multiple and width_multiple to change")
    starts = [_offset(text, place) for place in places]
    for start, value in sorted(zip(starts, (depth, width)), reverse=True):
        found = _NUMBER.match(text, start)
        if found is None:
            raise ValueError(f"no number at line {text.count(chr(10), 0, start) + 1}")
        text = text[:start] + f"{value:.2f}" + text[found.end() :]
    return text


def _offset(text: str, location: Location) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: location.line - 1]) + location.column - 1


def depth_var(letter: str) -> str:
    """How `match --set` names a scale's depth (`n.depth`), or depth_multiple for a file without scales."""
    return f"{letter}.depth" if letter else "depth_multiple"


def width_var(letter: str) -> str:
    return f"{letter}.width" if letter else "width_multiple"


def scale_of_depth_var(model: ModelFile, var: str) -> str | None:
    """The scale letter a depth var names; None when it names none of the file's."""
    if not model.scales:
        return "" if var == "depth_multiple" else None
    letter, _, what = var.partition(".")
    return letter if what == "depth" and model.scale(letter) is not None else None
