"""Matched widths: the integer value of a var that brings a spec's count to a target.

The count never decreases as a width grows, so the best integer is found by
exponential then binary search over the exact counter. Values a block's
`require` refuses (a GPT-2 width that n_head does not divide) are skipped.
For the `mlp` preset the count is a quadratic in the width, solved in closed
form (the seed's formula, made safe for one hidden layer and rounded to the
better integer neighbour).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..findings import SpecError
from ..language import presets
from ..language.catalogue import LAYERS
from ..language.counting import Part, count_model
from ..language.loader import YamlMapping
from ..language.spec import Spec, is_layer_name, with_vars

SEARCH_LIMIT = 2**40  # the largest width tried
SKIP_LIMIT = 1_000  # invalid values skipped in a row before giving up

CLOSEST, AT_MOST, AT_LEAST = "closest", "at most", "at least"


@dataclass(frozen=True)
class Solution:
    var: str
    target: int
    value: int | None = None
    params: int | None = None
    problem: str | None = None  # why there is no value, or why it is not a good one
    real_width: float | None = None  # the closed form's exact real answer (mlp)

    @property
    def error(self) -> float | None:
        """The relative error of `params` against the target, signed."""
        if self.params is None or self.target == 0:
            return None
        return (self.params - self.target) / self.target


def params_of(tree: Part) -> int:
    return tree.params


def trainable_of(tree: Part) -> int:
    return tree.trainable


def solve(
    spec: Spec,
    var: str,
    target: int,
    rule: str = CLOSEST,
    multiple_of: int = 1,
    measure: Callable[[Part], int] = params_of,
) -> Solution:
    """The value of `var` (a multiple of `multiple_of`) whose count best meets `target` under `rule`."""
    closed = _mlp_closed_form(spec, var, target, rule, multiple_of, measure)
    if closed is not None:
        return closed
    counts: dict[int, int | None] = {}

    def count_at(k: int) -> int | None:
        if k not in counts:
            try:
                counts[k] = measure(count_model(with_vars(spec, {var: k * multiple_of})))
            except SpecError:
                counts[k] = None  # a value the spec refuses
        return counts[k]

    search = _Search(count_at, target, SEARCH_LIMIT // multiple_of)
    try:
        low, high = search.bracket()
    except _NoValue as reason:
        return Solution(var, target, problem=reason.describe(var, multiple_of))
    return _choose(var, target, rule, multiple_of, low, high)


class _NoValue(Exception):
    def __init__(self, kind: str, count: int | None = None, k: int | None = None):
        super().__init__(kind)
        self.kind, self.count, self.k = kind, count, k

    def describe(self, var: str, multiple_of: int) -> str:
        if self.kind == "no effect":
            return f"{var} does not change the count"
        if self.kind == "too small":
            return f"even {var} = {self.k * multiple_of:,} gives only {self.count:,} params"
        return f"no value of {var} gives a valid model"


class _Search:
    """Exponential, then binary search over k (the value is k · multiple_of)."""

    def __init__(self, count_at: Callable[[int], int | None], target: int, k_limit: int):
        self.count_at, self.target, self.k_limit = count_at, target, k_limit

    def valid_from(self, k: int, step: int = 1) -> tuple[int, int] | None:
        """The first k' from k on (or down, with step -1) that the spec accepts, with its count."""
        for _ in range(SKIP_LIMIT):
            if k < 1 or k > self.k_limit:
                return None
            count = self.count_at(k)
            if count is not None:
                return k, count
            k += step
        return None

    def reaches(self, k: int) -> tuple[int, int] | None:
        """The first valid k' >= k if its count reaches the target, else None."""
        probe = self.valid_from(k)
        return probe if probe is not None and probe[1] >= self.target else None

    def bracket(self) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """(the largest valid k under the target, the smallest valid k at or over it); either may be None."""
        first = self.valid_from(1)
        if first is None:
            raise _NoValue("invalid")
        later = self.valid_from(4 * first[0] + 4)
        if later is not None and later[1] == first[1] != self.target:
            raise _NoValue("no effect")
        if first[1] >= self.target:
            return None, first
        low_k, high_k = first[0], 2 * first[0]
        while self.reaches(high_k) is None:
            if high_k > self.k_limit:
                last = self.valid_from(low_k)
                raise _NoValue("too small", last[1], last[0])
            low_k, high_k = high_k, 2 * high_k
        while high_k - low_k > 1:  # invariant: reaches(low_k) is None, reaches(high_k) is not
            middle = (low_k + high_k) // 2
            if self.reaches(middle) is None:
                low_k = middle
            else:
                high_k = middle
        high = self.reaches(high_k)
        return self.valid_from(high[0] - 1, step=-1), high


