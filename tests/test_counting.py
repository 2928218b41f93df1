"""Control nodes, modifiers and size inference: exact counts, checked against torch."""

from __future__ import annotations

import itertools
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import rules
from checker.language import counting
from checker.language.loader import Location, located

from .conftest import check_spec, count_spec, does_not_hang

torch = pytest.importorskip("torch")

from checker.torch.build import build_spec, count_module  # noqa: E402 - after the skip


def agree_with_torch(text: str):
    """Count `text` with budget-check and with torch; both must agree. Returns the counted spec."""
    spec = check_spec(text)
    assert spec.tree is not None, [f.message for f in spec.findings]
    counted = count_module(build_spec(spec.tree))
    assert (spec.tree.params, spec.tree.trainable, spec.tree.buffers, spec.tree.embedding) == (
        counted.params,
        counted.trainable,
        counted.buffers,
        counted.embedding,
    )
    return spec


CASES = {
    "sequence infers sizes": """
        model:
          - Linear: [784, 256]
          - ReLU
          - Linear: {out_features: 128}
          - LayerNorm
          - Linear: {out_features: 10, bias: false}
        """,
    "first repeated copy sees another size": """
        model:
          - Linear: [3, 32]
          - Linear: {out_features: 64}
            repeat: 3
        """,
    "repeat of a block": """
        blocks:
          layer:
            params: {width: null}
            body:
              - Linear: {out_features: width}
              - GELU
        model:
          - Linear: [10, 20]
          - layer: {width: 30}
            repeat: 4
        """,
    "repeat zero": """
        model:
          - Linear: [3, 4]
          - Linear: [4, 4]
            repeat: 0
        """,
    "parallel residual": """
        model:
          - Conv2d: [3, 64, 3]
          - parallel:
              - - Conv2d: {out_channels: 64, kernel_size: 3, padding: 1}
                - BatchNorm2d
              - Identity
        """,
    "tied lm_head adds nothing": """
        model:
          - Embedding: [1000, 64]
            name: wte
          - Linear: {out_features: 64}
          - Linear: {in_features: 64, out_features: 1000, bias: false}
            tie: wte
        """,
    "tie shares only what both have": """
        model:
          - Embedding: [1000, 64]
            name: wte
          - Linear: {in_features: 64, out_features: 1000}
            tie: wte
        """,
    "a frozen user of a tied weight freezes it": """
        model:
          - Embedding: [100, 8]
            name: wte
          - Linear: {in_features: 8, out_features: 100, bias: false}
            tie: wte
            frozen: true
        """,
    "a frozen user repeated freezes the tied weight once": """
        model:
          - Embedding: [100, 8]
            name: wte
          - Linear: [8, 100]
            tie: wte
            frozen: [weight]
            repeat: 3
        """,
    "a frozen block that ties to a trainable one": """
        blocks:
          layer:
            params: [d]
            body: [{Linear: [d, d]}, {LayerNorm: d}]
        model:
          - layer: 16
            name: shared
          - layer: 16
            tie: shared
            frozen: true
        """,
    "a Linear reused twice": """
        model:
          - Linear: [16, 16]
            name: shared
          - ReLU
          - Linear: [16, 16]
            tie: shared
            repeat: 3
        """,
    "a whole block shared (ALBERT)": """
        blocks:
          layer:
            params: [d]
            body:
              - Linear: [d, 4 * d]
              - GELU
              - Linear: [4 * d, d]
              - LayerNorm: d
        model:
          - Embedding: [100, 32]
          - layer: 32
            name: shared
          - layer: 32
            tie: shared
            repeat: 11
        """,
    "frozen backbone, trainable head": """
        model:
          - sequential:
              - Conv2d: [3, 16, 3]
              - BatchNorm2d
              - Conv2d: {out_channels: 32, kernel_size: 3}
            frozen: true
          - AdaptiveAvgPool2d: 1
          - Flatten
          - Linear: [32, 10]
        """,
    "frozen embedding argument": """
        model:
          - Embedding: {num_embeddings: 100, embedding_dim: 8, _freeze: true}
          - Linear: {out_features: 2}
        """,
    "when": """
        vars: {pool: false}
        model:
          - Linear: [8, 8]
          - Linear: [8, 8]
            when: pool
          - Linear: [8, 2]
            when: not pool
        """,
    "layer-valued params": """
        model:
          mlp: {input_dim: 4, hidden_dim: 8, hidden_layers: 3, output_dim: 2, activation: {PReLU: 8}}
        """,
    "pixel shuffle changes the size": """
        model:
          - Conv2d: [3, 64, 3]
          - PixelShuffle: 2
          - Conv2d: {out_channels: 8, kernel_size: 1}
          - PixelUnshuffle: 2
          - BatchNorm2d
        """,
    "tuple-valued first argument": """
        model:
          - LayerNorm: [[10, 20]]
          - LayerNorm: [20, 0.001]
        """,
    "bare parameters": """
        model:
          - Parameter: [1, 197, 768]
          - Parameter: []
          - Linear: [768, 768]
        """,
    "nested blocks with defaults over earlier params": """
        blocks:
          ffn:
            params: {d: null, inner: 4 * d}
            body:
              - Linear: [d, inner]
              - Linear: [inner, d]
          layer:
            params: [d]
            body:
              - LayerNorm: d
              - ffn: {d: d}
              - ffn: {d: d, inner: 2 * d}
        model:
          - layer: 24
            repeat: 2
        """,
    # Uses of one block that may share a count, and uses that must not.
    "one block used alike, frozen, and with other arguments": """
        blocks:
          square:
            params: [d]
            body: [{Linear: [d, d]}, {LayerNorm: d}]
        vars: {four: 4, four_float: 4.0}
        model:
          - square: four
          - square: four_float
          - square: 4
            frozen: true
          - square: 5
          - square: 4
        """,
    "a block with a name and a tie, used twice": """
        blocks:
          pair:
            body:
              - Embedding: [10, 4]
                name: wte
              - Linear: [4, 10]
                tie: wte
        model:
          - pair
          - pair
        """,
    "a block that ties to what was named before each use": """
        blocks:
          head:
            body:
              - Linear: [4, 10]
                tie: wte
        model:
          - Embedding: [10, 4]
            name: wte
          - head
          - Embedding: [10, 4]
            name: wte
          - head
        """,
    "token and position tables, a tied head": """
        model:
          - Embedding: [50, 8]
            name: wte
          - Embedding: [16, 8]
            repeat: 2
          - EmbeddingBag: [7, 8]
          - Linear: {in_features: 8, out_features: 50, bias: false}
            tie: wte
        """,
    "a head written before the table that ties to it": """
        model:
          - Linear: {in_features: 8, out_features: 50}
            name: head
          - Embedding: [50, 8]
            tie: head
            repeat: 3
        """,
    "a var of layers used at two sizes": """
        vars:
          norm: [LayerNorm, {Linear: {out_features: 6}}]
          twice: [norm, norm]
        model:
          - Linear: [3, 4]
          - twice
          - twice
        """,
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_case_agrees_with_torch(text):
    agree_with_torch(text)


def test_repeat_counts_first_copy_apart():
    # One Linear(32, 64), then two Linear(64, 64).
    assert count_spec(CASES["first repeated copy sees another size"]) == 3 * 32 + 32 + (32 * 64 + 64) + 2 * (
        64 * 64 + 64
    )


def test_tie_counts():
    assert count_spec(CASES["tied lm_head adds nothing"]) == 1000 * 64 + 64 * 64 + 64
    assert count_spec(CASES["tie shares only what both have"]) == 1000 * 64 + 1000  # the bias is new


def test_a_tied_weight_is_frozen_if_any_of_its_users_freezes_it():
    """As torch: `head.weight = wte.weight; head.requires_grad_(False)` freezes the one tensor."""
    assert check_spec(CASES["a frozen user of a tied weight freezes it"]).trainable == 0
    # The embedding is frozen once; each copy's own bias stays trainable.
    assert check_spec(CASES["a frozen user repeated freezes the tied weight once"]).trainable == 3 * 100
    assert check_spec(CASES["a frozen block that ties to a trainable one"]).trainable == 0


def test_uses_of_a_block_count_apart_where_they_differ():
    spec = check_spec(CASES["one block used alike, frozen, and with other arguments"])
    square = {4: 4 * 4 + 4 + 2 * 4, 5: 5 * 5 + 5 + 2 * 5}
    assert (spec.params, spec.trainable) == (4 * square[4] + square[5], 3 * square[4] + square[5])
    assert count_spec(CASES["a block with a name and a tie, used twice"]) == 2 * (10 * 4 + 10)
    assert count_spec(CASES["a block that ties to what was named before each use"]) == 2 * (10 * 4 + 10)


def test_frozen_counts_in_total_not_trainable():
    spec = check_spec(CASES["frozen backbone, trainable head"])
    backbone = (3 * 16 * 9 + 16) + 32 + (16 * 32 * 9 + 32)
    assert (spec.params, spec.trainable) == (backbone + 330, 330)


def test_a_billion_repeats_are_counted_without_a_billion_steps():
    with does_not_hang():
        params = count_spec("""
            model:
              - Linear: [4096, 4096]
                repeat: 1_000_000_000
            """)
    assert params == 1_000_000_000 * (4096 * 4096 + 4096)


def test_repeat_until_the_size_settles():
    # GLU halves the size: 16 -> 8 -> 4 -> 2 -> 1, then the size is unknown for good.
    spec = agree_with_torch("""
        model:
          - Linear: [3, 16]
          - GLU:
            repeat: 9
          - Linear: [1, 5]
        """)
    assert spec.params == 64 + 10


@pytest.mark.parametrize(
    "model, message",
    [
        ("[{Linear: [3, '2**70']}, {GLU: null, repeat: 100}]", "the size changes with every copy"),
        ("[{Conv2d: [3, 8, 1]}, {PixelUnshuffle: 2, repeat: 100}]", "the running size over 2^100"),
    ],
)
def test_repeat_whose_size_keeps_changing_is_refused(model, message):
    spec = check_spec(f"model: {model}")
    assert [f.code for f in spec.findings] == ["BC009"]
    assert message in spec.findings[0].message


def test_integral_floats_are_sizes():
    assert count_spec("model: [{Linear: [3, 2048.0]}, {Linear: {out_features: '1024 / 2'}}]") == (
        3 * 2048 + 2048 + 2048 * 512 + 512
    )


def test_vars_use_vars_above_and_underscores():
    assert (
        count_spec("""
        vars:
          vocab: 50_257
          d: 768
          ff: 4 * d
        model:
          - Embedding: [vocab, d]
          - Linear: {out_features: ff}
        """)
        == 50257 * 768 + 768 * 3072 + 3072
    )


def test_vars_hold_any_yaml_value_that_is_not_used_as_a_number():
    spec = check_spec("""
        vars:
          projection: gated-gelu   # no expression: text, passed on as written
          act: silu
          rope: {factor: 32.0, rope_type: llama3}
          sparse: [0, 2]
          nothing: null
        model:
          T5Model: {d_model: 16, d_kv: 4, d_ff: 32, num_layers: 1, num_heads: 2, vocab_size: 100,
                    feed_forward_proj: projection, dense_act_fn: act, rope_scaling: rope}
        """)
    assert spec.spec.vars["projection"] == "gated-gelu" and not spec.findings
    gated = check_spec("""
        model:
          T5Model: {d_model: 16, d_kv: 4, d_ff: 32, num_layers: 1, num_heads: 2, vocab_size: 100,
                    feed_forward_proj: gated-gelu}
        """)
    assert spec.params == gated.params


@pytest.mark.parametrize(("activation", "codes"), [("silu", []), ("prelu", ["BC507"]), ("selu", ["BC507"])])
def test_an_activation_a_var_holds_is_checked_as_the_text_it_holds(activation, codes):
    """PReLU holds parameters the preset does not count, and transformers has no `selu`: both are errors."""
    spec = check_spec(f"""
        vars: {{act: {activation}}}
        model:
          LlamaModel: {{hidden_size: 8, num_attention_heads: 2, num_hidden_layers: 1, intermediate_size: 16,
                       vocab_size: 10, hidden_act: act}}
        """)
    assert [finding.code for finding in spec.findings] == codes


@pytest.mark.parametrize("use", ["b", "b * 2", "2 ** b"])
def test_text_a_var_holds_used_as_a_number_is_the_var_s_error(use):
    spec = check_spec(f"vars: {{ax: 3, b: a_x * 2}}\nmodel: [{{Linear: [4, '{use}']}}]")
    [error] = spec.findings
    assert (error.code, error.location.line) == ("BC021", 1)
    assert error.message == "var b: cannot compute 'a_x * 2': unknown name 'a_x' (did you mean 'ax'?)"


def test_block_params_shadow_vars():
    assert (
        count_spec("""
        vars: {d: 1000}
        blocks:
          proj:
            params: [d]
            body: [{Linear: [d, d]}]
        model:
          - proj: 4
        """)
        == 20
    )


# A node a var or param holds reads its names where it was written, as a Python call's arguments do; here
# each reads `d` (or `hidden_dim`), which the spec's vars make 3 and the block or preset using it makes
# otherwise. Linear(in, 3) on the running size in: (in + 1) · 3.
HELD_NODES_READ_WHERE_WRITTEN = {
    "given to a block": (
        5 * 7 + 8 * 3,
        """
        vars: {d: 3}
        blocks:
          wrap:
            params: {d: 7, layer: null}
            body: [{Linear: [4, d]}, layer]
        model:
          - wrap: {layer: {Linear: {out_features: d}}}
        """,
    ),
    "given to a preset": (
        5 * 16 + 17 * 3 + 17 * 2,
        """
        vars: {hidden_dim: 3}
        model:
          - mlp:
              input_dim: 4
              hidden_dim: 16
              hidden_layers: 1
              output_dim: 2
              activation: {Linear: {out_features: hidden_dim}}
        """,
    ),
    "a var given by name": (
        5 * 7 + 8 * 3,
        """
        vars: {d: 3, layer: {Linear: {out_features: d}}}
        blocks:
          wrap:
            params: {d: 7, layer: null}
            body: [{Linear: [4, d]}, layer]
        model:
          - wrap: {layer: layer}
        """,
    ),
    "a var a block's body uses": (
        5 * 7 + 8 * 3,
        """
        vars: {d: 3, layer: {Linear: {out_features: d}}}
        blocks:
          wrap:
            params: {d: 7}
            body: [{Linear: [4, d]}, layer]
        model:
          - wrap: {}
        """,
    ),
    "passed on through two blocks": (
        5 * 9 + 10 * 3,
        """
        vars: {d: 3}
        blocks:
          inner:
            params: {d: 9, layer: null}
            body: [{Linear: [4, d]}, layer]
          outer:
            params: {d: 7, layer: null}
            body: [{inner: {layer: layer}}]
        model:
          - outer: {layer: {Linear: {out_features: d}}}
        """,
    ),
    "a var's list of sizes": (
        2 * 2 * 9 + 2,
        """
        vars: {d: 3, kernel: [d, d]}
        blocks:
          conv:
            params: {d: 7}
            body: [{Conv2d: [2, 2, kernel]}]
        model:
          - conv: {}
        """,
    ),
    "a var's stage table": (
        5 * 3,
        """
        vars: {d: 3, stages: [{width: d}]}
        blocks:
          stack:
            params: {d: 7}
            body:
              - Linear: {in_features: 4, out_features: width}
                repeat: {over: stages}
        model:
          - stack: {}
        """,
    ),
}


@pytest.mark.parametrize(
    ("params", "text"), HELD_NODES_READ_WHERE_WRITTEN.values(), ids=HELD_NODES_READ_WHERE_WRITTEN.keys()
)
def test_a_held_node_reads_its_names_where_it_was_written(params, text):
    assert count_spec(text) == params


def test_a_node_given_to_a_preset_uses_the_spec_s_blocks():
    assert (
        count_spec("""
        blocks:
          double: {params: [d], body: [{Linear: [d, d]}, {Linear: [d, d]}]}
        model:
          - mlp: {input_dim: 4, hidden_dim: 8, hidden_layers: 1, output_dim: 2, activation: {double: 8}}
        """)
        == 5 * 8 + 2 * 9 * 8 + 9 * 2
    )


def test_an_error_in_a_node_given_to_a_preset_stays_at_its_line():
    spec = check_spec("""
        model:
          - mlp:
              input_dim: 4
              hidden_dim: 8
              hidden_layers: 1
              output_dim: 2
              activation: {Linear: [8, 8, 7]}
        """)
    [finding] = spec.findings
    assert (finding.code, finding.location.line) == ("BC011", 8)
    assert "preset" not in finding.message
    assert [(related.message, related.location.line) for related in finding.related] == [("in mlp, used here", 3)]


def test_an_error_in_arguments_a_param_holds_for_a_preset_stays_at_their_line():
    """CLIPModel hands its text_config, written in the spec, to CLIPTextTransformer inside the preset: an
    error in it stands at its own line, not at the preset's use with a line number of the preset's file."""
    spec = check_spec("""
        model:
          CLIPModel:
            text_config:
              hidden_size: wide
        """)
    [finding] = spec.findings
    assert (finding.code, finding.location.line) == ("BC021", 5)
    assert "preset" not in finding.message
    assert [(related.message, related.location.line) for related in finding.related] == [("in CLIPModel, used here", 3)]


def test_a_config_block_refuses_a_null_its_nulls_do_not_list():
    spec = check_spec("""
        model:
          Qwen2Model:
            hidden_size: 64
            num_attention_heads: 4
            vocab_size: null
        """)
    [finding] = spec.findings
    assert (finding.code, finding.location.line) == ("BC011", 6)
    assert count_spec("model: {Qwen2Model: {hidden_size: 64, num_attention_heads: 4, num_key_value_heads: null}}") == (
        count_spec("model: {Qwen2Model: {hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 4}}")
    )


def test_preset_with_explicit_nulls_takes_defaults():
    assert count_spec("model: {gpt2: {n_inner: null}}") == 124_439_808
    assert count_spec("model: {llama: {num_key_value_heads: null, head_dim: null}}") == 6_738_415_616


def test_errors_inside_presets_point_at_the_use():
    spec = check_spec("""
        model:
          - gpt2: {n_embd: -12}
        """)
    [finding] = spec.findings
    assert finding.location.line == 3
    assert "in preset gpt2" in finding.message


# ----------------------------------------------------------- random stacks
LAYERS = {
    "Linear": lambda d, w: f"Linear: {{out_features: {w}, bias: {d.draw(st.sampled_from(['true', 'false']))}}}",
    "LayerNorm": lambda d, w: "LayerNorm: null",
    "RMSNorm": lambda d, w: "RMSNorm: null",
    "ReLU": lambda d, w: "ReLU: null",
    "GRU": lambda d, w: f"GRU: {{hidden_size: {w}, num_layers: {d.draw(st.integers(1, 2))}}}",
    "LSTM": lambda d, w: f"LSTM: {{hidden_size: {w}, bidirectional: {d.draw(st.sampled_from(['true', 'false']))}}}",
    "Conv1d": lambda d, w: f"Conv1d: {{out_channels: {w}, kernel_size: {d.draw(st.integers(1, 3))}}}",
    "BatchNorm1d": lambda d, w: "BatchNorm1d: null",
    "PReLU": lambda d, w: "PReLU: null",
}


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_stacks_agree_with_torch(data):
    """Differential test: random stacks with repeats, frozen parts and ties."""
    width, first_input = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    lines = [f"  - Linear: [{first_input}, {width}]", "    name: first"]
    for _ in range(data.draw(st.integers(1, 6))):
        kind = data.draw(st.sampled_from(sorted(LAYERS)))
        lines.append(f"  - {LAYERS[kind](data, data.draw(st.integers(1, 12)))}")
        if data.draw(st.booleans()):
            lines.append(f"    repeat: {data.draw(st.integers(0, 3))}")
        if data.draw(st.booleans()):
            lines.append("    frozen: true")
    if data.draw(st.booleans()):
        lines += [f"  - Linear: [{first_input}, {width}]", "    tie: first"]
    agree_with_torch("model:\n" + "\n".join(lines) + "\n")


# ----------------------------------------------------------- concat, from, indexed repeats, `in`
def torch_totals(*modules):
    parameters = {id(p): p for module in modules for p in module.parameters()}.values()
    return sum(p.numel() for p in parameters), sum(p.numel() for p in parameters if p.requires_grad)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_concat_adds_the_branch_sizes_like_torch_cat(data):
    """Inception-style branches and a skip from an earlier named output, then a layer that infers the sum."""
    stem = data.draw(st.integers(1, 16))
    widths = data.draw(st.lists(st.integers(1, 16), min_size=1, max_size=4))
    kernels = [data.draw(st.integers(1, 3)) for _ in widths]
    skip = data.draw(st.booleans())
    out = data.draw(st.integers(1, 16))
    branches = [f"{{Conv2d: {{out_channels: {w}, kernel_size: {k}}}}}" for w, k in zip(widths, kernels, strict=False)]
    branches += ["{from: stem}"] if skip else []
    spec = check_spec(
        f"model:\n  - Conv2d: [3, {stem}, 3]\n    name: stem\n  - concat: [{', '.join(branches)}]\n"
        f"  - Conv2d: {{out_channels: {out}, kernel_size: 1}}\n"
    )
    with torch.device("meta"):
        concatenated = sum(widths) + (stem if skip else 0)
        modules = [
            torch.nn.Conv2d(3, stem, 3),
            *(torch.nn.Conv2d(stem, w, k) for w, k in zip(widths, kernels, strict=False)),
            torch.nn.Conv2d(concatenated, out, 1),
        ]
    assert (spec.params, spec.trainable) == torch_totals(*modules)
    assert spec.tree.output == out


@settings(max_examples=40, deadline=None)
@given(base=st.integers(1, 8), stages=st.integers(1, 5), start=st.integers(1, 4))
def test_an_indexed_repeat_counts_each_copy_with_its_index(base, stages, start):
    spec = check_spec(
        f"vars: {{base: {base}}}\nmodel:\n  - Conv2d: [{start}, {base}, 3]\n"
        "  - Conv2d: {out_channels: base * 2**i, kernel_size: 3, padding: 1}\n"
        f"    repeat: {{times: {stages}, index: i}}\n"
    )
    with torch.device("meta"):
        channels = [base] + [base * 2**i for i in range(stages)]
        modules = [torch.nn.Conv2d(start, base, 3)] + [
            torch.nn.Conv2d(a, b, 3, padding=1) for a, b in itertools.pairwise(channels)
        ]
    assert (spec.params, spec.trainable) == torch_totals(*modules)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(1, 12), st.integers(0, 3)), min_size=1, max_size=4))
