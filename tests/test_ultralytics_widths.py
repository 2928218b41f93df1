"""Matched width multipliers for Ultralytics files, and writing them back in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.formats.ultralytics.building import count_scale
from checker.formats.ultralytics.reading import read_model
from checker.formats.ultralytics.widths import match_width, multipliers, params_at, write_multipliers
from checker.language.loader import load_documents

DETECTOR = Path(__file__).parent.parent / "examples" / "ultralytics" / "detector.yaml"


def _model(text: str):
    model, findings = read_model(next(load_documents(text)).value)
    assert model is not None, findings
    return model


@pytest.mark.parametrize("depth", [0.33, 0.5, 0.67, 1.0])
@pytest.mark.parametrize("letter", ["n", "s"])
def test_the_matched_width_is_the_closest_two_place_multiplier(letter, depth):
    model = _model(DETECTOR.read_text())
    reference = count_scale(model, letter)[0].params
    matched = match_width(model, letter, depth, reference)
    assert matched.params == params_at(model, letter, depth, matched.width)[0]
    for neighbour in (matched.width - 0.01, matched.width + 0.01):
        params = params_at(model, letter, depth, round(neighbour, 2))[0]
        assert abs(params - reference) >= abs(matched.params - reference)


def test_at_the_written_depth_the_count_is_kept_exactly():
    model = _model(DETECTOR.read_text())
    depth, _ = multipliers(model, "s")
    reference = count_scale(model, "s")[0].params
    assert match_width(model, "s", depth, reference).params == reference


def test_writing_multipliers_changes_only_that_scale_and_keeps_comments():
    text = DETECTOR.read_text()
    written = write_multipliers(text, "n", 0.67, 0.2)
    assert "  n: [0.67, 0.20, 512]" in written
    assert [line for line in written.splitlines() if "n: [" not in line] == [
        line for line in text.splitlines() if "n: [" not in line
    ]
    assert multipliers(_model(written), "n") == (0.67, 0.2)


def test_writing_multipliers_of_a_file_without_scales():
    text = "depth_multiple: 0.33  # depth\nwidth_multiple: 0.5\nnc: 2\nbackbone: []\nhead: []\n"
    assert write_multipliers(text, "", 1.0, 0.75).splitlines()[:2] == [
        "depth_multiple: 1.00  # depth",
        "width_multiple: 0.75",
    ]
