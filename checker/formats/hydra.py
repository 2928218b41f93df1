"""Hydra and OmegaConf `_target_` configs (and torchtune's `_component_`).

A model config whose every target is a torch.nn class is counted without
torch: `torch.nn.Sequential` with `_args_` becomes a list of nodes, any other
class a layer of the catalogue, its `_args_` and keyword arguments bound to
torch's own signature. Interpolations (`${net.hidden}`) into the same file
are resolved. A config that targets anything else (the user's own modules, a
LightningModule) needs `--torch`, which runs the user's code: that is a note,
not an error, so that a whole `configs/` folder checks cleanly. A Hydra file
that holds no target at its root (a defaults list, an experiment's
overrides) is not a model and is skipped: it is never mistaken for a spec.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from .. import rules
from ..findings import Finding, SpecError
from ..language.binding import describe
from ..language.budgets import Budget
from ..language.catalogue import LAYERS, REQUIRED, Argument
from ..language.loader import Location, YamlMapping, YamlSequence, located_mapping
from ..records import TYPE_CHECKING
from . import Imported, Keyed, Variant, foreign_spec, path_value, single_document, with_path_values

if TYPE_CHECKING:
    from typing import Any

    from ..language.counting import Part
    from ..project.fixing import Edit

TARGET_KEYS = ("_target_", "_component_")
# What hydra.utils.instantiate reads itself (its `_Keys`): every other key, `_foo_` too, goes to the constructor.
HYDRA_FLAGS = ("_recursive_", "_partial_")  # Hydra refuses anything but true or false there
HYDRA_KEYS = frozenset({*TARGET_KEYS, *HYDRA_FLAGS, "_args_", "_convert_"})
# The file of torch.nn.modules that defines each module class counted here (torch.nn.Parameter is no module).
# Hydra imports a `_target_`'s module and takes the class from it: torch.nn.Linear, torch.nn.modules.Linear and
# torch.nn.modules.linear.Linear are the class; torch.nn.modules.conv.Linear is nothing Hydra finds.
DEFINED_IN = {
    "container": "Sequential",
    "linear": "Linear Bilinear Identity",
    "conv": "Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d",
    "sparse": "Embedding EmbeddingBag",
    "batchnorm": "BatchNorm1d BatchNorm2d BatchNorm3d SyncBatchNorm",
    "instancenorm": "InstanceNorm1d InstanceNorm2d InstanceNorm3d",
    "normalization": "LayerNorm RMSNorm GroupNorm LocalResponseNorm CrossMapLRN2d",
    "rnn": "RNN LSTM GRU RNNCell LSTMCell GRUCell",
    "activation": "MultiheadAttention PReLU ReLU ReLU6 SELU SiLU Mish Hardsigmoid Hardswish GELU ELU CELU LeakyReLU "
    "RReLU Hardtanh Threshold Hardshrink Softshrink Softplus Sigmoid Tanh Tanhshrink Softsign LogSigmoid Softmax "
    "Softmin LogSoftmax Softmax2d GLU",
    "transformer": "TransformerEncoderLayer TransformerDecoderLayer Transformer TransformerEncoder TransformerDecoder",
    "adaptive": "AdaptiveLogSoftmaxWithLoss",
    "loss": "LinearCrossEntropyLoss",
    "dropout": "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout",
    "pooling": "MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d LPPool1d LPPool2d LPPool3d MaxUnpool1d "
    "MaxUnpool2d MaxUnpool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d "
    "AdaptiveMaxPool2d AdaptiveMaxPool3d FractionalMaxPool2d FractionalMaxPool3d",
    "padding": "ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d "
    "ReflectionPad2d ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d CircularPad1d CircularPad2d "
    "CircularPad3d",
    "upsampling": "Upsample UpsamplingNearest2d UpsamplingBilinear2d",
    "channelshuffle": "ChannelShuffle",
    "pixelshuffle": "PixelShuffle PixelUnshuffle",
    "flatten": "Flatten Unflatten",
    "fold": "Fold Unfold",
    "distance": "CosineSimilarity PairwiseDistance",
}
# The kinds of argument torch takes an integer for (the catalogue's signature syntax).
_INTEGER_KINDS = frozenset({"size", "positive", "int", "ints", "shape"})
# A plain scalar OmegaConf's YAML reads as a float where PyYAML reads text: an exponent with no dot or sign (1e-5).
_OMEGACONF_FLOAT = r"[-+]?\d[\d_]*(?:\.[\d_]*)?[eE][-+]?\d+"
_FILE_OF = {name: file for file, names in DEFINED_IN.items() for name in names.split()}
TORCH_NN = re.compile(r"torch\.nn\.(?:modules\.(?:([a-z_]+)\.)?)?([A-Z]\w*)\Z")
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][\w.]*)\}")
_WHOLE_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][\w.]*)\}\Z")
MAX_INTERPOLATIONS = 1_000
# What torch.nn.Sequential takes in `_args_`: modules, each written as a `_target_` of its own.
_MODULE = Argument("module", ("layer",), frozenset(), optional=False, default=None)
# A keyword the layer's signature does not name: passed on for the binding to report (or for `**kwargs` to take).
_ANY = Argument("", ("any",), frozenset(), optional=True, default=None)


class _NeedsTorch(Exception):
    """The config builds something budget-check cannot count without running it."""

    def __init__(self, reason: str, location: Location):
        super().__init__(reason)
        self.reason, self.location = reason, location


def read_hydra(text: str, file: str, folder: Path, budget: Budget | None) -> list[Imported]:
    return read_hydra_variants(text, file, folder, (Variant(budget),))


def read_hydra_variants(text: str, file: str, folder: Path, variants: tuple[Variant, ...]) -> list[Imported]:
    """One model per variant: the file composed with the variant's overrides, its node built."""
    root, refused = single_document(text, Path(file).stem)
    if refused:
        return refused
    if not isinstance(root, YamlMapping):
        return []
    return [model for variant in variants for model in _read_variant(root, file, folder, variant)]


