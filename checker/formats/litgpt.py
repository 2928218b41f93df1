"""LitGPT configs: a pretraining config's inline `model_config`, or a checkpoint's `model_config.yaml`.

The keys are litgpt.Config's; what Config.__post_init__ derives (head_size,
padded_vocab_size, n_query_groups, intermediate_size) is derived the same way,
and the model is counted by the `litgpt` preset. LitGPT's GPT never ties the
head to the embedding, but `litgpt pretrain` does before training when the
config says `train: {tie_embeddings: true}`: the count is what is trained.

A fine-tuning config names its model by `checkpoint_dir`. When that folder is
inside the repository and holds a `model_config.yaml`, that file is the model;
else (or for a bare `model_name`) LitGPT resolves the name, so only --torch
can count it. A config with `lora_*` keys is `litgpt finetune_lora`'s: the
model is litgpt.lora's GPT, whose adapted linears gain lora_A and lora_B and
whose every other parameter is frozen, so the trainable count is LoRA's.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path, PurePosixPath

from .. import rules
from ..files import Unreadable, inside_repository, read_text, reference_root
from ..findings import Finding, SpecError
from ..language.budgets import Budget
from ..language.loader import Location, YamlMapping, located_mapping
from ..records import TYPE_CHECKING
from . import Imported, Keyed, OtherCount, foreign_spec, single_document

if TYPE_CHECKING:
    from typing import Any

    from ..checks.solving import Measure, Solution, WidthSolver
    from ..language.counting import Part
    from ..project.fixing import Edit

CHECKPOINT_CONFIG = "model_config.yaml"
WIDTH = "n_embd"  # what `match` solves for
UNTIED = "as_built"  # the JSON key of the count before train.tie_embeddings ties the head

# litgpt.Config's defaults for the keys that change the count, or whether LitGPT builds the model.
DEFAULTS: dict[str, Any] = {
    "name": "",
    "hf_config": {},
    "n_layer": 16,
    "n_embd": 4096,
    "vocab_size": 50254,
    "padding_multiple": 512,
    "padded_vocab_size": None,
    "n_head": 32,
    "head_size": None,
    "n_query_groups": None,
    "intermediate_size": None,
    "moe_intermediate_size": None,
    "n_expert": 0,
    "n_expert_per_token": 0,
    "n_shared_expert": None,
    "bias": True,
    "attn_bias": False,
    "lm_head_bias": False,
    "norm_class_name": "LayerNorm",
    "mlp_class_name": "GptNeoxMLP",
    "norm_qk": False,
    "norm_qk_type": "default",
    "norm_1": True,
    "norm_2": True,
    "shared_attention_norm": False,
    "parallel_residual": True,
    "sliding_window_size": None,
    "sliding_window_indices": None,
    "rope_local_base_freq": None,
    "rope_indices": None,
    "post_attention_norm": False,
    "post_mlp_norm": False,
}
# Keys of litgpt.Config that hold no parameters.
IGNORED = frozenset(
    [
        "block_size",
        "norm_eps",
        "attention_scores_scalar",
        "attention_logit_softcapping",
        "rope_base",
        "rotary_percentage",
        "rope_condense_ratio",
        "rope_adjustments",
        "rope_interleave",
        "gelu_approximate",
        "routed_scaling_factor",
        "norm_topk_prob",
        "scale_embeddings",
        "final_logit_softcapping",
        "n_topk_groups",
        "n_topk_scores_per_group",
    ]
)
# Keys that change the model in ways the preset does not write (latent attention, grouped routers, dense first
# blocks): null, as LitGPT's save_config writes them for most models, they change nothing.
NOT_COUNTED = ("latent_attention", "n_expert_groups", "first_k_dense_replace")
# Every key of litgpt.Config (0.5.13): any other is one the count cannot account for.
CONFIG_KEYS = DEFAULTS.keys() | IGNORED | frozenset(NOT_COUNTED)
# litgpt.Config's whole-number sizes (what `match --set` and `--sweep` may change), each with the least LitGPT
# builds; a size whose default is null may be null. LitGPT builds no blocks for n_layer 0 and an empty embedding for
# a padded vocabulary of 0; a width or a head count of 0 it builds too, but as a model of nothing, refused here.
SIZES: dict[str, int] = {
    "n_layer": 0,
    "n_embd": 1,
    "n_head": 1,
    "n_query_groups": 1,
    "head_size": 0,
    "intermediate_size": 0,
    "moe_intermediate_size": 0,
    "n_expert": 0,
    "n_expert_per_token": 0,
    "n_shared_expert": 0,
    "vocab_size": 0,
    "padded_vocab_size": 0,
    "padding_multiple": 1,
}
# Lists of 0s and 1s, one for each block, that Config checks when the key beside them is set.
INDICATORS = {"sliding_window_indices": "sliding_window_size", "rope_indices": "rope_local_base_freq"}
# litgpt.lora.Config's own fields and their defaults (a checkpoint that LoRA made holds them)...
LORA_DEFAULTS: dict[str, Any] = {
    "lora_r": 0,
    "lora_alpha": 1,
    "lora_dropout": 0.0,
    "lora_query": False,
    "lora_key": False,
    "lora_value": False,
    "lora_projection": False,
    "lora_mlp": False,
    "lora_head": False,
}
# ...and `litgpt finetune_lora`'s, which it passes over the checkpoint's (Config.from_file(..., lora_r=...)).
FINETUNE_LORA_DEFAULTS: dict[str, Any] = {
    **LORA_DEFAULTS,
    "lora_r": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.05,
    "lora_query": True,
    "lora_value": True,
}
LORA_FLAGS = ("lora_query", "lora_key", "lora_value", "lora_projection", "lora_mlp", "lora_head")
MLP_CLASSES = ("GptNeoxMLP", "LLaMAMLP", "GemmaMLP", "LLaMAMoE")
NORM_CLASSES = ("LayerNorm", "RMSNorm")


def read_litgpt(text: str, file: str, folder: Path, budget: Budget | None) -> list[Imported]:
    name = Path(file).stem
    root, refused = single_document(text, name)
    if refused:
        return refused
    if not isinstance(root, YamlMapping):
        return []
    written = _written_config(root)
    if written is not None:
        config, tie = written
        imported = _imported(config, {}, tie, file, name, budget)
        untied = (OtherCount(UNTIED, "As built (untied)", partial(_untied_count, config, file, name)),)
        return [
            imported._replace(
                other_counts=untied if tie and imported.spec is not None else (),
                width_solver=partial(_width_solver, config, tie, file, name),
            )
        ]
    if "model_name" not in root and "checkpoint_dir" not in root:
        return []
    lora = _finetune_lora(root)
    places = {key: root.location_of(key) for key in lora if key in root}  # a LoRA value's finding points at it
    checkpoint = _checkpoint(root.get("checkpoint_dir"), folder, root.location_of("checkpoint_dir"), places)
    if checkpoint is None or "model_name" in root:
        return [_by_name(root, name, budget)]
    config, path = checkpoint
    imported = _imported(config, lora, False, file, name, budget)
    if imported.spec is None:
        return [imported]
    return [imported._replace(spec=imported.spec._replace(reads=(path,)))]


def _written_config(root: YamlMapping) -> tuple[YamlMapping, bool] | None:
    """The litgpt.Config keys the file writes itself, and whether the head is tied to the embedding: a
    pretraining config's inline `model_config` (tied by `train.tie_embeddings`), or a checkpoint's file."""
    if isinstance(root.get("model_config"), YamlMapping):
        train = root.get("train")
        return root["model_config"], isinstance(train, YamlMapping) and train.get("tie_embeddings") is True
    return (root, False) if "n_embd" in root else None


def keyed_litgpt(text: str, file: str, folder: Path) -> Keyed | None:
    """What `match` varies in a LitGPT config: the sizes of litgpt.Config, n_embd the width."""
    root, refused = single_document(text, Path(file).stem)
    written = None if refused or not isinstance(root, YamlMapping) else _written_config(root)
    if written is None:
        return None
    config, tie = written
    return Keyed(WIDTH, lambda key: _sizes(config).get(key), partial(_count_with, config, tie, file, Path(file).stem))


def _sizes(config: YamlMapping) -> dict[str, Any]:
    return {key: config.get(key, DEFAULTS[key]) for key in SIZES}


def _count_with(config: YamlMapping, tie: bool, file: str, name: str, values: Mapping[str, int]) -> Part:
    """The model with some of its sizes changed; SpecError for a key that is none, or a config LitGPT refuses."""
    from ..language.counting import count_model

    unknown = next((key for key in values if key not in SIZES), None)
    if unknown is not None:
        message = f"`{unknown}` is not one of litgpt.Config's sizes ({', '.join(SIZES)})"
        raise SpecError(rules.INVALID_VALUE, message, config.location)
    imported = _imported(config.replaced(dict(values)), {}, tie, file, name, None)
    if imported.spec is None:
        finding = imported.findings[-1]
        raise SpecError(finding.rule, finding.message, finding.location)
    return count_model(imported.spec)


def _untied_count(config: YamlMapping, file: str, name: str) -> int:
    """The count of LitGPT's GPT as it is built, before `train.tie_embeddings` ties its head to the embedding."""
    return _count_with(config, False, file, name, {}).params


