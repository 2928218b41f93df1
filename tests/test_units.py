"""Counts, byte sizes and how they print."""

from __future__ import annotations

from fractions import Fraction

import pytest

from checker.language.units import (
    UnitError,
    dtype_bytes,
    format_bytes,
    format_change,
    format_count,
    parse_bytes,
    parse_count,
    read_number,
    read_percent,
)

from .conftest import does_not_hang


@pytest.mark.parametrize(
    "text, value",
    [
        (552, 552),
        ("552", 552),
        ("1.5M", 1_500_000),
        ("1.2M", 1_200_000),
        ("125M", 125_000_000),
        ("7B", 7_000_000_000),
        ("7G", 7_000_000_000),
        ("2T", 2_000_000_000_000),
        ("10k", 10_000),
        ("10K", 10_000),
        ("50_257", 50_257),
        ("1_000 M", 1_000_000_000),
        (1.5e6, 1_500_000),
        ("5e6", 5_000_000),  # YAML reads 5e6 as a string
        ("2.5E+3", 2_500),
        ("5,000,000", 5_000_000),  # as budget-check prints counts
        ("1,234.5k", 1_234_500),
        ("1e1000", 10**1000),  # the largest exponent read
    ],
)
def test_counts(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("16GiB", 16 * 2**30),
        ("500MB", 500_000_000),
        ("1.5 KiB", 1536),
        ("2kB", 2000),
        (1024, 1024),
        ("3TB", 3 * 10**12),
    ],
)
def test_bytes(text, value):
    assert parse_bytes(text) == value


@pytest.mark.parametrize(
    "text, message",
    [
        ("12X", "unknown unit 'X'"),
        ("1.2345k", "not a whole number"),
        ("abc", "cannot read"),
        (True, "got true"),
        ("-5", "negative"),
        ([1], "got list"),
        ("1,00", "cannot read"),  # commas only between groups of three digits
        ("5,000_000", "cannot read"),
        ("inf", "cannot read"),
        ("nan", "cannot read"),
        (float("inf"), "finite"),
        (float("nan"), "finite"),
        ("1e99999999", "too large"),  # refused before it is computed
        ("1e-99999999", "too large"),
        ("1" * 1_001, "too large"),
        (10**1_000, "digits"),
    ],
)
def test_count_errors(text, message):
    with pytest.raises(UnitError) as raised:
        parse_count(text)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "text, value",
    [
        ("552", 552),
        ("-1.5", Fraction(-3, 2)),
        (".5", Fraction(1, 2)),
        ("5e6", 5 * 10**6),
        ("1,000.25", Fraction(4001, 4)),
    ],
)
def test_read_number(text, value):
    assert read_number(text) == value


@pytest.mark.parametrize(
    "text", ["1e1001", "9" * 1_001, "1e99999999", "0." + "0" * 1_000 + "1", "infinity", "1e", "", "--1"]
)
def test_read_number_refuses_the_unbounded_and_the_unreadable(text):
    with pytest.raises(UnitError):
        read_number(text)


def test_unit_kinds_do_not_mix():
    with pytest.raises(UnitError):
        parse_count("16GiB")
    with pytest.raises(UnitError):
        parse_bytes("7M")


def test_memory_per_dtype():
    assert dtype_bytes(6_738_415_616, "bfloat16") == 13_476_831_232
    assert dtype_bytes(7, "int4") == 4
    assert dtype_bytes(552, "float32") == 2208


def test_formatting():
    assert format_count(124439808) == "124,439,808"
    assert format_change(552, 1096) == "+544, +98.6%"
    assert format_change(552, 552) == "+0, +0.0%"
    assert format_change(0, 20) == "+20"
    assert format_bytes(13_476_831_232) == "12.55 GiB"
    assert format_bytes(512) == "512 B"


@pytest.mark.parametrize(
    "text, fraction", [("10%", Fraction(1, 10)), ("2.5", Fraction(1, 40)), ("0%", 0), ("1000%", 10)]
)
def test_read_percent(text, fraction):
    assert read_percent(text) == fraction


@pytest.mark.parametrize("text", ["-1%", "1001%", "1e5000%", "lots%"])
def test_read_percent_refuses(text):
    with does_not_hang(), pytest.raises(UnitError):
        read_percent(text)