def test_a_stage_table_gives_each_copy_its_row(rows):
    """ResNet/ConvNeXt-style stages: a width and a depth per row, the depth used as an inner repeat."""
    table = ", ".join(f"{{width: {w}, depth: {d}}}" for w, d in rows)
    spec = check_spec(
        f"vars:\n  stages: [{table}]\nmodel:\n  - Linear: [5, 4]\n"
        "  - sequential:\n      - Linear: {out_features: width}\n      - Linear: {out_features: width}\n"
        "        repeat: depth\n    repeat: {over: stages}\n"
    )
    with torch.device("meta"):
        modules, size = [torch.nn.Linear(5, 4)], 4
        for width, depth in rows:
            modules += [torch.nn.Linear(size, width)] + [torch.nn.Linear(width, width) for _ in range(depth)]
            size = width
    assert (spec.params, spec.trainable) == torch_totals(*modules)


def test_an_index_the_body_does_not_read_is_multiplied_not_looped():
    spec = check_spec("model:\n  - Linear: [8, 8]\n    repeat: {times: 10**9, index: unused}\n")
    assert spec.params == 72 * 10**9


def test_an_indexed_repeat_that_reads_its_index_is_bounded():
    spec = check_spec("model:\n  - Linear: [8, i + 1]\n    repeat: {times: 10**9, index: i}\n")
    assert [f.code for f in spec.findings] == ["BC009"]


