"""How ultralytics loads a model file from its path: the scale rule, and the keys it leaves alone."""

from __future__ import annotations

import pytest

pytest.importorskip("ultralytics")

from ultralytics.nn import tasks

from checker.formats.ultralytics.naming import scale_in_name

from .oracle import SHIPPED, build_counts, load

STEMS = ["yolov8", "yolov8n", "yolov8x-seg", "yolo11m-pose", "yolov5nu", "yoloe-11s-seg", "my-detector", "yolo12l6"]


@pytest.mark.parametrize("stem", STEMS)
def test_the_scale_in_a_name_is_the_one_ultralytics_guesses(stem):
    assert scale_in_name(stem) == tasks.guess_model_scale(f"{stem}.yaml")


def test_a_scale_key_is_overwritten_by_the_name(tmp_path):
    text = (SHIPPED / "v8" / "yolov8.yaml").read_text(encoding="utf-8")
    path = tmp_path / "my-detector.yaml"
    path.write_text(text + "\nscale: s\n", encoding="utf-8")
    assert tasks.yaml_model_load(path)["scale"] == ""  # parse_model then takes the first scale, n


def test_a_budget_key_does_not_change_what_ultralytics_builds(tmp_path):
    text = (SHIPPED / "v8" / "yolov8.yaml").read_text(encoding="utf-8")
    path = tmp_path / "yolov8n.yaml"
    path.write_text(text + "\nbudget: {n: 3.2M, s: 11.2M}\n", encoding="utf-8")
    assert build_counts(load(path), "n") == build_counts(load(SHIPPED / "v8" / "yolov8.yaml"), "n")