def _width_solver(config: YamlMapping, tie: bool, file: str, name: str) -> WidthSolver:
    """A failing budget's search: the n_embd that meets it, LitGPT's other sizes as the file writes them."""
    from ..checks.solving import WidthSolver, solve_counts

    current = _sizes(config)[WIDTH]

    def solve_for(target: int, rule: str, measure: Measure) -> Solution:
        def count(value: int) -> int:
            return measure(_count_with(config, tie, file, name, {WIDTH: value}))

        return solve_counts(WIDTH, current, count, target, rule)

    return WidthSolver(WIDTH, current, solve_for)


def edit_litgpt(text: str, document_number: int, values: Mapping[str, object]) -> tuple[str, list[Edit]]:
    """--fix: the sizes named by `values` written into the config's own keys, in place."""
    from ..project.fixing import FixError, edit_numbers

    root, _ = single_document(text, "")
    prefix = (
        "model_config." if isinstance(root, YamlMapping) and isinstance(root.get("model_config"), YamlMapping) else ""
    )
    missing = next((key for key in values if key not in SIZES), None)
    if missing is not None:
        raise FixError(f"`{missing}` is not one of litgpt.Config's sizes")
    return edit_numbers(text, document_number, {key: prefix + key for key in values}, values)


def _finetune_lora(root: YamlMapping) -> dict[str, Any]:
    """The LoRA settings `litgpt finetune_lora` gives the model: its defaults and the config's keys; none when
    the config has no `lora_*` key (another fine-tuning method)."""
    written = {key: root[key] for key in LORA_DEFAULTS if key in root}
    return {**FINETUNE_LORA_DEFAULTS, **written} if written else {}