def _choose(
    var: str, target: int, rule: str, multiple_of: int, low: tuple[int, int] | None, high: tuple[int, int] | None
) -> Solution:
    """Pick from the neighbours around the target: ties go to the smaller value."""
    if rule == AT_LEAST or (rule == AT_MOST and high is not None and high[1] == target):
        chosen = high
    elif rule == AT_MOST:
        chosen = low
    else:
        candidates = [c for c in (low, high) if c is not None]
        chosen = min(candidates, key=lambda c: (abs(c[1] - target), c[0]))
    if chosen is None:
        k, count = high
        return Solution(var, target, problem=f"even {var} = {k * multiple_of:,} gives {count:,} params")
    k, count = chosen
    problem = None
    if low is None and count > target:
        problem = f"{target:,} is below the smallest model: {var} = {k * multiple_of:,} gives {count:,}"
    return Solution(var, target, k * multiple_of, count, problem)


# ------------------------------------------------------------ the mlp preset
def mlp_params(input_dim: int, output_dim: int, hidden_layers: int, hidden_dim: int, bias: bool = True) -> int:
    """(i+1)·d + (d+1)·d·(l−1) + (d+1)·o with biases; without, i·d + d²·(l−1) + d·o."""
    i, o, layers, d = input_dim, output_dim, hidden_layers, hidden_dim
    return (layers - 1) * d * d + (i + o) * d + (layers * d + o if bias else 0)


def mlp_real_width(input_dim: int, output_dim: int, hidden_layers: int, target: int, bias: bool = True) -> float:
    """The real hidden_dim at which the count equals `target`: the positive root of
    a·d² + b·d + c = 0 with a = l−1, b = i+o+l, c = o − target (with biases).
    One hidden layer makes it linear, d = −c/b, where the quadratic formula divides by zero."""
    a = hidden_layers - 1
    b = input_dim + output_dim + (hidden_layers if bias else 0)
    c = (output_dim if bias else 0) - target
    if a == 0:
        return -c / b
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def _mlp_closed_form(
    spec: Spec, var: str, target: int, rule: str, multiple_of: int, measure: Callable[[Part], int]
) -> Solution | None:
    """The closed form, when the spec is one `mlp` whose hidden_dim is `var` (and nothing frozen)."""
    arguments = _mlp_arguments(spec, var)
    if arguments is None or measure is not params_of:
        return None
    i, o, layers, bias = arguments

    def count(k: int) -> int:
        return mlp_params(i, o, layers, k * multiple_of, bias)

    real = mlp_real_width(i, o, layers, target, bias)
    # The count grows strictly with the width; floating point may land the root a step off.
    k_high = max(1, math.ceil(real / multiple_of))
    while k_high > 1 and count(k_high - 1) >= target:
        k_high -= 1
    while count(k_high) < target:
        k_high += 1
    low = (k_high - 1, count(k_high - 1)) if k_high > 1 else None
    solution = _choose(var, target, rule, multiple_of, low, (k_high, count(k_high)))
    return Solution(solution.var, target, solution.value, solution.params, solution.problem, real)


def _mlp_arguments(spec: Spec, var: str) -> tuple[int, int, int, bool] | None:
    node = spec.model
    if isinstance(node, list) and len(node) == 1:
        node = node[0]
    if not isinstance(node, YamlMapping) or set(node) != {"mlp"} or not isinstance(node["mlp"], YamlMapping):
        return None
    arguments = node["mlp"]
    activation = arguments.get("activation", "ReLU")
    if arguments.get("hidden_dim") != var or not (is_layer_name(activation) and not LAYERS[activation].has_parameters):
        return None
    values = []
    for name, default in (("input_dim", None), ("output_dim", None), ("hidden_layers", None), ("bias", True)):
        value = arguments.get(name, default)
        value = spec.vars.get(value, value) if isinstance(value, str) else value
        if not isinstance(value, int) or (name == "hidden_layers" and value < 1):
            return None
        values.append(value)
    return values[0], values[1], values[2], bool(values[3])


def width_var(spec: Spec) -> str | None:
    """The var that sets the model's width: match.vary, or a preset's width param bound to a var."""
    if spec.match is not None:
        return spec.match.vary
    nodes = spec.model if isinstance(spec.model, list) else [spec.model]
    for node in nodes:
        if not isinstance(node, YamlMapping):
            continue
        for kind, width in presets.WIDTH_PARAMS.items():
            arguments = node.get(kind)
            if isinstance(arguments, YamlMapping) and arguments.get(width) in spec.vars:
                return arguments[width]
    return None