def test_in_is_the_running_size():
    """A depthwise convolution: groups equal to the running channels."""
    spec = agree_with_torch(
        "model:\n  - Conv2d: [3, 24, 3]\n  - Conv2d: {out_channels: in * 2, kernel_size: 3, groups: in}\n"
    )
    assert spec.params == (3 * 24 * 9 + 24) + (48 * 1 * 9 + 48)


@settings(max_examples=30, deadline=None)
@given(names=st.sets(st.sampled_from(["weight", "bias", "0.weight", "1.bias"]), min_size=1))
def test_freezing_by_parameter_name_follows_requires_grad(names):
    frozen = ", ".join(sorted(names))
    spec = agree_with_torch(
        f"model:\n  - sequential:\n      - Linear: [4, 6]\n      - Linear: [6, 3]\n    frozen: [{frozen}]\n"
    )
    with torch.device("meta"):
        model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Linear(6, 3))
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(not (name in names or name.split(".")[-1] in names))
    assert (spec.params, spec.trainable) == torch_totals(model)


def test_from_names_an_earlier_node():
    spec = check_spec("model:\n  - Linear: [4, 6]\n  - from: stem\n")
    [finding] = spec.findings
    assert (finding.code, "no node named 'stem'" in finding.message) == ("BC023", True)


