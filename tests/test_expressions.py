"""The expression language: whitelisted grammar, exact integers, bounded values."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.language.expressions import ExpressionError, _evaluate, evaluate, is_condition, is_name, names_in, parse
from checker.language.spec import IDENTIFIER_PATTERN

ENV = {"d": 768, "heads": 12, "flag": True, "ratio": 2.5, "nothing": None}


@pytest.mark.parametrize(
    "text, value",
    [
        ("4*d", 3072),
        ("d // heads", 64),
        ("d / heads", 64.0),
        ("d % heads == 0", True),
        ("-2**2", -4),
        ("2**-1", 0.5),
        ("(1 + 2) * 3", 9),
        ("max(1, d / 5, 3)", 153.6),
        ("min(d, 100)", 100),
        ("ceil(d / 5)", 154),
        ("floor(ratio)", 2),
        ("round(ratio)", 2),
        ("round(2.567, 2)", 2.57),
        ("abs(-3)", 3),
        ("50_257", 50257),
        ("1e-5", 1e-05),
        (".5", 0.5),
        ("not flag", False),
        ("flag and d > 1", True),
        ("d < 0 or heads == 12", True),
        ("1 < 2 <= 2 < 3", True),
        ("1 < 2 > 3", False),
        ("64 if flag else 32", 64),
        ("d * (1 + flag)", 1536),
        ("true", True),
        ("2**100", 2**100),
    ],
)
def test_values(text, value):
    assert evaluate(text, ENV) == value


@pytest.mark.parametrize(
    "text, message",
    [
        ("10**10**10", "too large"),
        ("2**101", "too large"),
        ("9" * 41, "too long"),
        ("d" + " + d" * 300, "longer than 1000"),
        ("(" * 70 + "1" + ")" * 70, "nests deeper"),
        ("-" * 70 + "1", "nests deeper"),
        ("1/0", "division by zero"),
        ("d % 0", "division by zero"),
        ("0 ** -1", "division by zero"),
        ("(-8) ** 0.5", "not a real number"),
        ("dd", "unknown name 'dd' (did you mean 'd'?)"),
        ("nothing + 1", "nothing has no value"),
        ("sqrt(4)", "unknown function sqrt()"),
        ("round(1, 2, 3)", "takes 1 to 2 arguments"),
        ("__import__('os')", "unknown function __import__()"),
        ("d.real", "unexpected character"),
        ("[1]", "unexpected character"),
        ("1 +", "ends too early"),
        ("1 2", "unexpected '2'"),
        ("", "empty expression"),
        ("if", "unexpected 'if'"),
        ("len(d)", "len() takes the name of a var or param that holds a list or a mapping"),
        ("len(2)", "len() takes the name"),
        ("is_mapping(2)", "is_mapping() takes the name of a var or param"),
        ("is_mapping(labels)", "is_mapping() takes the name of a var or param"),
    ],
)
def test_errors(text, message):
    with pytest.raises(ExpressionError) as raised:
        evaluate(text, ENV)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("startswith(proj, 'gated-')", True),
        ("proj == 'relu'", False),
        ("2 * d if proj != 'relu' else d", 1536),
    ],
)
def test_text_is_compared_never_computed(text, value):
    assert evaluate(text, {**ENV, "proj": "gated-gelu"}) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("proj * 10**9", "text takes part in no arithmetic"),
        ("-proj", "text takes part in no arithmetic"),
        ("proj < 3", "text and a number cannot be ordered"),
        ("startswith(d, 'x')", "startswith() takes two texts"),
    ],
)
def test_text_in_arithmetic_is_an_error(text, message):
    with pytest.raises(ExpressionError) as raised:
        evaluate(text, {**ENV, "proj": "gated-gelu"})
    assert message in str(raised.value)


def test_len_counts_the_items_a_name_holds():
    assert evaluate("len(labels) + len(shape)", {"labels": {0: "cat", 1: "dog"}, "shape": [1, 2, 3]}) == 5


@pytest.mark.parametrize(("held", "expected"), [({}, True), ({0: "cat"}, True), ([], False), (3, False)])
def test_is_mapping_tells_a_written_mapping_from_a_list_default(held, expected):
    """An empty mapping is still a mapping: a config's id2label: {} is 0 labels, where the default [] is none."""
    assert evaluate("is_mapping(labels)", {"labels": held}) is expected


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("startswith(proj, 'gated-')", True),
        ("a == b", True),
        ("not a", True),
        ("a > 0 and b", True),
        ("true if a else b > 1", True),
        ("1 if a else b > 1", False),
        ("a if b else c", False),
        ("hidden // heads", False),
        ("len(labels)", False),
        ("-a", False),
    ],
)
def test_is_condition_tells_a_flag_from_a_number(text, condition):
    """What a default written as an expression stands for: a config's typed field takes a flag or a number."""
    assert is_condition(parse(text)) is condition


def test_names_in():
    assert names_in(parse("n_embd % n_head == 0 and max(a, 2) > b if c else d")) == {
        "n_embd",
        "n_head",
        "a",
        "b",
        "c",
        "d",
    }


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6), st.sampled_from(["+", "-", "*", "//", "%"]))
def test_integer_arithmetic_matches_python(a, b, op):
    if op in ("//", "%") and b == 0:
        return
    assert (
        evaluate(f"a {op} b", {"a": a, "b": b})
        == {"+": a + b, "-": a - b, "*": a * b, "//": a // b if b else 0, "%": a % b if b else 0}[op]
    )


@given(st.text(max_size=40))
def test_any_text_parses_or_fails_cleanly(text):
    with contextlib.suppress(ExpressionError):
        evaluate(text, ENV)


def _answer(evaluating):
    try:
        value = evaluating()
    except ExpressionError as error:
        return "error", str(error)
    return type(value), value


@given(
    st.sampled_from(["d", "true", "False", "if", "2", "1e3", " d", "d ", "é", "in", "a_1"]),
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)),
)
def test_a_name_alone_reads_as_the_tree_would(text, value):
    """One name is read without its syntax tree (most expressions are one): the answer must be the tree's,
    whatever a config's key holds, even a key that is a keyword, a number or no name at all."""
    env = {**ENV, text: value}
    assert _answer(lambda: evaluate(text, env)) == _answer(lambda: _evaluate(parse(text), env))


@given(st.one_of(st.text(max_size=8), st.from_regex(IDENTIFIER_PATTERN, fullmatch=True)))
def test_a_name_is_what_the_schema_s_identifier_pattern_takes(text):
    """Names are checked by str's own test, and by the JSON Schema's pattern: the two must agree."""
    assert is_name(text) == bool(re.fullmatch(IDENTIFIER_PATTERN, text))
