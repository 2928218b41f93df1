"""timm's `config.json`: `timm.create_model(architecture, num_classes=..., **model_args)`.

timm writes `architecture`, `num_classes` and `model_args` at the top of the
file, and its older Hub files hold the same keys in one flat mapping; both
read the same here. An architecture of the table below is counted by the
`timm` preset, with that architecture's published hyperparameters and the
file's `model_args` over them. Any other architecture, or a `model_args` key
the preset does not model, is counted by timm itself under --torch.
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

# Constructor arguments that change no parameter (dropout rates, initialisation).
NEUTRAL = frozenset(
    [
        "drop_rate",
        "drop_path_rate",
        "attn_drop_rate",
        "proj_drop_rate",
        "pos_drop_rate",
        "patch_drop_rate",
        "zero_init_last",
        "weight_init",
        "head_init_scale",
        "output_stride",
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
        "img_size": arguments["img_size"],
        "in_chans": arguments["in_chans"],
        "qkv_bias": arguments["qkv_bias"],
        "num_classes": arguments["num_classes"],
    }


def _convnext(arguments: dict[str, Any]) -> dict[str, Any]:
    depths, dims = arguments["depths"], arguments["dims"]
    return {
        **{f"depth_{stage}": depths[stage - 1] for stage in range(1, 5)},
        **{f"dim_{stage}": dims[stage - 1] for stage in range(1, 5)},
        "in_chans": arguments["in_chans"],
        "num_classes": arguments["num_classes"],
    }


# Each family: the preset block, the constructor arguments it models with the constructor's defaults,
# and how they become the block's arguments.
FAMILIES: dict[str, tuple[str, dict[str, Any], Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "resnet": ("timm.resnet", {"in_chans": 3, "num_classes": 1000}, _resnet),
    "vision_transformer": (
        "timm.vision_transformer",
        {"img_size": 224, "in_chans": 3, "num_classes": 1000, "mlp_ratio": 4.0, "qkv_bias": True},
        _vision_transformer,
    ),
    # ls_init_value changes no count: create_model drops a None, so ConvNeXt's layer scale is always there
    "convnext": ("timm.convnext", {"in_chans": 3, "num_classes": 1000, "ls_init_value": 1e-6}, _convnext),
}
# The architectures counted without torch: each one's family and the arguments its timm entry point passes.
ARCHITECTURES: dict[str, tuple[str, dict[str, Any]]] = {
    "resnet18": ("resnet", {"block": "BasicBlock", "layers": (2, 2, 2, 2)}),
    "resnet34": ("resnet", {"block": "BasicBlock", "layers": (3, 4, 6, 3)}),
    "resnet26": ("resnet", {"block": "Bottleneck", "layers": (2, 2, 2, 2)}),
    "resnet50": ("resnet", {"block": "Bottleneck", "layers": (3, 4, 6, 3)}),
    "resnet101": ("resnet", {"block": "Bottleneck", "layers": (3, 4, 23, 3)}),
    "resnet152": ("resnet", {"block": "Bottleneck", "layers": (3, 8, 36, 3)}),
    "vit_tiny_patch16_224": ("vision_transformer", {"patch_size": 16, "embed_dim": 192, "depth": 12, "num_heads": 3}),
    "vit_small_patch16_224": ("vision_transformer", {"patch_size": 16, "embed_dim": 384, "depth": 12, "num_heads": 6}),
    "vit_small_patch32_224": ("vision_transformer", {"patch_size": 32, "embed_dim": 384, "depth": 12, "num_heads": 6}),
    "vit_base_patch8_224": ("vision_transformer", {"patch_size": 8, "embed_dim": 768, "depth": 12, "num_heads": 12}),
    "vit_base_patch16_224": ("vision_transformer", {"patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12}),
    "vit_base_patch32_224": ("vision_transformer", {"patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12}),
    "vit_large_patch16_224": (
        "vision_transformer",
        {"patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16},
    ),
    "vit_large_patch32_224": (
        "vision_transformer",
        {"patch_size": 32, "embed_dim": 1024, "depth": 24, "num_heads": 16},
    ),
    "convnext_tiny": ("convnext", {"depths": (3, 3, 9, 3), "dims": (96, 192, 384, 768)}),
    "convnext_small": ("convnext", {"depths": (3, 3, 27, 3), "dims": (96, 192, 384, 768)}),
    "convnext_base": ("convnext", {"depths": (3, 3, 27, 3), "dims": (128, 256, 512, 1024)}),
    "convnext_large": ("convnext", {"depths": (3, 3, 27, 3), "dims": (192, 384, 768, 1536)}),
    "convnext_xlarge": ("convnext", {"depths": (3, 3, 27, 3), "dims": (256, 512, 1024, 2048)}),
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
    block_arguments = _block_arguments(raw, job)
    if isinstance(block_arguments, Refusal):
        where = config.location_of(block_arguments.key)
        finding = Finding(block_arguments.rule, block_arguments.message, where)
        return [Imported(name, where, findings=[finding], torch_job=job, budget=budget)]
    block, arguments = block_arguments
    where = config.location_of("architecture")
    model = located_mapping({block: located(arguments, where)}, where)
    return [Imported(name, config.location, foreign_spec(file, name, config, model, budget), torch_job=job)]


def _block_arguments(raw: dict[str, Any], job: dict[str, Any]) -> tuple[str, dict[str, Any]] | Refusal:
    """The preset block and its arguments; or why the file is not counted here."""
    architecture = raw["architecture"].partition(".")[0]  # `resnet50.a1_in1k` names a pretrained tag of resnet50
    if architecture not in ARCHITECTURES:
        message = f"timm's {architecture!r} is not an architecture budget-check counts; --torch counts it with timm"
        return Refusal(rules.NEEDS_TORCH, "architecture", message)
    model_args = raw.get("model_args", {})
    if not isinstance(model_args, dict):
        return Refusal(rules.INVALID_VALUE, "model_args", "model_args must be a mapping of constructor arguments")
    model_args = {key: value for key, value in model_args.items() if value is not None}  # as create_model drops them
    if "num_classes" in raw and job["num_classes"] is None:
        return Refusal(rules.INVALID_VALUE, "num_classes", "num_classes must be a whole number")
    if job["num_classes"] is None:
        message = "the config gives no num_classes: timm takes it from the pretrained tag's settings; --torch counts it"
        return Refusal(rules.NEEDS_TORCH, "architecture", message)
    family, published = ARCHITECTURES[architecture]
    block, defaults, arguments_of = FAMILIES[family]
    modelled = {**defaults, **published}
    unmodelled = sorted(key for key in model_args if key not in modelled and key not in NEUTRAL)
    if unmodelled:
        message = f"{', '.join(unmodelled)}: timm arguments budget-check does not count; --torch counts it with timm"
        return Refusal(rules.NEEDS_TORCH, "model_args", message)
    chosen = {key: model_args.get(key, default) for key, default in modelled.items()}
    chosen["num_classes"] = job["num_classes"]
    for key, value in chosen.items():
        if not _fits(modelled[key], value, key):
            where = "num_classes" if key == "num_classes" and "num_classes" in raw else "model_args"
            return Refusal(rules.INVALID_VALUE, where, f"{key}: {value!r} is not a value timm's {family} takes")
    return block, arguments_of(chosen)


def _fits(default: Any, value: Any, key: str) -> bool:
    """Whether a value from the file has the kind of the argument's default: sizes are whole numbers."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
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
    """What the torch worker passes to timm.create_model: the architecture, num_classes and model_args."""
    pretrained = raw.get("pretrained_cfg")
    num_classes = raw.get("num_classes", pretrained.get("num_classes") if isinstance(pretrained, dict) else None)
    model_args = raw.get("model_args")
    return {
        "kind": "timm",
        "architecture": raw["architecture"],
        "num_classes": num_classes if isinstance(num_classes, int) and not isinstance(num_classes, bool) else None,
        "model_args": model_args if isinstance(model_args, dict) else {},
    }