def _read_variant(root: YamlMapping, file: str, folder: Path, variant: Variant) -> list[Imported]:
    stem = Path(file).stem
    name = variant.name(stem)
    if not variant.node and not any(key in root for key in TARGET_KEYS):
        return []  # a defaults list, an experiment's overrides, a trainer's settings: not a model, unless named
    job = hydra_job(folder, stem, variant.overrides, variant.node)
    try:
        if variant.overrides:
            raise _NeedsTorch(f"it is composed with {' '.join(variant.overrides)}, as Hydra does", root.location)
        if "defaults" in root:
            raise _NeedsTorch("it has a defaults list, which Hydra composes", root.location_of("defaults"))
        node = _node(root, variant.node) if variant.node else root
        model = _Converter(root).node(node, getattr(node, "location", root.location))
    except _NeedsTorch as needs:
        message = f"{needs.reason}: only --torch can count it (it builds the config with Hydra and runs your code)"
        finding = Finding(rules.NEEDS_TORCH, message, needs.location)
        return [Imported(name, needs.location, findings=[finding], torch_job=job, budget=variant.budget)]
    except SpecError as error:
        return [Imported(name, root.location, findings=[error.finding])]
    spec = foreign_spec(file, name, root, model, variant.budget)
    return [Imported(name, root.location, spec, torch_job=job)]


def keyed_hydra(text: str, file: str, folder: Path) -> Keyed | None:
    """What `match` varies in a torch.nn-only config: any constructor argument, named by its dotted path
    (`_args_.0.out_features`, `encoder.hidden`); there is no width of its own, so --vary names one."""
    root, refused = single_document(text, Path(file).stem)
    if refused or not isinstance(root, YamlMapping) or not any(key in root for key in TARGET_KEYS):
        return None
    return Keyed(None, lambda path: path_value(root, path), partial(_count_with, root, file))


def _count_with(root: YamlMapping, file: str, values: Mapping[str, int]) -> Part:
    """The tree counted with the numbers at some paths changed (the interpolations that read them follow)."""
    from ..language.counting import count_model

    changed = with_path_values(root, values)
    try:
        if "defaults" in changed:
            raise _NeedsTorch("it has a defaults list, which Hydra composes", changed.location_of("defaults"))
        model = _Converter(changed).node(changed, changed.location)
    except _NeedsTorch as needs:
        raise SpecError(rules.NEEDS_TORCH, f"{needs.reason}: only --torch can count it", needs.location) from None
    return count_model(foreign_spec(file, Path(file).stem, changed, model, None))


def edit_hydra(text: str, document_number: int, values: Mapping[str, object]) -> tuple[str, list[Edit]]:
    """--fix: the constructor arguments named by their paths written into the file, in place."""
    from ..project.fixing import edit_numbers

    return edit_numbers(text, document_number, {path: path for path in values}, values)


def _node(root: YamlMapping, path: str) -> Any:
    try:
        return _Converter(root).lookup(path, root.location)
    except _NeedsTorch:
        raise _NeedsTorch(f"`{path}` is not in this file (a defaults list may make it)", root.location) from None


def hydra_job(folder: Path, config_name: str, overrides: tuple[str, ...] = (), node: str = "") -> dict[str, Any]:
    """What --torch's worker composes and instantiates with Hydra: `node` of the config `config_name`
    in `folder`, with `overrides` (a whole file, as its own primary config, by default)."""
    return {
        "kind": "hydra",
        "config_dir": str(folder.resolve()),
        "config_name": config_name,
        "overrides": list(overrides),
        "node": node,
    }