def test_lookup_tables_are_the_embedding_params():
    tables = check_spec(CASES["token and position tables, a tied head"]).tree
    assert (tables.embedding, tables.non_embedding) == (50 * 8 + 2 * 16 * 8 + 7 * 8, 0)
    # A table tied to a head written before it makes the head's weight an embedding parameter, once.
    head_first = check_spec(CASES["a head written before the table that ties to it"]).tree
    assert (head_first.embedding, head_first.non_embedding) == (50 * 8, 50)


MIXTURE = """
    blocks:
      expert:
        params: [width]
        body:
          - Linear: [width, 2 * width, false]
          - Linear: [2 * width, width, false]
    model:
      - Embedding: [100, 8]
      - sequential:
          - Linear: [8, 4, false]                  # the router: every token uses it
            name: gate
          - expert: {width: 8}
            repeat: 4
            routed: {experts: 4, per_token: top_k}
          - expert: {width: 8}                     # a shared expert
        repeat: 3
"""
EXPERT = 2 * 8 * 16


@pytest.mark.parametrize("top_k", [0, 1, 4])
def test_routed_experts_leave_the_unpicked_ones_idle(top_k):
    tree = check_spec(f"vars: {{top_k: {top_k}}}\n" + textwrap.dedent(MIXTURE)).tree
    layer = 8 * 4 + 4 * EXPERT + EXPERT
    assert (tree.params, tree.active) == (800 + 3 * layer, 800 + 3 * (8 * 4 + top_k * EXPERT + EXPERT))


