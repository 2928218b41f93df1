"""The README's first commands stay true: CI runs the test command exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def readme_commands():
    return re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text())[:2]


def test_readme_starts_with_the_two_commands():
    run, test = readme_commands()
    assert run.startswith("pip install . && budget-check examples/specs")
    assert "torch==2.13.0" in test  # the CPU build; anything else pulls gigabytes of CUDA


def test_ci_runs_the_readme_test_command():
    _, test = readme_commands()
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()
