"""Untrusted text in output: names, file names and messages stay on their line and stay inert.

A spec, its names and its file name may come from a pull request, and a CI runner acts on
some lines of a tool's output: GitHub Actions runs a line that begins with `::` once leading
blanks are trimmed, and a line that holds `##[` anywhere; a line ends at a CR or an LF.
Terminals act on escape sequences, and a bidirectional mark reorders what a reader sees.
So every reporter shows text it did not write itself through `escaped` or `quoted`:

- line breaks, control and format characters become backslash escapes (`\\n`, `\\x1b`, `\\u202e`);
- bytes of a file name that is not UTF-8 (which Python keeps as lone surrogates) become `\\xNN`;
- a leading `:` and the `[` of `##[` are escaped too, so no line can be read as a command;
- a name is quoted when it holds any of these, so that the quotes show where it ends.

JSON has its own escapes for line breaks; `json_text` adds the two that JSON lacks.
"""

from __future__ import annotations

import sys

from ..patterns import pattern
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNDECODED_BYTES = range(0xDC80, 0xDD00)  # how os.fsdecode keeps a byte that is not UTF-8
_LEADING_COLON = "^( *):"  # a runner trims the blanks, then runs a line that starts `::` (compiled on first use)
_OLD_COMMAND = "##["  # a runner runs a line that holds this anywhere


def _escape(character: str) -> str:
    if character in _ESCAPES:
        return _ESCAPES[character]
    code = ord(character)
    if code in _UNDECODED_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with its line breaks, control and format characters and undecoded bytes escaped."""
    shown = "".join(character if character.isprintable() else _escape(character) for character in text)
    return shown.replace(_OLD_COMMAND, "##\\x5b")


def escaped(text: str) -> str:
    """`text` on one line, with nothing in it that a terminal or a CI runner acts on."""
    return pattern(_LEADING_COLON).sub(r"\1\\x3a", printable(text))


def quoted(name: str) -> str:
    """A name or file name: as it is when plain, else in double quotes with its odd characters escaped."""
    if name and escaped(name) == name and name.strip() == name and not name.startswith('"'):
        return name
    return '"' + printable(name.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def json_text(document: Any) -> str:
    """JSON, valid UTF-8, that no runner acts on, with every digit of every count.

    Strings keep their value, with every character that is not printable written as a JSON
    escape (JSON itself escapes only line feeds and control characters), and `##[`, which
    only a string can hold, as `##\\u005b`. The exception: a lone surrogate (a byte of a file
    name that is not UTF-8) has no UTF-8 form, so it is shown as the text `\\xNN`.
    """
    import json  # here, not above: the text reporter, the default, needs no JSON

    # Python limits writing an int to 4,300 digits, against slow parsing of huge numbers in input; counts
    # are computed here, and an exact count is written whole.
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()  # Python 3.10.7 and later
    if limit:
        sys.set_int_max_str_digits(0)
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False)
    finally:
        if limit:
            sys.set_int_max_str_digits(limit)
    shown = "".join(c if c.isprintable() or c == "\n" else _json_escape(c) for c in text)
    return shown.replace(_OLD_COMMAND, "##\\u005b") + "\n"


def _json_escape(character: str) -> str:
    import json

    if "\ud800" <= character <= "\udfff":  # a lone surrogate, which JSON cannot hold
        return _escape(character).replace("\\", "\\\\")
    return json.dumps(character)[1:-1]  # as \uXXXX, or a pair of them
