"""timm config.json files: recognised by `architecture`, counted by the timm preset, or left to --torch.

The counts are checked against timm itself in tests/timm (a separate environment, see .ci/run); here,
against published figures and for what the reader refuses.
"""

from __future__ import annotations

import json

import pytest

from checker import rules
from checker.checks.check import check_text
from checker.formats import HF_CONFIG, recognise


def check(config: dict | str, file: str = "model/config.json"):
    text = config if isinstance(config, str) else json.dumps(config, indent=2)
    [spec] = check_text(text, file).specs
    return spec


@pytest.mark.parametrize(
    ("architecture", "params"),
    [
        ("resnet18", 11_689_512),
        ("resnet50", 25_557_032),
        ("resnet101", 44_549_160),
        ("vit_base_patch16_224", 86_567_656),
        ("vit_large_patch16_224", 304_326_632),
        ("convnext_tiny", 28_589_128),
        ("convnext_base", 88_591_464),
    ],
)
def test_published_figures(architecture, params):
    spec = check({"architecture": f"{architecture}.a1_in1k", "num_classes": 1000, "pretrained_cfg": {}})
    assert (spec.params, spec.trainable, spec.findings) == (params, params, ())


def test_the_older_flat_layout_and_model_args_are_read():
    flat = check({"architecture": "resnet50", "num_classes": 10, "input_size": [3, 224, 224], "mean": [0.5]})
    headless = check(
        {
            "architecture": "resnet50",
            "num_classes": 0,
            "model_args": {"in_chans": 1, "drop_rate": 0.2},
            "pretrained_cfg": {},
        }
    )
    assert flat.params == 25_557_032 - 2048 * 990 - 990
    assert headless.params == 25_557_032 - (2048 * 1000 + 1000) - 2 * 64 * 49


@pytest.mark.parametrize("mlp_ratio", [0, 0.001])
def test_an_mlp_ratio_that_rounds_to_no_width_keeps_the_embedding_width(mlp_ratio):
    # timm's Mlp takes `hidden_features or in_features`: a hidden width of 0 is the embedding's own
    config = {"architecture": "vit_tiny_patch16_224", "num_classes": 10, "pretrained_cfg": {}}
    spec = check({**config, "model_args": {"mlp_ratio": mlp_ratio}})
    assert (spec.params, spec.findings) == (2_865_226, ())


@pytest.mark.parametrize(
    ("model_args", "params"),
    [
        ({"img_size": [64, 32]}, 5_490_250),  # 4 by 2 patches
        ({"img_size": [60, 32], "qkv_bias": True}, 5_489_866),  # timm's patch grid rounds each side down
        ({"qkv_bias": 0}, 5_519_434),  # a switch as hand-written JSON writes it
        ({"qkv_bias": 1}, 5_526_346),
    ],
)
def test_the_vit_sizes_timm_takes_are_counted(model_args, params):
    config = {"architecture": "vit_tiny_patch16_224", "num_classes": 10, "pretrained_cfg": {}, "model_args": model_args}
    spec = check(config)
    assert (spec.params, spec.findings) == (params, ())


def test_the_class_count_of_model_args_is_the_one_timm_builds():
    # timm 1.0.31 writes num_classes in model_args as well, and create_model('local-dir:...') takes that one
    config = {"architecture": "vit_tiny_patch16_224", "num_classes": 10, "pretrained_cfg": {"num_classes": 3}}
    assert check({**config, "model_args": {"num_classes": 7}}).params == 5_525_767
    assert check(config).params == 5_526_346


@pytest.mark.parametrize(
    ("config", "key", "rule"),
    [
        (  # timm's Attention asserts that the heads divide the width
            {
                "architecture": "vit_tiny_patch16_224",
                "num_classes": 3,
                "pretrained_cfg": {},
                "model_args": {"num_heads": 5},
            },
            "architecture",
            rules.REQUIRE_FAILED,
        ),
        (  # the flat layout is all pretrained settings, and timm's PretrainedCfg takes no model_args
            {"architecture": "resnet18", "num_classes": 3, "input_size": [3, 224, 224], "model_args": {"in_chans": 1}},
            "model_args",
            rules.INVALID_VALUE,
        ),
        (
            {"architecture": "resnet18", "num_classes": 3, "pretrained_cfg": {}, "model_args": {"num_classes": -2}},
            "model_args",
            rules.INVALID_VALUE,
        ),
    ],
)
def test_a_config_timm_raises_on_is_a_located_error(config, key, rule):
    spec = check(config)
    [finding] = spec.findings
    assert (finding.rule, spec.status, finding.location.line) == (rule, "error", line_of(config, key))


def test_a_config_of_transformers_is_not_read_as_timm():
    assert recognise("config.json", '{"architecture": "x", "model_type": "vit"}').formats == (HF_CONFIG,)
    assert recognise("config.json", '{"architectures": ["ViTModel"]}').formats == ()


def line_of(config: dict, key: str) -> int:
    lines = json.dumps(config, indent=2).splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(f'  "{key}"'))


