"""The layer catalogue: one entry per torch.nn class.

Each entry gives the class's constructor signature (same names, order and
defaults as torch 2.13), the parameters it creates (torch's own names and
shapes), its buffers, the feature size it outputs, and the checks torch makes
before building it. Adding a layer is adding one entry.

Signature syntax: `name: kind = default`, comma-separated; `*` starts the
keyword-only arguments, `*name` collects positional arguments, `**name` takes
any keywords. Kinds:
  size      an integer >= 0 (an expression is allowed)
  positive  an integer >= 1
  int       any integer
  float     any number
  bool      true or false
  ints      an integer or a list of integers (kernel sizes, strides)
  shape     an integer or a list of sizes (normalized_shape)
  str       any string, read literally
  {a;b}     one of these strings, read literally
  any       accepted and not used for counting (device, dtype)
  null      only null: torch takes an object a spec cannot write
  layer     a model node (a layer name, or a mapping with one layer or block), counted as a
            submodule that sees the running size (TransformerEncoder's encoder_layer)
Kinds combine with `|` (`ints|{same;valid}`); a trailing `?` also accepts null.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import cached_property
from types import SimpleNamespace

from ..records import NamedTuple

REQUIRED = object()

# Arguments that may be omitted and then take the running feature size.
INPUT_SIZE_ARGUMENTS = (
    "in_features",
    "in_channels",
    "num_features",
    "normalized_shape",
    "num_channels",
    "input_size",
    "embed_dim",
    "d_model",
)

FACTORY = "device: any = None, dtype: any = None"


class Tensor(NamedTuple):
    """One parameter (or buffer) as torch names it; `copies` stacks identical ones."""

    name: str
    shape: tuple[int, ...]
    copies: int = 1
    trainable: bool = True
    embedding: bool = False  # a lookup table's (counting marks them: see counting.EMBEDDING_LAYERS)

    @property
    def numel(self) -> int:
        return math.prod(self.shape) * self.copies


class Argument:
    """One argument of a layer's signature: its kinds, default, and how it may be written.

    A plain class, as Layer is: a dataclass's generated methods cost start-up time."""

    def __init__(
        self,
        name: str,
        kinds: tuple[str, ...],
        choices: frozenset[str],
        optional: bool,
        default: object,
        keyword_only: bool = False,
        variadic: str = "",  # "*" collects positionals, "**" takes any keywords
    ) -> None:
        self.name = name
        self.kinds = kinds
        self.choices = choices
        self.optional = optional
        self.default = default
        self.keyword_only = keyword_only
        self.variadic = variadic

    def __repr__(self) -> str:
        return f"Argument({self.name!r}, {self.kinds!r})"

    def changed(
        self,
        kinds: tuple[str, ...] | None = None,
        choices: frozenset[str] | None = None,
        optional: bool | None = None,
        variadic: str | None = None,
    ) -> Argument:
        """This argument with other kinds, choices, optionality or variadic mark."""
        return Argument(
            self.name,
            self.kinds if kinds is None else kinds,
            self.choices if choices is None else choices,
            self.optional if optional is None else optional,
            self.default,
            self.keyword_only,
            self.variadic if variadic is None else variadic,
        )

    @cached_property
    def one(self) -> Argument:
        """One of the values a `*` argument collects."""
        return self.changed(variadic="")

    @cached_property
    def element(self) -> Argument:
        """One element of a list given for a sequence argument (`kernel_size: [3, 3]`)."""
        return self.changed(
            kinds=tuple(k for k in self.kinds if k not in ("ints", "choice")) or ("int",), optional=False
        )


TensorTable = dict[str, tuple[int, ...] | Tensor | None]  # name -> shape, Tensor, or None (absent)
OutputSize = Callable[[SimpleNamespace, int | None], int | None]  # arguments, input size -> output size


class Submodule:
    """A `layer` argument once counted: the tensors it holds, named inside it, and its output size.

    Not a tuple: it is an argument's value, and a tuple there would read as a list of sizes."""

    def __init__(self, params: tuple[Tensor, ...], buffers: tuple[Tensor, ...], output: int | None) -> None:
        self.params = params
        self.buffers = buffers
        self.output = output

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Submodule) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"Submodule({self.params!r}, {self.buffers!r}, {self.output!r})"

    def _values(self) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...], int | None]:
        return self.params, self.buffers, self.output

    def table(self, prefix: str, copies: int = 1, buffers: bool = False) -> TensorTable:
        """Its tensors under `prefix` (`layers.0..5.linear1.weight`), `copies` of each."""
        return stack(copies, prefix, {t.name: t for t in (self.buffers if buffers else self.params)})


def _no_tensors(args: SimpleNamespace) -> TensorTable:
    return {}