def test_routed_stacked_experts_split_by_their_number():
    tree = check_spec("""
        model:
          - sequential:
              - Parameter: [6, 10, 4]
              - Parameter: [6, 4, 5]
            routed: {experts: 6, per_token: 2}
    """).tree
    assert (tree.params, tree.active) == (6 * 60, 2 * 60)


@pytest.mark.parametrize(
    ("routed", "code", "message"),
    [
        ("{experts: 5, per_token: 1}", "BC011", "12 active params do not split into 5 experts"),
        ("{experts: 2, per_token: 3}", "BC011", "cannot use 3 of 2 experts"),
        ("{experts: 2}", "BC011", "routed needs `per_token`"),
        ("{1: 2, experts: 3, per_token: 1}", "BC011", "unknown routed key 1"),
        ("3", "BC011", "`routed` must be {experts: E, per_token: K}"),
        ("{experts: 0, per_token: 0}", "BC011", "must be at least 1"),
        ("{experts: n, per_token: 1}", "BC021", "cannot compute 'n'"),
    ],
)
def test_a_routed_node_that_does_not_split_is_an_error(routed, code, message):
    [finding] = check_spec(f"model:\n  - Linear: [3, 3]\n    routed: {routed}\n").findings
    assert (finding.code, message in finding.message) == (code, True), finding.message


