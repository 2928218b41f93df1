"""budget-check init: a first budget for every spec that has none."""

from __future__ import annotations

from fractions import Fraction

import pytest

from checker.project.adopt import first_budget

from .test_cli import budget_check


@pytest.mark.parametrize(
    "params, margin, budget",
    [
        (124_439_808, Fraction(1, 10), "137M"),
        (6_738_415_616, Fraction(1, 10), "7.42B"),
        (552, Fraction(1, 10), "608"),
        (552, Fraction(0), "552"),
        (25_557_032, Fraction(1, 4), "32M"),
        (1_234, Fraction(1, 10), "1.36k"),
    ],
)
def test_first_budget_rounds_up_to_three_digits(params, margin, budget):
    assert first_budget(params, margin) == budget


def test_init_writes_budgets_and_leaves_the_rest(tmp_path):
    spec = tmp_path / "specs" / "models.yaml"
    spec.parent.mkdir()
    spec.write_text(
        "# two specs, one with a budget already\n"
        "model: {gpt2: null}   # GPT-2 small\n"
        "---\n"
        "name: tiny\n"
        "model: [{Linear: [10, 10]}]\n"
        "budget: 1k\n"
        "---\n"
        "name: flow\n"
        "model: [{Linear: [4, 4]}]"  # no newline at the end
    )
    run = budget_check("init", "--margin", "5%", cwd=tmp_path)
    assert run.returncode == 0
    assert run.stdout.splitlines() == [
        "specs/models.yaml: models#1: budget: 131M (124,439,808 params + 5%)",
        "specs/models.yaml: flow: budget: 21 (20 params + 5%)",
        "2 budgets written",
    ]
    assert spec.read_text() == (
        "# two specs, one with a budget already\n"
        "model: {gpt2: null}   # GPT-2 small\n"
        "budget: 131M  # budget-check init: 124,439,808 params + 5%\n"
        "---\n"
        "name: tiny\n"
        "model: [{Linear: [10, 10]}]\n"
        "budget: 1k\n"
        "---\n"
        "name: flow\n"
        "model: [{Linear: [4, 4]}]\n"
        "budget: 21  # budget-check init: 20 params + 5%\n"
    )
    assert budget_check("specs", cwd=tmp_path).returncode == 0
    assert budget_check("init", cwd=tmp_path).stdout == "0 budgets written\n"


def test_init_cannot_add_to_a_flow_style_document(tmp_path):
    spec = tmp_path / "flow.yaml"
    spec.write_text("{model: [{Linear: [4, 4]}]}\n")
    run = budget_check("init", "flow.yaml", cwd=tmp_path)
    assert run.stdout.splitlines()[0] == "flow.yaml: flow: cannot add a budget in place; add one by hand"
    assert spec.read_text() == "{model: [{Linear: [4, 4]}]}\n"


def test_init_margin_must_be_a_percentage():
    assert budget_check("init", "--margin", "lots", "examples/specs").returncode == 2
