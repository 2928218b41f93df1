"""`--torch` on timm config.json files builds them with timm in the torch worker, through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("timm")

CONFIGS = {
    "resnet18": {"architecture": "resnet18.a1_in1k", "num_classes": 10},
    "efficientnet": {"architecture": "efficientnet_b0", "num_classes": 1000},
    "fetches": {"architecture": "hf-hub:timm/resnet18.a1_in1k", "num_classes": 1000},
    "written": {  # as timm 1.0.31 writes it: the class count in model_args too, which is the one timm takes
        "architecture": "resnet18",
        "num_classes": 10,
        "model_args": {"in_chans": 3, "num_classes": 7, "global_pool": "avg"},
        "pretrained_cfg": {"tag": "a1_in1k", "num_classes": 7},
    },
    "nulls": {  # timm hands a null in model_args on to the constructor: a ConvNeXt without layer scale
        "architecture": "convnext_tiny",
        "num_classes": 10,
        "model_args": {"ls_init_value": None},
        "pretrained_cfg": {},
    },
    "loads": {
        "architecture": "resnet18",
        "num_classes": 5,
        "model_args": {"checkpoint_path": "/etc/passwd"},
        "pretrained_cfg": {},
    },
}


def test_torch_confirms_counts_and_counts_what_budget_check_cannot(tmp_path):
    for name, config in CONFIGS.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(json.dumps(config))
    run = subprocess.run(
        [sys.executable, "-m", "checker", "--torch", "--no-cache", "--format", "json", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    specs = {spec["name"]: spec for spec in json.loads(run.stdout)["specs"]}
    codes = {name: [finding["code"] for finding in spec["findings"]] for name, spec in specs.items()}
    assert (specs["resnet18"]["torch_params"], codes["resnet18"]) == (specs["resnet18"]["params"], [])
    assert (specs["written"]["torch_params"], codes["written"]) == (specs["written"]["params"], [])
    assert specs["written"]["params"] == 11_180_103
    assert (specs["efficientnet"]["torch_params"], codes["efficientnet"]) == (5_288_548, ["BC551"])
    assert (specs["nulls"]["torch_params"], codes["nulls"]) == (27_821_194, ["BC551"])  # as from the file
    assert codes["fetches"] == ["BC540", "BC304"]  # never a download: not a registered architecture
    assert codes["loads"] == ["BC540", "BC304"]  # never a file: create_model's own options are refused
