"""timm's `config.json`, as timm builds it from the file: `timm.create_model("local-dir:FOLDER")`.

timm writes `architecture`, `num_classes`, `model_args` and `pretrained_cfg`
at the top of the file; its older Hub files are one flat mapping of pretrained
settings, beside which timm takes no `model_args`. An architecture of the table below is counted by the
`timm` preset, with that architecture's published hyperparameters and the
file's `model_args` over them. Any other architecture, or a `model_args` key
the preset does not model, is counted by timm itself under --torch; a key the
architecture's constructor does not take is an error, as it is timm's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .. import rules
from ..findings import Finding, Rule
from ..language.budgets import Budget
from ..language.loader import located, located_mapping
from ..records import TYPE_CHECKING, NamedTuple
from . import Imported, foreign_spec
from .jsonfile import json_object, located_json

if TYPE_CHECKING:
    from typing import Any

# create_model's own options and those of the builder under it: not a model's, and only timm counts with them.
FACTORY_OPTIONS = frozenset(
    [
        *["pretrained", "pretrained_cfg", "pretrained_cfg_overlay", "checkpoint_path", "cache_dir"],
        *["scriptable", "exportable", "no_jit", "model_cfg", "feature_cfg", "features_only", "pretrained_strict"],
        *["pretrained_filter_fn", "kwargs_filter", "pretrained_model_args", "pruned"],
    ]
)


def _resnet(arguments: dict[str, Any]) -> dict[str, Any]:
    layers = arguments["layers"]
    return {
        "bottleneck": arguments["block"] == "Bottleneck",
        **{f"layers_{stage}": layers[stage - 1] for stage in range(1, 5)},
        "in_chans": arguments["in_chans"],
        "num_classes": arguments["num_classes"],
    }


def _vision_transformer(arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "patch_size": arguments["patch_size"],
        "embed_dim": arguments["embed_dim"],
        "depth": arguments["depth"],
        "num_heads": arguments["num_heads"],
        # timm's Block rounds the width down, and its Mlp takes a width of 0 as the embedding's own
        "mlp_hidden": int(arguments["embed_dim"] * arguments["mlp_ratio"]) or arguments["embed_dim"],
        # timm takes a square's side or a (height, width) pair
        **dict(zip(("img_height", "img_width"), _pair(arguments["img_size"]), strict=True)),
        "in_chans": arguments["in_chans"],
        "qkv_bias": bool(arguments["qkv_bias"]),
        "num_classes": arguments["num_classes"],
    }


def _pair(size: int | list[int]) -> list[int]:
    return [size, size] if isinstance(size, int) else list(size)


def _convnext(arguments: dict[str, Any]) -> dict[str, Any]:
    depths, dims = arguments["depths"], arguments["dims"]
    return {
        **{f"depth_{stage}": depths[stage - 1] for stage in range(1, 5)},
        **{f"dim_{stage}": dims[stage - 1] for stage in range(1, 5)},
        "in_chans": arguments["in_chans"],
        "num_classes": arguments["num_classes"],
    }


class Family(NamedTuple):
    """One of timm's model classes: the keywords its constructor (timm 1.0.31) takes, and how the preset counts
    it. A keyword it does not take is timm's TypeError."""

    constructor: str  # timm's class
    block: str  # the preset block
    modelled: dict[str, Any]  # the keywords the block counts, with the constructor's defaults
    neutral: frozenset[str]  # keywords that hold no parameters
    classes: frozenset[str]  # keywords that take a class, which a JSON string cannot be
    timm_only: frozenset[str]  # the constructor's other keywords: only timm counts with them
    pools: frozenset[str]  # the global_pool values whose head holds as many parameters as the default one
    arguments_of: Callable[[dict[str, Any]], dict[str, Any]]  # the chosen keywords, as the block's arguments


