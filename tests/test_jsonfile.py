"""JSON config files read as loaded values: where each top-level key is written."""

from __future__ import annotations

import json

import pytest

from checker.formats.jsonfile import located_json
from checker.language.loader import Location


@pytest.mark.parametrize(
    ("text", "key", "where"),
    [
        ('{\n  "a": 1,\n  "b": 2\n}', "b", Location(3, 3)),
        ('{"b_x": 0, "b" :\n 2}', "b", Location(1, 12)),  # a longer key first; space before the colon
        ('{"a": "b", "b": 1}', "b", Location(1, 12)),  # a string value equal to the key is not the key
        ('{"a": "b" ,\n "b"\r\n\t: 1}', "b", Location(2, 2)),  # nor when spaces follow it; any JSON space
        ('{"a": {"b": 0},\n "b": 1}', "b", Location(1, 8)),  # the first `"b":` written, nested or not
        ('{"\\u00e9": 1}', "é", Location(1, 2)),  # written as json.dumps writes it
        ('{"é": 1}', "é", Location(1, 1)),  # written otherwise: not found, so the file's start
    ],
)
def test_a_key_stands_where_it_is_first_written_followed_by_a_colon(text, key, where):
    assert located_json(json.loads(text), text).key_locations[key] == where
