"""The oracle: every family and head counts what transformers builds, for configs hypothesis draws.

transformers builds each class on the meta device (no memory, no weights),
from small configs that cover every key that changes the count. Skipped
where transformers is not installed.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checker.checks.check import check_text

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


@cache
def transformers_count(config_json: str) -> tuple[int, int, int, int]:
    """(params, trainable, embedding, active) of the class `architectures[0]` as transformers builds it.

    Embedding: the nn.Embedding tables (tokens, positions), each tensor once, so a tied head is in
    them. Active: all but the experts a token's router does not pick; a mixture of experts is a
    module whose `experts` hold `num_experts` stacked experts and whose `gate` picks `top_k`.
    """
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config = json.loads(config_json)
    with torch.device("meta"):
        model = getattr(transformers, config["architectures"][0])(transformers.AutoConfig.for_model(**config))
    parameters = list(model.parameters())
    tables = {id(p): p for m in model.modules() if isinstance(m, torch.nn.Embedding) for p in m.parameters()}
    idle = 0
    for module in model.modules():
        experts, gate = getattr(module, "experts", None), getattr(module, "gate", None)
        if experts is not None and hasattr(gate, "top_k") and experts.num_experts:  # none: nothing idle
            held = sum(p.numel() for p in experts.parameters())
            idle += held // experts.num_experts * (experts.num_experts - gate.top_k)
    total = sum(p.numel() for p in parameters)
    trainable = sum(p.numel() for p in parameters if p.requires_grad)
    return total, trainable, sum(p.numel() for p in tables.values()), total - idle


def budget_check_count(config: dict) -> tuple[int, int, int, int]:
    [spec] = check_text(json.dumps(config), "drawn/config.json").specs
    assert spec.tree is not None, [finding.message for finding in spec.findings]
    assert [f.code for f in spec.findings] == [], [finding.message for finding in spec.findings]
    return spec.params, spec.trainable, spec.tree.embedding, spec.tree.active


# ------------------------------------------------------------------ drawn configs
def flags(*names: str) -> dict:
    return {name: st.booleans() for name in names}


@st.composite
def decoder(draw, head_dim_key: bool = True, **extra) -> dict:
    """Attention shapes that transformers accepts: heads a multiple of the key/value heads, even head sizes."""
    kv_heads = draw(st.integers(1, 2))
    heads = kv_heads * draw(st.integers(1, 2))
    head_dim = 2 * draw(st.integers(1, 4))
    config = {
        "vocab_size": draw(st.integers(8, 64)),
        "num_hidden_layers": draw(st.integers(1, 3)),
        "intermediate_size": draw(st.integers(2, 24)),
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "hidden_size": heads * head_dim,
        "tie_word_embeddings": draw(st.booleans()),
        "pad_token_id": 0,  # Phi-3's default, 32000, is past a small vocabulary
    }
    if head_dim_key and draw(st.booleans()):  # a head size of its own, not hidden_size / heads
        config["head_dim"] = head_dim
        config["hidden_size"] = heads * draw(st.integers(1, 8))
    for key, strategy in extra.items():
        if draw(st.booleans()):  # left out, the key takes the config class's default
            config[key] = draw(strategy)
    return config


@st.composite
def moe(draw, experts_key: str, expert_size_key: str | None = "moe_intermediate_size", **extra) -> dict:
    config = draw(decoder(**extra))
    experts = draw(st.integers(0, 4))  # none: Mixtral's block holds no experts, Qwen's layers are dense
    config[experts_key] = experts
    config["num_experts_per_tok"] = draw(st.integers(min(experts, 1), experts))
    if expert_size_key is not None:  # Mixtral's experts are intermediate_size wide
        config[expert_size_key] = draw(st.integers(2, 16))
    return config


@st.composite
def qwen_moe(draw, **extra) -> dict:
    config = draw(moe("num_experts", **extra))
    config["decoder_sparse_step"] = draw(st.integers(1, 2))
    layers = config["num_hidden_layers"]
    config["mlp_only_layers"] = draw(st.lists(st.integers(0, layers - 1), unique=True, max_size=layers))
    return config


FAMILIES = {
    "llama": decoder(**flags("attention_bias", "mlp_bias")),
    "mistral": decoder(),
    "mixtral": moe("num_local_experts", expert_size_key=None),
    "qwen2": decoder(),
    "qwen2_moe": qwen_moe(shared_expert_intermediate_size=st.integers(0, 16), qkv_bias=st.booleans()),
    "qwen3": decoder(**flags("attention_bias")),
    "qwen3_moe": qwen_moe(**flags("attention_bias")),
    "gemma": decoder(**flags("attention_bias")),
    "gemma2": decoder(**flags("attention_bias")),
    "phi3": decoder(),
    "olmo": decoder(**flags("attention_bias")),
    "olmo2": decoder(**flags("attention_bias")),
}


def sized(low: int, high: int):
    return st.integers(low, high)


def heads_and_width(draw, width_key: str, heads_key: str, multiple: int = 1) -> dict:
    """A width that the heads divide (and `multiple` too)."""
    heads = draw(st.integers(1, 3))
    return {heads_key: heads, width_key: heads * multiple * draw(st.integers(1, 4))}


@st.composite
def bert_like(draw) -> dict:
    config = heads_and_width(draw, "hidden_size", "num_attention_heads")
    config.update(vocab_size=draw(sized(8, 64)), num_hidden_layers=draw(sized(1, 3)))
    config.update(intermediate_size=draw(sized(1, 24)), max_position_embeddings=draw(sized(4, 40)))
    config.update(type_vocab_size=draw(sized(1, 3)), tie_word_embeddings=draw(st.booleans()), pad_token_id=0)
    return config


@st.composite
def gpt2(draw) -> dict:
    config = heads_and_width(draw, "n_embd", "n_head")
    config.update(vocab_size=draw(sized(8, 64)), n_positions=draw(sized(4, 40)), n_layer=draw(sized(1, 3)))
    config.update(n_inner=draw(st.none() | sized(1, 24)), tie_word_embeddings=draw(st.booleans()))
    return config


@st.composite
def gpt_neox(draw) -> dict:
    config = heads_and_width(draw, "hidden_size", "num_attention_heads", multiple=4)  # whole rotary dimensions
    config.update(vocab_size=draw(sized(8, 64)), num_hidden_layers=draw(sized(1, 3)))
    config.update(intermediate_size=draw(sized(1, 24)), tie_word_embeddings=draw(st.booleans()))
    config.update(attention_bias=draw(st.booleans()))
    return config


@st.composite
def opt(draw) -> dict:
    config = heads_and_width(draw, "hidden_size", "num_attention_heads")
    config.update(vocab_size=draw(sized(8, 64)), num_hidden_layers=draw(sized(1, 3)), ffn_dim=draw(sized(1, 24)))
    config.update(max_position_embeddings=draw(sized(4, 40)), tie_word_embeddings=draw(st.booleans()))
    config.update(word_embed_proj_dim=draw(st.none() | sized(1, 16)), pad_token_id=0)
    for flag in ("do_layer_norm_before", "_remove_final_layer_norm", "enable_bias", "layer_norm_elementwise_affine"):
        config[flag] = draw(st.booleans())
    return config


@st.composite
def distilbert(draw) -> dict:
    config = heads_and_width(draw, "dim", "n_heads")
    config.update(vocab_size=draw(sized(8, 64)), n_layers=draw(sized(1, 3)), hidden_dim=draw(sized(1, 24)))
    config.update(max_position_embeddings=draw(sized(4, 40)), tie_word_embeddings=draw(st.booleans()))
    config.update(pad_token_id=0)
    return config


FAMILIES.update(
    gpt2=gpt2(),
    gpt_neox=gpt_neox(),
    opt=opt(),
    bert=bert_like(),
    roberta=bert_like(),
    distilbert=distilbert(),
)
CLASSIFIERS = ("ForSequenceClassification", "ForTokenClassification")
HEADS = dict.fromkeys(FAMILIES, ("Model", "ForCausalLM", "ForSequenceClassification"))
HEADS.update(
    llama=("Model", "ForCausalLM", *CLASSIFIERS, "ForQuestionAnswering"),
    gpt2=("Model", "LMHeadModel", *CLASSIFIERS),
    bert=("Model", "ForMaskedLM", *CLASSIFIERS),
    roberta=("Model", "ForMaskedLM", *CLASSIFIERS),
    distilbert=("Model", "ForMaskedLM", *CLASSIFIERS),
)


@st.composite
def vit(draw) -> dict:
    config = heads_and_width(draw, "hidden_size", "num_attention_heads")
    patch = draw(sized(1, 4))
    config.update(num_hidden_layers=draw(sized(1, 3)), intermediate_size=draw(sized(1, 24)))
    config.update(patch_size=patch, image_size=patch * draw(sized(1, 4)), num_channels=draw(sized(1, 3)))
    config.update(qkv_bias=draw(st.booleans()), pooler_output_size=draw(st.none() | sized(1, 8)))
    return config


@st.composite
def clip_tower(draw, vision: bool) -> dict:
    config = heads_and_width(draw, "hidden_size", "num_attention_heads")
    config.update(num_hidden_layers=draw(sized(1, 2)), intermediate_size=draw(sized(1, 24)))
    if vision:
        patch = draw(sized(1, 4))
        config.update(patch_size=patch, image_size=patch * draw(sized(1, 4)), num_channels=draw(sized(1, 3)))
    else:
        config.update(vocab_size=draw(sized(8, 64)), max_position_embeddings=draw(sized(4, 40)))
    return config


@st.composite
def clip(draw) -> dict:
    config = {
        "text_config": draw(clip_tower(vision=False)),
        "vision_config": draw(clip_tower(vision=True)),
        "projection_dim": draw(sized(1, 16)),
    }
    for tower, vision in (("text_config_dict", False), ("vision_config_dict", True)):  # a legacy config's
        if draw(st.booleans(), label=tower):  # null, {} (the default tower) or its own keys: they win
            config[tower] = draw(st.none() | st.just({}) | clip_tower(vision=vision))
    return config


@st.composite
def seq2seq(draw, **extra) -> dict:
    heads = draw(st.integers(1, 3))
    config = {
        "vocab_size": draw(sized(8, 64)),
        "d_model": heads * draw(sized(1, 4)),
        "encoder_layers": draw(sized(1, 2)),
        "decoder_layers": draw(sized(1, 2)),
        "encoder_attention_heads": heads,
        "decoder_attention_heads": heads,
        "encoder_ffn_dim": draw(sized(1, 24)),
        "decoder_ffn_dim": draw(sized(1, 24)),
        "tie_word_embeddings": draw(st.booleans()),
        "pad_token_id": 0,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "decoder_start_token_id": 0,
        "forced_eos_token_id": 0,
    }
    config.update({key: draw(strategy) for key, strategy in extra.items()})
    return config


@st.composite
def t5(draw) -> dict:
    config = {
        "vocab_size": draw(sized(8, 64)),
        "d_model": draw(sized(1, 16)),
        "d_kv": draw(sized(1, 8)),
        "d_ff": draw(sized(1, 24)),
        "num_layers": draw(sized(1, 3)),
        "num_decoder_layers": draw(st.none() | sized(1, 3)),
        "num_heads": draw(sized(1, 3)),
        "relative_attention_num_buckets": draw(sized(1, 8)),
        "feed_forward_proj": draw(st.sampled_from(["relu", "gelu", "gated-gelu", "gated-silu"])),
        "tie_word_embeddings": draw(st.booleans()),
        "pad_token_id": 0,
        "eos_token_id": 0,
        "decoder_start_token_id": 0,
    }
    # Keys T5Config derives from feed_forward_proj, and sets again when written; is_decoder, which only
    # T5EncoderModel reads (its one stack becomes a decoder's, with cross-attention).
    optional = {"is_gated_act": st.none() | st.booleans(), "dense_act_fn": st.sampled_from(["relu", "gelu_new"])}
    for key, strategy in {**optional, "is_decoder": st.booleans()}.items():
        if draw(st.booleans(), label=f"write {key}"):
            config[key] = draw(strategy)
    return config


FAMILIES.update(
    t5=t5(),
    vit=vit(),
    clip=clip(),
    bart=seq2seq(max_position_embeddings=sized(4, 40)),
    whisper=seq2seq(num_mel_bins=sized(1, 8), max_source_positions=sized(4, 40), max_target_positions=sized(4, 40)),
)
HEADS.update(
    t5=("Model", "ForConditionalGeneration", "EncoderModel"),
    vit=("Model", "ForImageClassification"),
    clip=("Model",),
    bart=("Model", "ForConditionalGeneration", "ForSequenceClassification"),
    whisper=("Model", "ForConditionalGeneration"),
)


def classes():
    from checker.language.presets import HF_FAMILIES

    return [(family, HF_FAMILIES[family] + head) for family in FAMILIES for head in HEADS[family]]


@pytest.mark.parametrize(("model_type", "class_name"), classes())
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_counts_what_transformers_builds(model_type, class_name, data):
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    if class_name.endswith("Classification"):  # labels from id2label, num_labels (which wins), both, or neither
        if data.draw(st.booleans(), label="id2label"):
            config["id2label"] = {str(i): f"label{i}" for i in range(data.draw(st.integers(0, 5)))}  # {}: none
        if data.draw(st.booleans(), label="num_labels"):
            config["num_labels"] = data.draw(st.integers(1, 5))
    assert budget_check_count(config) == transformers_count(json.dumps(config, sort_keys=True))


def attribute_map(model_type: str) -> dict[str, str]:
    """The other keys transformers' config class sets its keys by (GPT-2's hidden_size sets n_embd)."""
    return dict(pytest.importorskip("transformers").CONFIG_MAPPING[model_type].attribute_map)


ALIASED = ("bart", "distilbert", "gpt2", "mixtral", "qwen3_moe", "t5", "whisper")  # the families that have some


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
def test_every_key_an_alias_pairs_is_read(model_type):
    """Both keys of each pair in transformers' attribute_map are the class's params or aliases (T5 takes
    num_hidden_layers as a param: see t5.yaml), and the class has no alias that transformers does not."""
    from checker.language.presets import HF_FAMILIES, find

    pairs = attribute_map(model_type)
    assert bool(pairs) == (model_type in ALIASED)
    paired = {frozenset(pair) for pair in pairs.items()}
    for head in HEADS[model_type]:
        block = find(HF_FAMILIES[model_type] + head)
        read = {param.name for param in block.params} | set(block.aliases)
        assert {key for pair in paired for key in pair} <= read, head
        assert all(frozenset(pair) in paired for pair in block.aliases.items()), head


@pytest.mark.parametrize("model_type", ALIASED)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_key_written_by_its_alias_counts_as_transformers_sets_it(model_type, data):
    """A config may write a key by its alias; written beside the key itself (in either order), the alias
    wins, and what the config class made from the key's own value when it was built stays."""
    from checker.language.presets import HF_FAMILIES

    class_name = HF_FAMILIES[model_type] + data.draw(st.sampled_from(HEADS[model_type]), label="head")
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    stale = data.draw(FAMILIES[model_type], label="values the aliases override")
    for alias, key in attribute_map(model_type).items():
        if key in config and data.draw(st.booleans(), label=f"write {alias}"):
            value = config.pop(key)
            if key in stale and data.draw(st.booleans(), label=f"keep {key} too"):
                config[key] = stale[key]
            config = {alias: value, **config} if data.draw(st.booleans(), label="first") else {**config, alias: value}
    counts_or_refuses_as_transformers(config)  # the values overridden may make a config transformers refuses


