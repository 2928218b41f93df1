"""Symbolic widths: arithmetic that follows the width exactly, branches recorded, and everything else escaping."""

from __future__ import annotations

import math
import operator
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from checker.language.expressions import evaluate
from checker.language.symbolic import Escape, Symbolic, Trace, key_of, plain

BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv, "%": operator.mod}

# An expression in the width w: a tree of constants, w, arithmetic, max/min, abs and conditionals.
LEAVES = st.one_of(st.just("w"), st.integers(-20, 20))
TREES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(sorted(BINARY)), inner, inner),
        st.tuples(st.sampled_from(["max", "min"]), inner, inner),
        st.tuples(st.just("abs"), inner),
        st.tuples(st.just("if"), st.sampled_from(["<", "<=", "==", "!="]), inner, inner, inner, inner),
    ),
    max_leaves=12,
)


def run(tree, w):
    """The tree's value at w: the same Python code for an int and for a Symbolic."""
    if tree == "w":
        return w
    if isinstance(tree, int):
        return tree
    kind, *parts = tree
    if kind in BINARY:
        return BINARY[kind](run(parts[0], w), run(parts[1], w))
    if kind in ("max", "min"):
        return (max if kind == "max" else min)(run(parts[0], w), run(parts[1], w))
    if kind == "abs":
        return abs(run(parts[0], w))
    comparison, left, right, then, otherwise = parts
    holds = {"<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne}[comparison]
    return run(then, w) if holds(run(left, w), run(right, w)) else run(otherwise, w)


@settings(max_examples=400, deadline=None)
@given(tree=TREES, w0=st.integers(-60, 60))
def test_a_result_is_its_polynomial_wherever_the_branches_go_the_same_way(tree, w0):
    trace = Trace()
    try:
        result = run(tree, trace.width(w0))
    except ZeroDivisionError:
        assume(False)
    assert operator.index(int.__int__(result)) == run(tree, w0)  # the value is the plain count's
    held = 0
    for w in range(-80, 81):
        point = trace.point(w)
        if point is None or not trace.holds(point):
            continue
        held += 1
        assert trace.value(result, point) == run(tree, w)
    assert held >= 1  # w0 itself


def test_a_floor_division_is_exact_at_every_width():
    trace = Trace()
    w = trace.width(768)
    heads = w // 12
    assert heads.polynomial == {(0, 1): 1}  # an atom: floor(w / 12)
    for width in (1, 11, 12, 13, 10**30 + 7):
        assert trace.value(heads * heads + w % 12, trace.point(width)) == (width // 12) ** 2 + width % 12
    assert (w * 64 + 5) // 64 is not w and ((w * 64 + 5) // 64).polynomial == {(1,): 1}  # no atom needed
    assert len(trace.atoms) == 1


def test_a_comparison_answers_for_the_value_and_records_why():
    trace = Trace()
    w = trace.width(10)
    assert (w < 20, w % 3 == 1, max(w, 5) is w) == (True, True, True)
    assert all(trace.holds(trace.point(width)) for width in (13, 19))
    assert not any(trace.holds(trace.point(width)) for width in (11, 12, 20, 22, 4))


def test_a_float_compares_exactly():
    trace = Trace()
    w = trace.width(3)
    assert w > 2.5 and not w > 3.0000000001
    assert [width for width in range(10) if trace.holds(trace.point(width))] == [3]


def test_what_does_not_depend_on_the_width_comes_back_as_a_plain_int():
    trace = Trace()
    w = trace.width(7)
    assert type(w - w) is int and type(w * 0) is int and type(w % 1) is int


def test_a_symbolic_is_keyed_by_its_polynomial():
    trace = Trace()
    w = trace.width(8)
    assert key_of(w + w) == key_of(2 * w) != key_of(w + 8)  # w + 8 is 16 too, at this width only


ESCAPES = {
    "int()": lambda w: int(w),
    "float()": lambda w: float(w),
    "hash (a dict key)": lambda w: {w: 1},
    "hash (a set)": lambda w: {w},
    "str()": lambda w: str(w),
    "repr()": lambda w: repr(w),
    "format()": lambda w: f"{w:,}",
    "true division": lambda w: w / 2,
    "true division, reflected": lambda w: 2 / w,
    "power": lambda w: w**2,
    "power, reflected": lambda w: 2**w,
    "shift": lambda w: w << 1,
    "bit and": lambda w: w & 1,
    "invert": lambda w: ~w,
    "a float operand": lambda w: w * 2.5,
    "a list repeated": lambda w: [0] * w,
    "text repeated": lambda w: "ab" * w,
    "bit_length": lambda w: w.bit_length(),
    "to_bytes": lambda w: w.to_bytes(8, "little"),
    "numerator (Fraction)": lambda w: Fraction(w),
    "round to tens": lambda w: round(w, -1),
    "copy": lambda w: __import__("copy").copy(w),
    "two counts at once": lambda w: w + Trace().width(1),
    "plain()": plain,
}


@pytest.mark.parametrize("use", ESCAPES.values(), ids=ESCAPES.keys())
def test_what_a_polynomial_cannot_follow_escapes(use):
    with pytest.raises(Escape):
        use(Trace().width(12))


# The evaluator computes with the value alone where a float or a bool stands on the left, or inside a function;
# it escapes there instead.
EXPRESSION_ESCAPES = [
    "2.5 * w",
    "0.5 + w",
    "true * w",
    "w / 2",
    "w ** 2",
    "2 ** w",
    "0.5 < w",
    "max(w, 0.5)",
    "gcd(w, 4)",
    "contains(sizes, w)",
]


@pytest.mark.parametrize("text", EXPRESSION_ESCAPES)
def test_an_expression_the_width_cannot_follow_escapes(text):
    from checker.language.loader import Location, YamlSequence
    from checker.language.spec import NodeValue

    sizes = YamlSequence(Location(1, 1))
    sizes.extend([0.5, 12.0, True])
    with pytest.raises(Escape):
        evaluate(text, {"w": Trace().width(12), "sizes": NodeValue(sizes, sizes.location)})


@pytest.mark.parametrize(
    "text, expected",
    [("2 * w + 1", 25), ("w // 5", 2), ("-w % 5", 3), ("ceil(w)", 12), ("abs(-w)", 12), ("round(w)", 12)],
)
def test_an_expression_the_width_can_follow_stays_symbolic(text, expected):
    value = evaluate(text, {"w": Trace().width(12)})
    assert isinstance(value, Symbolic) and int.__int__(value) == expected


def test_math_prod_and_sum_follow_the_width():
    trace = Trace()
    w = trace.width(4)
    assert math.prod((w, w + 1, 3)).polynomial == {(2,): 3, (1,): 3}
    assert sum([w, w, 1]).polynomial == {(1,): 2, (): 1}


def test_a_division_by_zero_is_recorded_as_a_branch():
    """An expression's division by zero becomes an error that a var may hold as text (until it is used):
    whether the divisor is 0 is a branch, as a comparison is."""
    trace = Trace()
    w = trace.width(5)
    with pytest.raises(ZeroDivisionError):
        _ = 10 // (w - 5)
    assert [width for width in range(10) if trace.holds(trace.point(width))] == [5]
