"""Matched width multipliers for Ultralytics files, and writing them back in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.checks.solving import AT_LEAST, AT_MOST, trainable_of
from checker.formats.ultralytics.building import count_scale
from checker.formats.ultralytics.reading import read_model
from checker.formats.ultralytics.widths import edit_multipliers, multipliers, solve_width, with_multipliers
from checker.language.loader import load_documents

DETECTOR = Path(__file__).parent.parent / "examples" / "ultralytics" / "detector.yaml"


def params_at(model, letter, depth, width):
    return count_scale(with_multipliers(model, letter, depth, width), letter)[0].params


def _model(text: str):
    model, findings = read_model(next(load_documents(text)).value)
    assert model is not None, findings
    return model


@pytest.mark.parametrize("depth", [0.33, 0.5, 0.67, 1.0])
@pytest.mark.parametrize("letter", ["n", "s"])
def test_the_matched_width_is_the_closest_two_place_multiplier(letter, depth):
    model = _model(DETECTOR.read_text())
    reference = count_scale(model, letter)[0].params
    matched = solve_width(model, letter, depth, reference)
    assert matched.var == f"{letter}.width"
    assert matched.params == params_at(model, letter, depth, matched.value)
    for neighbour in (matched.value - 0.01, matched.value + 0.01):
        params = params_at(model, letter, depth, round(neighbour, 2))
        assert abs(params - reference) >= abs(matched.params - reference)


def test_at_the_written_depth_the_count_is_kept_exactly():
    model = _model(DETECTOR.read_text())
    depth, _ = multipliers(model, "s")
    reference = count_scale(model, "s")[0].params
    assert solve_width(model, "s", depth, reference).params == reference


@pytest.mark.parametrize("target", [200_000, 654_321, 2_000_000])
def test_a_limit_gets_the_widest_width_under_it_or_the_narrowest_over_it(target):
    model = _model(DETECTOR.read_text())
    under, over = solve_width(model, "n", 0.33, target, AT_MOST), solve_width(model, "n", 0.33, target, AT_LEAST)
    assert under.params <= target <= over.params
    assert params_at(model, "n", 0.33, round(under.value + 0.01, 2)) > target
    assert params_at(model, "n", 0.33, round(over.value - 0.01, 2)) < target


def test_a_trainable_limit_leaves_out_the_frozen_weights():
    model = _model(DETECTOR.read_text())
    params = solve_width(model, "n", 0.33, 654_321, AT_MOST)
    trainable = solve_width(model, "n", 0.33, 654_321, AT_MOST, trainable_of)
    assert trainable.value >= params.value


@pytest.mark.parametrize(
    ("target", "rule", "problem"),
    [(10, AT_MOST, "even n.width = 0.01 gives"), (10**12, AT_LEAST, "even n.width = 16.00 gives only")],
)
def test_a_limit_no_width_meets_says_why(target, rule, problem):
    solution = solve_width(_model(DETECTOR.read_text()), "n", 0.33, target, rule)
    assert solution.value is None and solution.problem.startswith(problem)


def test_writing_multipliers_changes_only_that_scale_and_keeps_comments():
    text = DETECTOR.read_text()
    written, edits = edit_multipliers(text, {"n.depth": 0.67, "n.width": 0.2})
    assert [(edit.var, edit.old, edit.new) for edit in edits] == [
        ("n.depth", "0.33", "0.67"),
        ("n.width", "0.25", "0.20"),
    ]
    assert "  n: [0.67, 0.20, 512]" in written
    assert [line for line in written.splitlines() if "n: [" not in line] == [
        line for line in text.splitlines() if "n: [" not in line
    ]
    assert multipliers(_model(written), "n") == (0.67, 0.2)


def test_writing_multipliers_of_a_file_without_scales():
    text = "depth_multiple: 0.33  # depth\nwidth_multiple: 0.5\nnc: 2\nbackbone: []\nhead: []\n"
    assert edit_multipliers(text, {"depth_multiple": 1.0, "width_multiple": 0.75})[0].splitlines()[:2] == [
        "depth_multiple: 1.00  # depth",
        "width_multiple: 0.75",
    ]


@pytest.mark.parametrize("var", ["q.width", "n.max_channels", "width_multiple"])
def test_writing_a_multiplier_the_file_does_not_have_is_refused(var):
    with pytest.raises(ValueError, match=var):
        edit_multipliers(DETECTOR.read_text(), {var: 0.5})
