"""Fuzzing: random and broken specs get findings or counts, never an exception.

CI runs a bounded number of examples per test; for a long run locally:

    BUDGET_CHECK_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py

The last test is a differential fuzz: random layer stacks counted by
budget-check and by torch must agree.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import rules
from checker.checks.check import FileResult, check_file, check_text
from checker.language.catalogue import LAYERS
from checker.reporters import reporter_for
from checker.rules import RULES

from .conftest import does_not_hang

EXAMPLES = int(os.environ.get("BUDGET_CHECK_FUZZ_EXAMPLES", "200"))
PER_EXAMPLE_SECONDS = 20  # a deadline per example that only a hang reaches (speed is measured in benchmarks/)
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

ROOT = Path(__file__).parent.parent
SAMPLE_FILES = sorted((ROOT / "examples").rglob("*.yaml")) + sorted((ROOT / "checker" / "presets").glob("*.yaml"))
KINDS = [*sorted(LAYERS), "mlp", "gpt2", "bert", "llama", "sequential", "parallel", "my_block", "Lazylinear", ""]
ARGUMENT_NAMES = [*sorted({a.name for layer in LAYERS.values() for a in layer.signature}), "d", "x", "", "model"]
EXPRESSIONS = [
    "d",
    "2*d",
    "d // 3",
    "d / 2",
    "d ** 40",
    "10**10**10",
    "-d",
    "max(d, 3)",
    "d %",
    "(d",
    "nope",
    "d if true else 0",
    "1e400",
    "0.5",
    "d == 4",
    "__import__('os')",
    "d" * 300,
]


def assert_sound(result: FileResult) -> None:
    """What every result must be, however bad the input: findings with locations, counts where valid."""
    for spec in result.specs:
        # unchecked: a foreign model that only --torch counts (damage can turn a LitGPT config into one by name)
        assert spec.status in ("pass", "fail", "error", "unchecked")
        for finding in spec.findings:
            assert finding.code in RULES
            assert finding.rule is not rules.INTERNAL_ERROR, finding.message  # a traceback, caught and reported
            assert finding.location.line >= 1 and finding.location.column >= 1
            assert finding.message
        if spec.status in ("pass", "fail"):
            assert isinstance(spec.params, int) and spec.params >= 0
    for format_name in ("text", "json", "github", "sarif"):
        stream = io.StringIO()
        reporter_for(format_name, stream).report([result])
        if format_name in ("json", "sarif"):
            json.loads(stream.getvalue())


scalars = st.one_of(
    st.integers(-10, 10**6),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.sampled_from(EXPRESSIONS),
    st.text(max_size=8),
)
arguments = st.one_of(
    scalars,
    st.lists(scalars, max_size=5),
    st.dictionaries(st.sampled_from(ARGUMENT_NAMES), st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=5),
)


def nodes(children):
    modifiers = st.fixed_dictionaries(
        {},
        optional={
            "repeat": st.one_of(st.integers(-2, 5), st.sampled_from(["10**30", "d", "x"])),
            "name": st.sampled_from(["a", "b", "wte"]),
            "tie": st.sampled_from(["a", "b", "wte", "missing"]),
            "frozen": st.one_of(st.booleans(), st.just("yes")),
            "when": st.one_of(st.booleans(), st.sampled_from(["d > 3", "nope"])),
        },
    )
    layer = st.builds(lambda kind, args, mods: {kind: args, **mods}, st.sampled_from(KINDS), arguments, modifiers)
    control = st.builds(
        lambda kind, items, mods: {kind: items, **mods},
        st.sampled_from(["sequential", "parallel"]),
        st.lists(children, max_size=4),
        modifiers,
    )
    return st.one_of(layer, control, st.lists(children, max_size=4), st.sampled_from(KINDS))


model = st.recursive(st.sampled_from(KINDS), nodes, max_leaves=12)
specs = st.fixed_dictionaries(
    {"model": model},
    optional={
        "vars": st.dictionaries(st.sampled_from(["d", "x", "n", "1bad"]), scalars, max_size=4),
        "blocks": st.dictionaries(
            st.sampled_from(["my_block", "other", "Linear"]),
            st.fixed_dictionaries(
                {"body": model},
                optional={  # each key of the block table, well or badly written
                    "params": st.one_of(
                        st.lists(st.sampled_from(["d", "w"]), max_size=2),
                        st.dictionaries(st.sampled_from(["d", "w"]), scalars, max_size=2),
                        scalars,
                    ),
                    "require": st.lists(st.sampled_from(EXPRESSIONS), max_size=2),
                    "ignore": st.one_of(st.lists(st.sampled_from(["dropout", "d"]), max_size=2), scalars),
                    "aliases": st.one_of(
                        st.dictionaries(st.sampled_from(["width", "d"]), st.sampled_from(["d", "w", "x"]), max_size=2),
                        st.lists(st.sampled_from(["d"]), max_size=1),
                        scalars,
                    ),
                    "nulls": st.one_of(
                        st.dictionaries(st.sampled_from(["d", "w", "x"]), scalars, max_size=2),
                        st.lists(st.sampled_from(["d"]), max_size=1),
                        scalars,
                    ),
                    "text": st.one_of(st.lists(st.sampled_from(["d", "w"]), max_size=2), scalars),
                    "output": st.one_of(scalars, st.sampled_from(["d", "w * 2"])),
                },
            ),
            max_size=2,
        ),
        "budget": st.one_of(
            scalars,
            st.sampled_from(["125M", "552 ± 2%", "1.2345k", "7Q", "-3"]),
            st.dictionaries(
                st.sampled_from(["min", "max", "target", "tolerance", "trainable", "memory"]), scalars, max_size=3
            ),
        ),
        "match": st.dictionaries(
            st.sampled_from(["reference", "vary", "tolerance", "multiple_of"]),
            st.one_of(scalars, st.dictionaries(st.sampled_from(["d", "x"]), scalars)),
            max_size=4,
        ),
        "dtype": st.sampled_from(["float32", "bfloat16", "fp7", 3]),
        "torch": st.dictionaries(st.sampled_from(["target", "args", "kwargs"]), scalars, max_size=3),
        "unknown": scalars,
    },
)


@fuzz
@given(spec=specs)
def test_random_specs_give_findings_or_counts(spec):
    text = yaml.safe_dump(spec, allow_unicode=True)
    assert_sound(check_text(text, "fuzz.yaml"))


@fuzz
@given(data=st.data())
def test_broken_text_gives_findings_or_counts(data):
    """Real specs with random damage: cut, doubled, or with characters put in."""
    text = data.draw(st.sampled_from(SAMPLE_FILES)).read_text()
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 40)))
        damage = data.draw(
            st.one_of(
                st.just(""),
                st.just(text[start:end] * 2),
                st.text(max_size=10),
                st.sampled_from(["&a", "*a", "!!python/object:os.system", "<<: *a", "\t", "---\n", "{", "]", ": -"]),
            )
        )
        text = text[:start] + damage + text[end:]
    assert_sound(check_text(text, "damaged.yaml"))


@fuzz
@given(data=st.binary(max_size=300))
def test_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "noise.yaml"
    path.write_bytes(data)
    assert_sound(check_file(path, "noise.yaml"))


# ------------------------------------------------------------ fan-out, nested repeats, match keys
LEAVES = [
    "{Linear: {out_features: w}}",
    "{Linear: [4, 4], name: x}",
    "{Linear: [4, 4], tie: x}",
    "{PixelUnshuffle: 2}",
    "{GLU: null}",
    "{Conv1d: {out_channels: w, kernel_size: 1}}",
    "GELU",
]
REPEATS = [0, 1, 2, 3, 60, "10**9", "w"]


@st.composite
def fan_out_specs(draw) -> str:
    """Blocks or vars that use the next level several times, around nested repeats, with any `match`."""
    levels, fan = draw(st.integers(1, 12)), draw(st.integers(1, 6))
    leaf = draw(st.sampled_from(LEAVES))
    for _ in range(draw(st.integers(0, 4))):
        leaf = f"{{sequential: [{leaf}], repeat: {draw(st.sampled_from(REPEATS))}}}"
    if draw(st.booleans()):
        body = "".join(
            f"  b{i}:\n    params: [w]\n    body: [{', '.join([f'b{i + 1}: w'] * fan)}]\n" for i in range(levels)
        )
        parts = f"blocks:\n{body}  b{levels}:\n    params: [w]\n    body: [{leaf}]\nvars: {{w: 8}}\n"
        top = "{b0: w}"
    else:
        chain = "".join(f"  v{i}: [{', '.join([f'v{i - 1}'] * fan)}]\n" for i in range(1, levels + 1))
        parts = f"vars:\n  w: 8\n  v0: [{leaf}]\n{chain}"
        top = f"v{levels}"
    keys = {
        # Mostly valid, so that the solver runs; sometimes not, so that the findings do.
        "reference": st.sampled_from([0, 552, 10**6, "{w: 16}", "{w: 3}", "{w: 16}", "other.yaml", "{x: 1}"]),
        "vary": st.sampled_from(["w", "w", "w", "x", "v0"]),
        "tolerance": st.sampled_from(["0%", "1%", "50%", "3", "1%", "-1%"]),
        "multiple_of": st.sampled_from([1, 1, 2, 8, 999, 0, "w"]),
    }
    match = draw(st.sets(st.sampled_from(sorted(keys)), max_size=4))
    match = match | {"vary"} if match and draw(st.integers(0, 5)) else match  # most have the key they need
    written = ", ".join(f"{key}: {draw(keys[key])}" for key in match)
    budget = draw(st.sampled_from(["", "budget: 100\n", "budget: 552 ± 2%\n", f"budget: {{min: {10**30}}}\n"]))
    return f"{parts}model: [{{Embedding: [5, 4]}}, {top}]\n{budget}" + (f"match: {{{written}}}\n" if match else "")


@fuzz
@given(text=fan_out_specs())
def test_fan_out_nested_repeats_and_match_are_bounded(text):
    with does_not_hang(PER_EXAMPLE_SECONDS):
        assert_sound(check_text(text, "fan.yaml"))


# ------------------------------------------------------------ differential fuzz against torch
@st.composite
def layer_stack(draw):
    """A random stack whose sizes flow: each layer takes the running size where it may."""
    width = draw(st.integers(1, 16))
    lines = [f"  - Conv1d: [{draw(st.integers(1, 8))}, {width}, {draw(st.integers(1, 3))}]", "    name: first"]
    choices = [
        lambda w: f"Linear: {{out_features: {w}, bias: {str(draw(st.booleans())).lower()}}}",
        lambda w: f"Conv1d: {{out_channels: {w}, kernel_size: {draw(st.integers(1, 3))}, groups: 1}}",
        lambda w: f"ConvTranspose1d: {{out_channels: {w}, kernel_size: 2}}",
        lambda w: "LayerNorm: {elementwise_affine: " + str(draw(st.booleans())).lower() + "}",
        lambda w: "BatchNorm1d: {affine: " + str(draw(st.booleans())).lower() + "}",
        lambda w: "GroupNorm: 1",
        lambda w: "RMSNorm: null",
        lambda w: f"GRU: {{hidden_size: {w}, num_layers: {draw(st.integers(1, 2))}}}",
        lambda w: f"LSTM: {{hidden_size: {w + 1}, proj_size: {draw(st.integers(0, w))}}}",
        lambda w: f"RNN: {{hidden_size: {w}, bidirectional: {str(draw(st.booleans())).lower()}}}",
        lambda w: "MultiheadAttention: {num_heads: 1, add_bias_kv: true}",
        lambda w: f"TransformerEncoderLayer: {{nhead: 1, dim_feedforward: {w}}}",
        lambda w: "PReLU: null",
        lambda w: "GELU: null",
        lambda w: "PixelUnshuffle: 1",
    ]
    for _ in range(draw(st.integers(1, 6))):
        lines.append("  - " + draw(st.sampled_from(choices))(draw(st.integers(1, 16))))
        if draw(st.booleans()):
            lines.append(f"    repeat: {draw(st.integers(0, 3))}")
        if draw(st.booleans()):
            lines.append("    frozen: true")
    if draw(st.booleans()):
        lines += ["  - parallel:", "      - Identity", "      - Linear: {out_features: 1}", "    when: false"]
    return "model:\n" + "\n".join(lines) + "\n"


@settings(max_examples=max(50, EXAMPLES // 2), deadline=None, suppress_health_check=list(HealthCheck))
@given(text=layer_stack())
def test_random_stacks_count_as_torch_does(text):
    pytest.importorskip("torch")
    from checker.torch.build import build_spec, count_module

    [spec] = check_text(text, "stack.yaml").specs
    assert spec.tree is not None, [f.message for f in spec.findings]
    counted = count_module(build_spec(spec.tree))
    assert (spec.tree.params, spec.tree.trainable, spec.tree.buffers) == (
        counted.params,
        counted.trainable,
        counted.buffers,
    )
