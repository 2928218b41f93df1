"""LitGPT configs: published figures, the tie that pretraining makes, and litgpt itself where it is installed."""

from __future__ import annotations

import json
import tempfile
import warnings
from dataclasses import asdict
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.checks.check import check_text
from checker.files import FILE_START
from checker.formats.litgpt import FINETUNE_LORA_DEFAULTS
from checker.language.budgets import Budget, Limits

EXAMPLES = Path(__file__).parent.parent / "examples" / "litgpt"

# Checkpoints' model_config.yaml, with LitGPT's published hyperparameters for each.
CHECKPOINTS = {
    "pythia-160m": (
        {
            "n_layer": 12,
            "n_embd": 768,
            "n_head": 12,
            "vocab_size": 50254,
            "padding_multiple": 128,
            "block_size": 2048,
            "rotary_percentage": 0.25,
            "parallel_residual": True,
        },
        162_322_944,
    ),
    "Llama-3.2-1B": (
        {
            "n_layer": 16,
            "n_embd": 2048,
            "n_head": 32,
            "n_query_groups": 8,
            "head_size": 64,
            "vocab_size": 128000,
            "padded_vocab_size": 128256,
            "block_size": 131072,
            "rotary_percentage": 1.0,
            "parallel_residual": False,
            "bias": False,
            "norm_class_name": "RMSNorm",
            "mlp_class_name": "LLaMAMLP",
            "intermediate_size": 8192,
            "rope_base": 500000,
            "rope_adjustments": {"factor": 32.0},
        },
        1_498_482_688,
    ),
    "tiny-llama-1.1b": (
        {
            "n_layer": 22,
            "n_embd": 2048,
            "n_head": 32,
            "n_query_groups": 4,
            "vocab_size": 32000,
            "padding_multiple": 64,
            "block_size": 2048,
            "rotary_percentage": 1.0,
            "parallel_residual": False,
            "bias": False,
            "norm_class_name": "RMSNorm",
            "norm_eps": 1e-5,
            "mlp_class_name": "LLaMAMLP",
            "intermediate_size": 5632,
        },
        1_100_048_384,
    ),
    # LitGPT builds the LayerNorms of a model whose name holds "OLMo" without weight or bias.
    "OLMo-1B-hf": (
        {
            "vocab_size": 50280,
            "padded_vocab_size": 50304,
            "block_size": 2048,
            "n_embd": 2048,
            "n_layer": 16,
            "n_head": 16,
            "rotary_percentage": 1.0,
            "parallel_residual": False,
            "bias": False,
            "norm_class_name": "LayerNorm",
            "mlp_class_name": "LLaMAMLP",
            "intermediate_size": 8192,
        },
        1_279_787_008,
    ),
    "Mixtral-8x7B-v0.1": (
        {
            "n_layer": 32,
            "n_embd": 4096,
            "n_head": 32,
            "n_query_groups": 8,
            "vocab_size": 32000,
            "padded_vocab_size": 32000,
            "block_size": 32768,
            "rotary_percentage": 1.0,
            "parallel_residual": False,
            "bias": False,
            "norm_class_name": "RMSNorm",
            "norm_eps": 1e-5,
            "mlp_class_name": "LLaMAMoE",
            "intermediate_size": 14336,
            "rope_base": 1000000,
            "n_expert": 8,
            "n_expert_per_token": 2,
        },
        46_702_792_704,
    ),
}


def count(text: str, name: str = "model_config.yaml"):
    [spec] = check_text(text, name).specs
    assert spec.tree is not None, [f.message for f in spec.findings]
    return spec


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
def test_checkpoint_configs_meet_the_published_figures(name):
    config, params = CHECKPOINTS[name]
    spec = count(yaml.safe_dump({"name": name, **config}))
    assert spec.params == params
    assert [f.code for f in spec.findings] == []