@pytest.mark.parametrize("head", HEADS["distilbert"])
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_distilbert_sinusoidal_positions_stay_trainable_as_in_transformers(head, data):
    """transformers fills the position table with sines and leaves it a trainable parameter."""
    config = {"model_type": "distilbert", "architectures": [f"DistilBert{head}"], "sinusoidal_pos_embds": True}
    config.update(data.draw(FAMILIES["distilbert"]))
    counts = transformers_count(json.dumps(config, sort_keys=True))
    params, trainable = counts[:2]
    assert budget_check_count(config) == counts and trainable == params


# ------------------------------------------------------------------ what transformers refuses
# Each family's width and head counts, drawn apart so that the heads need not divide the width.
WIDTHS = dict.fromkeys(FAMILIES, ("hidden_size", "num_attention_heads"))
WIDTHS.update(
    gpt2=("n_embd", "n_head"),
    distilbert=("dim", "n_heads"),
    bart=("d_model", "encoder_attention_heads", "decoder_attention_heads"),
    whisper=("d_model", "encoder_attention_heads", "decoder_attention_heads"),
)
# T5's feed-forward: an activation, maybe `gated-`, and forms T5Config refuses (two dashes, another prefix).
FEED_FORWARDS = ["relu", "gated-gelu", "gated-silu", "gelu_new", "relu-gated", "gated-relu-x", "silu-relu", "-relu"]


