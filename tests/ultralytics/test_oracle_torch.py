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
