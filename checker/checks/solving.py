"""Matched widths: the integer value of a var that brings a spec's count to a target.

The count never decreases as a width grows, so the best integer lies between
two neighbours: the last accepted value whose count is under the target, and
the next one. They are found in one count, with the width symbolic (see
language.symbolic): the count comes back as an exact polynomial in the width,
with the branch conditions under which it holds. The first width whose
polynomial reaches the target is found by bisection, in integers; the nearest
widths on either side where every branch goes as it went are the neighbours,
their counts exact without counting them. The widths between the two that the
branches leave (values a block's `require` refuses, as a GPT-2 width that
n_head does not divide, or that take another branch) are counted one by one
from the top down, so the answer is exact whatever the branches. A solve thus
costs one symbolic count (about 1.6 plain ones) and those few counts.

When the symbolic count cannot be followed (it met a float, a power, a name
made of the width: see Escape) or does not reach a bracket, the search counts
width by width instead, with every count taken at most once and at most
MAX_COUNTS counts in all. Values the spec refuses are skipped: the search
first learns the step between accepted values next to the spec's own value,
walks only those, and at the end confirms that nothing between its two
neighbours is accepted, so the answer is exact whatever the step. For the `mlp`
preset the count is a quadratic in the width, solved in integers.

The search's counts share what does not change with the width: counting
remembers, for the whole process, each layer by its arguments as written, the
values they read and its input size, and each use of a preset's block (see
counting), so a layer or preset block that does not read the width, or a
width counted before (the check's own count), is not counted again. A
symbolic count neither uses nor keeps those memories.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from ..findings import SpecError
from ..language import presets
from ..language.catalogue import LAYERS
from ..language.counting import Part, count_model
from ..language.loader import YamlMapping
from ..language.spec import Spec, is_layer_name, with_vars
from ..language.symbolic import Escape, Trace, is_symbolic
from ..language.units import format_relative
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, Protocol, TypeAlias

    from ..formats.ultralytics.reading import ModelFile

SEARCH_LIMIT = 2**40  # the largest width tried
SYMBOLIC_COUNTS = 2  # symbolic counts one solve may take: at the spec's width, then where the first one points
SKIP_LIMIT = 32  # refused values skipped in a row before giving up
MAX_COUNTS = 100  # counts one search may take
JUMP_TRIES = 4  # refusals where a long jump lands before it is taken back

CLOSEST, AT_MOST, AT_LEAST = "closest", "at most", "at least"

Probe = tuple[int, int]  # (k, its count): the value k · multiple_of is accepted


@dataclass(frozen=True)
class Solution:
    var: str
    target: int
    value: int | float | None = None  # a whole width, or a two-place width multiplier (Ultralytics)
    params: int | None = None
    problem: str | None = None  # why there is no value, or why it is not a good one
    real_width: float | None = None  # the closed form's real answer (mlp), when a float holds it
    values: str = "integer"  # what the values tried are, in words

    @property
    def error(self) -> float | None:
        """The relative error of `params` against the target, signed."""
        if self.params is None or self.target == 0:
            return None
        return (self.params - self.target) / self.target

    @property
    def error_text(self) -> str:
        """The error as the reports show it: `+0.7%`, or `+12` against a target of 0."""
        if self.params is None:
            return "no count"
        return format_relative(self.params - self.target, self.target)


if TYPE_CHECKING:

    class Counted(Protocol):
        """A counted model: a spec's Part tree, or a foreign format's own count."""

        @property
        def params(self) -> int: ...

        @property
        def trainable(self) -> int: ...


def params_of(tree: Counted) -> int:
    return tree.params


def trainable_of(tree: Counted) -> int:
    return tree.trainable


def non_embedding_of(tree: Part) -> int:
    return tree.non_embedding


def active_of(tree: Part) -> int:
    return tree.active


Measure: TypeAlias = "Callable[[Any], int]"  # params_of, trainable_of, ...: what a budget limits


@dataclass(frozen=True)
class WidthSolver:
    """What a budget's suggestion solves: the width var, the value written for it, and the search,
    (target, rule, measure) -> the solution."""

    var: str
    written: object
    solve: Callable[[int, str, Measure], Solution]


def spec_width_solver(spec: Spec) -> WidthSolver | None:
    """The solver of a spec with a width var (see width_var), else None."""
    var = width_var(spec)
    if var is None:
        return None
    multiple_of = spec.match.multiple_of if spec.match is not None else 1

    def solve_for(target: int, rule: str, measure: Measure) -> Solution:
        return solve(spec, var, target, rule, multiple_of, measure)

    return WidthSolver(var, spec.vars.get(var), solve_for)


def solve(
    spec: Spec,
    var: str,
    target: int,
    rule: str = CLOSEST,
    multiple_of: int = 1,
    measure: Measure = params_of,
) -> Solution:
    """The value of `var` (a multiple of `multiple_of`) whose count best meets `target` under `rule`."""
    closed = _mlp_closed_form(spec, var, target, rule, multiple_of, measure)
    if closed is not None:
        return closed

    def count(value: int) -> int:
        return measure(count_model(with_vars(spec, {var: value})))

    solved = _symbolic_solution(spec, var, target, rule, multiple_of, measure, count)
    if solved is not None:
        return solved
    return solve_counts(var, spec.vars.get(var), count, target, rule, multiple_of)


def solve_counts(
    var: str, current: object, count: Callable[[int], int], target: int, rule: str = CLOSEST, multiple_of: int = 1
) -> Solution:
    """The value of `var` (a multiple of `multiple_of`, searched from `current`) whose count best meets `target`
    under `rule`; `count` gives the count at a value, and raises SpecError for a value the model refuses."""
    counts: dict[int, int | None] = {}

    def count_at(k: int) -> int | None:
        if k not in counts:
            if len(counts) == MAX_COUNTS:
                raise _NoValue("too many counts")
            try:
                counts[k] = count(k * multiple_of)
            except SpecError:
                counts[k] = None  # a value the spec refuses
        return counts[k]

    anchor = _anchor(current, multiple_of)
    search = _Search(count_at, target, SEARCH_LIMIT // multiple_of)
    try:
        low, high = search.bracket(anchor)
    except _NoValue as reason:
        return Solution(var, target, problem=reason.describe(var, multiple_of))
    return _choose(var, target, rule, multiple_of, low, high)


def solve_depths(
    spec: Spec,
    vary: str,
    target: int,
    sets: Mapping[str, object],
    depth_var: str,
    depths: Iterable[int],
    multiple_of: int = 1,
) -> list[tuple[int, Solution]]:
    """`match --sweep`: for each value of `depth_var` (with the vars of `sets`), the value of `vary`
    whose count is closest to `target`."""
    return [
        (depth, solve(with_vars(spec, {**sets, depth_var: depth}), vary, target, multiple_of=multiple_of))
        for depth in depths
    ]


def solve_ultralytics_depths(
    model: ModelFile, letter: str, target: int, depths: Iterable[float]
) -> list[tuple[float, Solution]]:
    """For each depth multiplier of an Ultralytics scale, the width multiplier whose count is closest to `target`."""
    from ..formats.ultralytics import widths

    return [(depth, widths.solve_width(model, letter, depth, target)) for depth in depths]


def _anchor(current: object, multiple_of: int) -> int:
    """The k the search starts from: the spec's own value, down to a multiple of `multiple_of`."""
    return current // multiple_of if isinstance(current, int) and _is_int(current) and current >= multiple_of else 1