def test_llamamoe_leaves_the_experts_a_token_skips_idle():
    """LitGPT's Mixtral uses what Hugging Face's does per token (12.9B of 46.7B, its card says)."""
    config, _ = CHECKPOINTS["Mixtral-8x7B-v0.1"]
    litgpt = count(yaml.safe_dump(config)).tree
    hf = count((EXAMPLES.parent / "hf" / "mixtral-8x7b" / "config.json").read_text(), "config.json").tree
    assert (litgpt.params, litgpt.active, litgpt.embedding) == (hf.params, hf.active, hf.embedding)
    assert 0 < litgpt.active < litgpt.params


def test_pretraining_counts_the_tied_model():
    """stories15M: 24,407,712 as GPT builds it, 15,191,712 once train.tie_embeddings ties the head."""
    text = (EXAMPLES / "tinystories.yaml").read_text()
    assert count(text, "tinystories.yaml").params == 15_191_712
    assert count(text.replace("tie_embeddings: true", "tie_embeddings: false"), "t.yaml").params == 24_407_712


@pytest.mark.parametrize(("tie", "as_built"), [("true", 24_407_712), ("false", None)])
def test_a_tied_config_also_gives_the_count_as_built(tie, as_built):
    """show and JSON give both figures of a pretraining config that ties; an untied one has only one."""
    text = (EXAMPLES / "tinystories.yaml").read_text().replace("tie_embeddings: true", f"tie_embeddings: {tie}")
    assert count(text, "tinystories.yaml").other("as_built") == as_built


@pytest.mark.parametrize(("key", "line"), [("my_key:\n&factor", 5), ("3", 4), ("true", 4)])
def test_a_key_that_is_not_text_is_an_unknown_key_at_its_place(key, line):
    """An anchor where a value should start gives a null key (the fuzz suite found it), as `3:` a number."""
    spec = count(f"n_layer: 2\nn_embd: 64\nn_head: 4\n{key}: 1\n")
    assert [(f.code, f.location.line) for f in spec.findings] == [("BC500", line)]


def test_unknown_keys_are_one_warning_and_a_model_by_name_needs_torch():
    spec = count(yaml.safe_dump({"n_layer": 2, "n_embd": 64, "n_head": 4, "my_key": 1, "other": 2}))
    assert [(f.code, "my_key, other" in f.message) for f in spec.findings] == [("BC500", True)]
    [named] = check_text("model_name: pythia-160m\nout_dir: out\n", "pretrain.yaml").specs
    assert (named.status, [f.code for f in named.findings]) == ("unchecked", ["BC540"])


def test_the_keys_are_litgpt_configs_own_with_its_defaults():
    pytest.importorskip("litgpt")
    from dataclasses import MISSING, fields

    import litgpt.lora
    from litgpt.config import Config

    from checker.formats.litgpt import CONFIG_KEYS, DEFAULTS, LORA_DEFAULTS

    def defaults(dataclass) -> dict:
        return {f.name: f.default if f.default is not MISSING else f.default_factory() for f in fields(dataclass)}

    base = defaults(Config)
    assert base.keys() == CONFIG_KEYS
    assert {key: base[key] for key in DEFAULTS} == DEFAULTS
    assert {key: value for key, value in defaults(litgpt.lora.Config).items() if key not in base} == LORA_DEFAULTS


def test_the_nulls_litgpt_saves_for_models_it_does_not_build_otherwise_are_no_warning():
    """save_config writes every key; latent attention, grouped routers and dense first blocks are null then."""
    nulls = dict.fromkeys(("latent_attention", "n_expert_groups", "first_k_dense_replace"))
    assert [f.code for f in count(yaml.safe_dump({**TINY, **nulls})).findings] == []


