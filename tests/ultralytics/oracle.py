"""ultralytics as the oracle: the model files it ships, and its own counts for a model config.

Runs only where ultralytics is installed (its own venv: see .ci/run).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, NamedTuple

import ultralytics
from ultralytics.nn import tasks

from checker.formats.ultralytics.building import AS_WRITTEN, HEADS, LEVEL_READERS, build_scale
from checker.formats.ultralytics.importing import read_file, read_model_text, scale_names
from checker.language.counting import count_model
from checker.torch.worker import ultralytics_model_class

SHIPPED = Path(ultralytics.__file__).parent / "cfg" / "models"


# Rows whose channels parse_model records are not their output: a head and a module reading levels keep the
# row before's and show their last part's. AIFI and nn.BatchNorm2d keep the row before's too, RepConv and
# RepVGGDW their input's: `show` gives their own output, which differs from it only where no row reads them,
# or in a model no forward pass could run. (A row that records a list, as CBLinear does, has no number to show.)
NOT_OUTPUT = {*HEADS, *LEVEL_READERS, "AIFI", "nn.BatchNorm2d", *AS_WRITTEN}


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


def outputs_unlike_recorded(text: str, file_name: str, letter: str) -> list[tuple[int, str, Any, Any]]:
    """The rows whose output in `show` (the Output column) is not the channels parse_model records for them,
    as (layer, module, what budget-check hands on, what parse_model records), at scale `letter`."""
    model = read_model_text(text)
    stem = Path(file_name).stem
    name = scale_names(model, stem).get(letter, stem)
    [imported] = [one for one in read_file(text, file_name, Path("."), None) if one.name == name]
    if imported.spec is None:  # a module budget-check does not count: reported, never counted
        return []
    built, _ = build_scale(model, letter)
    assert built is not None
    rows = [row for row in built if row.node is not None]
    parts = count_model(imported.spec).children
    return [
        (row.row.layer, row.row.module, part.output, row.channels)
        for row, part in zip(rows, parts, strict=True)
        if row.row.module not in NOT_OUTPUT
        and row.row.layer > 0
        and isinstance(row.channels, int)
        and part.output != row.channels
    ]