def _scalar_as_torch_takes(owner: str, argument: Argument, value: Any, location: Location) -> Any:
    """A number or flag as torch receives it from Hydra, which passes the value as YAML typed it: text is text
    (never an expression, as in a spec), a float is no integer, and true is 1 where a number is wanted."""
    kinds = argument.kinds
    numeric = "float" in kinds or not _INTEGER_KINDS.isdisjoint(kinds)
    if "any" in kinds or not (numeric or "bool" in kinds) or (isinstance(value, bool) and "bool" in kinds):
        return value
    what = f"{owner} {argument.name}"
    if isinstance(value, str) and not (value in argument.choices or "str" in kinds):
        if re.fullmatch(_OMEGACONF_FLOAT, value) is None:
            wanted = "a number" if numeric else "true or false"
            message = f"{what} takes {wanted}: Hydra passes the text {value!r} to torch as it is"
            raise SpecError(rules.INVALID_VALUE, message, location)
        value = float(value.replace("_", ""))
    if isinstance(value, bool) and numeric:
        return int(value)  # torch takes true as 1, as Python does
    if isinstance(value, float) and "float" not in kinds and numeric:
        message = f"{what} must be an integer: Hydra passes the float {value!r} to torch as it is"
        raise SpecError(rules.INVALID_VALUE, message, location)
    return value


