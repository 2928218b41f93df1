"""Budgets: every form reads, and every violation says by how much and where."""

from __future__ import annotations

import pytest

from checker.findings import SpecError
from checker.language.budgets import check_budget, parse_budget
from checker.language.loader import Location, load_documents

from .conftest import check_spec

MLP = "model: {mlp: {input_dim: 8, hidden_dim: 16, hidden_layers: 2, output_dim: 8}}\n"  # 552


def budget_of(text):
    [document] = load_documents(f"budget: {text}\n")
    return parse_budget(document.value["budget"], document.value.location_of("budget"))


@pytest.mark.parametrize(
    "text, json",
    [
        ("125M", {"min": None, "max": 125_000_000, "target": None, "tolerance": None}),
        ("552 ± 2%", {"min": None, "max": None, "target": 552, "tolerance": 11.04}),
        ("552 +- 2%", {"min": None, "max": None, "target": 552, "tolerance": 11.04}),
        ("552 +- 10", {"min": None, "max": None, "target": 552, "tolerance": 10}),
        ("{min: 1M, max: 1.2M}", {"min": 1_000_000, "max": 1_200_000, "target": None, "tolerance": None}),
        ("{target: 7B, tolerance: 1%}", {"min": None, "max": None, "target": 7 * 10**9, "tolerance": 7 * 10**7}),
        ("{target: 552}", {"min": None, "max": None, "target": 552, "tolerance": 0}),
        ("600", {"min": None, "max": 600, "target": None, "tolerance": None}),
        ("5e6", {"min": None, "max": 5_000_000, "target": None, "tolerance": None}),
        ("5,000,000", {"min": None, "max": 5_000_000, "target": None, "tolerance": None}),
        ("<= 20M", {"min": None, "max": 20_000_000, "target": None, "tolerance": None}),
        ("≤ 125,000,000", {"min": None, "max": 125_000_000, "target": None, "tolerance": None}),
        ('">= 1M"', {"min": 1_000_000, "max": None, "target": None, "tolerance": None}),
        ("≥1M", {"min": 1_000_000, "max": None, "target": None, "tolerance": None}),
        ("5.52e2 ± 2%", {"min": None, "max": None, "target": 552, "tolerance": 11.04}),
        ("5e+2 +- 10", {"min": None, "max": None, "target": 500, "tolerance": 10}),
        ('{max: "5,000,000", trainable: <= 1M}', {"min": None, "max": 5_000_000, "target": None, "tolerance": None}),
    ],
)
def test_budget_forms(text, json):
    assert budget_of(text).params.to_json() == json


def test_every_problem_of_a_budget_is_reported_at_once():
    spec = check_spec(MLP + "budget: {maximum: 5, trainable: {max: lots}, memory: {max: 1GiB, dtype: fp8}}\n")
    assert [(f.code, f.location.column) for f in spec.findings] == [("BC100", 10), ("BC100", 39), ("BC100", 73)]


def test_a_budget_as_budget_check_prints_it_is_read_back():
    spec = check_spec(MLP + "budget: ≤ 500\n")
    [finding] = spec.findings
    assert finding.message == "552 params is over the budget of 500 by 52 (+10.4%)"


def test_non_embedding_and_active_alone_leave_the_total_free():
    budget = budget_of("{non_embedding: 6.6B, active: {target: 13B, tolerance: 1%}}")
    assert (budget.params, budget.non_embedding.max, budget.active.target) == (None, 6_600_000_000, 13 * 10**9)


def test_a_budget_of_memory_alone():
    budget = budget_of("{memory: {max: 16GiB}}")
    assert (budget.params, budget.memory.max) == (None, 16 * 2**30)


def test_trainable_and_memory():
    budget = budget_of("{max: 7B, trainable: {max: 20M}, memory: {max: 16GiB, dtype: bfloat16}}")
    assert budget.trainable.max == 20_000_000
    assert (budget.memory.max, budget.memory_dtype) == (16 * 2**30, "bfloat16")


