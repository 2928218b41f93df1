"""Matched widths for Ultralytics files: the width multiplier that keeps a scale's count at a new depth.

Multipliers are decimals with two places, as the files write them. A larger
width never gives fewer parameters (channels are ceil(min(c, max_channels) ·
width / 8) · 8), so a bisection over the hundredths finds the crossing, and
one of its two neighbours is the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ...checks.solving import CLOSEST, Measure, Solution, WidthSolver, choose, params_of, trainable_of
from ...findings import Location
from ...language.loader import YamlMapping, YamlSequence, load_documents
from ...project.fixing import Edit
from .building import count_scale
from .reading import ModelFile, Scale

HUNDREDTHS = 100
VALUES = "two-place"  # the multipliers tried, in words
_NUMBER = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9_]+")
LARGEST_WIDTH = 16.0  # the search stops here: no file widens a scale further


def with_multipliers(model: ModelFile, letter: str, depth: float, width: float) -> ModelFile:
    """The model with scale `letter` (or, without scales, depth_multiple and width_multiple) set to these."""
    scale = model.scale(letter)
    if scale is None:
        return model._replace(depth=depth, width=width)
    changed = Scale(letter, depth, width, scale.max_channels, scale.location)
    return model._replace(scales=tuple(changed if s.letter == letter else s for s in model.scales))


def multipliers(model: ModelFile, letter: str) -> tuple[float, float]:
    """The depth and width multipliers the file writes for scale `letter`."""
    scale = model.scale(letter)
    return (model.depth, model.width) if scale is None else (scale.depth, scale.width)


def solve_width(
    model: ModelFile, letter: str, depth: float, target: int, rule: str = CLOSEST, measure: Measure = params_of
) -> Solution:
    """The two-place width multiplier at `depth` whose count best meets `target` under `rule`: the
    largest at or under it, the smallest at or over it, or the closest (the smaller on a tie)."""
    var = width_var(letter)
    counts: dict[int, int | None] = {}

    def count(hundredths: int) -> int | None:
        if hundredths not in counts:
            counted, _ = count_scale(with_multipliers(model, letter, depth, hundredths / HUNDREDTHS), letter)
            counts[hundredths] = None if counted is None else measure(counted)
        return counts[hundredths]

    low, high = 1, int(LARGEST_WIDTH * HUNDREDTHS)
    while low < high:  # the smallest width whose count reaches the target (or fails to build)
        middle = (low + high) // 2
        params = count(middle)
        if params is None or params >= target:
            high = middle
        else:
            low = middle + 1

    def probe(hundredths: int) -> tuple[int, int] | None:
        params = count(hundredths)
        return None if params is None else (hundredths, params)

    below = probe(low - 1) if low > 1 else None  # under the target, by the bisection
    over = probe(low)
    reached = over if over is not None and over[1] >= target else None
    chosen = choose(rule, target, below, reached)
    if chosen is not None:
        return Solution(var, target, chosen[0] / HUNDREDTHS, chosen[1], values=VALUES)
    if over is None:
        problem = "no width builds at this depth"
    elif reached is None:
        problem = f"even {var} = {over[0] / HUNDREDTHS:.2f} gives only {over[1]:,} params"
    else:
        problem = f"even {var} = {over[0] / HUNDREDTHS:.2f} gives {over[1]:,} params"
    return Solution(var, target, problem=problem, values=VALUES)


def edit_multipliers(text: str, values: Mapping[str, object]) -> tuple[str, list[Edit]]:
    """`text` with scales' depths and widths (`n.depth`, `n.width`, or depth_multiple and width_multiple)
    rewritten in place as two-place decimals, and the edits made.

    Only those numbers change: comments, spacing and the other scales stay as written.
    """
    document = next(load_documents(text)).value
    replacements = []
    for var, value in values.items():
        where = _place(document, var)
        start = _offset(text, where)
        found = _NUMBER.match(text, start)
        if found is None or not isinstance(value, (int, float)):
            raise ValueError(f"{var} is not written as a number at line {where.line}")
        replacements.append((start, found.end(), Edit(var, found.group(), f"{value:.2f}", where)))
    for start, end, edit in sorted(replacements, key=lambda r: r[0], reverse=True):
        text = text[:start] + edit.new + text[end:]
    return text, [edit for _, _, edit in sorted(replacements, key=lambda r: r[0]) if edit.old != edit.new]


def _place(document: YamlMapping, var: str) -> Location:
    """Where the number a var names is written."""
    if var in ("depth_multiple", "width_multiple"):
        if var not in document:
            raise ValueError(f"the file writes no {var} to change")
        return document.location_of(var)
    letter, _, what = var.partition(".")
    scales = document.get("scales")
    row = scales.get(letter) if isinstance(scales, YamlMapping) else None
    if what not in ("depth", "width") or not isinstance(row, YamlSequence):
        raise ValueError(f"{var} names no scale's depth or width of the file")
    return row.location_of(0 if what == "depth" else 1)


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


def width_solver(model: ModelFile, letter: str) -> WidthSolver:
    """A failing budget's search: scale `letter`'s width at the depth the file writes."""
    depth, width = multipliers(model, letter)

    def solve_for(target: int, rule: str, measure: Measure) -> Solution:
        if measure not in (params_of, trainable_of):
            problem = "an Ultralytics width is solved for the count and the trainable count only"
            return Solution(width_var(letter), target, problem=problem, values=VALUES)
        return solve_width(model, letter, depth, target, rule, measure)

    return WidthSolver(width_var(letter), width, solve_for)