RESNET = Family(
    "ResNet",
    "timm.resnet",
    {"in_chans": 3, "num_classes": 1000},
    frozenset(["output_stride", "drop_rate", "drop_path_rate", "drop_block_rate", "zero_init_last"]),
    frozenset(["block"]),
    frozenset(
        [
            *["cardinality", "base_width", "stem_width", "stem_type", "replace_stem_pool", "block_reduce_first"],
            *["down_kernel_size", "avg_down", "channels", "act_layer", "norm_layer", "aa_layer", "block_args"],
            *["device", "dtype"],
        ]
    ),
    frozenset(["", "avg", "max", "avgmax", "fast"]),  # catavgmax doubles the classifier's inputs
    _resnet,
)
VISION_TRANSFORMER = Family(
    "VisionTransformer",
    "timm.vision_transformer",
    {"img_size": 224, "in_chans": 3, "num_classes": 1000, "mlp_ratio": 4.0, "qkv_bias": True},
    frozenset(
        [
            *["drop_rate", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate", "attn_drop_rate"],
            *["drop_path_rate", "weight_init", "fix_init"],
        ]
    ),
    frozenset(["embed_layer", "block_fn", "mlp_layer"]),
    frozenset(
        [
            *["qk_norm", "scale_attn_norm", "scale_mlp_norm", "proj_bias", "init_values", "class_token", "pos_embed"],
            *["no_embed_class", "reg_tokens", "pre_norm", "final_norm", "fc_norm", "pool_include_prefix"],
            *["dynamic_img_size", "dynamic_img_pad", "embed_norm_layer", "norm_layer", "act_layer", "attn_layer"],
            *["device", "dtype", "use_naflex", "out_indices"],  # the last two, the entry point's own
        ]
    ),
    frozenset(["", "token", "avg", "avgmax", "max"]),  # map adds an attention pool
    _vision_transformer,
)
CONVNEXT = Family(
    "ConvNeXt",
    "timm.convnext",
    # ls_init_value changes no count: create_model drops a None, so ConvNeXt's layer scale is always there
    {"in_chans": 3, "num_classes": 1000, "ls_init_value": 1e-6},
    frozenset(["output_stride", "head_init_scale", "drop_rate", "drop_path_rate", "norm_eps"]),
    frozenset(),
    frozenset(
        [
            *["kernel_sizes", "stem_type", "patch_size", "head_norm_first", "head_hidden_size", "conv_mlp"],
            *["conv_bias", "use_grn", "act_layer", "norm_layer", "device", "dtype"],
        ]
    ),
    frozenset(["", "avg", "max", "avgmax", "fast"]),
    _convnext,
)
# The architectures counted without torch: each one's family and the arguments its timm entry point passes.
ARCHITECTURES: dict[str, tuple[Family, dict[str, Any]]] = {
    "resnet18": (RESNET, {"block": "BasicBlock", "layers": (2, 2, 2, 2)}),
    "resnet34": (RESNET, {"block": "BasicBlock", "layers": (3, 4, 6, 3)}),
    "resnet26": (RESNET, {"block": "Bottleneck", "layers": (2, 2, 2, 2)}),
    "resnet50": (RESNET, {"block": "Bottleneck", "layers": (3, 4, 6, 3)}),
    "resnet101": (RESNET, {"block": "Bottleneck", "layers": (3, 4, 23, 3)}),
    "resnet152": (RESNET, {"block": "Bottleneck", "layers": (3, 8, 36, 3)}),
    "vit_tiny_patch16_224": (VISION_TRANSFORMER, {"patch_size": 16, "embed_dim": 192, "depth": 12, "num_heads": 3}),
    "vit_small_patch16_224": (VISION_TRANSFORMER, {"patch_size": 16, "embed_dim": 384, "depth": 12, "num_heads": 6}),
    "vit_small_patch32_224": (VISION_TRANSFORMER, {"patch_size": 32, "embed_dim": 384, "depth": 12, "num_heads": 6}),
    "vit_base_patch8_224": (VISION_TRANSFORMER, {"patch_size": 8, "embed_dim": 768, "depth": 12, "num_heads": 12}),
    "vit_base_patch16_224": (VISION_TRANSFORMER, {"patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12}),
    "vit_base_patch32_224": (VISION_TRANSFORMER, {"patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12}),
    "vit_large_patch16_224": (
        VISION_TRANSFORMER,
        {"patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16},
    ),
    "vit_large_patch32_224": (
        VISION_TRANSFORMER,
        {"patch_size": 32, "embed_dim": 1024, "depth": 24, "num_heads": 16},
    ),
    "convnext_tiny": (CONVNEXT, {"depths": (3, 3, 9, 3), "dims": (96, 192, 384, 768)}),
    "convnext_small": (CONVNEXT, {"depths": (3, 3, 27, 3), "dims": (96, 192, 384, 768)}),
    "convnext_base": (CONVNEXT, {"depths": (3, 3, 27, 3), "dims": (128, 256, 512, 1024)}),
    "convnext_large": (CONVNEXT, {"depths": (3, 3, 27, 3), "dims": (192, 384, 768, 1536)}),
    "convnext_xlarge": (CONVNEXT, {"depths": (3, 3, 27, 3), "dims": (256, 512, 1024, 2048)}),
}


class Refusal(NamedTuple):
    rule: Rule
    key: str  # the key of the file the finding points at
    message: str


def read_timm_config(text: str, file: str, folder: Path, budget: Budget | None) -> list[Imported]:
    name = Path(file).parent.name or Path(file).stem
    raw, not_json = json_object(text, name)
    if not_json or not isinstance(raw, dict) or not isinstance(raw.get("architecture"), str):
        return not_json  # not JSON; or a config.json of some other tool
    config = located_json(raw, text)
    job = torch_job(raw)
    block_arguments = _block_arguments(raw)
    if isinstance(block_arguments, Refusal):
        where = config.location_of(block_arguments.key)
        finding = Finding(block_arguments.rule, block_arguments.message, where)
        return [Imported(name, where, findings=[finding], torch_job=job, budget=budget)]
    block, arguments = block_arguments
    where = config.location_of("architecture")
    model = located_mapping({block: located(arguments, where)}, where)
    return [Imported(name, config.location, foreign_spec(file, name, config, model, budget), torch_job=job)]


def _block_arguments(raw: dict[str, Any]) -> tuple[str, dict[str, Any]] | Refusal:
    """The preset block and its arguments; or why the file is not counted here."""
    architecture = raw["architecture"].partition(".")[0]  # `resnet50.a1_in1k` names a pretrained tag of resnet50
    if architecture not in ARCHITECTURES:
        message = f"timm's {architecture!r} is not an architecture budget-check counts; --torch counts it with timm"
        return Refusal(rules.NEEDS_TORCH, "architecture", message)
    if "model_args" in raw and "pretrained_cfg" not in raw:
        message = (
            "model_args in the older flat layout, which has no pretrained_cfg: timm reads the flat mapping as "
            "the pretrained settings, and create_model raises a TypeError on model_args there"
        )
        return Refusal(rules.INVALID_VALUE, "model_args", message)
    model_args = raw.get("model_args", {})
    if not isinstance(model_args, dict):
        return Refusal(rules.INVALID_VALUE, "model_args", "model_args must be a mapping of constructor arguments")
    nulls = sorted(key for key, value in model_args.items() if value is None)
    if nulls:  # create_model(**model_args) would drop them, but timm's reading of the file hands them on
        message = f"{_listed(nulls)} set to null, which timm hands on to the constructor; --torch counts it with timm"
        return Refusal(rules.NEEDS_TORCH, "model_args", message)
    class_count_key, num_classes = _class_count(raw)
    if class_count_key is not None and type(num_classes) is not int:
        return Refusal(rules.INVALID_VALUE, class_count_key, "num_classes must be a whole number")
    if class_count_key is None:
        message = "the config gives no num_classes: timm takes it from the pretrained tag's settings; --torch counts it"
        return Refusal(rules.NEEDS_TORCH, "architecture", message)
    family, published = ARCHITECTURES[architecture]
    modelled = {**family.modelled, **published}
    keywords = sorted(model_args)
    not_taken = [key for key in keywords if key not in modelled and not _taken(family, key)]
    if not_taken:
        message = f"timm's {family.constructor} takes no {_listed(not_taken)}: create_model raises a TypeError"
        return Refusal(rules.INVALID_VALUE, "model_args", message)
    named_classes = [key for key in keywords if key in family.classes]
    if named_classes:
        message = (
            f"{_listed(named_classes)} of timm's {family.constructor} must be a class, which JSON can only name: "
            "timm fails on the name"
        )
        return Refusal(rules.INVALID_VALUE, "model_args", message)
    unmodelled = [key for key in keywords if not _counted_here(family, key, model_args[key], modelled)]
    if unmodelled:
        message = f"{', '.join(unmodelled)}: timm arguments budget-check does not count; --torch counts it with timm"
        return Refusal(rules.NEEDS_TORCH, "model_args", message)
    chosen = {key: model_args.get(key, default) for key, default in modelled.items()}
    chosen["num_classes"] = num_classes
    for key, value in chosen.items():
        if not _fits(modelled[key], value, key):
            where = class_count_key if key == "num_classes" else "model_args"
            return Refusal(
                rules.INVALID_VALUE,
                where,
                f"{key}: {value!r} is not a value budget-check counts for timm's {family.constructor}: it takes whole "
                "sizes of 1 or more (0 classes), as many as the architecture has stages, and true or false (or 1 "
                "or 0) for a switch",
            )
    return family.block, family.arguments_of(chosen)


def _taken(family: Family, key: str) -> bool:
    """Whether create_model passes the keyword on without a TypeError: the family's constructor or the factory
    takes it."""
    return key in family.neutral | family.classes | family.timm_only | {"global_pool"} | FACTORY_OPTIONS


def _counted_here(family: Family, key: str, value: Any, modelled: dict[str, Any]) -> bool:
    if key == "global_pool":
        return value in family.pools
    return (key in modelled and key not in family.classes) or key in family.neutral


def _listed(keys: list[str]) -> str:
    return ", ".join(repr(key) for key in keys)


def _fits(default: Any, value: Any, key: str) -> bool:
    """Whether a value from the file has the kind of the argument's default: sizes are whole numbers."""
    if isinstance(default, bool):  # a switch, which hand-written JSON also writes 0 or 1
        return isinstance(value, bool) or (type(value) is int and value in (0, 1))
    if isinstance(value, bool):
        return False
    if key == "img_size" and isinstance(value, list | tuple):  # (height, width)
        return len(value) == 2 and all(_fits(1, side, key) for side in value)
    if isinstance(default, int):
        return isinstance(value, int) and value >= (0 if key == "num_classes" else 1)
    if isinstance(default, float):  # mlp_ratio
        return isinstance(value, int | float) and 0 <= value <= 1e6
    if isinstance(default, tuple):
        return (
            isinstance(value, list | tuple)
            and len(value) == len(default)
            and all(_fits(1, item, key) for item in value)
        )
    return value in ("BasicBlock", "Bottleneck")  # ResNet's block, as its class name


def torch_job(raw: dict[str, Any]) -> dict[str, Any]:
    """What the torch worker builds: the file, as timm reads it (create_model("local-dir:...")), so that --torch
    counts the model timm makes of it (nulls handed on, the class count where timm takes it)."""
    return {"kind": "timm", "config": raw}


def _class_count(raw: dict[str, Any]) -> tuple[str | None, Any]:
    """The key of the file that gives the classifier's size, and its value. create_model('local-dir:...') takes
    model_args' num_classes over the top level's, and that over pretrained_cfg's (a null is no value)."""
    sources = (
        ("model_args", raw.get("model_args")),
        ("num_classes", raw),
        ("pretrained_cfg", raw.get("pretrained_cfg")),
    )
    for key, mapping in sources:
        if isinstance(mapping, dict) and mapping.get("num_classes") is not None:
            return key, mapping["num_classes"]
    return None, None
