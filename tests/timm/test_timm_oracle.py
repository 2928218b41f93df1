"""timm config.json files against timm.create_model on the meta device.

timm needs torchvision, which does not load beside the pinned CPU torch, so
these tests run in the separate environment of the Ultralytics oracle (see
.ci/run); elsewhere they are skipped.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.checks.check import check_text
from checker.formats.timm import ARCHITECTURES

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")


def timm_counts(architecture: str, num_classes: int, model_args: dict) -> tuple[int, int]:
    with torch.device("meta"):
        model = timm.create_model(architecture, pretrained=False, num_classes=num_classes, **model_args)
    parameters = list(model.parameters())
    return sum(p.numel() for p in parameters), sum(p.numel() for p in parameters if p.requires_grad)


def our_counts(config: dict) -> tuple[int, int]:
    [spec] = check_text(json.dumps(config, indent=2), "model/config.json").specs
    assert spec.tree is not None, [finding.message for finding in spec.findings]
    return spec.params, spec.trainable


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_each_architecture_counts_what_timm_builds(architecture):
    config = {"architecture": architecture, "num_classes": 1000, "pretrained_cfg": {"tag": "in1k"}}
    assert our_counts(config) == timm_counts(architecture, 1000, {})


def model_args_for(family: str) -> st.SearchStrategy[dict]:
    common = {"in_chans": st.integers(1, 6), "drop_rate": st.sampled_from([0.0, 0.1])}
    extra = {
        "resnet": {},
        "vision_transformer": {
            "img_size": st.sampled_from([32, 64, 96, 224]),
            "mlp_ratio": st.sampled_from([0, 0.001, 1.0, 2.0, 2.5, 4.0]),
            "qkv_bias": st.booleans(),
            "depth": st.integers(1, 3),
        },
        "convnext": {
            "ls_init_value": st.sampled_from([None, 1e-6, 0.1]),
            "depths": st.lists(st.integers(1, 2), min_size=4, max_size=4),
        },
    }[family]
    return st.fixed_dictionaries({}, optional={**common, **extra})


@st.composite
def configs(draw) -> tuple[dict, str, int, dict]:
    architecture = draw(st.sampled_from(sorted(ARCHITECTURES)))
    model_args = draw(model_args_for(ARCHITECTURES[architecture][0]))
    num_classes = draw(st.integers(0, 50))
    if draw(st.booleans()):  # the layout timm writes today
        config = {"architecture": architecture, "num_classes": num_classes, "pretrained_cfg": {}}
        if model_args:
            config["model_args"] = model_args
    else:  # the older Hub layout: one flat mapping, pretrained settings included
        config = {"architecture": architecture, "num_classes": num_classes, "input_size": [3, 224, 224]}
        model_args = {}
    return config, architecture, num_classes, model_args


@settings(max_examples=40, deadline=None)
@given(configs())
def test_drawn_configs_count_what_timm_builds(drawn):
    config, architecture, num_classes, model_args = drawn
    assert our_counts(config) == timm_counts(architecture, num_classes, model_args)
