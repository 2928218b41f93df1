"""examples/hf: configs written from published hyperparameters meet the published counts, for the class named."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from checker.checks.check import check_file, check_text

EXAMPLES = Path(__file__).parent.parent / "examples" / "hf"

# model folder: (class, params, trainable) as published
PUBLISHED = {
    "llama-2-7b": ("LlamaForCausalLM", 6_738_415_616, 6_738_415_616),
    "llama-3.1-8b": ("LlamaForCausalLM", 8_030_261_248, 8_030_261_248),
    "llama-3.2-1b": ("LlamaForCausalLM", 1_235_814_400, 1_235_814_400),
    "mistral-7b": ("MistralForCausalLM", 7_241_732_096, 7_241_732_096),
    "mixtral-8x7b": ("MixtralForCausalLM", 46_702_792_704, 46_702_792_704),
    "qwen2.5-7b": ("Qwen2ForCausalLM", 7_615_616_512, 7_615_616_512),
    "qwen3-0.6b": ("Qwen3ForCausalLM", 596_049_920, 596_049_920),
    "gemma-2b": ("GemmaForCausalLM", 2_506_172_416, 2_506_172_416),
    "gemma-2-2b": ("Gemma2ForCausalLM", 2_614_341_888, 2_614_341_888),
    "phi-3-mini": ("Phi3ForCausalLM", 3_821_079_552, 3_821_079_552),
    "pythia-160m": ("GPTNeoXForCausalLM", 162_322_944, 162_322_944),
    "opt-125m": ("OPTForCausalLM", 125_239_296, 125_239_296),
    "t5-small": ("T5ForConditionalGeneration", 60_506_624, 60_506_624),
    "bart-base": ("BartModel", 139_420_416, 139_420_416),
    "bert-base-mlm": ("BertForMaskedLM", 109_514_298, 109_514_298),
    "roberta-base": ("RobertaModel", 124_645_632, 124_645_632),
    "roberta-base-mlm": ("RobertaForMaskedLM", 124_697_433, 124_697_433),
    "distilbert-base": ("DistilBertModel", 66_362_880, 66_362_880),
    "distilbert-base-mlm": ("DistilBertForMaskedLM", 66_985_530, 66_985_530),
    "vit-base-patch16-224": ("ViTModel", 86_389_248, 86_389_248),
    "clip-vit-base-patch32": ("CLIPModel", 151_277_313, 151_277_313),
    "whisper-tiny": ("WhisperForConditionalGeneration", 37_760_640, 37_184_640),  # encoder positions are frozen
}


def _generator():
    spec = importlib.util.spec_from_file_location("generate", EXAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_wrote_every_example(tmp_path):
    written = _generator().write(tmp_path)
    assert sorted(path.parent.name for path in written) == sorted(PUBLISHED)
    for path in written:
        assert path.read_text() == (EXAMPLES / path.parent.name / "config.json").read_text(), path.parent.name


@pytest.mark.parametrize(("model", "published"), PUBLISHED.items(), ids=PUBLISHED.keys())
def test_published_counts(model, published):
    path = EXAMPLES / model / "config.json"
    [spec] = check_file(path, str(path)).specs
    assert (spec.spec.model.popitem()[0], spec.params, spec.trainable) == published
    assert spec.findings == ()


@pytest.mark.parametrize("model", PUBLISHED, ids=PUBLISHED.keys())
def test_pasting_the_keys_into_the_preset_counts_the_same(model):
    """The paste test: the config's keys, all of them, given to the class's preset in a YAML spec."""
    config = json.loads((EXAMPLES / model / "config.json").read_text())
    class_name = config["architectures"][0]
    [spec] = check_text(yaml.safe_dump({"model": {class_name: config}}), f"{model}.yaml").specs
    assert (spec.params, spec.trainable, spec.findings) == (*PUBLISHED[model][1:], ())


# Model cards' figures beside the total, in billions, as each card rounds them (to its last digit).
QWEN_MOE = {"tie_word_embeddings": False, "vocab_size": 151936, "hidden_size": 2048}
CARDS = {
    "mixtral-8x7b": (None, {"params": "46.7", "active": "12.9"}),
    "qwen3-0.6b": (None, {"non_embedding": "0.44"}),  # tied: its head is the embedding table
    "qwen1.5-moe-a2.7b": (
        {
            **QWEN_MOE,
            "model_type": "qwen2_moe",
            "architectures": ["Qwen2MoeForCausalLM"],
            "intermediate_size": 5632,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "num_key_value_heads": 16,
            "num_experts": 60,
            "num_experts_per_tok": 4,
            "moe_intermediate_size": 1408,
            "shared_expert_intermediate_size": 5632,
        },
        {"params": "14.3", "active": "2.7"},
    ),
    "qwen3-30b-a3b": (
        {
            **QWEN_MOE,
            "model_type": "qwen3_moe",
            "architectures": ["Qwen3MoeForCausalLM"],
            "intermediate_size": 6144,
            "num_hidden_layers": 48,
            "num_attention_heads": 32,
            "num_key_value_heads": 4,
            "head_dim": 128,
            "num_experts": 128,
            "num_experts_per_tok": 8,
            "moe_intermediate_size": 768,
        },
        {"params": "30.5", "active": "3.3"},
    ),
}


@pytest.mark.parametrize(("model", "card"), CARDS.items(), ids=CARDS.keys())
def test_active_and_non_embedding_counts_meet_the_model_cards(model, card):
    config, figures = card
    text = json.dumps(config) if config else (EXAMPLES / model / "config.json").read_text()
    [spec] = check_text(text, f"{model}/config.json").specs
    for count, published in figures.items():
        last_digit = 10 ** -len(published.split(".")[1])
        assert abs(getattr(spec.tree, count) / 1e9 - float(published)) < last_digit, (count, published)