@pytest.mark.parametrize(
    "text, message",
    [
        ("12X", "unknown unit 'X'"),
        ("{maximum: 5}", "unknown budget key 'maximum' (did you mean 'max'?)"),
        ("{min: 5, max: 4}", "budget min 5 is above max 4"),
        ("{tolerance: 5%}", "budget.tolerance needs budget.target"),
        ("{trainable: {}}", "budget.trainable needs one of `min`, `max`, `target`"),
        ("{active: {max: 1M, most: 2}}", "unknown budget.active key 'most'"),
        ("{non_embedding: lots}", "budget.non_embedding cannot be read"),
        ("{}", "budget needs one of `min`, `max`, `target`, `trainable`, `non_embedding`, `active`, `memory`"),
        ("552 ± x%", "cannot read 'x' as a number"),
        ("{memory: {max: 1GiB, dtype: fp8}}", "budget.memory.dtype must be one of float64"),
        ("{memory: 7M}", "unknown unit 'M'"),
        ("{memory: {max: 1GiB, dtype: [bfloat16]}}", "budget.memory.dtype must be one of"),
        (".inf", "a count must be a finite number, not inf"),
        (".nan", "a count must be a finite number, not nan"),
        ("-.inf", "a count must be a finite number"),
        ("1e99999999", "is too large a number"),
        ('"' + "9" * 5_000 + '"', "is too large a number"),
        ("9" * 1_200, "more than 1,000 digits"),
        ("552 ± 1e99999999%", "is too large a number"),
        ("{target: 552, tolerance: 1e99999999%}", "is too large a number"),
        ("<= lots", "cannot read 'lots'"),
    ],
)
def test_invalid_budgets(text, message):
    with pytest.raises(SpecError) as raised:
        budget_of(text)
    assert raised.value.finding.code == "BC100"
    assert message in raised.value.finding.message


@pytest.mark.parametrize(
    "budget, code, message, line_column",
    [
        ("500", "BC101", "552 params is over the budget of 500 by 52 (+10.4%)", (2, 9)),
        ("{min: 600}", "BC102", "552 params is under the minimum of 600 by 48 (-8.0%)", (2, 15)),
        ("500 ± 5%", "BC103", "552 params is off the target of 500 ± 5% by +52 (+10.4%)", (2, 9)),
        ("{target: 600, tolerance: 10}", "BC103", "552 params is off the target of 600 ± 10 by -48 (-8.0%)", (2, 18)),
        (
            "{max: 1k, trainable: {max: 500}}",
            "BC104",
            "552 trainable params is over the budget of 500 by 52 (+10.4%)",
            (2, 36),
        ),
        (
            "{non_embedding: 500}",
            "BC106",
            "552 non-embedding params is over the budget of 500 by 52 (+10.4%)",
            (2, 25),
        ),
        (
            "{active: {min: 600}}",
            "BC107",
            "552 active params is under the minimum of 600 by 48 (-8.0%)",
            (2, 24),
        ),
        (
            "{max: 1k, memory: {max: 2KiB}}",
            "BC105",
            "2.16 KiB of float32 parameter memory is over the budget of 2.00 KiB by 160 B (+7.8%)",
            (2, 33),
        ),
    ],
)
def test_violations_say_by_how_much_and_where(budget, code, message, line_column):
    spec = check_spec(MLP + f"budget: {budget}\n")
    [finding] = spec.findings
    assert (finding.code, finding.message) == (code, message)
    assert (finding.location.line, finding.location.column) == line_column
    which = "largest trainable parts" if code == "BC104" else "largest parts"
    assert finding.notes == (f"{which}: hidden 272 (49.3%), input 144 (26.1%), output 136 (24.6%)",)
    assert spec.status == "fail"


def test_memory_uses_the_spec_dtype_by_default():
    spec = check_spec(MLP + "dtype: bfloat16\nbudget: {max: 1k, memory: {max: 1KiB}}\n")
    assert "1.08 KiB of bfloat16 parameter memory" in spec.findings[0].message


def test_within_budget_passes():
    for budget in ("552", "552 ± 0", "{min: 552, max: 552}", "560 ± 2%", "{max: 1k, memory: {max: 3KiB}}"):
        assert check_spec(MLP + f"budget: {budget}\n").status == "pass", budget


def test_check_budget_is_pure():
    budget = budget_of("{max: 10, trainable: {min: 5}, non_embedding: 6, active: 7}")
    findings = check_budget(budget, params=11, trainable=4, default_dtype="float32", non_embedding=7, active=8)
    assert [f.code for f in findings] == ["BC101", "BC104", "BC106", "BC107"]
    assert budget.params.max_location == Location(1, 15)
