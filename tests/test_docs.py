"""Every example in docs/ is a spec, and says on its first line what budget-check finds."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from checker.checks.check import check_text
from checker.reporters.text import TextReporter

DOCS = Path(__file__).parent.parent / "docs"
_BLOCK = re.compile(r"```yaml\n(# expect: (?P<expect>[^\n]*)\n.*?)```(?:\n\n```text\n(?P<output>.*?)```)?", re.DOTALL)
_COUNTS = re.compile(r"(?P<params>[\d,]+) params(?:, (?P<trainable>[\d,]+) trainable)?")


def examples():
    for page in sorted(DOCS.glob("*.md")):
        for number, match in enumerate(_BLOCK.finditer(page.read_text()), 1):
            yield pytest.param(match.group(1), match.group("expect"), match.group("output"), id=f"{page.stem}-{number}")


@pytest.mark.parametrize("text, expect, output", list(examples()))
def test_doc_example(text, expect, output):
    result = check_text(text, "spec.yaml")
    [spec] = result.specs
    if output is not None:  # the findings as budget-check prints them
        stream = io.StringIO()
        TextReporter(stream, quiet=True).report([result])
        assert "".join(stream.getvalue().splitlines(keepends=True)[:-2]) == output
    counts = _COUNTS.fullmatch(expect)
    if counts:
        assert spec.status == "pass", [f.message for f in spec.findings]
        assert f"{spec.params:,}" == counts["params"]
        if counts["trainable"]:
            assert f"{spec.trainable:,}" == counts["trainable"]
    else:
        assert [f.code for f in spec.findings] == expect.split()


def test_docs_have_examples():
    assert len(list(examples())) >= 10


def test_the_docs_list_exactly_the_registry_s_rules():
    """docs/cli.md's table is the registry: every rule, with its name and help, and nothing else."""
    from checker.rules import RULES

    rows = [line for line in (DOCS / "cli.md").read_text().splitlines() if re.match(r"\| BC\d+ \|", line)]
    assert rows == [f"| {rule.code} | {rule.name} | {rule.help} |" for rule in RULES.values()]


def test_the_docs_list_exactly_the_configuration_keys():
    """docs/cli.md's configuration table is config.py's table: every key and its meaning, in its order."""
    from checker.project.config import CONFIG

    rows = [line for line in (DOCS / "cli.md").read_text().splitlines() if re.match(r"\| `[a-z-]+` \|", line)]
    assert [(row.split(" | ")[0], row.split(" | ")[2]) for row in rows] == [
        (f"| `{key.name}`", f"{key.description} |") for key in CONFIG.keys
    ]


def test_console_examples_are_real_output():
    """`$ budget-check ...` blocks in the README and docs show what the command prints."""
    from .test_cli import budget_check

    checked = 0
    for page in [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]:
        for command, output in re.findall(r"```console\n\$ budget-check (.*?)\n(.*?)```", page.read_text(), re.DOTALL):
            args = command.split()
            paths = [arg for arg in args if "/" in arg and not arg.startswith("-")]
            if not all((DOCS.parent / path).exists() for path in paths):
                continue  # an illustration with the reader's own paths
            assert budget_check(*args).stdout == output, f"{page.name}: budget-check {command}"
            checked += 1
    assert checked >= 4