@pytest.mark.parametrize(
    ("written", "key", "said"),
    [
        ({"mlp_class_name": "LLaMAMLP"}, "mlp_class_name", "intermediate_size"),
        ({"parallel_residual": False, "shared_attention_norm": True}, "shared_attention_norm", "parallel_residual"),
        ({"name": 3}, "name", "text"),
        ({"sliding_window_size": 4, "sliding_window_indices": [1]}, "sliding_window_indices", "each block"),
        ({"n_query_groups": 0}, "n_query_groups", "at least 1"),
        (
            {"mlp_class_name": "LLaMAMoE", "intermediate_size": 8, "n_expert": 2, "n_expert_per_token": 3},
            "n_expert_per_token",
            "at most n_expert",
        ),
        (
            {"mlp_class_name": "LLaMAMoE", "intermediate_size": 8, "n_expert": 2, "n_shared_expert": 1},
            "n_shared_expert",
            "moe_intermediate_size",
        ),
    ],
)
def test_a_config_litgpt_refuses_is_an_error_where_it_is_written(written, key, said):
    config = {"n_layer": 2, "n_embd": 64, "n_head": 4, **written}
    text = "".join(f"{name}: {json.dumps(value)}\n" for name, value in config.items())  # JSON is YAML, a key a line
    [spec] = check_text(text, "model_config.yaml").specs
    [finding] = spec.findings
    line = list(config).index(key) + 1
    assert (spec.status, finding.code, finding.location.line, said in finding.message) == ("error", "BC011", line, True)


SMALL = {"n_layer": 2, "n_embd": 16, "n_head": 4, "vocab_size": 50, "padding_multiple": 8}
MOE = {**SMALL, "mlp_class_name": "LLaMAMoE", "intermediate_size": 8, "n_expert": 2, "n_expert_per_token": 1}


@pytest.mark.parametrize(
    ("written", "params"),
    [
        ({}, 8_384),
        ({"name": "OLMo-1B-hf"}, 8_224),
        ({"hf_config": {"name": "OLMo-1B-hf"}}, 8_224),
        ({"n_layer": 0}, 1_824),
        ({"vocab_size": 0}, 6_592),
        ({"padded_vocab_size": 0}, 6_592),
        ({"head_size": 0}, 6_240),
        ({"intermediate_size": 0}, 4_160),
        ({"intermediate_size": 0, "mlp_class_name": "LLaMAMLP"}, 4_160),
        ({"sliding_window_size": 4, "sliding_window_indices": [1, 0, 1]}, 8_384),
    ],
)
def test_small_configs_count_what_litgpt_builds(written, params):
    """litgpt 0.5.13's counts of GPT(Config(...)): sizes of 0 stay 0, as Config derives only what is null."""
    assert count(yaml.safe_dump({**SMALL, **written})).params == params


