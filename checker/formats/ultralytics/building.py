"""Counting an Ultralytics model at one scale, as its parse_model builds it.

parse_model walks the rows in order and keeps each layer's output channels.
For a row it scales the repeats by the depth multiplier, scales the output
channels by the width multiplier (capped by max_channels, rounded up to a
multiple of 8), prepends the input channels to the arguments, and hands the
repeats to the modules that take them. This module follows those rules and
counts each row with the blocks of modules.yaml. What the rules say is
Python here; what a module holds is spec language there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

from ... import rules
from ...findings import Finding, Location, SpecError
from ...language.catalogue import LAYERS, REQUIRED
from ...language.counting import Part, count_node
from ...language.loader import YamlSequence, located
from ...records import TYPE_CHECKING, NamedTuple
from .modules import block_names, blocks, param_names, used_in
from .reading import ModelFile, Row

if TYPE_CHECKING:
    from typing import Any

INPUT_CHANNELS = 3
DIVISOR = 8  # output channels are rounded up to a multiple of this

# Modules whose first argument is their output channels, scaled by the width (Classify's is the class count).
WIDTH_SCALED = frozenset(
    {
        "Classify", "Conv", "ConvTranspose", "GhostConv", "Bottleneck", "GhostBottleneck", "SPP", "SPPF", "C2fPSA",
        "C2PSA", "DWConv", "Focus", "BottleneckCSP", "C1", "C2", "C2f", "C3k2", "RepNCSPELAN4", "ELAN1", "ADown",
        "AConv", "SPPELAN", "C3", "C3Ghost", "nn.ConvTranspose2d", "DWConvTranspose2d", "C3x", "RepC3", "PSA",
        "SCDown", "C2fCIB", "A2C2f", "C2fAttn",
    }
)  # fmt: skip
# Modules that take the row's repeats as their third argument instead of being stacked.
TAKES_REPEATS = frozenset(
    {
        "BottleneckCSP", "C1", "C2", "C2f", "C3k2", "C3", "C3Ghost", "C3x", "RepC3", "C2fPSA", "C2fCIB", "C2PSA",
        "A2C2f", "C2fAttn",
    }
)  # fmt: skip
# Modules that make the Detect heads after them use the depth-wise class branch.
NOT_LEGACY = frozenset({"C3k2", "A2C2f", "C2fCIB"})
# The detection heads: their constructor arguments, the last being the list of input channels.
_SEGMENT = ("nc", "nm", "npr", "reg_max", "end2end", "ch")
_POSE = ("nc", "kpt_shape", "reg_max", "end2end", "ch")
_OBB = ("nc", "ne", "reg_max", "end2end", "ch")
_TEXT = ("nc", "embed", "with_bn", "reg_max", "end2end", "ch")
_TEXT_SEGMENT = ("nc", "nm", "npr", "embed", "with_bn", "reg_max", "end2end", "ch")
HEADS: dict[str, tuple[str, ...]] = {
    "Detect": ("nc", "reg_max", "end2end", "ch"),
    "Segment": _SEGMENT,
    "Segment26": _SEGMENT,
    "Pose": _POSE,
    "Pose26": _POSE,
    "OBB": _OBB,
    "OBB26": _OBB,
    "v10Detect": ("nc", "ch"),
    "WorldDetect": _TEXT,
    "YOLOEDetect": _TEXT,
    "YOLOESegment": _TEXT_SEGMENT,
    "YOLOESegment26": _TEXT_SEGMENT,
}
HEAD_DEFAULTS = {"nm": 32, "npr": 256, "kpt_shape": [17, 3], "ne": 1, "reg_max": 16, "end2end": False, "embed": 512}
SEGMENT_HEADS = frozenset({"Segment", "Segment26", "YOLOESegment", "YOLOESegment26"})  # their npr is width-scaled
YOLOE_HEADS = frozenset({"YOLOEDetect", "YOLOESegment", "YOLOESegment26"})
# Modules that read a list of layers and leave the channels count where the row before left it.
LEVEL_READERS = frozenset({"RTDETRDecoder", "ImagePoolingAttn", "Depth", "SemanticSegment"})
# Modules parse_model passes the row's arguments as written (their output is their input's channels).
AS_WRITTEN = frozenset({"RepConv", "RepVGGDW"})
# Modules parse_model builds by rules of their own (input channels first, no width scaling).
AS_BUILT = frozenset({"ResNetLayer", "CBLinear", "HGStem", "HGBlock", "AIFI"})
PARAMETER_FREE = frozenset({"Concat", "CBFuse", "Index"})
# parse_model reads a string argument naming one of its own variables as that variable's value.
NAMED_VALUES = ("nc", "kpt_shape", "reg_max", "end2end", "depth", "width", "max_channels", "scale")
MAX_LITERAL_LENGTH = 200
PYTHON_CONSTANTS = {"None": None, "True": True, "False": False}  # what literal_eval makes of these names
KERNEL_PAIR_MODULES = frozenset({"Bottleneck"})  # take k=(k1, k2), a kernel size per convolution


class BuiltRow(NamedTuple):
    row: Row
    repeats: int  # after the depth multiplier
    arguments: tuple[Any, ...]  # as the module is built (input channels first, where parse_model puts them)
    channels: Any  # the row's output channels, as parse_model records them
    node: Any  # what the row builds, as a model node of modules.yaml's blocks; None when it holds nothing


class RowCount(NamedTuple):
    built: BuiltRow
    params: int
    trainable: int
    fused: int  # after model.fuse()


class ScaleCount(NamedTuple):
    scale: str  # "" without scales
    rows: tuple[RowCount, ...]

    @property
    def params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def trainable(self) -> int:
        return sum(row.trainable for row in self.rows)

    @property
    def fused(self) -> int:
        return sum(row.fused for row in self.rows)


def make_divisible(value: float, divisor: int = DIVISOR) -> int:
    return math.ceil(value / divisor) * divisor


def build_scale(model: ModelFile, letter: str) -> tuple[tuple[BuiltRow, ...] | None, list[Finding]]:
    """Every row as built at scale `letter` ("" for a file without scales); findings instead when it cannot be."""
    unknown = unknown_modules(model)
    if unknown:
        return None, unknown
    try:
        return _Builder(model, letter).run(), []
    except SpecError as error:
        return None, [error.finding]
    except (OverflowError, ValueError, ZeroDivisionError) as error:  # multipliers past what a float holds
        where = model.document.location_of("scales" if model.scales else "width_multiple")
        return None, [
            Finding(rules.ULTRALYTICS_INVALID_KEY, f"the model cannot be built at this scale: {error}", where)
        ]


def unknown_modules(model: ModelFile) -> list[Finding]:
    """A finding for every row whose module budget-check does not count."""
    return [_unknown_module(row) for row in model.rows if not _is_known(row.module)]


def count_scale(model: ModelFile, letter: str) -> tuple[ScaleCount | None, list[Finding]]:
    """Every row counted at scale `letter`, before and after fusing."""
    built, findings = build_scale(model, letter)
    if built is None:
        return None, findings
    try:
        return ScaleCount(letter, tuple(_count_row(row) for row in built)), []
    except SpecError as error:
        return None, [error.finding]


def model_node(rows: tuple[BuiltRow, ...], location: Location) -> YamlSequence:
    """The whole model as one node: the rows that hold parameters, in order."""
    node: YamlSequence = located([row.node for row in rows if row.node is not None], location)
    return node


def count_fused(rows: tuple[BuiltRow, ...], location: Location) -> int:
    """The count after model.fuse()."""
    node = model_node(rows, location)
    return count_node(node, location, blocks(used_in(node), fused=True), {}).params


# ------------------------------------------------------------ parse_model's walk
class _Builder:
    def __init__(self, model: ModelFile, letter: str):
        self.model = model
        self.scale = letter
        scale = model.scale(letter)
        if scale is None:
            self.depth, self.width, self.max_channels = model.depth, model.width, math.inf
        else:
            self.depth, self.width, self.max_channels = scale.depth, scale.width, scale.max_channels
        self.legacy = True

    def run(self) -> tuple[BuiltRow, ...]:
        channels: list[Any] = [INPUT_CHANNELS]
        c2: Any = INPUT_CHANNELS  # parse_model keeps the last value for rows that do not set it
        built = []
        for row in self.model.rows:
            repeats = max(round(row.repeats * self.depth), 1) if row.repeats > 1 else row.repeats
            args = [self._resolve(value, row) for value in row.args]
            node, arguments, c2, stacked = self._row(row, args, channels, repeats, c2)
            if node is not None:
                extra = {"repeat": stacked} if stacked != 1 else {}
                node = located({**node, **extra, "name": f"{row.layer} {row.module}"}, row.module_location)
            built.append(BuiltRow(row, repeats, tuple(arguments), c2, node))
            if row.layer == 0:
                channels = []
            channels.append(c2)
        return tuple(built)

    def _row(
        self, row: Row, args: list[Any], channels: list[Any], repeats: int, c2: Any
    ) -> tuple[Any, list[Any], Any, int]:
        """The node to count, the arguments as built, the output channels and how many copies are stacked."""
        module, source = row.module, row.source
        if module in WIDTH_SCALED:
            c1, c2 = _channels(channels, source, row), args[0] if args else None
            if not _is_count(c2):
                raise _row_error(row, f"{module}'s first argument is its output channels, not {c2!r}")
            if module != "Classify":
                c2 = make_divisible(min(c2, self.max_channels) * self.width)
            if module == "C2fAttn":
                args = self._attention_args(row, args, c2)
            args = [c1, c2, *args[1:]]
            if module in TAKES_REPEATS:
                args.insert(2, repeats)
                repeats = 1
            if module in NOT_LEGACY:
                self.legacy = False
            if module == "C3k2" and self.scale in ("m", "l", "x"):
                args[3:4] = [True]
            if module == "A2C2f" and self.scale in ("l", "x"):
                args.extend((True, 1.2))
            return self._module_node(row, module, args, hands_on=c2), args, c2, repeats
        if module in ("HGStem", "HGBlock"):
            if len(args) < 2 or not all(map(_is_count, args[:2])):
                raise _row_error(row, f"{module} takes [middle channels, output channels, ...]")
            args = [_channels(channels, source, row), *args]
            if module == "HGBlock":
                args.insert(4, repeats)
                repeats = 1
            return self._module_node(row, module, args), args, args[2], repeats
        if module == "AIFI":
            args = [_channels(channels, source, row), *args]
            return self._module_node(row, module, args), args, c2, repeats
        if module in LEVEL_READERS:
            sources = _sources(source, row)
            used = sources[:2] if module == "SemanticSegment" else sources  # it reads its first two levels only
            inputs = [_channels(channels, index, row) for index in used]
            inputs += [_recorded(channels, index, row) for index in sources[len(used) :]]
            if module == "SemanticSegment":
                args = [*args, inputs]
            else:
                args = [*args[:1], inputs, *(args[1:] if module != "Depth" else [])]
            return self._levels_node(row, module, args), args, c2, repeats
        if module == "ResNetLayer":
            if len(args) < 4:
                raise _row_error(row, "ResNetLayer takes [c1, c2, s, is_first, ...]")
            c2 = args[1] if args[3] else args[1] * 4
            return self._module_node(row, module, args), args, c2, repeats
        if module in PARAMETER_FREE:  # nothing to count, but a row of `show`, handing on its channels
            if module == "Concat":
                c2 = sum(_channels(channels, index, row) for index in _sources(source, row))
            elif module == "CBFuse":  # parse_model records what its last input recorded, a list included
                c2 = _recorded(channels, _sources(source, row)[-1], row)
            else:
                _recorded(channels, source, row)  # Index reads it, whatever it holds
                c2 = args[0] if args else None
            node = located({"parameter_free": [c2]}, row.module_location) if _is_count(c2) and c2 > 0 else None
            return node, args, c2, repeats
        if module == "CBLinear":
            c1, c2 = _channels(channels, source, row), args[0] if args else None
            if not (isinstance(c2, list) and all(map(_is_count, c2))):
                raise _row_error(row, "CBLinear's first argument is the list of its outputs' channels")
            args = [c1, c2, *args[1:]]
            return self._module_node(row, module, [c1, sum(c2), *args[2:]]), args, c2, repeats
        if module in HEADS:
            inputs = [_channels(channels, index, row) for index in _sources(source, row)]
            if module == "v10Detect":
                args = [*args, inputs]
            else:
                args = [*args, self.model.reg_max, self.model.end2end, inputs]
                if module in SEGMENT_HEADS and len(args) > 2 and _is_count(args[2]):
                    args[2] = make_divisible(min(args[2], self.max_channels) * self.width)
            return self._head_node(row, module, args), args, c2, repeats
        if module == "nn.BatchNorm2d":  # given its input's channels, it hands them on; parse_model records c2
            fed = _channels(channels, source, row)
            return self._module_node(row, module, [fed], hands_on=fed), [fed], c2, repeats
        fed = _recorded(channels, source, row)  # what it is given as its input, a list included
        return self._module_node(row, module, args, hands_on=fed), args, fed, repeats

    def _module_node(self, row: Row, module: str, args: list[Any], hands_on: Any = None) -> Any:
        """The node of a module given `args`. A torch module's (nn.*) is a torch_module: its layer is counted
        as written, with no input size, and the row hands on `hands_on` channels, as the blocks state theirs."""
        if module.startswith("nn."):
            layer = LAYERS[module[3:]]
            needed = [a.name for a in layer.positional[len(args) :] if a.default is REQUIRED and not a.variadic]
            if needed:  # parse_model passes a torch module its row's arguments as they are: torch raises
                raise _row_error(row, f"torch.nn.{layer.name} needs {', '.join(needed)}, which the row does not give")
            node = {layer.name: args}
            if not _is_count(hands_on) or hands_on == 0:  # no channels to hand on: no row may read it either
                return located(node, row.module_location)
            return located({"torch_module": {"c2": hands_on, "module": node}}, row.module_location)
        if module in KERNEL_PAIR_MODULES and len(args) > 4:
            args = [*args[:4], *_kernel_pair(args[4], row), *args[5:]]
        if module == "SPP" and len(args) > 2:
            args = [*args[:2], len(args[2]) if isinstance(args[2], list) else 1, *args[3:]]
        # Activations hold no parameters here: a string or module given for `act` builds nn.Identity or itself.
        act = _act_index(module)
        if act is not None and act < len(args):
            args = [*args[:act], True, *args[act + 1 :]]
        _check_plain(row, module, args)
        return located({module: args}, row.module_location)

    def _attention_args(self, row: Row, args: list[Any], c2: int) -> list[Any]:
        """C2fAttn's arguments as parse_model sets them: its heads scaled by the width, its embedding
        channels set to its hidden channels, which the heads must divide."""
        heads: Any = args[2] if len(args) > 2 else None
        expansion = args[6] if len(args) > 6 else 0.5
        if not (_is_count(heads) and heads >= 1 and isinstance(expansion, (int, float))):
            raise _row_error(row, "C2fAttn takes [channels, embedding channels, heads, ...]")
        if heads > 1:
            heads = int(max(round(min(heads, self.max_channels // 2 // 32)) * self.width, 1))
        hidden = int(c2 * expansion)
        if hidden % heads:
            raise _row_error(row, f"its hidden channels {hidden} are not divisible by its {heads} heads")
        return [args[0], hidden, heads, *args[3:]]

    def _levels_node(self, row: Row, module: str, args: list[Any]) -> Any:
        """A module that reads several levels: one projection per level, then the module without the list."""
        if module == "SemanticSegment":
            if len(args) != 2:
                raise _row_error(row, "SemanticSegment takes [nc]")
            nc, inputs = args
            return self._module_node(row, module, [nc, inputs[0], inputs[1] if len(inputs) > 1 else 0])
        first, inputs, rest = args[0], args[1], args[2:]
        if not _is_count(first):
            raise _row_error(row, f"{module}'s first argument is a channel count, not {first!r}")
        if module == "Depth":
            projections = [{"Conv": [x, first]} for x in inputs] + [{"depth_refine": [first]}] * (len(inputs) - 1)
            module_args = [first]
        elif module == "RTDETRDecoder":
            hidden = rest[0] if rest else 256
            projections = [{"rtdetr_projection": [x, hidden]} for x in inputs]
            module_args = [first, len(inputs), *rest]
        else:
            projections = [{"Conv2d": [x, first, 1]} for x in inputs]
            module_args = [first, *rest]
        _check_plain(row, module, inputs)
        return located({"sequential": [*projections, self._module_node(row, module, module_args)]}, row.module_location)

    def _head_node(self, row: Row, module: str, args: list[Any]) -> Any:
        names = HEADS[module]
        if len(args) > len(names):
            raise _row_error(row, f"{module} takes ({', '.join(names[:-1])}) before its inputs, got {args[:-1]!r}")
        with_bn = module in YOLOE_HEADS
        given = {
            **HEAD_DEFAULTS,
            "with_bn": with_bn,
            **dict(zip(names[: len(args) - 1], args[:-1], strict=False)),
            "ch": args[-1],
        }
        if module == "v10Detect":
            given.update(reg_max=16, end2end=True)
        nc, reg_max, end2end, inputs = given["nc"], given["reg_max"], bool(given["end2end"]), given["ch"]
        if not _is_count(nc) or not _is_count(reg_max):
            raise _row_error(row, f"{module} needs whole numbers for nc and reg_max, got {nc!r} and {reg_max!r}")
        first = inputs[0]
        embed = given["embed"] if "embed" in names else 0
        classes = max(first, min(nc, 100))
        if embed and not _is_count(embed):
            raise _row_error(row, f"{module} needs a whole number of embedding channels, got {embed!r}")
        if module == "WorldDetect" and end2end:
            raise SpecError(
                rules.ULTRALYTICS_UNKNOWN_MODULE,
                f"layer {row.layer}: WorldDetect built end to end keeps a class branch shaped by the models built "
                "before it in the same process, which budget-check does not count; `--torch` counts it",
                row.module_location,
            )
        if module in YOLOE_HEADS and not (given["with_bn"] and classes <= embed):
            raise _row_error(row, f"{module} needs with_bn true and at least {classes} embedding channels")
        level = {
            "x0": first,
            "nc": nc,
            "reg_max": reg_max,
            "end2end": end2end,
            "legacy": module == "WorldDetect" or (self.legacy and module != "v10Detect"),
            "embed": embed,
            "contrastive": bool(embed),
            "with_bn": bool(given["with_bn"]),
        }
        parts: list[Any] = [{"detect_level": {"x": x, **level}} for x in inputs]
        parts += self._head_extras(row, module, given, classes)
        parts.append({"DFL": [reg_max]})
        _check_plain(row, module, [nc, reg_max, embed, *inputs])
        return located({"sequential": parts}, row.module_location)

    def _head_extras(self, row: Row, module: str, given: Mapping[str, Any], classes: int) -> list[Any]:
        """The parts of a head besides its box and class branches: masks, keypoints, angles, prototypes, prompts."""
        inputs, end2end = given["ch"], bool(given["end2end"])
        first = inputs[0]
        parts: list[Any] = []
        if module == "Pose26":
            keypoints, dims = self._keypoints(row, given)
            width = max(first // 4, keypoints * (dims + 2))
            branch = {"c": width, "keypoints": keypoints * dims, "spreads": keypoints * 2, "end2end": end2end}
            parts += [{"pose26_level": {"x": x, **branch}} for x in inputs]
            parts.append({"RealNVP": []})
        elif module.startswith("Pose"):
            keypoints, dims = self._keypoints(row, given)
            parts += _extra_levels(inputs, keypoints * dims, end2end)
        elif module.startswith("OBB"):
            parts += _extra_levels(inputs, given["ne"], end2end)
        elif module in SEGMENT_HEADS:
            parts += _extra_levels(inputs, given["nm"], end2end)
            if module.endswith("26"):
                parts += [{"Conv": [x, first]} for x in inputs[1:]]
                parts.append({"Proto26": [first, given["npr"], given["nm"], given["nc"]]})
            else:
                parts.append({"Proto": [first, given["npr"], given["nm"]]})
        if module in YOLOE_HEADS:
            embed = given["embed"]
            parts.append({"SwiGLUFFN": [embed, embed]})
            parts += [{"savpe_level": [x, classes]} for x in inputs]
            parts.append({"SAVPE": [classes, embed]})
        return parts

    @staticmethod
    def _keypoints(row: Row, given: Mapping[str, Any]) -> tuple[int, int]:
        shape = given["kpt_shape"]
        if not (isinstance(shape, list) and len(shape) == 2 and all(map(_is_count, shape))):
            raise _row_error(row, f"{row.module} needs kpt_shape [keypoints, dims], got {shape!r}")
        return shape[0], shape[1]

    def _resolve(self, value: Any, row: Row) -> Any:
        """A string argument as parse_model reads it: one of its variables, a Python literal, or the string."""
        if not isinstance(value, str):
            return value
        named = {
            "nc": self.model.nc,
            "kpt_shape": self.model.kpt_shape,
            "reg_max": self.model.reg_max,
            "end2end": self.model.end2end,
            "depth": self.depth,
            "width": self.width,
            "max_channels": self.max_channels,
            "scale": self.scale,
        }
        if value in named:
            if named[value] is None:
                raise _row_error(row, f"the row uses `{value}`, which the file does not set")
            return named[value]
        if value in PYTHON_CONSTANTS:  # `None` in a row is text to YAML
            return PYTHON_CONSTANTS[value]
        if value.isidentifier():
            return value  # parse_model keeps it a string (its other variables are out of a file's reach)
        if len(value) > MAX_LITERAL_LENGTH:
            return value
        import ast  # a row seldom writes a literal as text: most runs never need the parser

        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return value


# ------------------------------------------------------------ counting a node
def _count_row(built: BuiltRow) -> RowCount:
    if built.node is None:
        return RowCount(built, 0, 0, 0)
    unfused = _count_part(built.node, built.row, fused=False)
    return RowCount(built, unfused.params, unfused.trainable, _count_part(built.node, built.row, fused=True).params)


def _count_part(node: Any, row: Row, fused: bool) -> Part:
    try:
        return count_node(node, row.module_location, blocks(used_in(node), fused), {})
    except SpecError as error:
        raise _row_error(row, f"{row.module} cannot be built with these arguments: {error.finding.message}") from None


def _is_known(module: str) -> bool:
    if module.startswith("nn."):
        return module[3:] in LAYERS
    if module in PARAMETER_FREE or module in HEADS or module in LEVEL_READERS or module in AS_BUILT:
        return True
    return module in block_names() and (module in WIDTH_SCALED or module in AS_WRITTEN)


@cache
def _act_index(module: str) -> int | None:
    """Where `act` stands among the params of `module`'s block, if it takes one."""
    names = param_names(module)
    return names.index("act") if "act" in names else None