@pytest.mark.parametrize(
    ("config", "key", "needle"),
    [
        ({"architecture": "efficientnet_b3", "num_classes": 10}, "architecture", "'efficientnet_b3' is not an"),
        ({"architecture": "resnet50"}, "architecture", "no num_classes"),
        (
            {"architecture": "resnet50", "num_classes": 5, "model_args": {"stem_type": "deep"}, "pretrained_cfg": {}},
            "model_args",
            "stem_type",
        ),
        (  # an attention pool: timm's ViT takes it, budget-check does not count it
            {
                "architecture": "vit_tiny_patch16_224",
                "num_classes": 5,
                "model_args": {"global_pool": "map"},
                "pretrained_cfg": {},
            },
            "model_args",
            "global_pool",
        ),
        (  # timm's reading of the file hands a null on: ConvNeXt then has no layer scale
            {
                "architecture": "convnext_tiny",
                "num_classes": 5,
                "model_args": {"ls_init_value": None},
                "pretrained_cfg": {},
            },
            "model_args",
            "'ls_init_value' set to null",
        ),
        (  # create_model's own option: timm takes it, and --torch refuses to load what it names
            {
                "architecture": "resnet18",
                "num_classes": 5,
                "model_args": {"checkpoint_path": "x.pth"},
                "pretrained_cfg": {},
            },
            "model_args",
            "checkpoint_path",
        ),
    ],
)
def test_what_the_preset_does_not_model_needs_torch(config, key, needle):
    spec = check(config)
    [finding] = spec.findings
    assert (finding.rule, spec.status, spec.tree) == (rules.NEEDS_TORCH, "unchecked", None)
    assert needle in finding.message
    assert finding.location.line == line_of(config, key)


@pytest.mark.parametrize(
    ("architecture", "model_args"),
    [
        ("resnet50", {"global_pool": "max", "output_stride": 16, "drop_block_rate": 0.1, "zero_init_last": False}),
        ("vit_tiny_patch16_224", {"global_pool": "avg", "weight_init": "jax", "fix_init": True}),
        ("convnext_tiny", {"global_pool": "", "output_stride": 16, "head_init_scale": 2.0, "norm_eps": 1e-5}),
    ],
)
def test_the_keywords_of_a_family_that_hold_no_parameters_are_counted(architecture, model_args):
    plain = check({"architecture": architecture, "num_classes": 5, "pretrained_cfg": {}})
    spec = check({"architecture": architecture, "num_classes": 5, "model_args": model_args, "pretrained_cfg": {}})
    assert (spec.params, spec.findings) == (plain.params, ())


@pytest.mark.parametrize(
    ("architecture", "model_args", "needle"),
    [
        ("vit_tiny_patch16_224", {"output_stride": 8}, "VisionTransformer takes no 'output_stride'"),
        ("resnet50", {"head_init_scale": 2.0, "drop_rate": 0.1}, "ResNet takes no 'head_init_scale'"),
        ("convnext_tiny", {"zero_init_last": True, "weight_init": "jax"}, "'weight_init', 'zero_init_last'"),
        ("resnet18", {"block": "Bottleneck"}, "'block' of timm's ResNet must be a class"),
        ("vit_tiny_patch16_224", {"mlp_layer": "Mlp"}, "'mlp_layer' of timm's VisionTransformer must be a class"),
    ],
)
def test_a_keyword_timm_fails_on_is_a_located_error(architecture, model_args, needle):
    config = {"architecture": architecture, "num_classes": 5, "model_args": model_args, "pretrained_cfg": {}}
    spec = check(config)
    [finding] = spec.findings
    assert (finding.rule, spec.status, finding.location.line) == (
        rules.INVALID_VALUE,
        "error",
        line_of(config, "model_args"),
    )
    assert needle in finding.message


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"architecture": "resnet50", "num_classes": "ten"}, "num_classes"),
        ({"architecture": "resnet50", "num_classes": -1}, "num_classes"),
        ({"architecture": "resnet50", "num_classes": True}, "num_classes"),
        (
            {"architecture": "resnet50", "num_classes": 3, "model_args": ["in_chans"], "pretrained_cfg": {}},
            "model_args",
        ),
        *(
            (
                {"architecture": architecture, "num_classes": 3, "model_args": model_args, "pretrained_cfg": {}},
                "model_args",
            )
            for architecture, model_args in [
                ("resnet50", {"in_chans": 0}),
                ("convnext_tiny", {"depths": [3, 3]}),
                ("convnext_tiny", {"dims": [1, 2, 3, "x"]}),
                ("vit_base_patch16_224", {"mlp_ratio": 1e308}),
                ("vit_base_patch16_224", {"qkv_bias": "yes"}),
            ]
        ),
    ],
)
def test_a_value_timm_would_refuse_is_a_located_error(config, key):
    spec = check(config)
    [finding] = spec.findings
    assert (finding.rule, spec.status, finding.location.line) == (rules.INVALID_VALUE, "error", line_of(config, key))


def test_invalid_json_is_located():
    [finding] = check('{"architecture": "resnet50",\n "num_classes": }').findings
    assert (finding.rule, finding.location.line) == (rules.INVALID_CONFIG, 2)