@pytest.mark.parametrize(
    ("written", "params"),
    [
        ({}, 5_856),  # each expert is an LLaMAMLP of intermediate_size
        ({"moe_intermediate_size": 0}, 5_856),
        ({"moe_intermediate_size": 0, "n_shared_expert": 2}, 6_688),  # the shared experts too, not twice it
        ({"moe_intermediate_size": 4, "n_expert": 0, "n_expert_per_token": 0}, 4_128),  # a gate of no outputs
    ],
)
def test_llamamoe_sizes_its_experts_as_litgpt_does(written, params):
    assert count(yaml.safe_dump({**MOE, **written})).params == params


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_drawn_configs_count_what_litgpt_builds(data):
    """Every drawn config is counted as litgpt builds it, or refused where litgpt refuses it."""
    pytest.importorskip("torch")
    pytest.importorskip("litgpt")
    heads = data.draw(st.integers(1, 4))
    groups = data.draw(st.sampled_from([g for g in range(1, heads + 1) if heads % g == 0]))
    mlp = data.draw(st.sampled_from(["GptNeoxMLP", "LLaMAMLP", "GemmaMLP", "LLaMAMoE"]))
    config = {
        "n_layer": data.draw(st.integers(0, 3)),
        "n_embd": heads * data.draw(st.integers(1, 8)),
        "n_head": heads,
        "n_query_groups": groups,
        "head_size": data.draw(st.none() | st.integers(0, 6)),
        "vocab_size": data.draw(st.integers(0, 300)),
        "padded_vocab_size": data.draw(st.none() | st.integers(0, 80)),
        "padding_multiple": data.draw(st.sampled_from([1, 8, 64])),
        "bias": data.draw(st.booleans()),
        "attn_bias": data.draw(st.booleans()),
        "lm_head_bias": data.draw(st.booleans()),
        "norm_class_name": data.draw(st.sampled_from(["LayerNorm", "RMSNorm"])),
        "mlp_class_name": mlp,
        "intermediate_size": data.draw(st.none() | st.integers(0, 40)),
        "norm_qk": data.draw(st.booleans()),
        "norm_qk_type": data.draw(st.sampled_from(["default", "olmo2"])),
        "post_attention_norm": data.draw(st.booleans()),
        "post_mlp_norm": data.draw(st.booleans()),
        "parallel_residual": data.draw(st.booleans()),
        "shared_attention_norm": data.draw(st.booleans()),
        # Config takes hf_config's name when `name` is empty, and a name holding "OLMo" drops LayerNorm's weights
        "name": data.draw(st.sampled_from(["", "OLMo-1B-hf", "olmo-1b", "Gemma-2b"])),
        "hf_config": {"name": data.draw(st.sampled_from(["OLMo-7B-hf", "pythia-14m"]))},
        # Config checks that the list gives each block a 0 or a 1 when a window size is set
        "sliding_window_size": data.draw(st.sampled_from([None, 4])),
        "sliding_window_indices": data.draw(st.none() | st.lists(st.integers(0, 2), max_size=4)),
    }
    if mlp == "LLaMAMoE":
        experts = data.draw(st.integers(0, 4))
        config.update(
            n_expert=experts,
            n_expert_per_token=data.draw(st.integers(0, experts)),
            moe_intermediate_size=data.draw(st.none() | st.integers(0, 16)),
            n_shared_expert=data.draw(st.sampled_from([None, 0, 1, 2])),
        )
    assert _count_or_refusal(config) == _built_or_refused_by_litgpt(config)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_the_configs_litgpt_saves_for_its_named_models_count_what_it_builds(data):
    """A checkpoint's model_config.yaml as save_config writes it (every key, nulls too) for a drawn one of LitGPT's
    named models: no warning, and LitGPT's count. All 210 of litgpt 0.5.13 take about a minute, most of it
    building the largest MoE models, so a run draws some."""
    pytest.importorskip("torch")
    pytest.importorskip("litgpt")
    from litgpt.config import Config, configs
    from litgpt.utils import save_config

    config = Config.from_name(data.draw(st.sampled_from([named["name"] for named in configs])))
    with tempfile.TemporaryDirectory() as folder:
        save_config(config, Path(folder))
        text = (Path(folder) / "model_config.yaml").read_text()
    spec = count(text)
    assert [f.code for f in spec.findings] == []
    assert spec.params == _built_or_refused_by_litgpt(asdict(config))


def _count_or_refusal(config: dict) -> int | None:
    """budget-check's count of a checkpoint's config, or None where it refuses it with an error in the file."""
    [spec] = check_text(yaml.safe_dump(config), "model_config.yaml").specs
    if spec.tree is not None:
        return spec.params
    assert spec.status == "error" and spec.findings[0].location.line > 0, [f.message for f in spec.findings]
    return None


def _built_or_refused_by_litgpt(config: dict) -> int | None:
    """The parameters of litgpt's GPT built from the config on meta, or None where litgpt raises instead."""
    import torch
    from litgpt.config import Config
    from litgpt.model import GPT

    try:
        # a size of 0 builds empty layers, whose initialization torch warns is a no-op
        with torch.device("meta"), warnings.catch_warnings(action="ignore", category=UserWarning):
            model = GPT(Config(**config))
    except (AssertionError, NotImplementedError, TypeError, ValueError, ZeroDivisionError):
        return None
    return sum(p.numel() for p in model.parameters())


