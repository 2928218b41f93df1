"""Loaded YAML kept as JSON: what comes back equals what the loader gives, every location and span included."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from checker.language.loader import Location, Span, YamlMapping, YamlSequence, load_documents
from checker.language.precompiled import as_json, as_python, from_json

ROOT = Path(__file__).parent.parent
SHIPPED = sorted((ROOT / "checker").rglob("*.yaml"))
ODD_KEYS = """
1: an int key
false: a bool key
null: a null key
1.5: a float key
nested: [[1, {a: 1.0e+300}], {b: [], c: {}}, "quoted", 'single', -7, 2.5e-3]
"""


def placed(value):
    """Everything the loader records about `value`: its type, value, locations and spans, all the way down."""
    if isinstance(value, YamlMapping):
        return (
            "mapping",
            value.location,
            [
                (
                    type(key),
                    key,
                    value.key_locations[key],
                    value.location_of(key),
                    value.value_spans.get(key),
                    placed(item),
                )
                for key, item in value.items()
            ],
        )
    if isinstance(value, YamlSequence):
        return (
            "sequence",
            value.location,
            [(where, placed(item)) for where, item in zip(value.item_locations, value, strict=False)],
        )
    return (type(value), value)


def through_json(value):
    return from_json(json.loads(json.dumps(as_json(value))))


def through_python(value):
    return from_json(ast.literal_eval(as_python(value)))


@pytest.mark.parametrize("through", [through_json, through_python])
@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_yaml_file_comes_back_as_loaded(path, through):
    loaded = next(load_documents(path.read_text(encoding="utf-8"))).value
    assert placed(through(loaded)) == placed(loaded)


@pytest.mark.parametrize("through", [through_json, through_python])
def test_keys_that_are_not_strings_keep_their_type(through):
    loaded = next(load_documents(ODD_KEYS)).value
    assert placed(through(loaded)) == placed(loaded)
    assert list(through(loaded)) == [1, False, None, 1.5, "nested"]


@pytest.mark.parametrize("through", [through_json, through_python])
def test_locations_and_spans_come_back_as_named_tuples(through):
    back = through(next(load_documents("a: [1]\nb: text\n")).value)
    assert (back.key_locations["b"].line, back["a"].item_locations[0].column) == (2, 5)
    assert (type(back.location), type(back.value_spans["b"])) == (Location, Span)


def test_json_keeps_an_infinite_float():
    loaded = next(load_documents("top: [.inf, -.inf]\n")).value
    assert placed(through_json(loaded)) == placed(loaded)


@pytest.mark.parametrize(
    ("write", "text", "refusal"),
    [
        (as_json, "released: 2026-11-28\n", "not plain data"),  # a date
        (as_python, "top: .inf\n", "not JSON compliant"),  # no literal spells it
    ],
)
def test_a_value_the_encoding_cannot_hold_as_loaded_is_refused(write, text, refusal):
    loaded = next(load_documents(text)).value
    with pytest.raises((TypeError, ValueError), match=refusal):
        write(loaded)