def test_routed_experts_cannot_be_tied():
    [finding] = check_spec("""
        blocks:
          moe:
            body:
              - Linear: [3, 4]
                routed: {experts: 2, per_token: 1}
        model:
          - moe:
            name: first
          - moe:
            tie: first
    """).findings
    assert (finding.code, "routed experts" in finding.message) == ("BC019", True)


# ----------------------------------------------------------- tie of one parameter
@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 8),
    bias=st.tuples(st.booleans(), st.booleans()),
    parameter=st.sampled_from(["weight", "bias"]),
    frozen=st.tuples(st.booleans(), st.booleans()),
    bare=st.booleans(),
)
def test_a_tie_of_one_parameter_shares_it_alone(width, bias, parameter, frozen, bare):
    """`tie: proj.weight` does what `head.weight = proj.weight` does; on a bare Parameter, what
    `self.extra = proj.weight` does. torch's parameters() yields the shared tensor once."""
    if parameter == "bias" and not (bias[0] and (bias[1] or bare)):
        return  # no bias to share: the refusal is tested below
    shape = [width, 3] if parameter == "weight" else [width]
    yaml = {True: "true", False: "false"}
    user = f"Parameter: {shape}" if bare else f"Linear: [3, {width}, {yaml[bias[1]]}]"
    spec = agree_with_torch(
        f"model:\n  - Linear: [3, {width}, {yaml[bias[0]]}]\n    name: proj\n    frozen: {yaml[frozen[0]]}\n"
        f"  - {user}\n    tie: proj.{parameter}\n    frozen: {yaml[frozen[1]]}\n"
    )

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(3, width, bias[0])
            if bare:
                self.extra = torch.nn.Parameter(torch.empty(shape))
                self.extra = getattr(self.proj, parameter)
            else:
                self.head = torch.nn.Linear(3, width, bias[1])
                setattr(self.head, parameter, getattr(self.proj, parameter))
            for module, freeze in zip((self.proj, getattr(self, "head", None)), frozen, strict=False):
                if freeze and module is not None:
                    module.requires_grad_(False)
            if bare and frozen[1]:
                self.extra.requires_grad_(False)

    with torch.device("meta"):
        model = Model()
    assert (spec.params, spec.trainable) == torch_totals(model)


