"""Regular expressions compiled on first use, then kept.

Compiling a pattern costs a run about a third of a millisecond, and most runs
use few of the checker's: one that reads no budget written as text compiles
none of the budget's. A module keeps its patterns as text and asks for one
where it matches (`pattern(_BOUND).fullmatch(value)`); the cache is C code,
so a pattern asked for again costs about what a compiled one kept in the
module does, unlike `re.fullmatch(text, ...)`, which goes through two Python
calls every time.
"""

from __future__ import annotations

import re
from functools import cache


@cache
def pattern(text: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(text, flags)
