"""Ultralytics files as budget-check input: one result per scale, the scale rule, budgets, and match."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.checks.check import check_text
from checker.formats import ULTRALYTICS

from .test_cli import budget_check

EXAMPLES = Path(__file__).parent.parent / "examples" / "ultralytics"
DETECTOR = (EXAMPLES / "detector.yaml").read_text(encoding="utf-8")


def results(text: str, file: str):
    return {spec.name: spec for spec in check_text(text, file).specs}


def test_each_scale_is_a_result_named_as_ultralytics_names_it():
    specs = results(DETECTOR, "detector.yaml")
    assert list(specs) == ["detector-n", "detector-s"]
    assert [spec.budget.params.max for spec in specs.values()] == [350_000, 1_000_000]
    assert all(spec.other("fused") < spec.params and spec.trainable == spec.params - 16 for spec in specs.values())
    yolo_named = results(DETECTOR, "yolov9.yaml")
    assert list(yolo_named) == ["yolov9n", "yolov9s"]


def test_a_name_with_a_scale_counts_that_scale_only():
    [only] = results(DETECTOR, "yolov9s.yaml").values()
    assert (only.name, only.params) == ("yolov9s", results(DETECTOR, "detector.yaml")["detector-s"].params)


def test_a_scale_the_file_does_not_define_is_an_error():
    [only] = results(DETECTOR, "yolov9x.yaml").values()
    assert [finding.code for finding in only.findings] == ["BC524"]


def test_a_scale_key_is_a_warning_that_ultralytics_ignores_it():
    specs = results(DETECTOR.replace("nc: 20", "scale: s\nnc: 20"), "detector.yaml")
    assert [finding.code for finding in specs["detector-n"].findings] == ["BC523"]
    assert "takes the scale from the file name (n here)" in specs["detector-n"].findings[0].message
    assert not results(DETECTOR.replace("nc: 20", "scale: s\nnc: 20"), "yolov9s.yaml")["yolov9s"].findings


@pytest.mark.parametrize("written", ["depth_multiple: null", "width_multiple: wide", "depth_multiple: -1"])
def test_the_file_multipliers_are_read_only_without_scales_as_parse_model_reads_them(written):
    """Beside `scales`, parse_model takes each scale's multipliers and never reads the file's own: any value
    there is left alone. Without scales, it multiplies by them, and a value it cannot use is BC522."""
    with_scales = results(f"{written}\n" + DETECTOR, "detector.yaml")
    assert [spec.params for spec in with_scales.values()] == [
        spec.params for spec in results(DETECTOR, "detector.yaml").values()
    ]
    without = DETECTOR.replace("  n: [0.33, 0.25, 512]\n  s: [0.33, 0.50, 512]", "").replace("scales:", "scales_:")
    [spec] = results(f"{written}\n" + without, "detector.yaml").values()
    assert spec.params is None and [f.code for f in spec.findings] == ["BC522"]


@pytest.mark.parametrize(
    ("activation", "counted"),
    [("nn.ReLU()", True), ("torch.nn.SiLU()", True), ("nn.PReLU()", False), ("nn.ReLU()  # x", True),
     ("nn.ReLU() + nn.ReLU()", False), ("nn.NotALayer()", False), ("nn.ReLU", False),
     ("0", True), ("[]", True), ("''", True)],  # falsy: parse_model sets no activation
)  # fmt: skip
def test_an_activation_for_every_conv_is_counted_only_when_it_holds_no_parameters(activation, counted):
    specs = results(f"activation: {activation}\n" + DETECTOR, "detector.yaml")
    assert all((spec.params is not None) == counted for spec in specs.values())
    assert all(("BC522" not in [f.code for f in spec.findings]) == counted for spec in specs.values())


def test_a_model_file_that_is_not_yaml_is_an_error_not_skipped():
    [only] = results(DETECTOR.replace("nc: 20", "nc: [20"), "detector.yaml").values()
    assert [finding.code for finding in only.findings] == ["BC001"] and only.status == "error"


@pytest.mark.parametrize(
    ("budget", "codes"),
    [
        ("budget: 300k", {"detector-n": ["BC101"], "detector-s": ["BC101"]}),
        ("budget: {s: 800k}", {"detector-s": ["BC101"]}),
    ],
)
def test_a_budget_for_every_scale_or_per_scale(budget, codes):
    text = DETECTOR[: DETECTOR.index("budget:")] + budget + "\n"
    found = {name: [f.code for f in spec.findings] for name, spec in results(text, "detector.yaml").items()}
    assert {name: found_codes for name, found_codes in found.items() if found_codes} == codes


def test_the_configured_budget_applies_to_a_file_without_its_own(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.budget-check.budgets]\n"models/*.yaml" = "300k"\n')
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "detector.yaml").write_text(DETECTOR[: DETECTOR.index("budget:")])
    run = budget_check("--format", "json", "models", cwd=tmp_path)
    specs = json.loads(run.stdout)["specs"]
    assert [(spec["name"], spec["budget"]["max"], spec["status"]) for spec in specs] == [
        ("detector-n", 300_000, "fail"),
        ("detector-s", 300_000, "fail"),
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("detector.yaml", DETECTOR, True),
        ("spec.yaml", "model:\n  - Linear: [2, 2]\nx-head: 1\n", False),
        ("detector.json", DETECTOR, False),
        ("other.yaml", "backbone: resnet\nhead: fc\nmodel: {Linear: [2, 2]}\n", False),
    ],
)
def test_recognised_by_shape(name, text, expected):
    assert ULTRALYTICS.recognises(name, text) is expected


def test_match_fix_writes_the_matched_width_into_the_scale_row(tmp_path):
    copy = tmp_path / "detector.yaml"
    shutil.copyfile(EXAMPLES / "detector.yaml", copy)
    run = budget_check("match", str(copy), "--set", "s.depth=0.67", "--fix")
    assert run.returncode == 0, run.stderr
    deep = (EXAMPLES / "detector-deep.yaml").read_text(encoding="utf-8")
    written = copy.read_text(encoding="utf-8")
    assert written.splitlines()[2:-1] == deep.splitlines()[2:-1]  # all but the header comment and the budget


def test_match_needs_a_depth_of_the_file(tmp_path):
    run = budget_check("match", str(EXAMPLES / "detector.yaml"), "--set", "q.depth=1")
    assert run.returncode != 0
    assert "q.depth names no depth" in run.stderr


@pytest.mark.parametrize(
    ("budget", "var", "meets"),
    [
        ("  n: 250k", "n.width", lambda params: params <= 250_000),
        ("  n: '>= 400k'", "n.width", lambda params: params >= 400_000),
        ("  n: 1.2M ± 2%", "n.width", lambda params: abs(params - 1_200_000) <= 24_000),
    ],
)
def test_a_failing_budget_suggests_the_scale_width_that_meets_it(budget, var, meets):
    finding = results(DETECTOR.replace("  n: 350k", budget), "detector.yaml")["detector-n"].findings[0]
    assert finding.suggestion is not None and finding.suggestion.var == var
    assert meets(finding.suggestion.params)


def test_a_budget_no_width_meets_gets_a_note():
    finding = results(DETECTOR.replace("  n: 350k", "  n: 1k"), "detector.yaml")["detector-n"].findings[0]
    assert finding.suggestion is None
    assert "no two-place n.width keeps the count at most 1,000: even n.width = 0.01 gives" in finding.notes[-1]


def test_fix_writes_the_width_that_meets_the_budget_into_the_scale_row(tmp_path):
    copy = tmp_path / "detector.yaml"
    copy.write_text(DETECTOR.replace("  n: 350k", "  n: 250k"), encoding="utf-8")
    run = budget_check(str(copy), "--fix")
    assert run.returncode == 0, run.stdout
    assert f"{copy}:5:13: fixed n.width: 0.25 -> 0.18" in run.stdout
    assert copy.read_text(encoding="utf-8") == DETECTOR.replace("  n: 350k", "  n: 250k").replace(
        "n: [0.33, 0.25, 512]", "n: [0.33, 0.18, 512]"
    )


def test_fix_writes_width_multiple_in_a_file_without_scales(tmp_path):
    copy = tmp_path / "detector.yaml"
    text = DETECTOR.replace("  n: [0.33, 0.25, 512]\n  s: [0.33, 0.50, 512]", "").replace("scales:", "scales_:")
    text = text.replace("budget:", "depth_multiple: 0.33\nwidth_multiple: 0.25\nbudget: 250k\nbudget_:")
    copy.write_text(text, encoding="utf-8")
    run = budget_check(str(copy), "--fix")
    assert run.returncode == 0, run.stdout
    assert "width_multiple: 0.18\n" in copy.read_text(encoding="utf-8")
