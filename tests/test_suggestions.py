"""The `match` key and the suggestions on failing checks."""

from __future__ import annotations

import pytest

from checker.checks.suggestions import check_base

from .conftest import check_spec
from .test_cli import budget_check

MLP_VARS = "vars: {input_dim: 8, hidden_dim: 16, hidden_layers: 4, output_dim: 8}\n"
MLP_MODEL = (
    "model: {mlp: {input_dim: input_dim, hidden_dim: hidden_dim, hidden_layers: hidden_layers, "
    "output_dim: output_dim}}\n"
)


def spec_with(extra: str):
    return check_spec(MLP_VARS + MLP_MODEL + extra)


def test_drift_is_found_at_the_changed_var_with_the_width_that_restores_it():
    spec = spec_with("match: {reference: {hidden_layers: 2, hidden_dim: 16}, vary: hidden_dim, tolerance: 10%}\n")
    [finding] = spec.findings
    assert finding.code == "BC201"
    assert (finding.location.line, finding.location.column) == (1, 53)  # hidden_layers: 4
    assert finding.message == (
        "1,096 params is +98.6% off the reference 552 (hidden_layers 2 → 4), outside ±10%; "
        "with hidden_dim 11 gives 591 (+7.1%)"
    )
    assert (finding.suggestion.var, finding.suggestion.value, finding.suggestion.params) == ("hidden_dim", 11, 591)


def test_no_width_within_tolerance_names_the_closest_and_suggests_nothing():
    spec = spec_with("match: {reference: {hidden_layers: 2, hidden_dim: 16}, vary: hidden_dim}\n")
    [finding] = spec.findings
    assert finding.message.endswith(
        "no integer hidden_dim keeps 552 within ±1%: the closest is 11 (591, +7.1%); "
        "widen the tolerance or change another var"
    )
    assert finding.suggestion is None


@pytest.mark.parametrize(
    "budget, note",
    [
        ("552 ± 2%", "no integer hidden_dim keeps 552 within ±2%: the closest is 11 (591, +7.1%); "),
        ("{target: 552}", "no integer hidden_dim keeps 552 within ±0: the closest is 11 (591, +7.1%); "),
        ("{max: 10}", "no integer hidden_dim keeps the count at most 10: even hidden_dim = 1 gives 31 params; "),
    ],
)
def test_a_budget_no_width_meets_gets_a_note_not_a_suggestion(budget, note):
    [finding] = spec_with(f"budget: {budget}\n").findings
    assert finding.suggestion is None
    assert note in finding.notes[-1]


def test_the_value_already_written_is_never_suggested():
    # 11 is the closest to 552 at four layers, and it is what the spec has: nothing to suggest.
    [finding] = check_spec(
        MLP_VARS.replace("hidden_dim: 16", "hidden_dim: 11") + MLP_MODEL + "budget: 552 ± 2%\n"
    ).findings
    assert finding.suggestion is None
    assert "the closest is 11 (591, +7.1%)" in finding.notes[-1]


def test_within_tolerance_passes():
    text = MLP_VARS.replace("hidden_dim: 16", "hidden_dim: 11") + MLP_MODEL
    spec = check_spec(
        text + "match: {reference: {hidden_layers: 2, hidden_dim: 16}, vary: hidden_dim, tolerance: 8%}\n"
    )
    assert spec.status == "pass"


def test_reference_by_count_and_by_file(tmp_path):
    spec = spec_with("match: {reference: 1.1k, vary: hidden_dim}\n")
    assert spec.status == "pass"  # 1,096 is within 1% of 1,100
    (tmp_path / "base.yaml").write_text("model: [{Linear: [10, 10]}]\n")
    (tmp_path / "deep.yaml").write_text(MLP_VARS + MLP_MODEL + "match: {reference: base.yaml, vary: hidden_dim}\n")
    from checker.checks.check import check_file

    [result] = check_file(tmp_path / "deep.yaml", "deep.yaml").specs
    assert "the closest is 3 (95, -13.6%)" in result.findings[0].message  # 110 ± 1%: no width fits