@pytest.mark.parametrize(
    ("tie", "message"),
    [
        ("proj.bias", "'proj' has no parameter 'bias' (weight)"),
        ("proj.weight.x", "'proj' has no parameter 'weight.x' (weight)"),
        ("nowhere.weight", "no layer named 'nowhere.weight' before this one (named so far: proj)"),
    ],
)
def test_a_tie_of_one_parameter_names_one_that_exists(tie, message):
    spec = check_spec(f"model:\n  - Linear: [3, 4, false]\n    name: proj\n  - Linear: [3, 4]\n    tie: {tie}\n")
    [finding] = spec.findings
    assert finding.code == "BC019" and message in finding.message, finding.message


def test_a_bare_parameter_tied_to_a_whole_layer_shares_nothing():
    """A bare Parameter's one tensor has no name of its own: only another Parameter, or NAME.PATH, matches it."""
    spec = check_spec("model:\n  - Linear: [3, 4]\n    name: proj\n  - Parameter: [4, 3]\n    tie: proj\n")
    assert [f.code for f in spec.findings] == ["BC019"]
    assert (
        agree_with_torch("model:\n  - Parameter: [4, 3]\n    name: a\n  - Parameter: [4, 3]\n    tie: a\n").params == 12
    )


# ----------------------------------------------------------- counts shared across specs
def counted_alone(text: str):
    """The tree and findings of `text` counted with nothing remembered from earlier counts."""
    counting._LAYER_COUNTS.clear()
    counting._PRESET_USES.clear()
    spec = check_spec(text)
    return spec.tree, [(f.code, f.message, f.location) for f in spec.findings]


SHARED_PIECES = {
    "width": ["4", "4.0", "true", "'-'", "2 ** 3"],
    "out": ["width", "width * 2", "8", "8.0", "in"],
    "bias": ["true", "false", "1", "null"],
    "eps": ["0.0", "-0.0", "1.0e-5", "1", "'x'"],
    "norm": ["LayerNorm", "RMSNorm", "BatchNorm1d"],
    "frozen": ["true", "false"],
    "n_embd": ["32", "64"],
}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({key: st.sampled_from(values) for key, values in SHARED_PIECES.items()}),
        min_size=1,
        max_size=6,
    )
)
def test_layers_and_preset_blocks_counted_once_per_process_count_as_if_counted_alone(drawn):
    """Counts are remembered across specs by what is written, not where: 1 and true, 8 and 8.0, 0.0 and -0.0,
    a var and its value, frozen or not, stay apart, and a remembered count is never an error's."""
    texts = [
        f"""
        vars: {{width: {pieces["width"]}}}
        model:
          - Linear: [3, {pieces["out"]}, {pieces["bias"]}]
            frozen: {pieces["frozen"]}
          - {pieces["norm"]}: {{eps: {pieces["eps"]}}}
          - Linear: {{out_features: {pieces["out"]}, bias: {pieces["bias"]}}}
          - gpt2: {{n_embd: {pieces["n_embd"]}, n_head: 4, n_layer: 2, vocab_size: 10, n_positions: 8}}
        """
        for pieces in drawn
    ]
    remembered = []
    for text in texts:
        spec = check_spec(text)
        remembered.append((spec.tree, [(f.code, f.message, f.location) for f in spec.findings]))
    assert remembered == [counted_alone(text) for text in texts]


