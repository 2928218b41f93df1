"""Loading YAML safely with positions: values, locations, and every refusal."""

from __future__ import annotations

import pytest

from checker.language.loader import (
    MAX_DEPTH,
    LoadError,
    Location,
    YamlMapping,
    YamlSequence,
    load_documents,
    located,
    located_mapping,
)

from .conftest import does_not_hang


def load(text):
    return [document.value for document in load_documents(text)]


def test_values_and_their_locations():
    [doc] = load("name: x\nvars:\n  d: 50_257\n  f: 1.5\nmodel: [ReLU, {Linear: [3, 4]}]\n")
    assert doc == {"name": "x", "vars": {"d": 50257, "f": 1.5}, "model": ["ReLU", {"Linear": [3, 4]}]}
    assert isinstance(doc, YamlMapping)
    assert doc.key_locations["vars"] == Location(2, 1)
    assert doc["vars"].location_of("d") == Location(3, 6)
    assert doc["model"].location_of(1) == Location(5, 15)
    assert doc["model"][1]["Linear"].location_of(1) == Location(5, 28)


def test_values_made_in_code_stand_where_they_are_placed():
    here, there = Location(2, 3), Location(7, 1)
    mapping = located_mapping({"a": 1, "b": 2}, here, {"b": there})
    assert (mapping.location, mapping.location_of("a"), mapping.key_locations["b"], mapping.location_of("b")) == (
        here,
        here,
        there,
        there,
    )
    [loaded] = load("x: 1\n")
    value = located({"plain": [1, {"c": 3}], "loaded": loaded}, here)
    assert isinstance(value["plain"], YamlSequence) and value["plain"].location_of(1) == here
    assert value["plain"][1].location_of("c") == here
    assert value["loaded"] is loaded


def test_several_documents_are_numbered():
    documents = list(load_documents("a: 1\n---\nb: 2\n---\n"))
    assert [(d.number, d.location.line) for d in documents] == [(1, 1), (2, 2), (3, 4)]


def test_merge_keys_and_aliases():
    [doc] = load("base: &b {x: 1, y: 2}\nthis: {<<: *b, y: 3}\nsame: *b\n")
    assert doc["this"] == {"x": 1, "y": 3}
    assert doc["same"] is doc["base"]


def test_scalar_spans_for_editing():
    text = "vars:\n  width: 16   # comment\n  q: '8'\n"
    [doc] = load(text)
    span = doc["vars"].value_spans["width"]
    assert text[span.start : span.end] == "16"
    quoted = doc["vars"].value_spans["q"]
    assert (text[quoted.start : quoted.end], quoted.style) == ("'8'", "'")


@pytest.mark.parametrize(
    "text, code, location",
    [
        ("a: [1, 2\n", "BC001", Location(2, 1)),
        ("a: 1\na: 2\n", "BC002", Location(2, 1)),
        ("a: !!python/object/apply:os.system [ls]\n", "BC003", Location(1, 4)),
        ("a: !custom 1\n", "BC003", Location(1, 4)),
        ("a: !!binary aGk=\n", "BC003", Location(1, 4)),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "BC006", Location(1, MAX_DEPTH + 1)),
        ("a: *nowhere\n", "BC001", Location(1, 4)),
        ("{[1]: 2}\n", "BC001", Location(1, 2)),
    ],
    ids=["syntax", "duplicate", "python-tag", "custom-tag", "binary-tag", "too-deep", "unknown-alias", "list-key"],
)
def test_refusals(text, code, location):
    with pytest.raises(LoadError) as raised:
        load(text)
    assert (raised.value.rule.code, raised.value.location) == (code, location)


def test_deep_nesting_is_refused_without_crashing():
    # libyaml's own composer crashes the process on input like this.
    with does_not_hang(), pytest.raises(LoadError) as raised:
        load("[" * 100_000 + "]" * 100_000)
    assert raised.value.rule.code == "BC006"


def test_alias_bomb_is_refused_without_expanding():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    with does_not_hang(), pytest.raises(LoadError) as raised:
        load("\n".join(lines) + "\n")
    assert raised.value.rule.code == "BC004"


COLON_HINT = "to give a bare layer name modifiers, end it with a colon"


@pytest.mark.parametrize(
    "text, hinted",
    [
        ("model:\n  - ReLU\n    inplace: true\n", True),
        ("model:\n  - Dropout  # drop\n    p: 0.1\n", True),
        ("import os\ndef f(x): return x\n", False),  # a .py file named on the command line
        ("a: b: c\n", False),
        ("model:\n  - [1, 2]\n    p: 0.1\n", False),
    ],
)
def test_the_colon_hint_is_given_only_under_a_bare_layer_name(text, hinted):
    with pytest.raises(LoadError) as raised:
        list(load_documents(text))
    assert (COLON_HINT in raised.value.message) == hinted
