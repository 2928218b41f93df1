"""Every catalogue layer against the real torch module, across its options.

Hypothesis draws constructor arguments for each layer. The same arguments go
to torch directly (not through budget-check's binding) and, written as a
spec, through budget-check: parameter, trainable and buffer counts must be
equal. Each spec is written three ways: as keywords, as positional
arguments where the signature allows, and with the input size omitted
(inferred from a Linear in front of it).
"""

from __future__ import annotations

import inspect
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.language.catalogue import LAYERS, REQUIRED

from .conftest import check_spec

torch = pytest.importorskip("torch")
nn = torch.nn

small = st.integers(1, 24)
flag = st.booleans()


def _kernel(dims):
    return st.one_of(st.integers(1, 4), st.tuples(*[st.integers(1, 4)] * dims).map(list))


@st.composite
def conv(draw, dims, transposed):
    groups = draw(st.integers(1, 3))
    args = {
        "in_channels": groups * draw(st.integers(1, 6)),
        "out_channels": groups * draw(st.integers(1, 6)),
        "kernel_size": draw(_kernel(dims)),
        "groups": groups,
        "bias": draw(flag),
        "dilation": draw(st.integers(1, 2)),
    }
    if transposed:
        args["stride"] = draw(st.integers(1, 3))
    else:
        args["padding"] = draw(st.sampled_from([0, 1, "valid", "same"]))
        args["stride"] = 1 if args["padding"] == "same" else draw(st.integers(1, 3))
        args["padding_mode"] = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    return args


@st.composite
def batch_norm(draw, instance=False):
    return {
        "num_features": draw(small),
        "affine": draw(flag),
        "track_running_stats": draw(flag),
        "bias": draw(flag),
        "momentum": draw(st.sampled_from([0.1, 0.5])) if instance else draw(st.sampled_from([None, 0.1])),
    }


shape = st.one_of(small, st.lists(st.integers(1, 6), min_size=1, max_size=3))