def _lora_gpt(config: dict):
    """litgpt.lora's GPT as its source builds it, on meta, then mark_only_lora_as_trainable: a LoRALinear is
    its `linear` with lora_A (r, in) and lora_B (out, r) when r > 0; the fused qkv's lora_A has r rows per
    adapted projection and its lora_B the outputs of those projections; every name without `lora_` is frozen."""
    import torch
    from torch import nn

    class LoRALinear(nn.Module):
        def __init__(self, size_in, size_out, bias, r, a_rows=None, b_rows=None):
            super().__init__()
            self.linear = nn.Linear(size_in, size_out, bias=bias)
            if r > 0:
                self.lora_A = nn.Parameter(torch.empty(r if a_rows is None else a_rows, size_in))
                self.lora_B = nn.Parameter(torch.empty(size_out if b_rows is None else b_rows, r))

    def norm(size):
        return nn.RMSNorm(size) if config["norm_class_name"] == "RMSNorm" else nn.LayerNorm(size)

    heads, groups, head_size, embd, r = (
        config[k] for k in ("n_head", "n_query_groups", "head_size", "n_embd", "lora_r")
    )
    enabled = [config["lora_query"], config["lora_key"], config["lora_value"]]
    mlp_rank = r if config["lora_mlp"] else 0

    def block():
        module = nn.Module()
        module.norm_1 = norm(embd)
        module.attn = nn.Module()
        qkv_rank = r if any(enabled) else 0
        b_rows = (heads * enabled[0] + groups * (enabled[1] + enabled[2])) * head_size
        qkv_out = (heads + 2 * groups) * head_size
        qkv_bias = config["bias"] or config["attn_bias"]
        module.attn.attn = LoRALinear(embd, qkv_out, qkv_bias, qkv_rank, r * sum(enabled), b_rows)
        module.attn.proj = LoRALinear(heads * head_size, embd, config["bias"], r if config["lora_projection"] else 0)
        if config["post_attention_norm"]:
            module.post_attention_norm = norm(embd)
        if not config["shared_attention_norm"]:
            module.norm_2 = norm(embd)
        size, bias = config["intermediate_size"], config["bias"]
        module.mlp = nn.Module()
        if config["mlp_class_name"] == "GptNeoxMLP":
            module.mlp.fc = LoRALinear(embd, size, bias, mlp_rank)
        else:
            module.mlp.fc_1 = LoRALinear(embd, size, bias, mlp_rank)
            module.mlp.fc_2 = LoRALinear(embd, size, bias, mlp_rank)
        module.mlp.proj = LoRALinear(size, embd, bias, mlp_rank)
        if config["post_mlp_norm"]:
            module.post_mlp_norm = norm(embd)
        return module

    vocab = config["padded_vocab_size"]
    with torch.device("meta"):
        model = nn.Module()
        model.lm_head = LoRALinear(embd, vocab, config["lm_head_bias"], r if config["lora_head"] else 0)
        model.wte = nn.Embedding(vocab, embd)
        model.h = nn.ModuleList(block() for _ in range(config["n_layer"]))
        model.ln_f = norm(embd)
    for name, parameter in model.named_parameters():
        parameter.requires_grad = "lora_" in name
    return model


def _drawn_lora_config(data, every_norm: bool = False) -> dict:
    """A LoRA model config; with `every_norm`, q and k norms and blocks without norm_1 or norm_2 too, which
    only litgpt itself builds here."""
    heads = data.draw(st.integers(1, 4))
    groups = data.draw(st.sampled_from([g for g in range(1, heads + 1) if heads % g == 0]))
    shared = data.draw(st.booleans())
    return {
        "n_layer": data.draw(st.integers(1, 3)),
        "n_embd": heads * data.draw(st.integers(1, 6)),
        "n_head": heads,
        "n_query_groups": groups,
        "head_size": data.draw(st.integers(1, 6)),
        "padded_vocab_size": data.draw(st.integers(1, 80)),
        "bias": data.draw(st.booleans()),
        "attn_bias": data.draw(st.booleans()),
        "lm_head_bias": data.draw(st.booleans()),
        "norm_class_name": data.draw(st.sampled_from(["LayerNorm", "RMSNorm"])),
        "mlp_class_name": data.draw(st.sampled_from(["GptNeoxMLP", "LLaMAMLP", "GemmaMLP"])),
        "intermediate_size": data.draw(st.integers(1, 20)),
        "post_attention_norm": data.draw(st.booleans()),
        "post_mlp_norm": data.draw(st.booleans()),
        "parallel_residual": shared or data.draw(st.booleans()),
        "shared_attention_norm": shared,
        "lora_r": data.draw(st.integers(0, 4)),
        "lora_alpha": data.draw(st.integers(1, 32)),
        **{flag: data.draw(st.booleans()) for flag in LORA_FLAGS},
        **(
            {
                "norm_qk": data.draw(st.booleans()),
                "norm_qk_type": data.draw(st.sampled_from(["default", "olmo2"])),
                "norm_1": data.draw(st.booleans()),
                "norm_2": data.draw(st.booleans()),
            }
            if every_norm
            else {}
        ),
    }


