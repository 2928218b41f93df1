"""Which scales a file stands for, and what each counted model is called, by Ultralytics' naming rule.

Ultralytics reads the scale from the file name: `yolov8n.yaml` is `yolov8.yaml`
at scale n, `yolov5nu.yaml` is `yolov5.yaml` at scale n (the `u` goes), and a
name without a letter after `yolo` and the version builds the first scale.
"""

from __future__ import annotations

import re

SCALE_IN_NAME = re.compile(r"yolo(e-)?v?\d+([nslmx])")
VERSION_IN_NAME = re.compile(r"yolo(e-)?v?\d+")


def scale_in_name(stem: str) -> str:
    """The scale letter the name carries, as ultralytics' guess_model_scale finds it; "" for none."""
    found = SCALE_IN_NAME.search(stem)
    return found.group(2) if found else ""


def scaled_name(stem: str, letter: str) -> str:
    """The name of `stem` at a scale: the letter after the version (yolov8-seg -> yolov8n-seg), else `stem-letter`."""
    found = VERSION_IN_NAME.search(stem)
    if found is None:
        return f"{stem}-{letter}"
    return stem[: found.end()] + letter + stem[found.end() :]