@st.composite
def rnn(draw, kind):
    args = {
        "input_size": draw(small),
        "hidden_size": draw(st.integers(2, 24)),
        "num_layers": draw(st.integers(1, 3)),
        "bias": draw(flag),
        "batch_first": draw(flag),
        "bidirectional": draw(flag),
    }
    if kind == "LSTM":
        args["proj_size"] = draw(st.integers(0, args["hidden_size"] - 1))
    if kind == "RNN":
        args["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    return args


@st.composite
def attention(draw):
    heads = draw(st.integers(1, 4))
    return {
        "embed_dim": heads * draw(st.integers(1, 8)),
        "num_heads": heads,
        "bias": draw(flag),
        "add_bias_kv": draw(flag),
        "add_zero_attn": draw(flag),
        "kdim": draw(st.one_of(st.none(), small)),
        "vdim": draw(st.one_of(st.none(), small)),
        "batch_first": draw(flag),
    }


@st.composite
def transformer_layer(draw):
    heads = draw(st.integers(1, 4))
    return {
        "d_model": heads * draw(st.integers(1, 8)),
        "nhead": heads,
        "dim_feedforward": draw(small),
        "bias": draw(flag),
        "norm_first": draw(flag),
        "activation": draw(st.sampled_from(["relu", "gelu"])),
    }


@st.composite
def transformer(draw):
    args = draw(transformer_layer())
    args.pop("norm_first")
    args["num_encoder_layers"] = draw(st.integers(1, 3))
    args["num_decoder_layers"] = draw(st.integers(1, 3))
    return args


@st.composite
def embedding(draw, bag):
    num = draw(st.integers(1, 50))
    args = {
        "num_embeddings": num,
        "embedding_dim": draw(small),
        "padding_idx": draw(st.one_of(st.none(), st.integers(-num, num - 1))),
        "max_norm": draw(st.sampled_from([None, 1.0])),
        "sparse": draw(flag),
    }
    if bag:
        args["mode"] = draw(st.sampled_from(["sum", "mean", "max"]))
    else:
        args["_freeze"] = draw(flag)
    return args


@st.composite
def group_norm(draw):
    groups = draw(st.integers(1, 4))
    return {
        "num_groups": groups,
        "num_channels": groups * draw(st.integers(1, 6)),
        "affine": draw(flag),
        "bias": draw(flag),
    }


@st.composite
def adaptive_softmax(draw):
    n_classes = draw(st.integers(3, 60))
    cutoffs = sorted(draw(st.sets(st.integers(1, n_classes - 1), min_size=1, max_size=3)))
    return {
        "in_features": draw(st.integers(1, 40)),
        "n_classes": n_classes,
        "cutoffs": cutoffs,
        "div_value": draw(st.sampled_from([1.0, 1.5, 2.0, 4.0])),
        "head_bias": draw(flag),
    }


STRATEGIES = {
    "Linear": st.fixed_dictionaries({"in_features": small, "out_features": small, "bias": flag}),
    "Bilinear": st.fixed_dictionaries(
        {"in1_features": small, "in2_features": small, "out_features": small, "bias": flag}
    ),
    **{f"Conv{n}d": conv(n, False) for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d": conv(n, True) for n in (1, 2, 3)},
    "Embedding": embedding(bag=False),
    "EmbeddingBag": embedding(bag=True),
    **{f"BatchNorm{n}d": batch_norm() for n in (1, 2, 3)},
    "SyncBatchNorm": batch_norm(),
    **{f"InstanceNorm{n}d": batch_norm(instance=True) for n in (1, 2, 3)},
    "LayerNorm": st.fixed_dictionaries({"normalized_shape": shape, "elementwise_affine": flag, "bias": flag}),
    "RMSNorm": st.fixed_dictionaries(
        {"normalized_shape": shape, "elementwise_affine": flag, "eps": st.sampled_from([None, 1e-6])}
    ),
    "GroupNorm": group_norm(),
    "RNN": rnn("RNN"),
    "LSTM": rnn("LSTM"),
    "GRU": rnn("GRU"),
    "RNNCell": st.fixed_dictionaries(
        {"input_size": small, "hidden_size": small, "bias": flag, "nonlinearity": st.sampled_from(["tanh", "relu"])}
    ),
    "LSTMCell": st.fixed_dictionaries({"input_size": small, "hidden_size": small, "bias": flag}),
    "GRUCell": st.fixed_dictionaries({"input_size": small, "hidden_size": small, "bias": flag}),
    "MultiheadAttention": attention(),
    "TransformerEncoderLayer": transformer_layer(),
    "TransformerDecoderLayer": transformer_layer(),
    "Transformer": transformer(),
    "PReLU": st.fixed_dictionaries({"num_parameters": small, "init": st.sampled_from([0.25, 0.1])}),
    "AdaptiveLogSoftmaxWithLoss": adaptive_softmax(),
    "LinearCrossEntropyLoss": st.fixed_dictionaries(
        {
            "in_features": small,
            "num_classes": small,
            "out_features": st.lists(st.integers(1, 4), max_size=2),
            "bias": flag,
        }
    ),
}
# Layers whose arguments hold other layers, checked by their own test below.
CONTAINERS = {"TransformerEncoder": "TransformerEncoderLayer", "TransformerDecoder": "TransformerDecoderLayer"}

PARAMETERIZED = sorted(STRATEGIES)


def torch_counts(module):
    return (
        sum(p.numel() for p in module.parameters()),
        sum(p.numel() for p in module.parameters() if p.requires_grad),
        sum(b.numel() for b in module.buffers()),
    )


def checker_counts(model_yaml):
    spec = check_spec("model:\n" + model_yaml)
    assert spec.tree is not None, [f.message for f in spec.findings]
    return spec.tree.params, spec.tree.trainable, spec.tree.buffers


def as_keywords(kind, args):
    return f"  - {kind}: {json.dumps(args)}\n"


def as_positional(kind, args):
    """The longest prefix of the signature that `args` fills, as a list; the rest as keywords."""
    positional = [a.name for a in LAYERS[kind].signature if not a.keyword_only and not a.variadic]
    prefix = []
    for name in positional:
        if name not in args:
            break
        prefix.append(args[name])
    rest = {k: v for k, v in args.items() if k not in positional[: len(prefix)]}
    if rest:
        # Positional and keyword arguments cannot mix in one node; write the keywords with defaults filled.
        return as_keywords(kind, args)
    return f"  - {kind}: {json.dumps(prefix)}\n"


def with_inferred_input(kind, args):
    """The layer after a Linear that sets the running size to its input size."""
    input_argument = LAYERS[kind].input_argument
    value = args.get(input_argument)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    rest = {k: v for k, v in args.items() if k != input_argument}
    return f"  - Linear: [3, {value}]\n  - {kind}: {json.dumps(rest)}\n", 3 * value + value


@pytest.mark.parametrize("kind", PARAMETERIZED)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_layer_counts_match_torch(kind, data):
    args = data.draw(STRATEGIES[kind])
    with torch.device("meta"):
        expected = torch_counts(getattr(nn, kind)(**args))
    assert checker_counts(as_keywords(kind, args)) == expected
    assert checker_counts(as_positional(kind, args)) == expected
    inferred = with_inferred_input(kind, args)
    if inferred is not None:
        text, linear_params = inferred
        params, trainable, buffers = checker_counts(text)
        assert (params - linear_params, trainable - linear_params, buffers) == expected


def test_every_layer_with_parameters_has_a_strategy():
    with_parameters = {name for name, layer in LAYERS.items() if layer.has_parameters}
    assert with_parameters - {"Parameter"} == set(STRATEGIES) | set(CONTAINERS)


@pytest.mark.parametrize("kind", sorted(CONTAINERS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_container_counts_match_torch(kind, data):
    """num_layers copies of the layer given as a node, then an optional norm; the layer's size is the running one."""
    layer_args = data.draw(transformer_layer())
    num_layers = data.draw(st.integers(1, 3))
    norm = data.draw(st.sampled_from([None, "LayerNorm", "RMSNorm"]))
    with torch.device("meta"):
        layer = getattr(nn, CONTAINERS[kind])(**layer_args)
        norm_module = None if norm is None else getattr(nn, norm)(layer_args["d_model"])
        expected = torch_counts(getattr(nn, kind)(layer, num_layers, norm_module))
    d_model = layer_args.pop("d_model")
    argument = "encoder_layer" if kind == "TransformerEncoder" else "decoder_layer"
    node = {argument: {CONTAINERS[kind]: layer_args}, "num_layers": num_layers, "norm": norm}
    text = f"  - Linear: [3, {d_model}]\n  - {kind}: {json.dumps(node)}\n"
    params, trainable, buffers = checker_counts(text)
    linear = 3 * d_model + d_model
    assert (params - linear, trainable - linear, buffers) == expected


# Modules a Transformer may be given for its encoder or decoder: torch keeps any module as it is.
CUSTOM_PARTS = {
    "Linear": lambda width: {"in_features": width, "out_features": width},
    "BatchNorm1d": lambda width: {"num_features": width},  # buffers too
    "TransformerEncoderLayer": lambda width: {"d_model": width, "nhead": 1, "dim_feedforward": 4},
}


@settings(max_examples=25, deadline=None)
@given(
    args=transformer(),
    encoder=st.sampled_from([None, *CUSTOM_PARTS]),
    decoder=st.sampled_from([None, *CUSTOM_PARTS]),
)
def test_a_transformer_s_custom_encoder_and_decoder_count_as_torch_keeps_them(args, encoder, decoder):
    width = args["d_model"]
    custom = {"custom_encoder": encoder, "custom_decoder": decoder}
    with torch.device("meta"):
        given = {key: getattr(nn, kind)(**CUSTOM_PARTS[kind](width)) for key, kind in custom.items() if kind}
        expected = torch_counts(nn.Transformer(**args, **given))
    nodes = {key: {kind: CUSTOM_PARTS[kind](width)} for key, kind in custom.items() if kind}
    assert checker_counts(f"  - Transformer: {json.dumps({**args, **nodes})}\n") == expected


@given(size=st.lists(st.integers(0, 9), min_size=0, max_size=4), requires_grad=flag)
def test_bare_parameter_counts_like_torch_empty(size, requires_grad):
    expected = torch.empty(tuple(size)).numel()  # [] is a scalar, like CLIP's logit_scale
    trainable = expected if requires_grad else 0
    frozen = f"  - Parameter: {json.dumps(size)}\n    frozen: {json.dumps(not requires_grad)}\n"
    assert checker_counts(frozen) == (expected, trainable, 0)
    keywords = f"  - Parameter: {{size: {json.dumps(size)}, requires_grad: {json.dumps(requires_grad)}}}\n"
    assert checker_counts(keywords) == (expected, trainable, 0)


# Torch's own signatures, read by inspect; RNN, LSTM and GRU take *args and
# are checked against the argument order of RNNBase instead.
_RNN_ORDER = {
    "RNN": [
        "input_size",
        "hidden_size",
        "num_layers",
        "nonlinearity",
        "bias",
        "batch_first",
        "dropout",
        "bidirectional",
        "device",
        "dtype",
    ],
    "LSTM": [
        "input_size",
        "hidden_size",
        "num_layers",
        "bias",
        "batch_first",
        "dropout",
        "bidirectional",
        "proj_size",
        "device",
        "dtype",
    ],
    "GRU": [
        "input_size",
        "hidden_size",
        "num_layers",
        "bias",
        "batch_first",
        "dropout",
        "bidirectional",
        "device",
        "dtype",
    ],
}


@pytest.mark.parametrize("kind", sorted(set(LAYERS) - {"Parameter"}))
def test_signature_mirrors_torch(kind):
    ours = LAYERS[kind].signature
    if kind in _RNN_ORDER:
        assert [a.name for a in ours] == _RNN_ORDER[kind]
        return
    theirs = [p for p in inspect.signature(getattr(nn, kind).__init__).parameters.values() if p.name != "self"]
    if all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in theirs) and kind != "Identity":
        assert ours == ()  # Sigmoid(*args, **kwargs) takes no arguments in practice
        return
    assert [a.name for a in ours] == [p.name for p in theirs]
    assert [a.keyword_only for a in ours] == [p.kind == p.KEYWORD_ONLY for p in theirs]
    for argument, parameter in zip(ours, theirs, strict=False):
        if parameter.default is inspect.Parameter.empty:
            assert argument.default is REQUIRED or argument.variadic, argument.name
        elif isinstance(parameter.default, (int, float, str, bool, type(None))):
            assert argument.default == parameter.default, argument.name


# Parameter-free layers: built with their required arguments, torch has no parameters either.
_REQUIRED_ARGUMENTS = {
    "Threshold": {"threshold": 0.1, "value": 0.0},
    "LPPool1d": {"norm_type": 2.0, "kernel_size": 2},
    "LPPool2d": {"norm_type": 2.0, "kernel_size": 2},
    "LPPool3d": {"norm_type": 2.0, "kernel_size": 2},
    "Unflatten": {"dim": 1, "unflattened_size": [2, 2]},
    "Fold": {"output_size": [4, 4], "kernel_size": 2},
    "ChannelShuffle": {"groups": 2},
    "PixelShuffle": {"upscale_factor": 2},
    "PixelUnshuffle": {"downscale_factor": 2},
    "LocalResponseNorm": {"size": 2},
    "CrossMapLRN2d": {"size": 2},
    "FractionalMaxPool2d": {"kernel_size": 2, "output_size": 2},
    "FractionalMaxPool3d": {"kernel_size": 2, "output_size": 2},
}


@pytest.mark.parametrize(
    "kind", sorted(name for name in LAYERS if name not in STRATEGIES and name not in CONTAINERS and name != "Parameter")
)
def test_parameter_free_layers(kind):
    args = dict(_REQUIRED_ARGUMENTS.get(kind, {}))
    for argument in LAYERS[kind].signature:
        if argument.default is REQUIRED and not argument.variadic and argument.name not in args:
            args[argument.name] = 2  # kernel_size, padding, output_size, ...
    with torch.device("meta"):
        assert torch_counts(getattr(nn, kind)(**args))[:2] == (0, 0)
    text = f"  - Linear: [3, 8]\n  - {kind}: {json.dumps(args)}\n"
    assert checker_counts(text)[:2] == (32, 32)


def test_every_torch_nn_class_is_in_the_catalogue_or_documented_as_not():
    """Each torch.nn module class is a catalogue layer, or docs/spec.md's table says why it is not."""
    from pathlib import Path

    docs = (Path(__file__).parent.parent / "docs" / "spec.md").read_text()
    table = docs[docs.index("| class | why |") :]
    documented = {name for row in table.splitlines()[2:] if row.startswith("|") for name in _class_names(row)}
    classes = {
        name
        for name, value in vars(nn).items()
        if inspect.isclass(value) and issubclass(value, nn.Module) and not name.startswith("_")
    }
    assert classes - set(LAYERS) - documented == set()
    assert documented & set(LAYERS) == set()


def _class_names(row):
    """`LazyConv1d/2d/3d, Module` -> LazyConv1d, LazyConv2d, LazyConv3d, Module."""
    names = []
    for written in row.split("|")[1].split(","):
        first, *others = written.strip().split("/")
        names.append(first)
        stem = first.rstrip("0123456789d")
        names += [stem + other for other in others]
    return names