LORA_FLAGS = ("lora_query", "lora_key", "lora_value", "lora_projection", "lora_mlp", "lora_head")


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_drawn_lora_configs_count_what_litgpt_lora_trains(data):
    """A checkpoint's model_config.yaml that holds litgpt.lora.Config's keys, against the LoRA GPT built in torch."""
    pytest.importorskip("torch")
    config = _drawn_lora_config(data)
    model = _lora_gpt(config)
    spec = count(yaml.safe_dump(config))
    assert (spec.params, spec.trainable) == (
        sum(p.numel() for p in model.parameters()),
        sum(p.numel() for p in model.parameters() if p.requires_grad),
    )


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_drawn_lora_configs_count_what_litgpt_itself_trains(data):
    torch = pytest.importorskip("torch")
    pytest.importorskip("litgpt")
    from litgpt.lora import GPT, Config, mark_only_lora_as_trainable

    config = _drawn_lora_config(data, every_norm=True)
    with torch.device("meta"):
        model = GPT(Config(**config))
    mark_only_lora_as_trainable(model)
    spec = count(yaml.safe_dump(config))
    assert (spec.params, spec.trainable) == (
        sum(p.numel() for p in model.parameters()),
        sum(p.numel() for p in model.parameters() if p.requires_grad),
    )


def _checkpoint(root: Path, config: dict, folder: str = "checkpoints/tiny") -> None:
    (root / ".git").mkdir(exist_ok=True)
    (root / folder).mkdir(parents=True)
    (root / folder / "model_config.yaml").write_text(yaml.safe_dump(config))


TINY = {"n_layer": 2, "n_embd": 64, "n_head": 4, "n_query_groups": 2, "padded_vocab_size": 128, "bias": False}
TINY_PARAMS = 2 * 128 * 64 + 2 * (2 * 2 * 64 + 64 * 128 + 64 * 64 + 2 * 64 * 256) + 2 * 64


@pytest.mark.parametrize(
    ("finetune", "trainable"),
    [
        # finetune_lora's defaults: r 8 on the query and the value
        ({"lora_alpha": 16}, 2 * (8 * 2 * 64 + (64 + 32) * 8)),
        ({"lora_r": 4, "lora_query": False, "lora_value": False, "lora_key": True}, 2 * (4 * 64 + 32 * 4)),
        ({"lora_r": 2, "lora_query": False, "lora_value": False, "lora_head": True}, 2 * 64 + 128 * 2),
        ({"lora_r": 0}, 0),
        ({}, TINY_PARAMS),  # no lora_* key: the model as it is, all trainable (finetune_full)
    ],
)
def test_a_finetune_config_counts_the_checkpoint_in_the_repository(tmp_path, finetune, trainable):
    _checkpoint(tmp_path, TINY)
    config = tmp_path / "config_hub" / "lora.yaml"
    config.parent.mkdir()
    config.write_text(yaml.safe_dump({"checkpoint_dir": "checkpoints/tiny", "out_dir": "out", **finetune}))
    [spec] = check_text(config.read_text(), str(config), config.parent).specs
    assert spec.tree is not None, [f.message for f in spec.findings]
    lora = trainable if finetune else 0
    assert (spec.params - lora if finetune else spec.params, spec.trainable) == (TINY_PARAMS, trainable)


