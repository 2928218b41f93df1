"""Did-you-mean hints for misspelt names."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(name: object, known: Iterable[object]) -> str:
    """' (did you mean 'x'?)' for the closest known name, or '' when none is close."""
    import difflib  # only mistakes pay for it

    known = [str(k) for k in known]
    same_but_case = [k for k in known if k.lower() == str(name).lower()]
    close = same_but_case or difflib.get_close_matches(str(name), known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