def _symbolic_solution(
    spec: Spec, var: str, target: int, rule: str, multiple_of: int, measure: Measure, count: Callable[[int], int]
) -> Solution | None:
    """The solution from one count with `var` symbolic (see language.symbolic); None when that count cannot
    say, and the search decides.

    The symbolic count gives the count as a polynomial, valid wherever its recorded branches go the same
    way. The first k whose polynomial reaches the target is found by bisection, in integers; the nearest
    ks on either side where every branch goes as it did are the neighbours, their counts exact without
    counting. The ks between them (a width the spec refuses, or that takes another branch) are counted
    one by one, as the search confirms its own. When the branches went otherwise near the target, the
    width there is counted symbolically in turn, once."""
    k_limit = SEARCH_LIMIT // multiple_of
    if spec.hf_config is not None or k_limit < 1:  # an imported config's keys go through its family's own
        return None  # code, and a step past the largest width leaves nothing to bisect: the search says so
    k = _anchor(spec.vars.get(var), multiple_of)
    for _ in range(SYMBOLIC_COUNTS):
        trace = Trace()
        try:
            counted = measure(count_model(with_vars(spec, {var: trace.width(k * multiple_of)}), remember=False))
        except (Escape, SpecError):
            return None
        if not is_symbolic(counted):
            return None  # the count does not follow the width here: the search says what it does
        first = _first_reaching(trace, counted, target, multiple_of, k_limit)
        if first is None:  # no width reaches the target, if the largest one does not
            largest = _nearest_holding(trace, counted, multiple_of, range(k_limit, max(k_limit - SKIP_LIMIT, 0), -1))
            if largest is None or largest[1] >= target:
                return None
            return _confirmed(var, target, rule, multiple_of, (largest, None), count, k_limit)
        low = _nearest_holding(trace, counted, multiple_of, range(first - 1, max(first - 1 - SKIP_LIMIT, 0), -1))
        high = _nearest_holding(trace, counted, multiple_of, range(first, min(first + SKIP_LIMIT, k_limit + 1)))
        if high is not None and (low is not None or first - 1 <= SKIP_LIMIT):  # no k under `first` holds
            if high[1] < target or (low is not None and low[1] >= target):
                return None  # not the bracket of a count that grows with the width
            return _confirmed(var, target, rule, multiple_of, (low, high), count, k_limit)
        if first == k:
            return None
        k = first
    return None


