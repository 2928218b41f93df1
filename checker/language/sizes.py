"""The running feature size that flows through a model: a number, or unknown and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Unknown:
    """A running size nobody can know from the spec, and why."""

    reason: str


Size = Union[int, Unknown]
START = Unknown("at the start of the model")


def show_size(size: Size) -> str:
    return str(size) if isinstance(size, int) else "unknown"
