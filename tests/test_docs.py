"""Every example in docs/ is a spec, and says on its first line what budget-check finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.check import check_text

DOCS = Path(__file__).parent.parent / "docs"
_BLOCK = re.compile(r"```yaml\n(# expect: (?P<expect>[^\n]*)\n.*?)```", re.DOTALL)
_COUNTS = re.compile(r"(?P<params>[\d,]+) params(?:, (?P<trainable>[\d,]+) trainable)?")


def examples():
    for page in sorted(DOCS.glob("*.md")):
        for number, match in enumerate(_BLOCK.finditer(page.read_text()), 1):
            yield pytest.param(match.group(1), match.group("expect"), id=f"{page.stem}-{number}")


@pytest.mark.parametrize("text, expect", list(examples()))
def test_doc_example(text, expect):
    [spec] = check_text(text, "spec.yaml").specs
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


def test_every_finding_code_is_documented():
    from checker.findings import RULES

    table = (DOCS / "cli.md").read_text()
    for rule in RULES.values():
        assert f"| {rule.code} | {rule.name} |" in table