def _first_reaching(trace: Trace, counted: int, target: int, multiple_of: int, k_limit: int) -> int | None:
    """The first k in 1..k_limit where the count's polynomial reaches the target, by bisection; None when it
    never does, or when a divisor is 0 on the way."""

    def count_at(k: int) -> int | None:
        point = trace.point(k * multiple_of)
        return None if point is None else trace.value(counted, point)

    top = count_at(k_limit)
    if top is None or top < target:
        return None
    low, high = 0, k_limit  # count_at(high) >= target; low is 0 or count_at(low) < target
    while high - low > 1:
        middle = (low + high) // 2
        value = count_at(middle)
        if value is None:
            return None
        low, high = (middle, high) if value < target else (low, middle)
    return high


def _nearest_holding(trace: Trace, counted: int, multiple_of: int, ks: range) -> Probe | None:
    """The first k of `ks` where every branch of the trace goes as it went, with its count there."""
    for k in ks:
        point = trace.point(k * multiple_of)
        if point is not None and trace.holds(point):
            return k, trace.value(counted, point)
    return None


def _confirmed(
    var: str,
    target: int,
    rule: str,
    multiple_of: int,
    bracket: tuple[Probe | None, Probe | None],
    count: Callable[[int], int],
    k_limit: int,
) -> Solution:
    """The solution from a bracket whose ks hold, once every k between them (or above the lower one up to
    the limit, or under the upper one down to 1) is counted from the top down, as _Search._confirm does:
    a k the spec accepts there took another branch, and its own count decides."""
    low, high = bracket
    for k in range(high[0] - 1 if high else k_limit, low[0] if low else 0, -1):
        try:
            value = count(k * multiple_of)
        except SpecError:
            continue  # a value the spec refuses
        if value >= target:
            high = (k, value)
        else:
            low = (k, value)
            break
    if high is None and low is not None:
        return Solution(var, target, problem=_NoValue("too small", low[1], low[0]).describe(var, multiple_of))
    return _choose(var, target, rule, multiple_of, low, high)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _NoValue(Exception):
    def __init__(self, kind: str, count: int | None = None, k: int | None = None):
        super().__init__(kind)
        self.kind, self.count, self.k = kind, count, k

    def describe(self, var: str, multiple_of: int) -> str:
        if self.kind == "no effect":
            return f"{var} does not change the count"
        if self.kind == "too small" and self.k is not None and self.count is not None:
            return f"even {var} = {self.k * multiple_of:,} gives only {self.count:,} params"
        if self.kind == "too many counts":
            return (
                f"the search gave up after {MAX_COUNTS} counts: the spec refuses most values of {var}; "
                f"give the step between the values it accepts as match.multiple_of (or --multiple-of)"
            )
        if self.kind == "sparse" and self.k is not None:
            return (
                f"the spec refuses {SKIP_LIMIT} values of {var} in a row from {self.k * multiple_of:,}, so the "
                "search stops there; if the values it accepts come in steps, give the step as match.multiple_of "
                "(or --multiple-of)"
            )
        return f"no value of {var} gives a valid model"