def _same_size(args: SimpleNamespace, size: int | None) -> int | None:
    return size


class Layer:
    """A torch.nn layer: its signature, and the tensors and output size its arguments give.

    The catalogue is made at import: a plain class costs start-up less than a dataclass would."""

    def __init__(
        self,
        name: str,
        signature_text: str,
        params: Callable[[SimpleNamespace], TensorTable] = _no_tensors,
        output: OutputSize = _same_size,
        buffers: Callable[[SimpleNamespace], TensorTable] = _no_tensors,
        requires: tuple[tuple[Callable[[SimpleNamespace], bool], str], ...] = (),
    ) -> None:
        self.name = name
        self.signature_text = signature_text
        self.params = params
        self.output = output
        self.buffers = buffers
        self.requires = requires

    def __repr__(self) -> str:
        return f"Layer({self.name!r})"

    @cached_property
    def signature(self) -> tuple[Argument, ...]:
        return _parse_signature(self.signature_text)

    @cached_property
    def positional(self) -> tuple[Argument, ...]:
        """The arguments that may be written by position, in order."""
        return tuple(a for a in self.signature if not a.keyword_only and a.variadic != "**")

    @cached_property
    def keywords(self) -> frozenset[str]:
        """The arguments that may be written by name."""
        return frozenset(a.name for a in self.signature if a.variadic != "**")

    @cached_property
    def takes_any_keyword(self) -> bool:
        return any(a.variadic == "**" for a in self.signature)

    @property
    def has_parameters(self) -> bool:
        return self.params is not _no_tensors

    @cached_property
    def input_argument(self) -> str | None:
        for argument in self.signature:
            if argument.name in INPUT_SIZE_ARGUMENTS:
                return argument.name
        return None

    def parameters(self, args: SimpleNamespace) -> tuple[Tensor, ...]:
        return _tensors(self.params(args))

    def buffer_tensors(self, args: SimpleNamespace) -> tuple[Tensor, ...]:
        return _tensors(self.buffers(args))

    def refusal(self, args: SimpleNamespace) -> str | None:
        """The message torch would raise for these arguments, if any."""
        for holds, message in self.requires:
            if not holds(args):
                return message
        return None


def _tensors(table: TensorTable) -> tuple[Tensor, ...]:
    tensors = []
    for name, value in table.items():
        if value is None:
            continue
        tensors.append(value if isinstance(value, Tensor) else Tensor(name, tuple(value)))
    return tuple(tensors)


def _parse_signature(text: str) -> tuple[Argument, ...]:
    arguments, keyword_only = [], False
    for part in (piece.strip() for piece in text.split(",") if piece.strip()):
        if part == "*":
            keyword_only = True
            continue
        declaration, _, default_text = part.partition("=")
        name, _, kind_text = declaration.partition(":")
        name, kind_text = name.strip(), kind_text.strip() or "any"
        variadic = "**" if name.startswith("**") else "*" if name.startswith("*") else ""
        optional = kind_text.endswith("?")
        kinds: list[str] = []
        choices: set[str] = set()
        for kind in kind_text.rstrip("?").split("|"):
            if kind.startswith("{"):
                choices.update(choice.strip() for choice in kind.strip("{}").split(";"))
                kinds.append("choice")
            else:
                kinds.append(kind)
        default = _default(default_text.strip()) if default_text else REQUIRED
        arguments.append(
            Argument(name.lstrip("*"), tuple(kinds), frozenset(choices), optional, default, keyword_only, variadic)
        )
    return tuple(arguments)


def _default(text: str) -> object:
    """A default as written in a signature: a number, True/False/None, or a word."""
    words = {"None": None, "True": True, "False": False, "()": ()}
    if text in words:
        return words[text]
    for number_type in (int, float):
        try:
            return number_type(text)
        except ValueError:
            pass
    return text


def stack(copies: int, prefix: str, table: TensorTable) -> TensorTable:
    """`copies` identical modules under `prefix`, counted without a loop."""
    stacked: TensorTable = {}
    for tensor in _tensors(table):
        name = f"{prefix}.{tensor.name}"
        stacked[name] = Tensor(name, tensor.shape, tensor.copies * copies, tensor.trainable)
    return stacked


def nested(prefix: str, table: TensorTable) -> TensorTable:
    return stack(1, prefix, table)


def _layer_range(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}..{last}"


# ---------------------------------------------------------------- formulas
def _linear(in_features: int, out_features: int, bias: bool) -> TensorTable:
    return {"weight": (out_features, in_features), "bias": (out_features,) if bias else None}


def _kernel(kernel_size: int | tuple[int, ...], dims: int) -> tuple[int, ...]:
    return tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * dims


