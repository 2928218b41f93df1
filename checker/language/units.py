"""Counts with units (`1.5M`), byte sizes (`16GiB`), dtypes, and how to print them."""

from __future__ import annotations

import math

from ..patterns import pattern
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction  # imported where a fraction is made: a passing check needs none

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

# A number may have this many digits, and an exponent up to this size: 10^1000 is past any count, and a
# bound keeps `1e99999999` or a 5,000-digit budget from taking the time and memory to compute it.
MAX_DIGITS = 1_000
# 552, 1.5, .5, 5e6, 50_257, 5,000,000 (thousands, as budget-check prints counts); a sign is read, not accepted.
# Both are compiled on first use (checker/patterns.py): most runs read no quantity written as text.
_NUMBER = (
    r"(?P<sign>[-+]?)(?P<mantissa>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)"
    r"(?:[eE](?P<exponent>[-+]?\d+))?"
)
_QUANTITY = r"\s*(?P<number>[-+]?[\d.,_]+(?:[eE][-+]?\d+)?)\s*(?P<unit>[A-Za-z]*)\s*"


_LARGEST = 10**MAX_DIGITS
MAX_PERCENT = 1_000  # a tolerance or a margin: ten times the count is already no bound


class UnitError(ValueError):
    """A count or size that cannot be read."""


def read_number(text: str) -> Fraction:
    """A decimal number as people write it (`552`, `1.5`, `5e6`, `50_257`, `5,000,000`), exactly."""
    from fractions import Fraction

    digits, exponent = _decimal(text)
    return Fraction(digits) * Fraction(10) ** exponent


def _decimal(text: str) -> tuple[int, int]:
    """A decimal number as people write it, as (digits, exponent): its value is digits * 10**exponent.

    Bounded before anything is computed: at most MAX_DIGITS digits and an exponent of at most
    MAX_DIGITS, so hostile input cannot make it slow. inf, nan and other words are refused."""
    match = pattern(_NUMBER).fullmatch(text.strip())
    if match is None:
        raise UnitError(f"cannot read {text!r} as a number")
    mantissa, exponent = match.group("mantissa"), match.group("exponent") or "0"
    digits = sum(character.isdigit() for character in mantissa)
    if digits > MAX_DIGITS or len(exponent.lstrip("+-0")) > len(str(MAX_DIGITS)) or abs(int(exponent)) > MAX_DIGITS:
        raise UnitError(f"{_shown(text)} is too large a number: at most {MAX_DIGITS:,} digits and 1e{MAX_DIGITS}")
    whole, _, decimals = mantissa.replace(",", "").replace("_", "").partition(".")
    value = int(whole + decimals)
    return (-value if match.group("sign") == "-" else value), int(exponent) - len(decimals)


def read_percent(text: str) -> Fraction:
    """A percentage from 0 to MAX_PERCENT, `%` optional, as a fraction: "10%" -> 1/10."""
    percent = read_number(text.strip().removesuffix("%"))
    if not 0 <= percent <= MAX_PERCENT:
        raise UnitError(f"{_shown(text)} is not a percentage from 0% to {MAX_PERCENT:,}%")
    return percent / 100


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37] + "...")


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
        if abs(value) >= _LARGEST:
            raise UnitError(f"a {what} of more than {MAX_DIGITS:,} digits is past any model")
        digits, exponent = value, 0
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise UnitError(f"a {what} must be a finite number, not {value}")
        digits, exponent = _decimal(repr(value))
    elif isinstance(value, str):
        match = pattern(_QUANTITY).fullmatch(value)
        if not match or not pattern(_NUMBER).fullmatch(match.group("number")):
            raise UnitError(f"cannot read {_shown(value)} as a {what} (a number with an optional unit: {unit_names})")
        unit = match.group("unit")
        if unit not in units:
            raise UnitError(f"unknown unit {unit!r} in {_shown(value)} (use {unit_names})")
        digits, exponent = _decimal(match.group("number"))
        digits *= units[unit]
    else:
        raise UnitError(f"expected a {what}, got {type(value).__name__}")
    scale: int = 10 ** abs(exponent)
    amount, rest = (digits * scale, 0) if exponent >= 0 else divmod(digits, scale)
    if rest:
        raise UnitError(f"{value!r} is not a whole number")
    if amount < 0:
        raise UnitError(f"{value!r} is negative")
    return amount


def dtype_bytes(params: int, dtype: str) -> int:
    """Parameter memory in bytes, rounded up to whole bytes."""
    return -(-params * DTYPE_BITS[dtype] // 8)


_CHUNK_DIGITS = 4_000  # under Python's 4,300-digit limit on int-to-text


def format_count(value: int) -> str:
    """A count with thousands separators: 124,439,808."""
    digits = _digits(abs(value))
    groups = [digits[max(end - 3, 0) : end] for end in range(len(digits), 0, -3)]
    return ("-" if value < 0 else "") + ",".join(reversed(groups))


def _digits(value: int) -> str:
    """Every decimal digit of `value` (not negative), however many: str() stops at 4,300."""
    if value < 10**_CHUNK_DIGITS:
        return str(value)
    high, low = divmod(value, 10**_CHUNK_DIGITS)
    return _digits(high) + str(low).zfill(_CHUNK_DIGITS)


def format_bytes(value: int) -> str:
    """A byte size in binary units: 12.55 GiB (exact to the last digit shown, in integers: no float overflows)."""
    from fractions import Fraction

    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(value) >= size:
            return f"{_with_decimals(Fraction(value, size), 2)} {unit}"
    return f"{value} B"


def format_change(before: int, after: int) -> str:
    """How a count moved: `+544, +98.6%` (no percentage of nothing)."""
    change = after - before
    absolute = f"{'-' if change < 0 else '+'}{format_count(abs(change))}"
    return f"{absolute}, {format_relative(change, before)}" if before else absolute


def format_relative(change: int, base: int) -> str:
    """A change as a share of its base, `+7.1%`; of a base of 0, which has no share, the change itself."""
    from fractions import Fraction

    sign = "-" if change < 0 else "+"
    if not base:
        return f"{sign}{format_count(abs(change))}"
    return f"{sign}{_with_decimals(Fraction(abs(change) * 100, base), 1)}%"


def _with_decimals(value: Fraction, decimals: int) -> str:
    """`value` rounded half to even at `decimals` places, exactly (a float could overflow, or misround a tie)."""
    scaled = round(abs(value) * 10**decimals)
    whole, fraction = divmod(scaled, 10**decimals)
    return f"{'-' if value < 0 else ''}{_digits(whole)}.{fraction:0{decimals}d}"