def _checkpoint(
    named: object, folder: Path, where: Location, places: dict[str, Location]
) -> tuple[YamlMapping, str] | None:
    """The `model_config.yaml` of the checkpoint folder a config names, when the folder is in the repository:
    relative to the config's folder, else to the repository's root (where LitGPT is usually run from).
    Its values stand where the config names the folder, since that is the line to look at."""
    if not isinstance(named, str) or not named:
        return None
    for base in (folder, reference_root(folder)):
        path = inside_repository(base, named)
        if path is None or not path.is_dir():
            continue
        try:
            config, refused = single_document(read_text(path / CHECKPOINT_CONFIG), path.name)
        except Unreadable:
            continue
        if not refused and isinstance(config, YamlMapping):
            located = located_mapping(dict(config), where)
            located.value_locations.update(places)  # keys the fine-tuning config sets over the checkpoint's
            return located, str(path / CHECKPOINT_CONFIG)
    return None


def _by_name(root: YamlMapping, name: str, budget: Budget | None) -> Imported:
    """A config that names LitGPT's model: `model_name`, or a checkpoint folder named as the model is.

    --torch builds it as LitGPT resolves a name, with `Config.from_name`; never from files outside the repository.
    """
    key = "model_name" if "model_name" in root else "checkpoint_dir"
    where = root.key_locations[key]
    value = root[key]
    model_name = value if key == "model_name" else PurePosixPath(str(value)).name
    message = f"the model is LitGPT's {value!r} by name: only --torch can count it (LitGPT resolves it)"
    if key == "checkpoint_dir":
        message += f"; a checkpoint folder in this repository with its {CHECKPOINT_CONFIG} is counted without torch"
    lora = _finetune_lora(root)
    job = _torch_job(lora, model_name) if isinstance(value, str) and model_name else None
    return Imported(name, where, findings=[Finding(rules.NEEDS_TORCH, message, where)], torch_job=job, budget=budget)


def _torch_job(keys: Mapping[str, Any], model_name: str | None = None) -> dict[str, Any]:
    """What --torch asks LitGPT to build: the model named `model_name` with `keys` set over its config, else
    litgpt.Config(**keys); litgpt.lora's GPT when the keys hold any LoRA setting."""
    return {
        "kind": "litgpt",
        "model_name": model_name,
        "config": dict(keys),
        "lora": not LORA_DEFAULTS.keys().isdisjoint(keys),
    }


