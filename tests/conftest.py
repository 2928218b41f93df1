"""Shared helpers: count a spec written inline, and the torch oracle when torch is installed."""

from __future__ import annotations

import textwrap

import pytest

from checker.checks.check import SpecResult, check_text


def check_spec(text: str, file: str = "spec.yaml") -> SpecResult:
    """The result of the (single) spec in `text`."""
    result = check_text(textwrap.dedent(text), file)
    assert len(result.specs) == 1, result
    return result.specs[0]


def count_spec(text: str) -> int:
    """The parameter count of a spec that must be valid."""
    spec = check_spec(text)
    assert spec.tree is not None, [f.message for f in spec.findings]
    return spec.params


@pytest.fixture
def torch():
    return pytest.importorskip("torch")
