"""The counts Ultralytics publishes for YOLOv8 and YOLO11 (facts, written here as published)."""

from __future__ import annotations

import pytest

pytest.importorskip("ultralytics")

from checker.formats.ultralytics.building import count_scale
from checker.formats.ultralytics.reading import read_model
from checker.language.loader import load_documents

from .oracle import SHIPPED

PUBLISHED = {
    "v8/yolov8.yaml": {"n": 3_157_200, "s": 11_166_560, "m": 25_902_640, "l": 43_691_520, "x": 68_229_648},
    "11/yolo11.yaml": {"n": 2_624_080, "s": 9_458_752, "m": 20_114_688, "l": 25_372_160, "x": 56_966_176},
}
PUBLISHED_FUSED_YOLOV8N = 3_151_904


def _count(file, scale):
    model, _ = read_model(next(load_documents((SHIPPED / file).read_text(encoding="utf-8"))).value)
    counted, findings = count_scale(model, scale)
    assert counted is not None, findings
    return counted


@pytest.mark.parametrize(("file", "scale", "params"), [(f, s, p) for f, c in PUBLISHED.items() for s, p in c.items()])
def test_published_params(file, scale, params):
    counted = _count(file, scale)
    assert counted.params == params
    assert counted.trainable == params - 16  # the frozen DFL


def test_published_fused_yolov8n():
    assert _count("v8/yolov8.yaml", "n").fused == PUBLISHED_FUSED_YOLOV8N
