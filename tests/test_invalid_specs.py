"""Bad input gets one clear, located finding: one fixture file per case.

Each file in fixtures/invalid starts with a line
    # expect: CODE at LINE:COLUMN "part of the message"
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker import rules
from checker.checks.check import check_file

from .conftest import check_spec

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "invalid").glob("*.yaml"))
_EXPECT = re.compile(r'# expect: (?P<code>BC\d+) at (?P<line>\d+):(?P<column>\d+) "(?P<message>.*)"')


@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
def test_invalid_spec_gets_a_located_finding(path):
    expected = _EXPECT.match(path.read_text().splitlines()[0])
    assert expected, f"{path.name} lacks its `# expect:` line"
    [spec] = check_file(path, path.name).specs
    findings = [(f.code, f.location.line, f.location.column, f.message) for f in spec.findings]
    assert len(findings) == 1, findings
    code, line, column, message = findings[0]
    assert (code, line, column) == (expected["code"], int(expected["line"]), int(expected["column"])), message
    assert expected["message"] in message
    assert spec.status == "error"


@pytest.mark.parametrize(
    "node, rule, message",
    [
        ("{Linear: 4, when: 3}", rules.INVALID_VALUE, "`when` must be true or false, not 3"),
        ("{Linear: 4, when: d +}", rules.INVALID_EXPRESSION, "when: cannot compute 'd +'"),
        ("{Linear: 4, frozen: [1]}", rules.INVALID_VALUE, "`frozen` takes true, false or a list of parameter names"),
        ("{Linear: 4, name: 3}", rules.INVALID_VALUE, "`name` must be a string"),
        ("{Linear: 4, repeat: -1}", rules.INVALID_VALUE, "repeat must be at least 0, got -1"),
        ("{Linear: 4, repeat: {index: i}}", rules.INVALID_VALUE, "repeat needs one of `times`, `over`"),
        ("{Linear: 4, repeat: {times: 2, idx: i}}", rules.INVALID_VALUE, "unknown repeat key 'idx'"),
        ("{Linear: 4, repeat: {times: 2, index: 2i}}", rules.INVALID_NAME, "repeat.index must be an identifier"),
        ("{Linear: 4, repeat: {times: 2, over: []}}", rules.INVALID_VALUE, "`times` or `over`, not both"),
        ("{sequential: 3}", rules.INVALID_NODE, "`sequential` takes a list of nodes"),
        ("{parallel: []}", rules.INVALID_NODE, "`parallel` takes a list of branches"),
        ("concat", rules.INVALID_NODE, "`concat` takes a list of branches"),
    ],
)
def test_modifiers_and_control_kinds_are_read_by_their_tables(node, rule, message):
    spec = check_spec(f"vars: {{d: 4}}\nmodel: [{{Linear: [4, 4]}}, {node}]\n")
    assert [(f.code, message in f.message) for f in spec.findings] == [(rule.code, True)], spec.findings
