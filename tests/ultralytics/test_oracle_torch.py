"""`--torch` on an Ultralytics file builds it with ultralytics in the torch worker, and the counts agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ultralytics")

ROOT = Path(__file__).parent.parent.parent


def test_torch_builds_every_scale_with_ultralytics():
    run = subprocess.run(
        [sys.executable, "-m", "checker", "--torch", "--no-cache", "--format", "json", "examples/ultralytics"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    specs = json.loads(run.stdout)["specs"]
    assert len(specs) == 4
    assert all(spec["torch_params"] == spec["params"] and not spec["findings"] for spec in specs), specs


# A small model of this project's own for each family that ultralytics builds with a class of its own.
FAMILY_HEADS = {
    "rtdetr": "[[1, 3, 5], 1, RTDETRDecoder, [nc, 32, 20, 2, 4, 2, 64]]",
    "world": "[[1, 3, 5], 1, WorldDetect, [nc, 512, true]]",  # their stride probes read 512-wide text features
    "yoloe": "[[1, 3, 5], 1, YOLOEDetect, [nc, 512, true]]",
    "depth": "[[1, 3, 5], 1, Depth, [32]]",
}


@pytest.mark.parametrize("family", sorted(FAMILY_HEADS))
def test_torch_builds_a_family_with_its_own_class(tmp_path, family):
    model = tmp_path / f"tiny-{family}.yaml"
    model.write_text(
        "nc: 80\n"  # YOLO-World's stride probe reads 80 classes of text features
        "backbone:\n"
        "  - [-1, 1, HGStem, [8, 16]]\n"
        "  - [-1, 1, Conv, [32, 3, 2]]\n"
        "  - [-1, 1, AIFI, [64, 4]]\n"
        "  - [-1, 1, Conv, [32, 3, 2]]\n"
        "  - [-1, 2, HGBlock, [16, 32, 3, true]]\n"
        "  - [-1, 1, Conv, [32, 3, 2]]\n"
        f"head:\n  - {FAMILY_HEADS[family]}\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "checker", "--torch", "--no-cache", "--format", "json", str(model)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    [spec] = json.loads(run.stdout)["specs"]
    assert spec["params"] is not None and spec["torch_params"] == spec["params"] and not spec["findings"], spec
