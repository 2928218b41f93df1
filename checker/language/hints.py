"""Did-you-mean hints for misspelt names."""

from __future__ import annotations

from collections.abc import Iterable


def closest(name: object, known: Iterable[object]) -> str | None:
    """The known name closest to `name` (one that differs only in case first), or None when none is close."""
    import difflib  # only mistakes pay for it

    names = [str(k) for k in known]
    same_but_case = [k for k in names if k.lower() == str(name).lower()]
    close = same_but_case or difflib.get_close_matches(str(name), names, n=1)
    return close[0] if close else None


def did_you_mean(name: object, known: Iterable[object]) -> str:
    """' (did you mean 'x'?)' for the closest known name, or '' when none is close."""
    guess = closest(name, known)
    return f" (did you mean {guess!r}?)" if guess is not None else ""