def test_a_finetune_configs_bad_lora_value_is_found_where_it_is_written(tmp_path):
    _checkpoint(tmp_path, TINY)
    text = "checkpoint_dir: checkpoints/tiny\nout_dir: out\nlora_r: -2\n"
    [spec] = check_text(text, "lora.yaml", tmp_path).specs
    [finding] = spec.findings
    assert (finding.code, finding.location.line, "lora_r" in finding.message) == ("BC011", 3, True)


@pytest.mark.parametrize("where", ["../outside", "/etc", "checkpoints/missing"])
def test_a_checkpoint_outside_the_repository_or_without_its_config_needs_torch(tmp_path, where):
    (tmp_path / "repo").mkdir()
    _checkpoint(tmp_path / "repo", TINY)
    _checkpoint(tmp_path, TINY, "outside")
    text = yaml.safe_dump({"checkpoint_dir": where, "out_dir": "out", "lora_r": 4})
    [spec] = check_text(text, "lora.yaml", tmp_path / "repo").specs
    assert (spec.status, [f.code for f in spec.findings]) == ("unchecked", ["BC540"])


@pytest.mark.parametrize(
    ("key", "value"),
    [("mlp_class_name", "LLaMAMoE")],
)
def test_lora_where_litgpt_lora_builds_otherwise_needs_torch(key, value):
    config = {**TINY, key: value, "lora_r": 4, "lora_query": True, "intermediate_size": 32}
    if value == "LLaMAMoE":
        config.update(n_expert=2, n_expert_per_token=1, moe_intermediate_size=16)
    [spec] = check_text(yaml.safe_dump(config), "model_config.yaml").specs
    assert (spec.status, [f.code for f in spec.findings]) == ("unchecked", ["BC540"])
    assert spec.findings[0].message.startswith("LoRA on")
    assert spec.torch_job == {"kind": "litgpt", "model_name": None, "config": config, "lora": True}
    built = _built_by_litgpt(spec.torch_job)
    if built is not None:  # litgpt installed: its own LoRA model, which --torch then reports as the count
        torch = pytest.importorskip("torch")
        from litgpt.lora import GPT, Config, mark_only_lora_as_trainable

        with torch.device("meta"):
            model = GPT(Config(**config))
        mark_only_lora_as_trainable(model)
        assert (built["params"], built["trainable"]) == _params_and_trainable(model)


def test_a_model_budget_check_does_not_count_is_built_by_litgpt_from_its_keys():
    config = {**TINY, "n_expert_groups": 2}
    [spec] = check_text(yaml.safe_dump(config), "model_config.yaml").specs
    assert (spec.status, [f.code for f in spec.findings]) == ("unchecked", ["BC540"])
    assert spec.torch_job == {"kind": "litgpt", "model_name": None, "config": config, "lora": False}


def _built_by_litgpt(job):
    """What the --torch worker answers for a LitGPT job, None where litgpt is not installed."""
    pytest.importorskip("torch")
    try:
        import litgpt.lora  # noqa: F401 - only whether it imports
    except ImportError:
        return None
    from checker.torch.worker import JOBS

    return JOBS["litgpt"](job)