def _unknown_module(row: Row) -> Finding:
    return Finding(
        rules.ULTRALYTICS_UNKNOWN_MODULE,
        f"layer {row.layer}: {row.module} is not a stock Ultralytics module budget-check counts; "
        "`--torch` counts the file with the ultralytics installed",
        row.module_location,
    )


def _row_error(row: Row, message: str) -> SpecError:
    return SpecError(rules.ULTRALYTICS_INVALID_ROW, f"layer {row.layer} ({row.module}): {message}", row.location)


def _sources(source: Any, row: Row) -> list[int]:
    if not isinstance(source, list):
        raise _row_error(row, f"{row.module} reads a list of layers in `from`, not {source!r}")
    return source


def _recorded(channels: list[Any], index: Any, row: Row) -> Any:
    """What parse_model recorded for the layer `from` reads: a channel count, or what a row recorded otherwise."""
    if not isinstance(index, int):
        raise _row_error(row, f"{row.module} reads one layer in `from`, not {index!r}")
    if not -len(channels) <= index < len(channels):
        raise _row_error(row, f"`from` reads layer {index}, which does not exist yet")
    return channels[index]


def _channels(channels: list[Any], index: Any, row: Row) -> Any:
    value = _recorded(channels, index, row)
    if not _is_count(value):
        raise _row_error(row, f"layer {index} has no channel count this module can read ({value!r})")
    return value


def _extra_levels(inputs: list[Any], outputs: Any, end2end: bool) -> list[Any]:
    """The mask, keypoint or angle branch of Segment, Pose and OBB: one per input level."""
    first = inputs[0]
    return [{"extra_level": {"x": x, "x0": first, "outputs": outputs, "end2end": end2end}} for x in inputs]


def _kernel_pair(value: Any, row: Row) -> list[Any]:
    """Bottleneck's k=(k1, k2) as kernel heights and widths."""
    if not (isinstance(value, list) and len(value) == 2):
        raise _row_error(row, f"Bottleneck's k is a pair of kernel sizes, not {value!r}")
    sizes = []
    for kernel in value:
        sizes += kernel if isinstance(kernel, list) and len(kernel) == 2 else [kernel, kernel]
    return sizes


def _check_plain(row: Row, module: str, args: list[Any]) -> None:
    for value in args:
        if isinstance(value, (list, dict)) or (isinstance(value, float) and not math.isfinite(value)):
            raise _row_error(row, f"{module} cannot take {value!r} here")


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