def _imported(
    config: YamlMapping, lora: dict[str, Any], tie: bool, file: str, name: str, budget: Budget | None
) -> Imported:
    """The model of a litgpt.Config's keys; `lora`: what `litgpt finetune_lora` sets over them, if it does."""
    values = {**DEFAULTS, **{key: config[key] for key in config if key in DEFAULTS}}
    own_lora = {key: config[key] for key in config if key in LORA_DEFAULTS}
    values.update(lora or {**LORA_DEFAULTS, **own_lora})
    values["lora"] = bool(lora or own_lora)
    where = config.location
    not_counted = [key for key in NOT_COUNTED if config.get(key) is not None]
    if not_counted:
        message = f"{', '.join(not_counted)}: a model budget-check does not count; --torch counts it with LitGPT"
        finding = Finding(rules.NEEDS_TORCH, message, config.key_locations[not_counted[0]])
        return Imported(name, where, findings=[finding], torch_job=_torch_job({**config, **lora}), budget=budget)
    findings = []
    known = CONFIG_KEYS | LORA_DEFAULTS.keys()
    unknown = sorted((key for key in config if key not in known), key=str)  # a key may be null or a number
    if unknown:
        message = (
            f"keys LitGPT's Config does not have, or that budget-check does not know: {', '.join(map(str, unknown))}; "
            "the count assumes they change nothing (--torch confirms)"
        )
        findings.append(Finding(rules.UNKNOWN_CONFIG_KEYS, message, config.key_locations[unknown[0]]))
    problem = _problem(values)
    if problem is not None:
        key, message = problem
        return Imported(name, where, findings=[Finding(rules.INVALID_VALUE, message, config.location_of(key))])
    if values["lora"]:
        unlike = _lora_unlike_base(values)
        if unlike is not None:
            key, message = unlike
            finding = Finding(rules.NEEDS_TORCH, message, config.location_of(key))
            job = _torch_job({**config, **lora})
            return Imported(name, where, findings=[*findings, finding], torch_job=job, budget=budget)
    model = located_mapping({"litgpt": _arguments(values, tie, where)}, where)
    return Imported(name, where, foreign_spec(file, name, config, model, budget), findings)


def _lora_unlike_base(values: dict[str, Any]) -> tuple[str, str] | None:
    """Where litgpt.lora's GPT is built otherwise than litgpt.model's (and otherwise from one litgpt release to
    the next), which budget-check does not guess: (the key, the message)."""
    why = {
        "mlp_class_name": values["mlp_class_name"] == "LLaMAMoE" and "LLaMAMoE's experts",
    }
    key, what = next(((key, what) for key, what in why.items() if what), ("", ""))
    if not what:
        return None
    return key, f"LoRA on {what}: litgpt.lora builds it otherwise than litgpt.model; --torch counts it with LitGPT"


def _problem(values: dict[str, Any]) -> tuple[str, str] | None:
    """What litgpt.Config itself would refuse, or its GPT refuses to build."""
    for key, least in SIZES.items():
        value = values[key]
        if value is None and DEFAULTS[key] is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            return key, f"`{key}` must be a whole number of at least {least}" + (
                ", or null" if DEFAULTS[key] is None else ""
            )
    if values["mlp_class_name"] not in MLP_CLASSES:
        return "mlp_class_name", f"mlp_class_name must be one of {', '.join(MLP_CLASSES)}"
    if values["norm_class_name"] not in NORM_CLASSES:
        return "norm_class_name", f"norm_class_name must be one of {', '.join(NORM_CLASSES)}"
    if not values["name"] and not isinstance(values["hf_config"], Mapping):
        return "hf_config", "hf_config must be a mapping: LitGPT reads the model's name from it"
    if not isinstance(_model_name(values), str):
        return "name", "`name` must be text: LitGPT's norms read it"
    if values["head_size"] is None and values["n_embd"] % values["n_head"]:
        return "n_head", "n_head must divide n_embd when head_size is not given"
    if values["n_query_groups"] is not None and values["n_head"] % values["n_query_groups"]:
        return "n_query_groups", "n_query_groups must divide n_head"
    if values["intermediate_size"] is None and values["mlp_class_name"] == "LLaMAMLP":
        return "mlp_class_name", "LLaMAMLP needs `intermediate_size` (LitGPT refuses the config without it)"
    for indicators, setting in INDICATORS.items():
        if values[setting] is not None and not _indicates_each_block(values[indicators], values["n_layer"]):
            return indicators, f"with {setting}, {indicators} must be a 0 or 1 for each block (LitGPT checks it)"
    rank = values["lora_r"]
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
        return "lora_r", "`lora_r` must be a whole number of at least 0 (litgpt.lora asserts it)"
    flag = next((key for key in LORA_FLAGS if not isinstance(values[key], bool)), None)
    if flag is not None:
        return flag, f"`{flag}` must be true or false"
    return _block_problem(values) if values["n_layer"] > 0 else None


