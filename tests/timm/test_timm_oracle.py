"""timm config.json files against what timm builds from the file itself, create_model("local-dir:...") on meta.

timm needs torchvision, which does not load beside the pinned CPU torch, so
these tests run in the separate environment of the Ultralytics oracle (see
.ci/run); elsewhere they are skipped.
"""

from __future__ import annotations

import importlib
import inspect
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.checks.check import check_text
from checker.formats.timm import ARCHITECTURES, CONVNEXT, FACTORY_OPTIONS, RESNET, VISION_TRANSFORMER, Family

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")


def timm_counts(config: dict) -> tuple[int, int]:
    """What timm builds from the file itself: create_model('local-dir:...') reads a folder's config.json."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "config.json").write_text(json.dumps(config))
        with torch.device("meta"):
            model = timm.create_model(f"local-dir:{folder}", pretrained=False)
    parameters = list(model.parameters())
    return sum(p.numel() for p in parameters), sum(p.numel() for p in parameters if p.requires_grad)


def our_counts(config: dict) -> tuple[int, int]:
    [spec] = check_text(json.dumps(config, indent=2), "model/config.json").specs
    assert spec.tree is not None, [finding.message for finding in spec.findings]
    return spec.params, spec.trainable


@pytest.mark.parametrize(
    ("family", "constructor", "entry_point"),
    [
        (RESNET, "timm.models.resnet.ResNet", set()),
        (VISION_TRANSFORMER, "timm.models.vision_transformer.VisionTransformer", {"use_naflex", "out_indices"}),
        (CONVNEXT, "timm.models.convnext.ConvNeXt", set()),
    ],
)
def test_each_family_takes_the_keywords_of_its_constructor(family, constructor, entry_point):
    module, _, name = constructor.rpartition(".")
    signature = inspect.signature(getattr(importlib.import_module(module), name))
    published = {
        key for architecture, arguments in ARCHITECTURES.values() if architecture == family for key in arguments
    }
    listed = [
        *family.modelled,
        *published - family.classes,
        *family.neutral,
        *family.classes,
        *family.timm_only,
        "global_pool",
    ]
    assert sorted(listed) == sorted({*signature.parameters, *entry_point})
    assert not FACTORY_OPTIONS & set(listed)


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_each_architecture_counts_what_timm_builds(architecture):
    config = {"architecture": architecture, "num_classes": 1000, "pretrained_cfg": {"tag": "in1k"}}
    assert our_counts(config) == timm_counts(config)


# Values the constructor takes for each keyword that holds no parameters.
NEUTRAL_VALUES = {
    **dict.fromkeys(
        ["drop_rate", "drop_path_rate", "drop_block_rate", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate"],
        st.sampled_from([0.0, 0.1]),
    ),
    "attn_drop_rate": st.sampled_from([0.0, 0.1]),
    "output_stride": st.sampled_from([8, 16, 32]),
    "zero_init_last": st.booleans(),
    "weight_init": st.sampled_from(["", "jax", "moco"]),
    "fix_init": st.booleans(),
    "head_init_scale": st.sampled_from([0.5, 1.0, 2.0]),
    "norm_eps": st.sampled_from([1e-6, 1e-5]),
}


def model_args_for(family: Family) -> st.SearchStrategy[dict]:
    extra = {
        RESNET.constructor: {},
        VISION_TRANSFORMER.constructor: {
            "img_size": st.one_of(
                st.sampled_from([32, 64, 96, 224]), st.lists(st.integers(8, 96), min_size=2, max_size=2)
            ),
            "mlp_ratio": st.sampled_from([0, 0.001, 1.0, 2.0, 2.5, 4.0]),
            "qkv_bias": st.one_of(st.booleans(), st.sampled_from([0, 1])),
            "depth": st.integers(1, 3),
            "num_heads": st.integers(1, 6),  # timm asserts that they divide the width
        },
        CONVNEXT.constructor: {
            "ls_init_value": st.sampled_from([1e-6, 0.1]),
            "depths": st.lists(st.integers(1, 2), min_size=4, max_size=4),
        },
    }[family.constructor]
    neutral = {key: NEUTRAL_VALUES[key] for key in family.neutral}
    pools = {"global_pool": st.sampled_from(sorted(family.pools))}
    return st.fixed_dictionaries({}, optional={"in_chans": st.integers(1, 6), **neutral, **pools, **extra})


@st.composite
def configs(draw) -> dict:
    architecture = draw(st.sampled_from(sorted(ARCHITECTURES)))
    num_classes = draw(st.integers(0, 50))
    if draw(st.booleans()):  # the older Hub layout: one flat mapping of pretrained settings, no model_args
        return {"architecture": architecture, "num_classes": num_classes, "input_size": [3, 224, 224]}
    config = {"architecture": architecture, "pretrained_cfg": {}}
    model_args = draw(model_args_for(ARCHITECTURES[architecture][0]))
    # where the class count is written: timm 1.0.31 writes it at the top and in model_args, which wins
    where = draw(st.sampled_from(["top", "model_args", "both", "pretrained_cfg"]))
    if where in ("top", "both"):
        config["num_classes"] = draw(st.integers(0, 50)) if where == "both" else num_classes
    if where in ("model_args", "both"):
        model_args["num_classes"] = num_classes
    if where == "pretrained_cfg":
        config["pretrained_cfg"]["num_classes"] = num_classes
    if model_args:
        config["model_args"] = model_args
    return config


@settings(max_examples=40, deadline=None)
@given(configs())
def test_drawn_configs_count_what_timm_builds(config):
    try:
        counts = timm_counts(config)
    except AssertionError:  # timm refuses the model: so must budget-check
        [spec] = check_text(json.dumps(config, indent=2), "model/config.json").specs
        assert spec.status == "error"
    else:
        assert our_counts(config) == counts
