"""Loaded YAML kept as JSON: the package's own YAML files, loaded once when they change instead of on every run.

Reading YAML with the located loader costs about ten times what decoding the
same values from JSON does, and a file shipped in the package is the same on
every run. So such a file's loaded document (values, and where each key and
value stands) is written beside it as JSON by `as_json`, and `from_json` gives
back values equal to what the loader gives, locations and spans included.

Mappings and sequences are written as JSON objects (a scalar never is one),
their keys, values and locations as parallel lists, so that keys that are not
strings keep their type. Only what YAML loads from plain data is written:
mappings, sequences, strings, numbers, booleans and null.

`as_python` writes the same data as a Python literal, for a file read on
runs that do not otherwise import `json` (a preset of a plain spec): a module
holding it is compiled to bytecode when the package is installed, and
importing it costs what decoding the JSON does, without the 1.4 ms that
importing `json` costs.
"""

from __future__ import annotations

from functools import partial

from ..records import TYPE_CHECKING
from .loader import Location, Span, YamlMapping, YamlSequence

if TYPE_CHECKING:
    from typing import Any

SCALARS = (str, int, float, bool, type(None))
# A location or span made from its fields without a Python call (a named tuple's `_make` is one): this
# runs for every location of a file read, 1,300 in llama.yaml. The fields are as `as_json` wrote them.
_location = partial(tuple.__new__, Location)
_span = partial(tuple.__new__, Span)


def as_json(value: Any) -> Any:
    """A loaded value as JSON-ready data that `from_json` reads back."""
    if isinstance(value, YamlMapping):
        keys = list(value)
        return {
            "mapping": value.location,
            "keys": keys,
            "key_locations": [value.key_locations[key] for key in keys],
            "value_locations": [value.location_of(key) for key in keys],
            "spans": [value.value_spans.get(key) for key in keys],
            "values": [as_json(value[key]) for key in keys],
        }
    if isinstance(value, YamlSequence):
        return {"sequence": value.location, "locations": value.item_locations, "items": [as_json(v) for v in value]}
    if not isinstance(value, SCALARS):
        raise TypeError(f"{type(value).__name__} {value!r} is not plain data a precompiled file can hold")
    return value


def as_python(value: Any) -> str:
    """A loaded value as the text of a Python literal that, evaluated, `from_json` reads back: the JSON data
    that `as_json` gives, in Python's spelling (tuples become lists, as JSON decodes them)."""
    import json  # here: a run reads a Python literal precisely so as not to import json

    return repr(json.loads(json.dumps(as_json(value), allow_nan=False)))


def from_json(data: Any) -> Any:
    """The loaded value that `as_json` wrote."""
    if type(data) is not dict:
        return data
    if "mapping" in data:
        mapping = YamlMapping(_location(data["mapping"]))
        keys = data["keys"]
        mapping.update(zip(keys, map(from_json, data["values"]), strict=True))
        mapping.key_locations = dict(zip(keys, map(_location, data["key_locations"]), strict=True))
        mapping.value_locations = dict(zip(keys, map(_location, data["value_locations"]), strict=True))
        mapping.value_spans = {
            key: _span(span) for key, span in zip(keys, data["spans"], strict=True) if span is not None
        }
        return mapping
    sequence = YamlSequence(_location(data["sequence"]))
    sequence.extend(map(from_json, data["items"]))
    sequence.item_locations = list(map(_location, data["locations"]))
    return sequence