class _Converter:
    """A `_target_` tree of torch.nn classes, as the spec language's nodes."""

    def __init__(self, root: YamlMapping):
        self.root = root
        self.interpolations = 0
        self.resolving: set[str] = set()  # the paths whose interpolations are being resolved, to find a cycle
        self.building: set[int] = set()  # the configs being converted, by id: one met again is inside itself

    def node(self, config: Any, location: Location) -> Any:
        """The module a config builds, as the spec language's node."""
        if id(config) in self.building:
            message = (
                "an interpolation puts this module inside itself: OmegaConf refuses it (interpolation to a parent)"
            )
            raise SpecError(rules.INVALID_VALUE, message, location)
        self.building.add(id(config))
        try:
            return self._module(config, location)
        finally:
            self.building.discard(id(config))

    def _module(self, config: Any, location: Location) -> Any:
        if not isinstance(config, YamlMapping):
            raise _NeedsTorch("a node that is not a mapping with `_target_`", location)
        key = next((key for key in TARGET_KEYS if key in config), None)
        if key is None:
            raise _NeedsTorch("a mapping without `_target_` where a module is built", location)
        target = self.value(config[key], config.location_of(key))
        match = TORCH_NN.match(target) if isinstance(target, str) else None
        file, kind = match.groups() if match is not None else (None, "")
        if kind not in _FILE_OF:
            raise _NeedsTorch(f"it builds {target!r}, which is not a torch.nn layer", config.location_of(key))
        if file not in (None, _FILE_OF[kind]):
            message = f"it builds {target!r}, which torch may not hold (it defines {kind} in {_FILE_OF[kind]})"
            raise _NeedsTorch(message, config.location_of(key))
        flags = {flag: self.value(config[flag], config.location_of(flag)) for flag in HYDRA_FLAGS if flag in config}
        for flag, value in flags.items():
            if not isinstance(value, bool):
                message = f"`{flag}` must be true or false, not {describe(value)}: Hydra refuses it"
                raise SpecError(rules.INVALID_VALUE, message, config.location_of(flag))
        if flags.get("_partial_"):
            raise _NeedsTorch(f"{target} is a partial (`_partial_: true`), not a module", config.location_of(key))
        # Hydra then hands torch the nested configs unbuilt, as DictConfigs: what torch makes of them, only it says.
        unbuilt = None if flags.get("_recursive_", True) else config.location_of("_recursive_")
        args = config.get("_args_") or YamlSequence(location)
        if not isinstance(args, YamlSequence):
            raise _NeedsTorch("`_args_` that is not a list", config.location_of("_args_"))
        keywords = {k: v for k, v in config.items() if k not in HYDRA_KEYS}
        if kind == "Sequential":
            if keywords:
                raise _NeedsTorch("torch.nn.Sequential with keyword arguments", location)
            nodes = YamlSequence(location)
            nodes.extend(
                self.argument(kind, _MODULE, item, args.location_of(i), unbuilt) for i, item in enumerate(args)
            )
            nodes.item_locations = list(args.item_locations)
            return nodes
        return self._layer(kind, args, keywords, config, location, unbuilt)

    def _layer(
        self,
        kind: str,
        args: YamlSequence,
        keywords: dict[str, Any],
        config: YamlMapping,
        location: Location,
        unbuilt: Location | None,
    ) -> YamlMapping:
        layer = LAYERS[kind]
        positional = [a.name for a in layer.signature if not a.keyword_only and not a.variadic]
        collects = next((a.name for a in layer.signature if a.variadic == "*"), None)  # Identity's *args
        if len(args) > len(positional) and collects is None:
            raise SpecError(
                rules.UNKNOWN_ARGUMENT, f"{kind} takes at most {len(positional)} positional arguments", location
            )
        twice = next((name for name in positional[: len(args)] if name in keywords), None)
        if twice is not None:
            message = f"{kind} gets `{twice}` both from `_args_` and as a keyword: torch refuses the call"
            raise SpecError(rules.INVALID_LAYER, message, config.location_of(twice))
        places = {name: args.location_of(i) for i, name in enumerate(positional[: len(args)])}
        places.update((k, config.location_of(k)) for k in keywords)
        values = dict(zip(positional, args, strict=False))
        if collects is not None and len(args) > len(positional):
            rest = YamlSequence(args.location_of(len(positional)))
            rest.extend(args[len(positional) :])
            rest.item_locations = args.item_locations[len(positional) :]
            values[collects], places[collects] = rest, rest.location
        values.update(keywords)
        signature = {argument.name: argument for argument in layer.signature}
        target_location = config.location_of(next(key for key in TARGET_KEYS if key in config))
        required = (a.name for a in layer.signature if a.default is REQUIRED and not a.variadic)
        missing = next((name for name in required if name not in values), None)
        if missing is not None:
            message = f"{kind} needs `{missing}`: torch gives it no running size, and Hydra passes what is written"
            raise SpecError(rules.MISSING_ARGUMENT, message, target_location)
        if layer.input_argument is not None and layer.input_argument not in values:
            values[layer.input_argument] = signature[layer.input_argument].default  # a spec would take the running size
            places[layer.input_argument] = target_location
        arguments = {
            name: self.argument(kind, signature.get(name, _ANY), values[name], places[name], unbuilt) for name in values
        }
        node = located_mapping({kind: located_mapping(arguments, location, places)}, location)
        node.key_locations[kind] = target_location
        return node

    def argument(self, owner: str, argument: Argument, value: Any, location: Location, unbuilt: Location | None) -> Any:
        """A constructor argument as the spec language reads it: a nested `_target_` is the module Hydra
        builds and passes there (counted where the argument takes a layer), a list is read item by item.
        `unbuilt` is where `_recursive_: false` says Hydra builds no nested target."""
        value = self.value(value, location)
        if isinstance(value, YamlMapping) or ("layer" in argument.kinds and not (value is None and argument.optional)):
            if unbuilt is not None:
                raise _NeedsTorch(f"`_recursive_: false` hands {owner} a config where torch takes a module", unbuilt)
            return self.node(value, location)
        if isinstance(value, YamlSequence):
            items = YamlSequence(value.location)
            items.extend(
                self.argument(owner, argument.element, item, value.location_of(i), unbuilt)
                for i, item in enumerate(value)
            )
            items.item_locations = list(value.item_locations)
            return items
        return _scalar_as_torch_takes(owner, argument, value, location)

    def value(self, value: Any, location: Location) -> Any:
        """A value with its interpolations into this file resolved (a whole `${a.b}` keeps its type)."""
        if not isinstance(value, str) or "${" not in value:
            return value
        self.interpolations += 1
        if self.interpolations > MAX_INTERPOLATIONS:
            raise _NeedsTorch("interpolations that refer to each other without end", location)
        whole = _WHOLE_INTERPOLATION.match(value)
        if whole is not None:
            return self._resolved(whole.group(1), location)
        if "${" in _INTERPOLATION.sub("", value):
            raise _NeedsTorch(f"an interpolation budget-check does not resolve ({value!r})", location)
        return _INTERPOLATION.sub(lambda m: str(self._resolved(m.group(1), location)), value)

    def _resolved(self, path: str, location: Location) -> Any:
        if path in self.resolving:
            message = f"`${{{path}}}` refers to itself: OmegaConf refuses it (recursive interpolation)"
            raise SpecError(rules.INVALID_VALUE, message, location)
        self.resolving.add(path)
        try:
            return self.value(self.lookup(path, location), location)
        finally:
            self.resolving.discard(path)

    def lookup(self, path: str, location: Location) -> Any:
        node: Any = self.root
        for part in path.split("."):
            if isinstance(node, YamlSequence) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, YamlMapping) and part in node:
                node = node[part]
            else:
                raise _NeedsTorch(f"`${{{path}}}` refers to something outside this file", location)
        return node
