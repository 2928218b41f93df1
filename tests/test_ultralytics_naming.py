"""Ultralytics' naming rule: the scale a file name carries, and the names of the scales of a file."""

from __future__ import annotations

import pytest

from checker.formats.ultralytics.naming import scale_in_name, scaled_name


@pytest.mark.parametrize(
    ("stem", "letter"),
    [
        ("yolov8", ""),
        ("yolov8n", "n"),
        ("yolov8x-seg", "x"),
        ("yolo11m-pose", "m"),
        ("yolov5nu", "n"),  # the u of the anchor-free v5 models goes
        ("yoloe-11s-seg", "s"),
        ("my-detector", ""),
        ("yolov8-p6", ""),
        ("yolo12", ""),
    ],
)
def test_scale_in_name(stem, letter):
    assert scale_in_name(stem) == letter


@pytest.mark.parametrize(
    ("stem", "letter", "name"),
    [
        ("yolov8", "n", "yolov8n"),
        ("yolo11-seg", "s", "yolo11s-seg"),
        ("yolov8-p6", "x", "yolov8x-p6"),
        ("detector", "n", "detector-n"),
    ],
)
def test_scaled_name(stem, letter, name):
    assert scaled_name(stem, letter) == name
    assert scale_in_name(name) == (letter if name != "detector-n" else "")