def refused_by_transformers(config: dict, typed: bool = False, padding: bool = False) -> bool:
    """Whether transformers refuses to build the config: its config class's checks, or a layer's (0-wide
    heads). With `typed`, also a value its typed fields refuse (`vocab_size: int`, not null or text) or its
    model fails on (`None * 4`); with `padding`, also a padding index torch asserts is outside its table.
    Elsewhere those exceptions would be a wrong draw, not a refusal."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    errors = pytest.importorskip("huggingface_hub.errors")
    refusals = (errors.StrictDataclassError, TypeError) if typed else (errors.StrictDataclassClassValidationError,)
    refusals += (AssertionError, IndexError) if padding else ()
    config = json.loads(json.dumps(config))  # CLIPConfig updates the tower mappings it is given
    try:
        with torch.device("meta"):
            getattr(transformers, config["architectures"][0])(transformers.AutoConfig.for_model(**config))
    except (*refusals, ValueError, ZeroDivisionError):
        return True
    return False


def unchecked(config: dict, data, width_keys: tuple[str, ...]) -> None:
    """Widths and heads drawn apart; key/value heads kept equal to the heads (budget-check refuses a model
    whose heads they do not divide, which transformers builds but cannot run)."""
    width, *heads = width_keys
    config[width] = data.draw(st.integers(1, 12), label=width)
    for key in heads:
        config[key] = data.draw(st.integers(1, 4), label=key)
    if "num_key_value_heads" in config:
        config["num_key_value_heads"] = config[heads[0]]
    if not data.draw(st.booleans(), label="keep head_dim"):
        config.pop("head_dim", None)


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_refuses_what_transformers_refuses(model_type, data):
    """A config transformers refuses to build is an error (BC018), located; one it builds counts the same."""
    from checker.language.presets import HF_FAMILIES

    class_name = HF_FAMILIES[model_type] + data.draw(st.sampled_from(HEADS[model_type]), label="head")
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    if model_type == "clip":
        for tower in ("text_config", "vision_config"):
            unchecked(config[tower], data, WIDTHS["clip"])
    elif model_type == "t5":
        config["feed_forward_proj"] = data.draw(st.sampled_from(FEED_FORWARDS))
    else:
        unchecked(config, data, WIDTHS[model_type])
    counts_or_refuses_as_transformers(config)


def counts_or_refuses_as_transformers(config: dict) -> None:
    """A config transformers refuses to build is an error (BC018), located; one it builds counts the same.
    (The keys in their order: where two keys set one value, the later wins.)"""
    [spec] = check_text(json.dumps(config), "drawn/config.json").specs
    if refused_by_transformers(config):
        assert spec.tree is None and [f.code for f in spec.findings] == ["BC018"], spec.findings
        assert spec.findings[0].location.line > 0
    else:
        assert budget_check_count(config) == transformers_count(json.dumps(config))


# The key each family reads its activation from (transformers 5.24's modelling code), where not hidden_act.
ACTIVATION_KEY = {
    "gemma2": "hidden_activation",
    "gpt2": "activation_function",
    "opt": "activation_function",
    "bart": "activation_function",
    "whisper": "activation_function",
    "distilbert": "activation",
    "t5": "feed_forward_proj",
}


def transformers_activations() -> list[str]:
    return sorted(pytest.importorskip("transformers.activations").ACT2CLS)


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_activation_is_counted_as_transformers_builds_it_or_refused(model_type, data):
    """Every activation transformers has, and one it lacks: the count equals transformers', or it is BC507
    where the activation holds parameters (PReLU, xIELU) or transformers refuses the name."""
    from checker.language.presets import HF_FAMILIES

    class_name = HF_FAMILIES[model_type] + HEADS[model_type][0]
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    config.pop("dense_act_fn", None)  # written, it replaces T5's activation: test_hf.py holds that case
    name = data.draw(st.sampled_from([*transformers_activations(), "not_an_activation"]), label="activation")
    key = ACTIVATION_KEY.get(model_type, "hidden_act")
    gated = key == "feed_forward_proj" and data.draw(st.booleans(), label="gated")

    def with_activation(activation: str) -> dict:
        written = json.loads(json.dumps(config))
        for place in (written["text_config"], written["vision_config"]) if model_type == "clip" else (written,):
            place[key] = f"gated-{activation}" if gated else activation
        return written

    drawn = with_activation(name)
    [spec] = check_text(json.dumps(drawn), "drawn/config.json").specs
    refused = [f.code for f in spec.findings] == ["BC507"] and spec.tree is None
    if name not in transformers_activations():
        with pytest.raises(KeyError):
            transformers_count(json.dumps(drawn, sort_keys=True))
        assert refused, spec.findings
    elif transformers_count(json.dumps(drawn, sort_keys=True)) != transformers_count(
        json.dumps(with_activation("relu"), sort_keys=True)
    ):  # the activation holds parameters
        assert refused, spec.findings
    else:
        assert budget_check_count(drawn) == transformers_count(json.dumps(drawn, sort_keys=True))
    assert not refused or spec.findings[0].location.line > 0


# ------------------------------------------------------------------ nulls
TOWERS = {"text_config": "CLIPTextTransformer", "vision_config": "CLIPVisionTransformer"}
# Qwen3-MoE's num_experts is typed `int | None`, and transformers builds a null only where mlp_only_layers
# names every layer (elsewhere `None > 0` raises): budget-check refuses every null of it.
REFUSED_WHERE_BUILT = {("qwen3_moe", "num_experts"), ("qwen3_moe", "num_local_experts")}


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_null_counts_as_transformers_reads_it_or_is_refused(model_type, data):
    """Any key the class reads, written as null: where transformers builds the config, the count is the same
    (a null head_dim or key/value head count is derived as its config class derives it); where it refuses
    it, budget-check refuses it too, at the key (BC011), and does not count the key's default instead; or,
    where the null means a value (a head_dim derived odd), as transformers' checks refuse that (BC018)."""
    from checker.language.presets import HF_FAMILIES, find

    class_name = HF_FAMILIES[model_type] + data.draw(st.sampled_from(HEADS[model_type]), label="head")
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    place, block, tower = config, find(class_name), None
    if model_type == "clip" and data.draw(st.booleans(), label="in a tower"):
        tower = data.draw(st.sampled_from(sorted(TOWERS)), label="tower")
        place, block = config[tower], find(TOWERS[tower])
    key = data.draw(st.sampled_from(sorted({param.name for param in block.params} | set(block.aliases))))
    place[key] = None
    [spec] = check_text(json.dumps(config, indent=1), "drawn/config.json").specs
    if not refused_by_transformers(config, typed=True):
        if (model_type, key) in REFUSED_WHERE_BUILT and spec.tree is None:
            assert [f.code for f in spec.findings] == ["BC011"], spec.findings
        else:
            assert budget_check_count(config) == transformers_count(json.dumps(config, sort_keys=True))
    elif block.aliases.get(key, key) in block.nulls:  # what the null means fails the class's checks
        assert spec.tree is None and [f.code for f in spec.findings] == ["BC018"], spec.findings
    else:
        assert spec.tree is None and [f.code for f in spec.findings] == ["BC011"], spec.findings
        assert f"`{block.aliases.get(key, key)}`" in spec.findings[0].message
        written = json.dumps(config, indent=1).splitlines()[spec.findings[0].location.line - 1]
        assert written.startswith(f' "{tower or key}":')  # a config is located by its top-level keys


