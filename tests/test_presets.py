"""Presets meet the published figures, and every example spec agrees with torch."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from checker.checks.check import check_file
from checker.language import presets

from .conftest import check_spec, count_spec, spec_examples

EXAMPLES = spec_examples()

PUBLISHED = {
    "gpt2: null": 124_439_808,  # GPT-2 small, lm_head tied
    "gpt2: {tie_word_embeddings: false}": 124_439_808 + 50257 * 768,
    "gpt2: {n_embd: 1024, n_layer: 24, n_head: 16}": 354_823_168,  # GPT-2 medium
    "bert: null": 109_482_240,  # BERT-base
    "bert: {hidden_size: 1024, num_hidden_layers: 24, num_attention_heads: 16, intermediate_size: 4096}": 335_141_888,
    "llama: null": 6_738_415_616,  # Llama-2-7B
    "llama: {hidden_size: 5120, intermediate_size: 13824, num_hidden_layers: 40, num_attention_heads: 40}": (
        13_015_864_320  # Llama-2-13B
    ),
    "llama: {intermediate_size: 14336, num_key_value_heads: 8}": 7_241_732_096,  # Mistral-7B
    "mlp: {input_dim: 8, hidden_dim: 16, hidden_layers: 2, output_dim: 8}": 552,
}


@pytest.mark.parametrize("model, params", PUBLISHED.items(), ids=PUBLISHED.keys())
def test_published_figures(model, params):
    assert count_spec(f"model: {{{model}}}") == params


def test_the_precompiled_presets_are_up_to_date():
    shipped = {path.name: path.read_text(encoding="utf-8") for path in presets.PRECOMPILED.glob("*.py")}
    expected = presets.precompiled_modules()
    stale = sorted(name for name in shipped.keys() | expected.keys() if shipped.get(name) != expected.get(name))
    where = "checker/language/presets/precompiled/"
    assert not stale, f"{where} is stale ({', '.join(stale)}): run `python -m checker.language.presets`"


def test_presets_are_listed():
    assert {"bert", "gpt2", "llama", "mlp", "LlamaForCausalLM", "LlamaModel"} <= set(presets.names())


def test_a_preset_file_s_inner_blocks_are_reusable():
    layer = "llama.llama_layer: [64, 128, 4, 2, 16, false, false]"
    assert count_spec(f"model: {{{layer}}}") == 2 * 64 + 64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 128


@pytest.mark.parametrize(
    ("name", "family"), [("Qwen2MoeForCausalLM", "qwen2_moe"), ("Qwen2Model", "qwen2"), ("GPT2LMHeadModel", "gpt2")]
)
def test_a_class_belongs_to_the_family_of_its_longest_prefix(name, family):
    assert presets.family_of_class(name) == family


def test_a_config_block_warns_once_about_keys_it_does_not_know_and_takes_the_ignored_ones():
    spec = check_spec("""
        blocks:
          head:
            params: {width: 8}
            ignore: [activation]
            body:
              - Linear: [width, width]
        model:
          head: {width: 4, activation: gelu, dropout: 0.1, torch_dtype: bfloat16, color: [1, 2]}
        """)
    [warning] = spec.findings
    assert (warning.code, warning.location.line) == ("BC500", 9)
    assert "does not know dropout, color" in warning.message
    assert spec.params == 20


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_agrees_with_torch(path):
    pytest.importorskip("torch")
    from checker.torch.build import build_spec, count_module

    for spec in check_file(path, str(path)).specs:
        assert spec.tree is not None, spec.findings
        counted = count_module(build_spec(spec.tree))
        assert (spec.params, spec.trainable, spec.tree.buffers) == (counted.params, counted.trainable, counted.buffers)


def test_examples_meet_published_figures():
    counts = {spec.name: spec.params for path in EXAMPLES for spec in check_file(path, str(path)).specs}
    assert counts == {
        "mlp": 552,
        "gpt2-small": 124_439_808,
        "bert-base": 109_482_240,
        "llama-2-7b": 6_738_415_616,
        "resnet50": 25_557_032,
        "vgg16": 138_357_544,
        "densenet121": 7_978_856,
        "googlenet": 6_624_904,
        "inception_v3": 27_161_264,
        "efficientnet_b0": 5_288_548,
        "convnext_tiny": 28_589_128,
        "unet": 31_037_698,
        "mlp-too-deep": 1096,
        "qwen3-0.6b": 596_049_920,  # the variants of the llama preset (examples/variants)
        "qwen2-0.5b": 494_032_768,
        "gemma2-2b": 2_614_341_888,
    }


def test_the_unet_example_counts_a_unet_built_in_torch():
    """torchvision has no UNet: this one is built here, level by level, with the skips concatenated."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def double_conv(a, b):
        return [
            nn.Conv2d(a, b, 3, padding=1, bias=False),
            nn.BatchNorm2d(b),
            nn.Conv2d(b, b, 3, padding=1, bias=False),
            nn.BatchNorm2d(b),
        ]

    widths = [64, 128, 256, 512, 1024]
    with torch.device("meta"):
        layers = double_conv(3, 64)
        for narrow, wide in itertools.pairwise(widths):
            layers += double_conv(narrow, wide)
        for wide, narrow in zip(reversed(widths), list(reversed(widths))[1:], strict=False):
            layers += [nn.ConvTranspose2d(wide, wide // 2, 2, stride=2), *double_conv(wide // 2 + narrow, narrow)]
        layers.append(nn.Conv2d(64, 2, 1))
        model = nn.ModuleList(layers)
    [spec] = check_file(Path(__file__).parent.parent / "examples" / "specs" / "unet.yaml", "unet.yaml").specs
    assert (spec.params, spec.tree.buffers) == (
        sum(p.numel() for p in model.parameters()),
        sum(b.numel() for b in model.buffers()),
    )


# ------------------------------------------------------------------ extends: a preset with one block replaced
VARIANTS = Path(__file__).parent.parent / "examples" / "variants"
# Each one-feature variant of the llama preset, and the transformers class it counts.
VARIANT_CLASSES = {"qwen3-0.6b": "Qwen3ForCausalLM", "qwen2-0.5b": "Qwen2ForCausalLM", "gemma2-2b": "Gemma2ForCausalLM"}


def transformers_count(architecture: str, config: dict) -> int:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    model_type = architecture.removesuffix("ForCausalLM").lower()
    with torch.device("meta"):
        model = getattr(transformers, architecture)(transformers.AutoConfig.for_model(model_type, **config))
    return sum(p.numel() for p in model.parameters())


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
@pytest.mark.parametrize("variant", VARIANT_CLASSES)
def test_a_one_feature_variant_extends_llama_in_under_15_lines(variant):
    """Qwen3's q/k norms, Qwen2's biases on q, k and v only, Gemma-2's norms after attention and MLP:
    each the llama preset with a block replaced, counting what transformers builds from the same config."""
    path = VARIANTS / f"{variant}.yaml"
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(lines) < 15
    [spec] = check_file(path, path.name).specs
    assert not spec.findings, spec.findings
    [arguments] = spec.spec.model.values()
    assert spec.params == transformers_count(VARIANT_CLASSES[variant], dict(arguments))


@pytest.mark.parametrize(
    ("blocks", "model", "params"),
    [
        # new defaults for the params of what it extends, and a param of its own
        (
            "small:\n    extends: llama\n    params: {vocab_size: 10, hidden_size: 8, intermediate_size: 16, "
            "num_hidden_layers: 1, num_attention_heads: 2}",
            "small: null",
            80 + 8 + (4 * 64) + 8 + 3 * 128 + 8 + 80,
        ),
        # a replacement by name, with params of its own; a block of this file extended in turn
        (
            "tiny:\n    params: {hidden_size: null, b: 0, c: 0, d: 0, e: 0}\n"
            "    body: [Linear: [hidden_size, 1, false]]\n"
            "  cheap:\n    extends: llama\n    blocks: {attention: tiny}\n"
            "  cheaper:\n    extends: cheap\n    blocks: {gated_mlp: tiny}",
            "cheaper: {vocab_size: 10, hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2}",
            80 + 2 * (8 + 8 + 8 + 8) + 8 + 80,
        ),
        # a replacement written in place takes the params of the one it replaces, and sees llama's blocks
        (
            "odd:\n    extends: llama\n    blocks:\n      attention:\n"
            "        body: [gated_mlp: [hidden_size, 4, false, false]]",
            "odd: {vocab_size: 10, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1,"
            " num_attention_heads: 2}",
            80 + 8 + 3 * 32 + 8 + 3 * 128 + 8 + 80,
        ),
    ],
)
def test_extends_takes_the_params_and_body_of_a_block(blocks, model, params):
    assert count_spec(f"blocks:\n  {blocks}\nmodel: {{{model}}}\n") == params


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ("v:\n    extends: lama", "block 'v' extends 'lama', which is neither a preset nor a block above it"),
        ("v:\n    extends: llama\n    blocks: {atention: llama_layer}", "llama uses no block 'atention' to replace"),
        ("v:\n    extends: llama\n    blocks: {attention: nowhere}", "no block 'nowhere' to put in place of attention"),
        ("v:\n    extends: llama\n    body: [ReLU]", "block 'v' extends 'llama' and so takes its body"),
        ("v:\n    blocks: {attention: x}\n    body: [ReLU]", "`blocks` replaces blocks of what it extends"),
        ("v:\n    params: [a]", "block 'v' needs one of `body`, `extends`"),
    ],
)
def test_extends_refuses_what_it_cannot_do(blocks, message):
    spec = check_spec(f"blocks:\n  {blocks}\nmodel: [ReLU]\n")
    assert any(message in finding.message for finding in spec.findings), [f.message for f in spec.findings]
