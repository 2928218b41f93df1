"""Counts with units (`1.5M`), byte sizes (`16GiB`), dtypes, and how to print them."""

from __future__ import annotations

import re
from fractions import Fraction

COUNT_UNITS = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "B": 10**9, "G": 10**9, "T": 10**12}
BYTE_UNITS = {
    "": 1,
    "B": 1,
    "kB": 10**3,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
    "TiB": 2**40,
}
# Bits per parameter; int4 and friends pack two to a byte.
DTYPE_BITS = {
    "float64": 64,
    "float32": 32,
    "tfloat32": 32,
    "float16": 16,
    "bfloat16": 16,
    "float8_e4m3fn": 8,
    "float8_e5m2": 8,
    "int8": 8,
    "uint8": 8,
    "int4": 4,
    "nf4": 4,
}
DEFAULT_DTYPE = "float32"

_QUANTITY = re.compile(r"\s*(?P<number>[0-9][0-9_]*(?:\.[0-9_]+)?|\.[0-9_]+)\s*(?P<unit>[A-Za-z]*)\s*")


class UnitError(ValueError):
    """A count or size that cannot be read."""


def parse_count(value: object) -> int:
    """A parameter count: 552, "552", "1.5M", "7B", "50_257"."""
    return _parse_quantity(value, COUNT_UNITS, "count", "k, M, B (or G), T")


def parse_bytes(value: object) -> int:
    """A memory size in bytes: "16GiB", "500MB", 1024."""
    return _parse_quantity(value, BYTE_UNITS, "memory size", "kB, MB, GB, TB, KiB, MiB, GiB, TiB")


def _parse_quantity(value: object, units: dict[str, int], what: str, unit_names: str) -> int:
    if isinstance(value, bool):
        raise UnitError(f"expected a {what}, got {str(value).lower()}")
    if isinstance(value, int):
        amount = Fraction(value)
    elif isinstance(value, float):
        amount = Fraction(str(value))
    elif isinstance(value, str):
        match = _QUANTITY.fullmatch(value)
        if not match:
            raise UnitError(f"cannot read {value!r} as a {what} (a number with an optional unit: {unit_names})")
        unit = match.group("unit")
        if unit not in units:
            raise UnitError(f"unknown unit {unit!r} in {value!r} (use {unit_names})")
        amount = Fraction(match.group("number").replace("_", "")) * units[unit]
    else:
        raise UnitError(f"expected a {what}, got {type(value).__name__}")
    if amount.denominator != 1:
        raise UnitError(f"{value!r} is not a whole number")
    if amount < 0:
        raise UnitError(f"{value!r} is negative")
    return int(amount)


def dtype_bytes(params: int, dtype: str) -> int:
    """Parameter memory in bytes, rounded up to whole bytes."""
    return -(-params * DTYPE_BITS[dtype] // 8)


def format_count(value: int) -> str:
    """A count with thousands separators: 124,439,808."""
    return f"{value:,}"


def format_bytes(value: int) -> str:
    """A byte size in binary units: 12.55 GiB."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(value) >= size:
            return f"{value / size:.2f} {unit}"
    return f"{value} B"


def format_change(before: int, after: int) -> str:
    """How a count moved: `+544, +98.6%` (no percentage of nothing)."""
    change = after - before
    return f"{change:+,}, {change / before:+.1%}" if before else f"{change:+,}"