def _block_problem(values: dict[str, Any]) -> tuple[str, str] | None:
    """What LitGPT refuses only as it builds a block (so not in a model of no blocks)."""
    if values["shared_attention_norm"] and not values["parallel_residual"]:
        return "shared_attention_norm", "shared_attention_norm needs parallel_residual (LitGPT's Block refuses it)"
    if values["mlp_class_name"] == "LLaMAMoE" and values["n_shared_expert"] and values["moe_intermediate_size"] is None:
        return "n_shared_expert", "shared experts need `moe_intermediate_size` (LitGPT's LLaMAMoE multiplies it)"
    if values["mlp_class_name"] == "LLaMAMoE" and values["n_expert_per_token"] > values["n_expert"]:
        # LitGPT builds it, but its router's torch.topk fails at the first forward pass
        return "n_expert_per_token", "n_expert_per_token must be at most n_expert: a token cannot use more experts"
    return None


def _indicates_each_block(indicators: Any, n_layer: int) -> bool:
    """Whether a list gives every block a 0 or a 1, as Config checks it (null gives each a 1; a longer list's
    first n_layer items are the blocks')."""
    if indicators is None:
        return True
    return (
        isinstance(indicators, list) and len(indicators) >= n_layer and all(i in (0, 1) for i in indicators[:n_layer])
    )


def _model_name(values: dict[str, Any]) -> Any:
    """The name Config.__post_init__ settles on: `name`, else hf_config's. LitGPT builds the LayerNorms of a
    model whose name holds "OLMo" without weight or bias, as OLMo's are."""
    return values["name"] or values["hf_config"].get("name", values["name"])


def _arguments(values: dict[str, Any], tie: bool, where: Location) -> YamlMapping:
    """The preset's arguments: Config.__post_init__'s derivations, and the class names as flags."""
    n_embd, n_head, multiple = values["n_embd"], values["n_head"], values["padding_multiple"]
    padded = values["padded_vocab_size"]
    if padded is None:
        padded = -(-values["vocab_size"] // multiple) * multiple
    arguments = {
        "n_layer": values["n_layer"],
        "n_embd": n_embd,
        "padded_vocab_size": padded,
        "n_head": n_head,
        # Config derives only what is null: a size of 0 stays 0, and builds empty layers
        "head_size": n_embd // n_head if values["head_size"] is None else values["head_size"],
        "n_query_groups": n_head if values["n_query_groups"] is None else values["n_query_groups"],
        "intermediate_size": 4 * n_embd if values["intermediate_size"] is None else values["intermediate_size"],
        "moe_intermediate_size": values["moe_intermediate_size"] or 0,  # the preset's experts take 0 as LitGPT's do
        "n_expert": values["n_expert"],
        "n_expert_per_token": values["n_expert_per_token"],
        "n_shared_expert": values["n_shared_expert"] or 0,
        "bias": values["bias"],
        "attn_bias": values["attn_bias"],
        "lm_head_bias": values["lm_head_bias"],
        "rms_norm": values["norm_class_name"] == "RMSNorm",
        "norm_weights": not (values["norm_class_name"] == "LayerNorm" and "OLMo" in _model_name(values)),
        "gated_mlp": values["mlp_class_name"] in ("LLaMAMLP", "GemmaMLP"),
        "moe": values["mlp_class_name"] == "LLaMAMoE",
        "norm_qk": values["norm_qk"],
        "olmo2_qk_norm": values["norm_qk_type"] == "olmo2",
        "norm_1": values["norm_1"],
        "norm_2": values["norm_2"],
        "shared_attention_norm": values["shared_attention_norm"],
        "post_attention_norm": values["post_attention_norm"],
        "post_mlp_norm": values["post_mlp_norm"],
        "tie_embeddings": tie,
        "lora": values["lora"],
        **{key: values[key] for key in ("lora_r", *LORA_FLAGS)},
    }
    return located_mapping(arguments, where)
