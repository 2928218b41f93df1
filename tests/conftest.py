"""Shared helpers: count a spec written inline, a guard against hangs, and the torch oracle when installed."""

from __future__ import annotations

import signal
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from checker.checks.check import SpecResult, check_text


def spec_examples() -> list[Path]:
    """The files of examples/ written in the spec language (the folders of foreign formats aside)."""
    examples = Path(__file__).parent.parent / "examples"
    foreign = {"ultralytics", "litgpt", "hf"}
    return sorted(path for path in examples.rglob("*.yaml") if not foreign & set(path.relative_to(examples).parts))


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


# Long enough that no machine, however busy or instrumented, reaches it unless the code hangs:
# speed is measured in benchmarks/, never asserted here.
HANG_SECONDS = 60


@contextmanager
def does_not_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Fail the test if its body is still running after `seconds`, instead of hanging the suite."""

    def hung(signum: int, frame: object) -> None:
        pytest.fail(f"still running after {seconds} s: the input is not bounded")

    if not hasattr(signal, "SIGALRM"):  # Windows: no alarm, the suite's own limits apply
        yield
        return
    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def user_cache_folder(tmp_path_factory, monkeypatch):
    """Where budget-check keeps the key that signs its result cache: never the real user's, in tests."""
    folder = tmp_path_factory.getbasetemp() / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "budget-check"


@pytest.fixture
def torch():
    return pytest.importorskip("torch")