# ------------------------------------------------------------------ JSON types
# T5's is_gated_act is no field of T5Config: transformers takes any value there (truthy or not), where
# budget-check takes a flag.
UNTYPED = {("t5", "is_gated_act")}


def other_json_types(value: object) -> list[object]:
    """The same value written as JSON of other types: a number as text or a fraction, a flag as a number."""
    if isinstance(value, bool):
        return [int(value), str(value).lower()]
    return [float(value), str(value), value % 2 == 1]


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_key_of_another_json_type_is_refused_as_transformers_refuses_it(model_type, data):
    """transformers' config classes are typed: "4096" (text, which a config.json never reads as an
    expression), 4096.0, or a number for a flag, is refused; budget-check refuses it too, at the key
    (BC011), rather than count it."""
    from checker.language.presets import HF_FAMILIES, find

    class_name = HF_FAMILIES[model_type] + data.draw(st.sampled_from(HEADS[model_type]), label="head")
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    block = find(class_name)
    read = {param.name for param in block.params} | set(block.aliases)  # not the token ids: they hold nothing
    written = sorted(key for key, value in config.items() if isinstance(value, int) and key in read)
    assume(written)
    key = data.draw(st.sampled_from(written), label="key")
    config[key] = data.draw(st.sampled_from(other_json_types(config[key])), label="written as")
    text = json.dumps(config, indent=1)
    [spec] = check_text(text, "drawn/config.json").specs
    if not refused_by_transformers(config, typed=True):
        if (model_type, key) in UNTYPED and spec.tree is None:
            return
        assert budget_check_count(config) == transformers_count(json.dumps(config, sort_keys=True))
    else:
        assert spec.tree is None and [f.code for f in spec.findings] == ["BC011"], spec.findings
        assert text.splitlines()[spec.findings[0].location.line - 1].startswith(f' "{key}":')