def _conv(dims: int, transposed: bool) -> Callable[[SimpleNamespace], TensorTable]:
    def params(a: SimpleNamespace) -> TensorTable:
        kernel = _kernel(a.kernel_size, dims)
        if transposed:
            weight = (a.in_channels, a.out_channels // a.groups, *kernel)
        else:
            weight = (a.out_channels, a.in_channels // a.groups, *kernel)
        return {"weight": weight, "bias": (a.out_channels,) if a.bias else None}

    return params


def _batch_norm_params(a: SimpleNamespace) -> TensorTable:
    if not a.affine:
        return {}
    return {"weight": (a.num_features,), "bias": (a.num_features,) if a.bias else None}


def _running_stats(a: SimpleNamespace) -> TensorTable:
    if not a.track_running_stats:
        return {}
    return {"running_mean": (a.num_features,), "running_var": (a.num_features,), "num_batches_tracked": ()}


def _normalized(shape: int | tuple[int, ...]) -> tuple[int, ...]:
    return tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)


def _last(shape: int | tuple[int, ...]) -> int | None:
    return _normalized(shape)[-1] if _normalized(shape) else None


def _layer_norm(d: int, bias: bool = True) -> TensorTable:
    return {"weight": (d,), "bias": (d,) if bias else None}


def _rnn(gates: int) -> Callable[[SimpleNamespace], TensorTable]:
    """RNN, LSTM (4 gates) and GRU (3 gates): per layer and direction, two
    weights and two bias vectors (torch keeps both for cuDNN), plus LSTM's
    projection; layers after the first see the (projected) output of both
    directions."""

    def params(a: SimpleNamespace) -> TensorTable:
        proj_size = getattr(a, "proj_size", 0)
        real_hidden = proj_size or a.hidden_size
        directions = ("", "_reverse") if a.bidirectional else ("",)
        gate_size = gates * a.hidden_size
        table: TensorTable = {}
        layers = ((0, 0, a.input_size), (1, a.num_layers - 1, real_hidden * len(directions)))
        for first, last, layer_input in layers:
            copies = last - first + 1
            if copies <= 0:
                continue
            for suffix in directions:
                tag = f"_l{_layer_range(first, last)}{suffix}"
                shapes = {
                    "weight_ih": (gate_size, layer_input),
                    "weight_hh": (gate_size, real_hidden),
                    "bias_ih": (gate_size,) if a.bias else None,
                    "bias_hh": (gate_size,) if a.bias else None,
                    "weight_hr": (proj_size, a.hidden_size) if proj_size else None,
                }
                for name, shape in shapes.items():
                    if shape is not None:
                        table[name + tag] = Tensor(name + tag, shape, copies)
        return table

    return params


def _rnn_output(a: SimpleNamespace, size: int | None) -> int:
    return (getattr(a, "proj_size", 0) or a.hidden_size) * (2 if a.bidirectional else 1)


def _cell(gates: int) -> Callable[[SimpleNamespace], TensorTable]:
    def params(a: SimpleNamespace) -> TensorTable:
        return {
            "weight_ih": (gates * a.hidden_size, a.input_size),
            "weight_hh": (gates * a.hidden_size, a.hidden_size),
            "bias_ih": (gates * a.hidden_size,) if a.bias else None,
            "bias_hh": (gates * a.hidden_size,) if a.bias else None,
        }

    return params


def _attention(
    e: int, bias: bool = True, kdim: int | None = None, vdim: int | None = None, add_bias_kv: bool = False
) -> TensorTable:
    kdim = e if kdim is None else kdim
    vdim = e if vdim is None else vdim
    if kdim == e and vdim == e:
        projections: TensorTable = {"in_proj_weight": (3 * e, e)}
    else:
        projections = {"q_proj_weight": (e, e), "k_proj_weight": (e, kdim), "v_proj_weight": (e, vdim)}
    return {
        **projections,
        "in_proj_bias": (3 * e,) if bias else None,
        "bias_k": (1, 1, e) if add_bias_kv else None,
        "bias_v": (1, 1, e) if add_bias_kv else None,
        **nested("out_proj", _linear(e, e, bias)),
    }


def _encoder_layer(d: int, ff: int, bias: bool) -> TensorTable:
    return {
        **nested("self_attn", _attention(d, bias)),
        **nested("linear1", _linear(d, ff, bias)),
        **nested("linear2", _linear(ff, d, bias)),
        **nested("norm1", _layer_norm(d, bias)),
        **nested("norm2", _layer_norm(d, bias)),
    }


def _decoder_layer(d: int, ff: int, bias: bool) -> TensorTable:
    return {
        **nested("self_attn", _attention(d, bias)),
        **nested("multihead_attn", _attention(d, bias)),
        **nested("linear1", _linear(d, ff, bias)),
        **nested("linear2", _linear(ff, d, bias)),
        **nested("norm1", _layer_norm(d, bias)),
        **nested("norm2", _layer_norm(d, bias)),
        **nested("norm3", _layer_norm(d, bias)),
    }


def _transformer(a: SimpleNamespace, buffers: bool) -> TensorTable:
    """The encoder and decoder stacks it builds, each replaced by the module given as custom_encoder or
    custom_decoder (any module: torch keeps it as it is)."""
    d, ff, bias = a.d_model, a.dim_feedforward, a.bias
    table: TensorTable = {}
    for part, depth, layer in (
        ("encoder", a.num_encoder_layers, _encoder_layer),
        ("decoder", a.num_decoder_layers, _decoder_layer),
    ):
        custom: Submodule | None = getattr(a, f"custom_{part}")
        if custom is not None:
            table.update(custom.table(part, buffers=buffers))
        elif not buffers:  # the stack torch builds holds none
            table.update(stack(depth, f"{part}.layers.{_layer_range(0, depth - 1)}", layer(d, ff, bias)))
            table.update(nested(f"{part}.norm", _layer_norm(d, bias)))
    return table


def _layer_stack(name: str, layer_argument: str, extra_signature: str = "") -> Layer:
    """TransformerEncoder and TransformerDecoder: num_layers deep copies of the layer, then the norm."""

    def tensors(a: SimpleNamespace, buffers: bool) -> TensorTable:
        layers = f"layers.{_layer_range(0, a.num_layers - 1)}"
        layer: Submodule = getattr(a, layer_argument)
        table = layer.table(layers, a.num_layers, buffers)
        if a.norm is not None:
            table.update(a.norm.table("norm", buffers=buffers))
        return table

    return Layer(
        name,
        f"{layer_argument}: layer, num_layers: positive, norm: layer? = None{extra_signature}",
        params=lambda a: tensors(a, buffers=False),
        buffers=lambda a: tensors(a, buffers=True),
        output=lambda a, size: getattr(a, layer_argument).output,
    )


def _adaptive_softmax(a: SimpleNamespace) -> TensorTable:
    """A head over the shortlist and one cluster token per cluster, then a two-Linear tail per cluster,
    each narrower by div_value (computed as torch does, in floats)."""
    cutoffs = [*a.cutoffs, a.n_classes]
    table: TensorTable = dict(nested("head", _linear(a.in_features, cutoffs[0] + len(cutoffs) - 1, a.head_bias)))
    for i in range(len(cutoffs) - 1):
        hidden = int(a.in_features // (a.div_value ** (i + 1)))
        table.update(nested(f"tail.{i}.0", _linear(a.in_features, hidden, False)))
        table.update(nested(f"tail.{i}.1", _linear(hidden, cutoffs[i + 1] - cutoffs[i], False)))
    return table


def _cutoffs_valid(a: SimpleNamespace) -> bool:
    cutoffs = list(a.cutoffs)
    return cutoffs == sorted(set(cutoffs)) and cutoffs[0] > 0 and cutoffs[-1] <= a.n_classes - 1


def _divides(numerator: str, denominator: str) -> Callable[[SimpleNamespace], bool]:
    return lambda a: getattr(a, denominator) > 0 and getattr(a, numerator) % getattr(a, denominator) == 0


def _padding_strings_unstrided(a: SimpleNamespace) -> bool:
    return a.padding != "same" or all(s == 1 for s in _kernel(a.stride, 1))


_CONV_CHECKS = (
    (lambda a: a.groups > 0, "groups must be a positive integer"),
    (_divides("in_channels", "groups"), "in_channels must be divisible by groups"),
    (_divides("out_channels", "groups"), "out_channels must be divisible by groups"),
)
_PADDING_MODES = "{zeros;reflect;replicate;circular}"


def _conv_layer(name: str, dims: int) -> Layer:
    return Layer(
        name,
        "in_channels: size, out_channels: size, kernel_size: ints, stride: ints = 1, "
        "padding: ints|{same;valid} = 0, dilation: ints = 1, groups: positive = 1, bias: bool = True, "
        f"padding_mode: {_PADDING_MODES} = zeros, {FACTORY}",
        params=_conv(dims, transposed=False),
        output=lambda a, size: a.out_channels,
        requires=(
            *_CONV_CHECKS,
            (_padding_strings_unstrided, "padding='same' is not supported for strided convolutions"),
        ),
    )


def _conv_transpose_layer(name: str, dims: int) -> Layer:
    return Layer(
        name,
        "in_channels: size, out_channels: size, kernel_size: ints, stride: ints = 1, padding: ints = 0, "
        "output_padding: ints = 0, groups: positive = 1, bias: bool = True, dilation: ints = 1, "
        f"padding_mode: {_PADDING_MODES} = zeros, {FACTORY}",
        params=_conv(dims, transposed=True),
        output=lambda a, size: a.out_channels,
        requires=(
            *_CONV_CHECKS,
            (lambda a: a.padding_mode == "zeros", f'Only "zeros" padding mode is supported for {name}'),
        ),
    )


def _batch_norm_layer(
    name: str, momentum: str = "float? = 0.1", affine: str = "True", track: str = "True", extra: str = ""
) -> Layer:
    return Layer(
        name,
        f"num_features: size, eps: float = 1e-05, momentum: {momentum}, affine: bool = {affine}, "
        f"track_running_stats: bool = {track}, {extra}{FACTORY}, *, bias: bool = True",
        params=_batch_norm_params,
        buffers=_running_stats,
        output=lambda a, size: a.num_features,
    )


def _instance_norm_layer(name: str) -> Layer:
    return _batch_norm_layer(name, momentum="float = 0.1", affine="False", track="False")


def _free(name: str, signature: str = "", output: OutputSize = lambda a, size: size) -> Layer:
    """A layer without parameters."""
    return Layer(name, signature, output=output)


def unknown_size(a: SimpleNamespace, size: int | None) -> None:
    """The output size of layers that reshape (Flatten): unknown to a spec."""
    return


def _pixel_shuffle(a: SimpleNamespace, size: int | None) -> int | None:
    if size is None or a.upscale_factor <= 0 or size % (a.upscale_factor**2):
        return None
    factor: int = a.upscale_factor
    return size // factor**2


_INPLACE = "inplace: bool = False"
_DROPOUT = "p: float = 0.5, inplace: bool = False"
_POOL = (
    "kernel_size: ints, stride: ints? = None, padding: ints = 0, dilation: ints = 1, "
    "return_indices: bool = False, ceil_mode: bool = False"
)
_AVG_POOL = (
    "kernel_size: ints, stride: ints? = None, padding: ints = 0, ceil_mode: bool = False, "
    "count_include_pad: bool = True, divisor_override: int? = None"
)
_LP_POOL = "norm_type: float, kernel_size: ints, stride: ints? = None, ceil_mode: bool = False"
_UNPOOL = "kernel_size: ints, stride: ints? = None, padding: ints = 0"
_UPSAMPLE = "size: ints? = None, scale_factor: float|ints? = None"

LAYERS: Mapping[str, Layer] = {
    layer.name: layer
    for layer in (
        # ---------------------------------------------------- with parameters
        Layer(
            "Linear",
            f"in_features: size, out_features: size, bias: bool = True, {FACTORY}",
            params=lambda a: _linear(a.in_features, a.out_features, a.bias),
            output=lambda a, size: a.out_features,
        ),
        Layer(
            "Bilinear",
            f"in1_features: size, in2_features: size, out_features: size, bias: bool = True, {FACTORY}",
            params=lambda a: {
                "weight": (a.out_features, a.in1_features, a.in2_features),
                "bias": (a.out_features,) if a.bias else None,
            },
            output=lambda a, size: a.out_features,
            requires=((lambda a: a.in1_features > 0, "in1_features must be > 0"),),
        ),
        _conv_layer("Conv1d", 1),
        _conv_layer("Conv2d", 2),
        _conv_layer("Conv3d", 3),
        _conv_transpose_layer("ConvTranspose1d", 1),
        _conv_transpose_layer("ConvTranspose2d", 2),
        _conv_transpose_layer("ConvTranspose3d", 3),
        Layer(
            "Embedding",
            "num_embeddings: size, embedding_dim: size, padding_idx: int? = None, max_norm: float? = None, "
            "norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False, "
            f"_weight: null = None, _freeze: bool = False, {FACTORY}",
            params=lambda a: {"weight": Tensor("weight", (a.num_embeddings, a.embedding_dim), trainable=not a._freeze)},
            output=lambda a, size: a.embedding_dim,
            requires=(
                (
                    lambda a: a.padding_idx is None or -a.num_embeddings <= a.padding_idx < a.num_embeddings,
                    "Padding_idx must be within num_embeddings",
                ),
            ),
        ),
        Layer(
            "EmbeddingBag",
            "num_embeddings: size, embedding_dim: size, max_norm: float? = None, norm_type: float = 2.0, "
            "scale_grad_by_freq: bool = False, mode: {sum;mean;max} = mean, sparse: bool = False, "
            f"_weight: null = None, include_last_offset: bool = False, padding_idx: int? = None, {FACTORY}",
            params=lambda a: {"weight": (a.num_embeddings, a.embedding_dim)},
            output=lambda a, size: a.embedding_dim,
        ),
        _batch_norm_layer("BatchNorm1d"),
        _batch_norm_layer("BatchNorm2d"),
        _batch_norm_layer("BatchNorm3d"),
        _batch_norm_layer("SyncBatchNorm", extra="process_group: any = None, "),
        _instance_norm_layer("InstanceNorm1d"),
        _instance_norm_layer("InstanceNorm2d"),
        _instance_norm_layer("InstanceNorm3d"),
        Layer(
            "LayerNorm",
            "normalized_shape: shape, eps: float = 1e-05, elementwise_affine: bool = True, "
            f"bias: bool = True, {FACTORY}",
            params=lambda a: {
                "weight": _normalized(a.normalized_shape) if a.elementwise_affine else None,
                "bias": _normalized(a.normalized_shape) if a.elementwise_affine and a.bias else None,
            },
            output=lambda a, size: _last(a.normalized_shape),
        ),
        Layer(
            "RMSNorm",
            f"normalized_shape: shape, eps: float? = None, elementwise_affine: bool = True, {FACTORY}",
            params=lambda a: {"weight": _normalized(a.normalized_shape) if a.elementwise_affine else None},
            output=lambda a, size: _last(a.normalized_shape),
        ),
        Layer(
            "GroupNorm",
            f"num_groups: positive, num_channels: size, eps: float = 1e-05, affine: bool = True, {FACTORY}, "
            "*, bias: bool = True",
            params=lambda a: _layer_norm(a.num_channels, a.bias) if a.affine else {},
            output=lambda a, size: a.num_channels,
            requires=((_divides("num_channels", "num_groups"), "num_channels must be divisible by num_groups"),),
        ),
        Layer(
            "RNN",
            "input_size: positive, hidden_size: positive, num_layers: positive = 1, nonlinearity: {tanh;relu} = tanh, "
            "bias: bool = True, batch_first: bool = False, dropout: float = 0.0, "
            f"bidirectional: bool = False, {FACTORY}",
            params=_rnn(gates=1),
            output=_rnn_output,
        ),
        Layer(
            "LSTM",
            "input_size: positive, hidden_size: positive, num_layers: positive = 1, bias: bool = True, "
            "batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: size = 0, "
            f"{FACTORY}",
            params=_rnn(gates=4),
            output=_rnn_output,
            requires=((lambda a: a.proj_size < a.hidden_size, "proj_size has to be smaller than hidden_size"),),
        ),
        Layer(
            "GRU",
            "input_size: positive, hidden_size: positive, num_layers: positive = 1, bias: bool = True, "
            f"batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, {FACTORY}",
            params=_rnn(gates=3),
            output=_rnn_output,
        ),
        Layer(
            "RNNCell",
            f"input_size: size, hidden_size: size, bias: bool = True, nonlinearity: {{tanh;relu}} = tanh, {FACTORY}",
            params=_cell(gates=1),
            output=lambda a, size: a.hidden_size,
        ),
        Layer(
            "LSTMCell",
            f"input_size: size, hidden_size: size, bias: bool = True, {FACTORY}",
            params=_cell(gates=4),
            output=lambda a, size: a.hidden_size,
        ),
        Layer(
            "GRUCell",
            f"input_size: size, hidden_size: size, bias: bool = True, {FACTORY}",
            params=_cell(gates=3),
            output=lambda a, size: a.hidden_size,
        ),
        Layer(
            "MultiheadAttention",
            "embed_dim: positive, num_heads: positive, dropout: float = 0.0, bias: bool = True, "
            "add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: size? = None, vdim: size? = None, "
            f"batch_first: bool = False, {FACTORY}",
            params=lambda a: _attention(a.embed_dim, a.bias, a.kdim, a.vdim, a.add_bias_kv),
            output=lambda a, size: a.embed_dim,
            requires=((_divides("embed_dim", "num_heads"), "embed_dim must be divisible by num_heads"),),
        ),
        Layer(
            "TransformerEncoderLayer",
            "d_model: positive, nhead: positive, dim_feedforward: size = 2048, dropout: float = 0.1, "
            "activation: {relu;gelu} = relu, layer_norm_eps: float = 1e-05, batch_first: bool = False, "
            f"norm_first: bool = False, bias: bool = True, {FACTORY}",
            params=lambda a: _encoder_layer(a.d_model, a.dim_feedforward, a.bias),
            output=lambda a, size: a.d_model,
            requires=((_divides("d_model", "nhead"), "embed_dim must be divisible by num_heads"),),
        ),
        Layer(
            "TransformerDecoderLayer",
            "d_model: positive, nhead: positive, dim_feedforward: size = 2048, dropout: float = 0.1, "
            "activation: {relu;gelu} = relu, layer_norm_eps: float = 1e-05, batch_first: bool = False, "
            f"norm_first: bool = False, bias: bool = True, {FACTORY}",
            params=lambda a: _decoder_layer(a.d_model, a.dim_feedforward, a.bias),
            output=lambda a, size: a.d_model,
            requires=((_divides("d_model", "nhead"), "embed_dim must be divisible by num_heads"),),
        ),
        Layer(
            "Transformer",
            "d_model: positive = 512, nhead: positive = 8, num_encoder_layers: positive = 6, "
            "num_decoder_layers: positive = 6, dim_feedforward: size = 2048, dropout: float = 0.1, "
            "activation: {relu;gelu} = relu, custom_encoder: layer? = None, custom_decoder: layer? = None, "
            "layer_norm_eps: float = 1e-05, batch_first: bool = False, norm_first: bool = False, "
            f"bias: bool = True, {FACTORY}",
            params=lambda a: _transformer(a, buffers=False),
            buffers=lambda a: _transformer(a, buffers=True),
            output=lambda a, size: a.d_model,
            requires=((_divides("d_model", "nhead"), "embed_dim must be divisible by num_heads"),),
        ),
        _layer_stack(
            "TransformerEncoder", "encoder_layer", ", enable_nested_tensor: bool = True, mask_check: bool = True"
        ),
        _layer_stack("TransformerDecoder", "decoder_layer"),
        Layer(
            "AdaptiveLogSoftmaxWithLoss",
            f"in_features: positive, n_classes: positive, cutoffs: ints, div_value: float = 4.0, "
            f"head_bias: bool = False, {FACTORY}",
            params=_adaptive_softmax,
            output=unknown_size,  # it returns an (output, loss) pair
            requires=(
                (lambda a: len(a.cutoffs) > 0, "cutoffs should be a sequence of length larger than 0"),
                (
                    _cutoffs_valid,
                    "cutoffs should be a sequence of unique, positive integers sorted in an "
                    "increasing order, where each value is between 1 and n_classes-1",
                ),
            ),
        ),
        Layer(
            "LinearCrossEntropyLoss",
            f"in_features: positive, num_classes: positive, *, out_features: ints = (), bias: bool = False, "
            f"{FACTORY}, reduction: {{none;mean;sum}} = mean, weight: null = None, ignore_index: int? = None, "
            "label_smoothing: float = 0.0, options: null = None",
            params=lambda a: nested(
                "linear", _linear(a.in_features, math.prod(_normalized(a.out_features), start=a.num_classes), a.bias)
            ),
            output=unknown_size,  # a loss
        ),
        Layer(
            "PReLU",
            f"num_parameters: size = 1, init: float = 0.25, {FACTORY}",
            params=lambda a: {"weight": (a.num_parameters,)},
        ),
        # A bare nn.Parameter, sized like torch.empty(*size).
        Layer(
            "Parameter",
            "*size: size, requires_grad: bool = True",
            params=lambda a: {"": Tensor("", tuple(a.size), trainable=a.requires_grad)},
        ),
        # ------------------------------------------------- without parameters
        _free("Identity", "*args: any, **kwargs: any"),
        _free("ReLU", _INPLACE),
        _free("ReLU6", _INPLACE),
        _free("SELU", _INPLACE),
        _free("SiLU", _INPLACE),
        _free("Mish", _INPLACE),
        _free("Hardsigmoid", _INPLACE),
        _free("Hardswish", _INPLACE),
        _free("GELU", "approximate: {none;tanh} = none"),
        _free("ELU", "alpha: float = 1.0, inplace: bool = False"),
        _free("CELU", "alpha: float = 1.0, inplace: bool = False"),
        _free("LeakyReLU", "negative_slope: float = 0.01, inplace: bool = False"),
        _free("RReLU", "lower: float = 0.125, upper: float = 0.3333333333333333, inplace: bool = False"),
        _free(
            "Hardtanh",
            "min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False, "
            "min_value: float? = None, max_value: float? = None",
        ),
        _free("Threshold", "threshold: float, value: float, inplace: bool = False"),
        _free("Hardshrink", "lambd: float = 0.5"),
        _free("Softshrink", "lambd: float = 0.5"),
        _free("Softplus", "beta: float = 1.0, threshold: float = 20.0"),
        _free("Sigmoid"),
        _free("Tanh"),
        _free("Tanhshrink"),
        _free("Softsign"),
        _free("LogSigmoid"),
        _free("Softmax", "dim: int? = None"),
        _free("Softmin", "dim: int? = None"),
        _free("LogSoftmax", "dim: int? = None"),
        _free("Softmax2d"),
        _free("GLU", "dim: int = -1", output=lambda a, size: None if size is None or size % 2 else size // 2),
        _free("Dropout", _DROPOUT),
        _free("Dropout1d", _DROPOUT),
        _free("Dropout2d", _DROPOUT),
        _free("Dropout3d", _DROPOUT),
        _free("AlphaDropout", _DROPOUT),
        _free("FeatureAlphaDropout", _DROPOUT),
        _free("MaxPool1d", _POOL),
        _free("MaxPool2d", _POOL),
        _free("MaxPool3d", _POOL),
        _free(
            "AvgPool1d",
            "kernel_size: ints, stride: ints? = None, padding: ints = 0, ceil_mode: bool = False, "
            "count_include_pad: bool = True",
        ),
        _free("AvgPool2d", _AVG_POOL),
        _free("AvgPool3d", _AVG_POOL),
        _free("LPPool1d", _LP_POOL),
        _free("LPPool2d", _LP_POOL),
        _free("LPPool3d", _LP_POOL),
        _free("MaxUnpool1d", _UNPOOL),
        _free("MaxUnpool2d", _UNPOOL),
        _free("MaxUnpool3d", _UNPOOL),
        _free("AdaptiveAvgPool1d", "output_size: ints?"),
        _free("AdaptiveAvgPool2d", "output_size: ints?"),
        _free("AdaptiveAvgPool3d", "output_size: ints?"),
        _free("AdaptiveMaxPool1d", "output_size: ints?, return_indices: bool = False"),
        _free("AdaptiveMaxPool2d", "output_size: ints?, return_indices: bool = False"),
        _free("AdaptiveMaxPool3d", "output_size: ints?, return_indices: bool = False"),
        _free(
            "FractionalMaxPool2d",
            "kernel_size: ints, output_size: ints? = None, output_ratio: float|ints? = None, "
            "return_indices: bool = False, _random_samples: null = None",
        ),
        _free(
            "FractionalMaxPool3d",
            "kernel_size: ints, output_size: ints? = None, output_ratio: float|ints? = None, "
            "return_indices: bool = False, _random_samples: null = None",
        ),
        _free("LocalResponseNorm", "size: positive, alpha: float = 0.0001, beta: float = 0.75, k: float = 1.0"),
        _free("CrossMapLRN2d", "size: positive, alpha: float = 0.0001, beta: float = 0.75, k: float = 1"),
        _free("ZeroPad1d", "padding: ints"),
        _free("ZeroPad2d", "padding: ints"),
        _free("ZeroPad3d", "padding: ints"),
        _free("ConstantPad1d", "padding: ints, value: float"),
        _free("ConstantPad2d", "padding: ints, value: float"),
        _free("ConstantPad3d", "padding: ints, value: float"),
        _free("ReflectionPad1d", "padding: ints"),
        _free("ReflectionPad2d", "padding: ints"),
        _free("ReflectionPad3d", "padding: ints"),
        _free("ReplicationPad1d", "padding: ints"),
        _free("ReplicationPad2d", "padding: ints"),
        _free("ReplicationPad3d", "padding: ints"),
        _free("CircularPad1d", "padding: ints"),
        _free("CircularPad2d", "padding: ints"),
        _free("CircularPad3d", "padding: ints"),
        _free(
            "Upsample",
            f"{_UPSAMPLE}, mode: {{nearest;linear;bilinear;bicubic;trilinear;area;nearest-exact}} = "
            "nearest, align_corners: bool? = None, recompute_scale_factor: bool? = None",
        ),
        _free("UpsamplingNearest2d", _UPSAMPLE),
        _free("UpsamplingBilinear2d", _UPSAMPLE),
        _free("ChannelShuffle", "groups: positive"),
        _free("PixelShuffle", "upscale_factor: positive", output=_pixel_shuffle),
        _free(
            "PixelUnshuffle",
            "downscale_factor: positive",
            output=lambda a, size: None if size is None else size * a.downscale_factor**2,
        ),
        _free("Flatten", "start_dim: int = 1, end_dim: int = -1", output=unknown_size),
        _free("Unflatten", "dim: int, unflattened_size: ints", output=unknown_size),
        _free(
            "Fold",
            "output_size: ints, kernel_size: ints, dilation: ints = 1, padding: ints = 0, stride: ints = 1",
            output=unknown_size,
        ),
        _free(
            "Unfold", "kernel_size: ints, dilation: ints = 1, padding: ints = 0, stride: ints = 1", output=unknown_size
        ),
        _free("CosineSimilarity", "dim: int = 1, eps: float = 1e-08", output=unknown_size),
        _free("PairwiseDistance", "p: float = 2.0, eps: float = 1e-06, keepdim: bool = False", output=unknown_size),
    )
}
