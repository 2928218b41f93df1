"""LitGPT configs: published figures, the tie that pretraining makes, and litgpt itself where it is installed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.checks.check import check_text

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
            "moe_intermediate_size": 14336,
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


def test_unknown_keys_are_one_warning_and_a_model_by_name_needs_torch():
    spec = count(yaml.safe_dump({"n_layer": 2, "n_embd": 64, "n_head": 4, "my_key": 1, "other": 2}))
    assert [(f.code, "my_key, other" in f.message) for f in spec.findings] == [("BC500", True)]
    [named] = check_text("model_name: pythia-160m\nout_dir: out\n", "pretrain.yaml").specs
    assert (named.status, [f.code for f in named.findings]) == ("unchecked", ["BC540"])


def test_a_config_litgpt_refuses_is_an_error():
    [spec] = check_text(yaml.safe_dump({"n_layer": 2, "n_embd": 64, "mlp_class_name": "LLaMAMLP"}), "m.yaml").specs
    assert spec.status == "error" and "intermediate_size" in spec.findings[0].message


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_drawn_configs_count_what_litgpt_builds(data):
    torch = pytest.importorskip("torch")
    pytest.importorskip("litgpt")
    from litgpt.config import Config
    from litgpt.model import GPT

    heads = data.draw(st.integers(1, 4))
    groups = data.draw(st.sampled_from([g for g in range(1, heads + 1) if heads % g == 0]))
    mlp = data.draw(st.sampled_from(["GptNeoxMLP", "LLaMAMLP", "GemmaMLP", "LLaMAMoE"]))
    config = {
        "n_layer": data.draw(st.integers(1, 3)),
        "n_embd": heads * data.draw(st.integers(1, 8)),
        "n_head": heads,
        "n_query_groups": groups,
        "vocab_size": data.draw(st.integers(1, 300)),
        "padding_multiple": data.draw(st.sampled_from([1, 8, 64])),
        "bias": data.draw(st.booleans()),
        "attn_bias": data.draw(st.booleans()),
        "lm_head_bias": data.draw(st.booleans()),
        "norm_class_name": data.draw(st.sampled_from(["LayerNorm", "RMSNorm"])),
        "mlp_class_name": mlp,
        "intermediate_size": data.draw(st.integers(1, 40)),
        "norm_qk": data.draw(st.booleans()),
        "norm_qk_type": data.draw(st.sampled_from(["default", "olmo2"])),
        "post_attention_norm": data.draw(st.booleans()),
        "post_mlp_norm": data.draw(st.booleans()),
        "parallel_residual": True,
        "shared_attention_norm": data.draw(st.booleans()),
    }
    if mlp == "LLaMAMoE":
        config.update(
            n_expert=data.draw(st.integers(1, 4)),
            n_expert_per_token=1,
            moe_intermediate_size=data.draw(st.integers(1, 16)),
            n_shared_expert=data.draw(st.sampled_from([None, 1, 2])),
        )
    with torch.device("meta"):
        model = GPT(Config(**config))
    assert count(yaml.safe_dump(config)).params == sum(p.numel() for p in model.parameters())