def test_a_part_used_elsewhere_is_the_part_replaced_there():
    """Part.used_at builds the tuple itself, trusting label, kind and location to be the first fields."""
    assert counting.Part._fields[:3] == ("label", "kind", "location")
    start, there = Location(1, 1), Location(7, 3)
    part = counting.count_node(located({"Linear": [4, 8]}, start), start, {}, {})
    assert part.used_at(there) == part._replace(location=there)
    assert part.used_at(there, "mlp") == part._replace(label="mlp", kind="mlp", location=there)
    assert type(part.used_at(there)) is counting.Part


STATED_OUTPUT = """
blocks:
  csp:                  # parts listed, not a data path: it states what it hands on
    params: [c1, c2]
    output: c2
    body:
      - Conv2d: [c1 // 2, c2 // 2, 1]
      - Conv2d: [c1, c2, 1]
model:
  - Conv2d: [3, 16, 1]
  - csp: [16, 32]
  - Conv2d: {out_channels: 16, kernel_size: 1}   # in_channels: the 32 that csp hands on
  - csp: [16, 32]
"""


def test_a_block_that_states_its_output_hands_it_on():
    spec = agree_with_torch(STATED_OUTPUT)
    assert [child.output for child in spec.tree.children] == [16, 32, 16, 32]
    assert spec.params == (3 * 16 + 16) + 2 * (8 * 16 + 16 + 16 * 32 + 32) + (32 * 16 + 16)


def test_a_block_that_states_its_output_is_counted_once_for_uses_at_other_running_sizes(monkeypatch):
    bodies = []
    body = counting._Counter._body
    monkeypatch.setattr(
        counting._Counter, "_body", lambda self, block, *rest: bodies.append(block.name) or body(self, block, *rest)
    )
    stated = check_spec(STATED_OUTPUT.replace("out_channels: 16", "out_channels: 24"))
    assert bodies == ["csp"]
    unstated = check_spec(STATED_OUTPUT.replace("out_channels: 16", "out_channels: 24").replace("    output: c2\n", ""))
    assert bodies == ["csp", "csp", "csp"]  # at running sizes 16 and 24
    assert stated.params == unstated.params


def test_a_block_is_counted_once_for_uses_at_other_depths(monkeypatch):
    bodies = []
    body = counting._Counter._body
    monkeypatch.setattr(
        counting._Counter, "_body", lambda self, block, *rest: bodies.append(block.name) or body(self, block, *rest)
    )
    spec = check_spec(_deep_uses(outer=3, inner=2))
    assert (spec.params, bodies) == (2 * 20, ["leaf"])


@pytest.mark.parametrize(
    ("outer", "inner", "too_deep"),
    [(94, 2, False), (95, 2, True), (85, 10, False), (90, 10, True), (96, 0, False), (97, 0, True)],
)
def test_a_block_counted_once_is_still_too_deep_where_counting_it_there_would_be(outer, inner, too_deep):
    """Its first use stands near the top; the second `outer` lists down, where its body's `inner` lists pass
    the depth limit, or not: the count shared is used there only where counting it anew would succeed."""
    spec = check_spec(_deep_uses(outer, inner))
    assert [finding.rule for finding in spec.findings] == ([rules.TOO_DEEP] if too_deep else [])


def _deep_uses(outer: int, inner: int) -> str:
    """A block whose body is a layer `inner` lists down, used at the top, then `outer` lists down."""
    body = "[" * inner + "{Linear: [4, 4]}" + "]" * inner
    use = "[" * outer + "leaf" + "]" * outer
    return f"blocks:\n  leaf:\n    params: []\n    output: 4\n    body: {body}\nmodel:\n  - leaf\n  - {use}\n"


@pytest.mark.parametrize(
    "body, output, rule, line, message",
    [
        (
            "Linear: {out_features: 4}",
            "4",
            rules.UNKNOWN_SIZE,
            6,
            "the running size is unknown inside b, which states its output",
        ),
        ("Linear: [in, 4]", "4", rules.INVALID_EXPRESSION, 6, "unknown name 'in'"),
        ("Linear: [2, 4]", "d / 3", rules.INVALID_VALUE, 4, "b output must be an integer, got 0.666667 ('d / 3' = "),
        ("Linear: [2, 4]", "d - 2", rules.INVALID_VALUE, 4, "b output must be at least 1, got 0"),
        (
            "Linear: [2, 4]",
            "0",
            rules.INVALID_VALUE,
            4,
            "must be a size of at least 1 or an expression over the params",
        ),
        (
            "Linear: [2, 4]",
            "true",
            rules.INVALID_VALUE,
            4,
            "must be a size of at least 1 or an expression over the params",
        ),
    ],
)
def test_a_stated_output_is_a_size_and_the_body_gets_none(body, output, rule, line, message):
    blocks = f"blocks:\n  b:\n    params: [d]\n    output: {output}\n    body:\n      {body}\n"
    spec = check_spec(blocks + "model:\n  - Linear: [3, 2]\n  - b: 2\n")
    [finding] = spec.findings
    assert (finding.code, finding.location.line) == (rule.code, line) and message in finding.message, finding
