"""The registry of rules: each finding budget-check reports has a code and a name of its own (flake8's test)."""

from __future__ import annotations

import re

import pytest

from checker import rules
from checker.findings import Rule

DEFINED = [value for value in vars(rules).values() if isinstance(value, Rule)]


def test_every_rule_defined_is_in_the_registry_under_a_code_of_its_own():
    assert len(rules.RULES) == len(DEFINED)  # two rules of one code would leave one out


def test_every_rule_has_a_name_of_its_own():
    names = [rule.name for rule in DEFINED]
    assert sorted(name for name in names if names.count(name) > 1) == []


@pytest.mark.parametrize("rule", DEFINED, ids=lambda rule: rule.code)
def test_a_rule_is_written_as_the_docs_and_sarif_show_it(rule):
    assert re.fullmatch(r"BC\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule.name)
    assert rule.help.endswith(".") and "\n" not in rule.help  # one sentence or more, on one table row
