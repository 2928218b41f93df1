"""Bad input gets one clear, located finding: one fixture file per case.

Each file in fixtures/invalid starts with a line
    # expect: CODE at LINE:COLUMN "part of the message"
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.checks.check import check_file

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