# ------------------------------------------------------------------ sizes of 0
# A table of 0 rows beside a pad token id: transformers refuses the padding index out of range, which
# budget-check does not check (the token ids hold no parameters).
PADDED = {"vocab_size", "max_position_embeddings"}


@pytest.mark.parametrize("model_type", sorted(FAMILIES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_size_of_0_counts_as_transformers_builds_it_or_is_refused(model_type, data):
    """Any whole-number key the class reads, written as 0: a width or head count of 0 that transformers
    divides by is refused (BC018, or BC021 where a step of 0 is divided by); one it takes as its default
    (Mistral's head_dim, ViT's pooler_output_size) or builds as an empty table is counted."""
    from checker.language.presets import HF_FAMILIES, find

    class_name = HF_FAMILIES[model_type] + data.draw(st.sampled_from(HEADS[model_type]), label="head")
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    block = find(class_name)
    read = {param.name for param in block.params} | set(block.aliases)
    sizes = sorted(
        key
        for key, value in config.items()
        if key in read and key not in PADDED and isinstance(value, int) and not isinstance(value, bool)
    )
    assume(sizes)
    config[data.draw(st.sampled_from(sizes), label="key")] = 0
    [spec] = check_text(json.dumps(config), "drawn/config.json").specs
    if refused_by_transformers(config, typed=True):
        assert spec.tree is None and [f.code for f in spec.findings] in (["BC018"], ["BC021"]), spec.findings
    else:
        assert budget_check_count(config) == transformers_count(json.dumps(config, sort_keys=True))


# ------------------------------------------------------------------ padding indexes
@pytest.mark.parametrize("model_type", sorted(FAMILIES))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_pad_token_id_outside_its_table_is_refused_as_transformers_refuses_it(model_type, data):
    """A pad_token_id past the token table (a small config that kept a large model's id): where the
    family's table takes it as its padding index, transformers refuses it, and budget-check too (BC018, at
    the key); elsewhere it holds nothing, and the count stands."""
    from checker.language.presets import HF_FAMILIES

    class_name = HF_FAMILIES[model_type] + data.draw(st.sampled_from(HEADS[model_type]), label="head")
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    rows = config.get("vocab_size", 8)  # ViT and CLIP have no token table of their own
    config["pad_token_id"] = data.draw(st.integers(-rows - 2, rows + 2), label="pad_token_id")
    text = json.dumps(config, indent=1)
    [spec] = check_text(text, "drawn/config.json").specs
    if refused_by_transformers(config, padding=True):
        assert spec.tree is None and [f.code for f in spec.findings] == ["BC018"], spec.findings
        assert text.splitlines()[spec.findings[0].location.line - 1].startswith(' "pad_token_id":')
    else:
        assert budget_check_count(config) == transformers_count(json.dumps(config, sort_keys=True))