@pytest.mark.parametrize(
    "match, message",
    [
        ("[1, 2]", "`match` must be a mapping"),
        ("{reference: 552, vary: width}", "match.vary must name one of the spec's vars"),
        ("{reference: 552, vary: hidden_dim, tolerence: 2%}", "unknown match key 'tolerence' (did you mean"),
        ("{reference: {hidden_layers: 2}, vary: hidden_dim}", "match.reference must set hidden_dim too"),
        ("{reference: {depth: 2, hidden_dim: 3}, vary: hidden_dim}", "sets 'depth', which is not a var"),
        ("{reference: lots, vary: hidden_dim}", "match.reference cannot be read: cannot read 'lots'"),
        ("{reference: 0, vary: hidden_dim}", "match.reference must be a count of at least 1"),
        ("{reference: .inf, vary: hidden_dim}", "match.reference cannot be read: a count must be a finite number"),
        ("{reference: 552, vary: hidden_dim, multiple_of: width}", "match.multiple_of cannot be computed"),
        ("{reference: 552, vary: hidden_dim, multiple_of: hidden_dim - 16}", "match.multiple_of must be a whole"),
        ("{reference: 552, vary: hidden_dim, tolerance: 1e99999999%}", "is too large a number"),
        ("{vary: hidden_dim}", "match needs a `reference`"),
        ("{reference: 552, vary: hidden_dim, multiple_of: 0}", "match.multiple_of must be a whole number"),
        ("{reference: 552, vary: hidden_dim, tolerance: x%}", "match.tolerance cannot be read: cannot read 'x'"),
        ("{reference: missing.yaml, vary: hidden_dim}", "match.reference missing.yaml: cannot read the file"),
    ],
)
def test_invalid_match(match, message):
    spec = spec_with(f"match: {match}\n")
    assert [f.code for f in spec.findings] == ["BC200"]
    assert message in spec.findings[0].message


@pytest.mark.parametrize(
    "budget, value, params",
    [
        # 3·d² + 20·d + 8 params
        ("500", 9, 431),  # the largest width under a maximum
        ("{min: 2k}", 23, 2_055),  # the smallest over a minimum
        ("800 ± 5%", 13, 775),  # the closest to a target
        ("{max: 1M, trainable: {max: 500}}", 9, 431),
        ("{max: 1M, memory: {max: 2KiB}}", 10, 508),  # 512 float32 params
    ],
)
def test_a_failing_budget_suggests_the_preset_width(budget, value, params):
    spec = check_spec(
        "vars: {d: 16, layers: 4}\n"
        "model: {mlp: {input_dim: 8, hidden_dim: d, hidden_layers: layers, output_dim: 8}}\n"
        f"budget: {budget}\n"
    )
    [finding] = spec.findings
    assert (finding.suggestion.var, finding.suggestion.value, finding.suggestion.params) == ("d", value, params)


def test_every_problem_of_match_is_reported_at_once():
    spec = spec_with("match: {reference: lots, vary: width, tolerence: 2%, multiple_of: 0}\n")
    assert [(f.code, f.message.split(" ")[0]) for f in spec.findings] == [
        ("BC200", "match.reference"),
        ("BC200", "match.vary"),
        ("BC200", "unknown"),
        ("BC200", "match.multiple_of"),
    ]


def test_multiple_of_may_be_an_expression_over_the_vars():
    spec = spec_with(
        "match: {reference: {hidden_layers: 2, hidden_dim: 16}, vary: hidden_dim, multiple_of: output_dim}\n"
    )
    assert spec.spec.match.multiple_of == 8
    assert "the closest is 8 (" in spec.findings[0].message


def test_match_without_a_reference_meets_the_budget():
    spec = spec_with("match: {vary: hidden_dim, multiple_of: 2}\nbudget: 800\n")
    [finding] = spec.findings
    assert finding.code == "BC101"
    assert (finding.suggestion.var, finding.suggestion.value) == ("hidden_dim", 12)  # the largest even width under 800


def test_no_width_var_no_suggestion():
    spec = check_spec("model: [{Linear: [100, 100]}]\nbudget: 1k\n")
    assert spec.findings[0].suggestion is None