def _params_and_trainable(model):
    return sum(p.numel() for p in model.parameters()), sum(p.numel() for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize(
    ("fine_tuning", "job_config", "lora"),
    [
        ({}, {}, False),
        ({"lora_r": 4, "lora_mlp": True}, {**FINETUNE_LORA_DEFAULTS, "lora_r": 4, "lora_mlp": True}, True),
    ],
)
def test_a_model_by_name_is_built_by_litgpt_with_the_lora_the_config_fine_tunes_with(
    tmp_path, fine_tuning, job_config, lora
):
    text = yaml.safe_dump({"model_name": "pythia-14m", "out_dir": "out", **fine_tuning})
    [named] = check_text(text, "finetune.yaml").specs
    assert named.torch_job == {"kind": "litgpt", "model_name": "pythia-14m", "config": job_config, "lora": lora}
    built = _built_by_litgpt(named.torch_job)
    if built is None:
        return
    # The same model written out in a checkpoint folder is counted without torch: it must be what litgpt built.
    from litgpt.config import Config

    _checkpoint(tmp_path, asdict(Config.from_name("pythia-14m")))
    text = yaml.safe_dump({"checkpoint_dir": "checkpoints/tiny", "out_dir": "out", **fine_tuning})
    [counted] = check_text(text, "finetune.yaml", tmp_path).specs
    assert (built["params"], built["trainable"]) == (counted.params, counted.trainable)


@pytest.mark.parametrize(("key", "value"), [("lora_r", -1), ("lora_r", 1.5), ("lora_mlp", "yes")])
def test_lora_values_litgpt_refuses_are_errors(key, value):
    [spec] = check_text(yaml.safe_dump({**TINY, key: value}), "model_config.yaml").specs
    assert spec.status == "error" and key in spec.findings[0].message


# ------------------------------------------------------------------ match: n_embd is the width
def _config_text(config: dict) -> str:
    return "# a pretraining config\nmodel_config:\n" + "".join(f"  {key}: {value}\n" for key, value in config.items())


def _count_written(config: dict) -> int | None:
    [spec] = check_text(_config_text(config), "pretrain.yaml").specs
    return spec.params if spec.tree is not None else None


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_the_matched_n_embd_is_exact(data):
    """The width match finds for a new depth: its count re-counted from the written config is the one reported,
    and no other n_embd LitGPT accepts is closer to the target."""
    from checker.checks.solving import solve_counts
    from checker.formats import LITGPT

    heads = data.draw(st.integers(1, 4))
    config = {
        "n_layer": data.draw(st.integers(1, 4)),
        "n_embd": heads * data.draw(st.integers(1, 12)),
        "n_head": heads,
        "vocab_size": data.draw(st.integers(1, 200)),
        "padding_multiple": 8,
        "mlp_class_name": data.draw(st.sampled_from(["GptNeoxMLP", "LLaMAMLP"])),
        "intermediate_size": data.draw(st.integers(1, 50)),
    }
    target = _count_written(config)
    depth = data.draw(st.integers(1, 6))
    keyed = LITGPT.read_keyed(_config_text(config), "pretrain.yaml", Path("."))
    assert keyed is not None and keyed.width == "n_embd"

    def count(value: int) -> int:
        return keyed.count({"n_layer": depth, "n_embd": value}).params

    solution = solve_counts("n_embd", config["n_embd"], count, target)
    assert solution.params == _count_written({**config, "n_layer": depth, "n_embd": solution.value})
    errors = [
        abs(params - target)
        for width in range(1, 4 * 12 * 4 + 64)
        if (params := _count_written({**config, "n_layer": depth, "n_embd": width})) is not None
    ]
    assert abs(solution.params - target) == min(errors)


def test_match_fix_writes_the_sizes_into_the_config_keeping_its_layout(tmp_path):
    from io import StringIO

    from checker.cli import main

    path = tmp_path / "tinystories.yaml"
    text = (EXAMPLES / "tinystories.yaml").read_text()
    path.write_text(text)
    out = StringIO()
    assert main(["match", str(path), "--set", "n_layer=8", "--fix"], stdout=out) == 0
    assert "n_embd = 258 gives 15,145,890 params" in out.getvalue()
    changed = [(a, b) for a, b in zip(text.splitlines(), path.read_text().splitlines(), strict=False) if a != b]
    assert changed == [("  n_layer: 6", "  n_layer: 8"), ("  n_embd: 288", "  n_embd: 258")]
    assert count(path.read_text(), "tinystories.yaml").params == 15_145_890


def test_a_failing_budget_suggests_the_n_embd_that_meets_it():
    text = (EXAMPLES / "tinystories.yaml").read_text()
    [spec] = check_text(
        text, "tinystories.yaml", budget=Budget(params=Limits(max=14_000_000, max_location=FILE_START))
    ).specs
    [finding] = [f for f in spec.findings if f.suggestion is not None]
    assert finding.suggestion.var == "n_embd"
    written = text.replace("n_embd: 288", f"n_embd: {finding.suggestion.value}")
    assert count(written, "tinystories.yaml").params <= 14_000_000