class _Search:
    """A search over k (the value is k · multiple_of) that walks the accepted ks only.

    Accepted ks are taken to be `start + j · step`, the step learnt from the
    first two accepted ks from the anchor on. The bracket found on that
    lattice is then confirmed k by k, so a wrong guess costs counts, never
    exactness.
    """

    def __init__(self, count_at: Callable[[int], int | None], target: int, k_limit: int):
        self.count_at, self.target, self.k_limit = count_at, target, k_limit
        self.step = 1

    def first_valid(self, k: int, direction: int = 1, stop: int | None = None, tries: int = SKIP_LIMIT) -> Probe | None:
        """The first accepted k from k on, `direction` steps at a time.

        None when the walk meets `stop` or a limit of k, or after `tries`
        refusals. The full SKIP_LIMIT refusals in a row with no `stop` are a
        finding instead: the walk cannot tell a gap from the end.
        """
        first = k
        for _ in range(tries):
            if k < 1 or k > self.k_limit or k == stop:
                return None
            count = self.count_at(k)
            if count is not None:
                return k, count
            k += direction * self.step
        if stop is None and tries == SKIP_LIMIT:
            raise _NoValue("sparse", k=first)
        return None

    def bracket(self, anchor: int) -> tuple[Probe | None, Probe | None]:
        """(the largest accepted k under the target, the smallest accepted k at or over it); either may be None."""
        start = self.first_valid(anchor, stop=0) or self.first_valid(1)
        if start is None:
            raise _NoValue("invalid")
        after = self.first_valid(start[0] + 1, stop=0)
        far = None
        if after is not None:
            self.step = after[0] - start[0]
            far = self.first_valid(start[0] + self.step * (4 * start[0] // self.step + 4), stop=0)
            if far is not None and far[1] == start[1] != self.target:
                raise _NoValue("no effect")
        guess = None if after is None or far is None else self._predicted(start, after, far)
        low, high = guess if guess is not None else self._outer(start)
        for turn in range(MAX_COUNTS):
            if low is None or high is None or high[0] - low[0] <= self.step:
                break
            probe = self._between(low, high, interpolate=turn % 2 == 0)
            if probe is None:
                break
            low, high = (probe, high) if probe[1] < self.target else (low, probe)
        return self._confirm(low, high)

    def _predicted(self, start: Probe, after: Probe, far: Probe) -> tuple[Probe, Probe] | None:
        """The accepted ks on either side of where a quadratic through three counts puts the target, when
        their counts do straddle it: most counts are quadratic in a width, so two more counts often end the
        search. A guess only: the counts decide, and the search goes on from them when it was wrong."""
        k = _quadratic_root((start, after, far), self.target)
        if k is None:
            return None
        k = min(max(k, 1), self.k_limit)
        k -= (k - start[0]) % self.step  # onto the lattice, at or under the root
        if k < 1:
            k += self.step
        low = self.first_valid(k, -1, stop=0, tries=JUMP_TRIES)
        high = self.first_valid((low[0] if low else k) + self.step, 1, tries=JUMP_TRIES)
        if low is None or high is None or not low[1] < self.target <= high[1]:
            return None
        return low, high

    def _outer(self, start: Probe) -> tuple[Probe | None, Probe | None]:
        """Accepted ks on either side of the target: from `start`, doubling the distance while the
        spec accepts where a jump lands, and halving it back where the spec refuses."""
        up = start[1] < self.target
        sign = 1 if up else -1
        edge = self.k_limit - (self.k_limit - start[0]) % self.step if up else (start[0] - 1) % self.step + 1
        near, distance, barrier = start, 1, None  # barrier: where a jump met refusals only
        while True:
            if near[0] == edge:
                probe = None
            elif distance == 1:
                probe = self.first_valid(near[0] + sign * self.step, sign)
            else:
                k = near[0] + sign * distance * self.step
                k = min(k, edge) if up else max(k, edge)
                probe = self.first_valid(k, sign, stop=barrier, tries=JUMP_TRIES)
                if probe is None:
                    barrier, distance = k, distance // 2
                    continue
            if probe is None and up:
                raise _NoValue("too small", near[1], near[0])
            if probe is None:  # nothing accepted below: `near` is the smallest model
                return None, near
            if (probe[1] >= self.target) == up:
                return (near, probe) if up else (probe, near)
            near = probe
            distance = 2 * distance if barrier is None else max(1, abs(barrier - near[0]) // self.step // 2)

    def _between(self, low: Probe, high: Probe, interpolate: bool) -> Probe | None:
        """An accepted k strictly between low and high on the lattice, None if there is none: near
        where the counts put the target when `interpolate`, else near the middle."""
        steps = (high[0] - low[0]) // self.step
        middle = steps // 2
        if interpolate and high[1] > low[1]:
            middle = (self.target - low[1]) * steps // (high[1] - low[1])
        k = low[0] + min(max(middle, 1), steps - 1) * self.step
        return self.first_valid(k, 1, stop=high[0]) or self.first_valid(k - self.step, -1, stop=low[0])

    def _confirm(self, low: Probe | None, high: Probe | None) -> tuple[Probe | None, Probe | None]:
        """Count every k between the two neighbours, off the lattice too, from the top down."""
        if high is None:
            return low, high
        bottom = low[0] if low is not None else 0
        for k in range(high[0] - 1, bottom, -1):
            count = self.count_at(k)
            if count is None:
                continue
            if count >= self.target:
                high = (k, count)
            else:
                return (k, count), high
        return low, high


def _quadratic_root(points: tuple[Probe, Probe, Probe], target: int) -> int | None:
    """The k under the rising root of the quadratic through three (k, count) points, in exact arithmetic;
    None when it has no such root."""
    (x0, y0), (x1, y1), (x2, y2) = points
    if len({x0, x1, x2}) < 3:
        return None
    slope01, slope02 = Fraction(y1 - y0, x1 - x0), Fraction(y2 - y0, x2 - x0)
    a = (slope02 - slope01) / (x2 - x1)
    b = slope01 - a * (x0 + x1)
    c = y0 - a * x0 * x0 - b * x0 - target
    if a == 0:
        return None if b <= 0 else math.floor(-c / b)
    discriminant = b * b - 4 * a * c
    if a < 0 or discriminant < 0:
        return None
    root = math.isqrt(discriminant.numerator * discriminant.denominator)  # sqrt(p/q) = sqrt(p·q)/q
    return math.floor((-b + Fraction(root, discriminant.denominator)) / (2 * a))


def choose(rule: str, target: int, low: Probe | None, high: Probe | None) -> Probe | None:
    """Of the neighbours around the target (under it, and at or over it), the one `rule` picks: the one
    under a maximum (or exactly at it), the one over a minimum, else the closer (the smaller on a tie)."""
    if rule == AT_LEAST or (rule == AT_MOST and high is not None and high[1] == target):
        return high
    if rule == AT_MOST:
        return low
    candidates = [c for c in (low, high) if c is not None]
    return min(candidates, key=lambda c: (abs(c[1] - target), c[0])) if candidates else None


def _choose(var: str, target: int, rule: str, multiple_of: int, low: Probe | None, high: Probe | None) -> Solution:
    """Pick from the neighbours around the target: ties go to the smaller value."""
    chosen = choose(rule, target, low, high)
    if chosen is None:
        if high is None:
            return Solution(var, target, problem=f"no value of {var} gives a valid model")
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


def mlp_real_width(input_dim: int, output_dim: int, hidden_layers: int, target: int, bias: bool = True) -> float | None:
    """The real hidden_dim at which the count equals `target`: the positive root of
    a·d² + b·d + c = 0 with a = l−1, b = i+o+l, c = o − target (with biases).
    One hidden layer makes it linear, d = −c/b, where the quadratic formula divides by zero.
    Worked out in integers (the square root to 64 binary places); None beyond a float's range."""
    a = hidden_layers - 1
    b = input_dim + output_dim + (hidden_layers if bias else 0)
    c = (output_dim if bias else 0) - target
    if a == 0:
        root = Fraction(-c, b)
    else:
        scale = 2**64
        root = Fraction(math.isqrt((b * b - 4 * a * c) * scale * scale) - b * scale, 2 * a * scale)
    try:
        return float(root)
    except OverflowError:
        return None


def _mlp_closed_form(
    spec: Spec, var: str, target: int, rule: str, multiple_of: int, measure: Measure
) -> Solution | None:
    """The closed form, when the spec is one `mlp` whose hidden_dim is `var` (and nothing frozen)."""
    arguments = _mlp_arguments(spec, var)
    if arguments is None or measure is not params_of:
        return None
    i, o, layers, bias = arguments

    def count(k: int) -> int:
        return mlp_params(i, o, layers, k * multiple_of, bias)

    # The smallest k that reaches the target: the count grows strictly with k, so doubling then
    # halving finds it in integers, in about 2·log2(k) steps whatever the size of the numbers.
    low_k, high_k = 0, 1  # invariant: count(low_k) < target (k = 0 is no model), count(high_k) >= target
    while count(high_k) < target:
        low_k, high_k = high_k, 2 * high_k
    while high_k - low_k > 1:
        middle = (low_k + high_k) // 2
        low_k, high_k = (middle, high_k) if count(middle) < target else (low_k, middle)
    low = (low_k, count(low_k)) if low_k >= 1 else None
    solution = _choose(var, target, rule, multiple_of, low, (high_k, count(high_k)))
    real = mlp_real_width(i, o, layers, target, bias)
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
            name = arguments.get(width) if isinstance(arguments, YamlMapping) else None
            if isinstance(name, str) and name in spec.vars:
                return name
    return None
