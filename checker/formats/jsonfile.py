"""JSON config files (Hugging Face's, timm's) read as loaded values that know where each top-level key is."""

from __future__ import annotations

import json

from .. import rules
from ..findings import Finding
from ..language.loader import Location, YamlMapping, located, located_mapping
from ..records import TYPE_CHECKING
from . import Imported

if TYPE_CHECKING:
    from typing import Any


def json_object(text: str, name: str) -> tuple[Any, list[Imported]]:
    """A JSON file's value, or, when the text is not JSON, the model `name` with the finding at the place the
    parser stopped."""
    try:
        return json.loads(text), []
    except json.JSONDecodeError as error:
        where = Location(error.lineno, error.colno)
        return None, [
            Imported(name, where, findings=[Finding(rules.INVALID_CONFIG, f"not valid JSON: {error.msg}", where)])
        ]


def located_json(raw: dict[str, Any], text: str) -> YamlMapping:
    """A JSON object as a loaded mapping: each top-level key stands where it is first written."""
    places = {key: _key_location(text, key) for key in raw}
    return located_mapping({key: located(value, places[key]) for key, value in raw.items()}, Location(1, 1), places)


def _key_location(text: str, key: str) -> Location:
    """Where `"key":` is first written: a config writes its top-level keys once. (Found with str.find, not a
    regular expression made for each key: compiling one per key cost a config.json more than counting it.)"""
    written = json.dumps(key)
    start = text.find(written)
    while start != -1 and not _colon_at(text, start + len(written)):
        start = text.find(written, start + 1)
    if start == -1:
        return Location(1, 1)
    line = text.count("\n", 0, start) + 1
    return Location(line, start - (text.rfind("\n", 0, start) + 1) + 1)


def _colon_at(text: str, start: int) -> bool:
    """Whether a colon follows at `start`, after JSON's whitespace."""
    while start < len(text) and text[start] in " \t\n\r":
        start += 1
    return text.startswith(":", start)
