"""The running feature size that flows through a model: a number, or unknown and why."""

from __future__ import annotations


class Unknown:
    """A running size nobody can know from the spec, and why.

    Not a tuple: a size that is a tuple would read as a list of sizes."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(self.reason)

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


Size = int | Unknown
START = Unknown("at the start of the model")


def show_size(size: Size) -> str:
    return str(size) if isinstance(size, int) else "unknown"