@pytest.mark.parametrize(
    ("spec", "hinted"),
    [
        # a width-like name first, among the vars that change the count
        ("vars: {layers: 3, hidden: 64, bias: true}\nmodel: [{Linear: [hidden, hidden], repeat: layers}]\n", "hidden"),
        ("vars: {n: 2, unused: 5}\nmodel: [{Linear: [10, 10], repeat: n}]\n", "n"),  # else any var that does
        ("vars: {unused: 5}\nmodel: [{Linear: [10, 10]}]\n", None),  # a var the count does not read: no hint
    ],
)
def test_an_over_budget_spec_with_vars_but_no_match_says_which_match_gives_a_width(spec, hinted):
    [finding] = check_spec(spec + "budget: 100\n").findings
    hints = [note for note in finding.notes if "match:" in note]
    expected = [f"add `match: {{vary: {hinted}}}` to get a value of {hinted} that fits (--fix writes it)"]
    assert hints == (expected if hinted else [])


def test_a_trainable_budget_lists_the_largest_trainable_parts():
    spec = check_spec(
        "model:\n  - Linear: [100, 100]\n    frozen: true\n  - Linear: [100, 10]\n  - Linear: [10, 5]\n"
        "budget: {max: 20k, trainable: {max: 100}}\n"
    )
    [finding] = spec.findings
    assert finding.code == "BC104"
    assert finding.notes == ("largest trainable parts: Linear 1,010 (94.8%), Linear 55 (5.2%)",)


ZERO_AT_DEPTH_0 = "vars: {{depth: {depth}, w: 4}}\nmodel: [{{Linear: [w, w], repeat: depth}}]\n"


def test_a_base_count_of_zero_has_no_percentage():
    base = check_spec(ZERO_AT_DEPTH_0.format(depth=0) + "match: {reference: {depth: 0, w: 4}, vary: w}\n")
    now = check_spec(ZERO_AT_DEPTH_0.format(depth=2) + "match: {reference: {depth: 0, w: 4}, vary: w}\n")
    assert base.params == 0
    [drift] = now.findings
    assert drift.message.startswith("40 params is +40 off the reference 0 (depth 0 → 2)")
    [note] = check_base(now.spec, now.tree, base.spec, base.params, "HEAD~1")
    assert note.message.startswith("depth 0 → 2 since HEAD~1 moved the count 0 → 40 (+40)")


def test_match_on_a_spec_that_counts_zero(tmp_path):
    path = tmp_path / "zero.yaml"
    path.write_text(ZERO_AT_DEPTH_0.format(depth=0))
    run = budget_check("match", "--set", "depth=2", "--vary", "w", str(path))
    assert "Traceback" not in run.stderr
    assert "0 params as written" in run.stdout


def test_fix_writes_nothing_when_no_width_fits(tmp_path):
    """The README's failing example: once --fix wrote hidden_dim 11, still +7.1% off 552 ± 2%."""
    path = tmp_path / "mlp-too-deep.yaml"
    path.write_text(MLP_VARS + MLP_MODEL + "budget: 552 ± 2%\n")
    before = path.read_text()
    run = budget_check("--fix", str(path))
    assert run.returncode == 1
    assert path.read_text() == before
    assert "no integer hidden_dim keeps 552 within ±2%: the closest is 11 (591, +7.1%)" in run.stdout
    assert "suggestion" not in run.stdout


def test_match_fix_writes_nothing_outside_the_tolerance_and_exits_1(tmp_path):
    path = tmp_path / "mlp.yaml"
    path.write_text(MLP_VARS.replace("hidden_layers: 4", "hidden_layers: 2") + MLP_MODEL)
    before = path.read_text()
    run = budget_check("match", "--set", "hidden_layers=4", "--vary", "hidden_dim", "--fix", str(path))
    assert (run.returncode, path.read_text()) == (1, before)
    assert "no integer hidden_dim keeps 552 within ±1%: the closest is 11 (591, +7.1%)" in run.stdout


def test_match_cannot_set_the_var_it_solves_for():
    run = budget_check("match", "--set", "hidden_dim=32", "examples/specs/mlp.yaml")
    assert (run.returncode, run.stdout) == (2, "")
    assert "--set hidden_dim: hidden_dim is the var being solved for" in run.stderr
