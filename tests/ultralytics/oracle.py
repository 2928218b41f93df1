"""ultralytics as the oracle: the model files it ships, and its own counts for a model config.

Runs only where ultralytics is installed (its own venv: see .ci/run).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, NamedTuple

import ultralytics
from ultralytics.nn import tasks

from checker.torch.worker import ultralytics_model_class

SHIPPED = Path(ultralytics.__file__).parent / "cfg" / "models"


class Counts(NamedTuple):
    params: int
    trainable: int
    fused: int


def shipped_files() -> list[Path]:
    return sorted(SHIPPED.rglob("*.yaml"))


def build_counts(config: dict[str, Any], scale: str) -> Counts:
    """What ultralytics builds from `config` at `scale`, on the CPU, before and after model.fuse()."""
    config = copy.deepcopy(config)
    if scale:
        config["scale"] = scale
    model = ultralytics_model_class(tasks, config)(config, verbose=False)
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    model.fuse(verbose=False)
    return Counts(params, trainable, sum(p.numel() for p in model.parameters()))


def load(path: Path) -> dict[str, Any]:
    """The config as ultralytics reads the file, before the scale it guesses from the name."""
    return tasks.yaml_model_load(path)
