"""The streams every command writes to: whatever their encoding, and whoever reads them.

- A stream that cannot encode a symbol (`≤` on a Windows pipe in cp1252) gets its ASCII
  spelling (`<=`); anything else it cannot encode is shown escaped. This is decided here,
  once, for all output, by the stream's own encoder.
- A reader that stops early (`budget-check | head -1`) is no error: the rest of the output is
  dropped and the command still ends with its own exit status.
- Any other failure to write (a full disk) is an OutputError, which the CLI reports in a line.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable

from ..records import TYPE_CHECKING
from .escaping import printable

if TYPE_CHECKING:
    from typing import TextIO

ASCII_SPELLINGS = {
    "≤": "<=",
    "≥": ">=",
    "±": "+-",
    "×": "x",
    "→": "->",
    "—": "-",
    "–": "-",
    "−": "-",
    "─": "-",
    "…": "...",
    "·": "*",
    "²": "^2",
    "✅": "+",
    "❌": "x",
    "⚠": "!",
    "\ufe0f": "",  # the variation selector that makes ⚠ an emoji
}
ERRORS = "budget-check-ascii"


def _spell_in_ascii(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    unencodable = error.object[error.start : error.end]
    return "".join(ASCII_SPELLINGS.get(c, printable(c)) for c in unencodable), error.end


codecs.register_error(ERRORS, _spell_in_ascii)


def spell_unencodable_in_ascii(stream: TextIO) -> None:
    """Let `stream` write any text: what its encoding lacks is spelt in ASCII instead of raising."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors=ERRORS)


class OutputError(Exception):
    """The output cannot be written (not a reader that went away)."""


class Output(io.TextIOBase):
    """A command's stdout that survives its reader: see the module's docstring."""

    def __init__(self, stream: TextIO):
        super().__init__()
        self.stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            self._guarded(self.stream.write, text)
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            self._guarded(self.stream.flush)

    def _guarded(self, operation: Callable[..., object], *arguments: object) -> None:
        try:
            operation(*arguments)
        except BrokenPipeError:
            self.reader_gone = True
            self._drop_the_rest()
        except OSError as error:
            self._drop_the_rest()
            raise OutputError(f"cannot write the output: {error.strerror or error}") from None

    def _drop_the_rest(self) -> None:
        """Point the stream's file at /dev/null, so that what is still buffered is not written at exit."""
        try:
            descriptor = self.stream.fileno()
        except (OSError, ValueError):
            return  # not a file: nothing is written at exit
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)
