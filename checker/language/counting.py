"""Counting: walk a spec's model and return the tree of its parts with exact counts.

A node is counted once per distinct input size; `repeat: N` multiplies
instead of looping, so a billion repeats cost what one does. A block (or a
var holding layers) used many times with the same arguments, input size and
frozen-ness is counted once and its part shared, so fan-out costs what one
use does. Across counts too, a layer written the same way and reading the
same values on the same input, and a use of a preset's block, are counted
once per process: the specs of one run and the counts of a width search
share them. The running feature size flows through sequences, and layers that
omit their input size take it. Ties share parameters by torch name, counted
once.

The work is bounded: a model whose tree (every use of a block spelt out)
has over MAX_PARTS parts, or whose running size passes MAX_SIZE, is a
finding, found before that much work is done.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from functools import lru_cache
from types import SimpleNamespace

from .. import rules
from ..findings import Finding, SpecError
from ..records import TYPE_CHECKING, NamedTuple
from . import presets
from .binding import as_int, bind_block_arguments, bind_layer_arguments, describe, evaluate_text
from .catalogue import LAYERS, Layer, Submodule, Tensor, unknown_size
from .expressions import ExpressionError, evaluate, names_in, parse
from .hints import did_you_mean
from .loader import Location, YamlMapping, YamlSequence
from .parametrizations import PARAMETRIZATIONS, parametrize
from .presets import PRESET_FILE_PREFIX
from .sizes import START, Size, Unknown, show_size
from .spec import (
    ACTIVATION_KEYS,
    ACTIVATION_REPLACED_BY,
    ACTIVATIONS,
    ACTIVATIONS_WITH_PARAMETERS,
    CONTROL,
    CONTROL_KINDS,
    INDEXED_REPEAT,
    INPUT_SIZE_NAME,
    MODIFIERS,
    NODE_MODIFIERS,
    REQUIRED_PARAM,
    Block,
    NodeValue,
    Spec,
    WrittenIn,
    check_identifier,
    value_of,
)
from .symbolic import Symbolic
from .validation import Problems, read_key, validate

if TYPE_CHECKING:
    from typing import Any

MAX_MODEL_DEPTH = 100
MAX_DISTINCT_COPIES = 64
MAX_PARTS = 50_000  # the parts of the spelt-out tree, and the parts actually counted
MAX_SIZE = 2**100  # the largest running size, as for expressions
MAX_INDEXED_COPIES = 10_000  # an indexed repeat is counted copy by copy
# The layers whose parameters are lookup tables (tokens, positions, token types): the embedding parameters.
EMBEDDING_LAYERS = frozenset({"Embedding", "EmbeddingBag"})
_IDENTIFIER_IN_TEXT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The layers counted so far in this process, by _layer_key: a layer written the same way, reading the same
# values on the same input, counts the same wherever it stands (another spec, another count of a width
# search), so it is bound and counted once. Only complete parts are kept; cleared when full.
_LAYER_COUNTS: dict[Hashable, Part] = {}
MAX_LAYER_COUNTS = 10_000
_ABSENT = object()  # a name the scope does not hold
# _written_key of the arguments of the layers counted, by the arguments' identity (the same node, met at each use
# of a block): the arguments themselves, their key, and the names they read besides the input size.
_WRITTEN_KEYS: dict[int, tuple[Any, Hashable, tuple[str, ...]]] = {}
_OWN_VALUES = frozenset((int, bool, float))  # a block's argument of these types is its value (value_of)
_MODIFIER_KEYS, _CONTROL_KEYS = frozenset(MODIFIERS), frozenset(CONTROL_KINDS)  # asked of every node
# The uses of a preset's blocks counted so far in this process (see _Counter._once); cleared when full.
_PRESET_USES: dict[Hashable, _Counted] = {}
MAX_PRESET_USES = 2_000
_TAKES_LAYERS: dict[str, bool] = {}  # by layer name: whether any of its arguments is a layer

CountOnce = Callable[..., "Part"]  # a node's count from its input size (and, for indexed copies, its scope)
_NO_ARGUMENTS: Mapping[str, Any] = {}  # shared by every part that is not a layer; never written to


# Part, Scope and Tensor are named tuples, not frozen dataclasses: counting makes and copies them by the
# thousand, and a named tuple is quicker to make, to copy with one field changed, and to define at import.
class Part(NamedTuple):
    """One node of the counted model: what the breakdown table shows."""

    label: str  # the node's `name`, else its kind
    kind: str  # the layer, block or control kind
    location: Location
    output: Size
    params: int  # all copies, shared parameters excluded
    trainable: int
    buffers: int
    copies: int = 1
    children: tuple[Part, ...] = ()
    tensors: tuple[Tensor, ...] = ()  # a layer's parameters, one copy
    buffer_tensors: tuple[Tensor, ...] = ()
    arguments: Mapping[str, Any] = _NO_ARGUMENTS  # a layer's bound constructor arguments
    frozen: bool = False
    named: bool = False
    tied_to: str | None = None
    tied_parameter: str | None = None  # `tie: NAME.PATH`: the one parameter of `tied_to` that is shared
    parametrization: tuple[str, Mapping[str, Any]] | None = None  # `parametrize:`, with its bound options
    shared: frozenset[str] = frozenset()  # parameters (paths inside this part) owned by `tied_to`
    # Trainable parameters of its tie's target that this part freezes (torch: one tensor, frozen by any user).
    # They are taken off this part's trainable once, whatever its copies.
    freezes_shared: int = 0
    tree_size: int = 1  # the parts of this subtree, every use of a shared part spelt out
    embedding: int = 0  # of `params`, those of lookup tables (EMBEDDING_LAYERS), all copies
    # Non-embedding parameters of its tie's target that this part, a lookup table, makes embedding ones.
    # Like freezes_shared, they are added once, whatever its copies.
    embeds_shared: int = 0
    idle: int = 0  # of `params`, those of routed experts that a token does not use, all copies

    def used_at(self, location: Location, name: str | None = None) -> Part:
        """This part as used at `location`, labelled `name` (its label and kind) when given: `_replace`
        without its work per field (label, kind and location are the first three), for it runs at every use
        of a layer or a block."""
        head = self[:2] if name is None else (name, name)
        return tuple.__new__(Part, (*head, location, *self[3:]))

    @property
    def non_embedding(self) -> int:
        return self.params - self.embedding

    @property
    def active(self) -> int:
        """The parameters one token uses: all but the experts its router does not pick."""
        return self.params - self.idle

    numbered: bool = False  # a copy of a `repeat`: torch numbers its copies (`layers.0`, `layers.1`)

    def times(self, copies: int) -> Part:
        if copies == 1:
            return self
        return self._replace(
            copies=self.copies * copies,
            params=self.params * copies,
            trainable=(self.trainable + self.freezes_shared) * copies - self.freezes_shared,
            buffers=self.buffers * copies,
            embedding=(self.embedding - self.embeds_shared) * copies + self.embeds_shared,
            idle=self.idle * copies,
        )


class Scope(NamedTuple):
    """What a node sees: vars and params, the blocks it may use, and where it sits."""

    env: Mapping[str, Any]
    blocks: Mapping[str, Block]
    frozen: bool = False
    depth: int = 0
    in_preset: bool = False  # the node is written in a preset's file, not in the spec's

    def deeper(self, location: Location) -> Scope:
        """The scope one level down (made as a tuple, without the named tuple's own `__new__`, a Python call:
        this runs for every node)."""
        if self.depth >= MAX_MODEL_DEPTH:
            raise SpecError(rules.TOO_DEEP, f"the model nests deeper than {MAX_MODEL_DEPTH} levels", location)
        return tuple.__new__(Scope, (self.env, self.blocks, self.frozen, self.depth + 1, self.in_preset))

    def inside(self, block: Block, env: Mapping[str, Any], location: Location) -> Scope:
        """The scope of `block`'s body: its params, and the blocks of its own file."""
        deeper = self.deeper(location)
        in_preset = block.file.startswith(PRESET_FILE_PREFIX)
        return tuple.__new__(Scope, (env, block.file_blocks, self.frozen, deeper.depth, in_preset))


def count_model(spec: Spec, remember: bool = True) -> Part:
    """The counted tree of `spec`'s model; raises SpecError at the first problem. Without `remember`, the
    count neither uses nor keeps what other counts of the process counted (a count with a symbolic width
    must not: see symbolic)."""
    return count_with_warnings(spec, remember)[0]


def count_with_warnings(spec: Spec, remember: bool = True) -> tuple[Part, list[Finding]]:
    """The counted tree, and the warnings met on the way (keys a config block does not know)."""
    scope = Scope(env=spec.vars, blocks=spec.blocks)
    counter = _Counter(remember)
    start = START if spec.input is None else spec.input
    root = counter.count(spec.model, spec.model_location, start, scope)
    if root is None:
        root = counter.composite(spec.name, "sequential", spec.model_location, start, [])
    if spec.lora is not None:
        from .adapting import adapted  # it builds on this module's parts

        root = adapted(root, spec.lora)
    return (root if root.named else root._replace(label=spec.name)), counter.warnings


def count_node(node: Any, location: Location, blocks: Mapping[str, Block], env: Mapping[str, Any]) -> Part:
    """The counted part for one model node outside a spec, seeing `blocks` and the values in `env`."""
    counter = _Counter()
    part = counter.count(node, location, START, Scope(env=env, blocks=blocks))
    if part is None:
        return counter.composite("sequential", "sequential", location, START, [])
    return part


def in_runs(copies: list[Part]) -> list[Part]:
    """Consecutive copies that came out the same, as one part each (`layers` ×3 rather than three rows)."""
    runs: list[list[Part]] = []
    for copy in copies:
        if runs and runs[-1][0] == copy:
            runs[-1].append(copy)
        else:
            runs.append([copy])
    return [run[0].times(len(run)) for run in runs]


def iter_parts(part: Part, depth: int = 0) -> Iterator[tuple[int, Part]]:
    """Every part of the tree with its depth, parents first."""
    yield depth, part
    for child in part.children:
        yield from iter_parts(child, depth + 1)


class _Counter:
    """One count's running state: the names seen, the parts shared, the warnings met."""

    def __init__(self, remember: bool = True) -> None:
        self.remember = remember  # use and keep the process's memories (_LAYER_COUNTS, _PRESET_USES)
        self.names: dict[str, Part] = {}
        # Every `name` recorded and every name looked up (`tie`, `from`), in order: what a part's counting did.
        self.events: list[_NameEvent] = []
        self.counted: dict[Hashable, _Counted] = {}  # uses of blocks and layer vars, by their key
        self.parts_made = 0
        self.deepest = 0  # the deepest scope a node was counted in: how deep a shared part reaches (_once)
        self.warnings: list[Finding] = []
        self.frozen_by_ties: set[tuple[str, str]] = set()  # (target, parameter): frozen once
        self.embedded_by_ties: set[tuple[str, str]] = set()  # (target, parameter): made embedding once

    # ------------------------------------------------------------ nodes
    def count(self, node: Any, location: Location, size: Size, scope: Scope) -> Part | None:
        """The counted part for `node`; None when a `when` leaves it out."""
        if scope.depth > self.deepest:
            self.deepest = scope.depth
        if isinstance(node, YamlMapping):  # most nodes: asked first
            return self._mapping(node, size, scope.deeper(location))
        if isinstance(node, YamlSequence):
            return self._sequence(node, location, size, scope.deeper(location), "sequential")
        if isinstance(node, str):
            return self._kind(node, None, location, location, size, scope.deeper(location))
        raise SpecError(
            rules.INVALID_NODE,
            f"a model node must be a layer name, a mapping or a list, not {describe(node)}",
            location,
        )

    def _mapping(self, node: YamlMapping, size: Size, scope: Scope) -> Part | None:
        if len(node) == 1:  # a layer, block or preset without modifiers: most nodes, so they go straight there
            (kind,) = node
            if kind not in _MODIFIER_KEYS:
                return self._kind(kind, node[kind], node.key_locations[kind], node.location_of(kind), size, scope)
        kinds = [key for key in node if key not in _MODIFIER_KEYS]
        if len(kinds) != 1:
            if not kinds:
                raise SpecError(
                    rules.INVALID_NODE, "this node has modifiers but no layer, block or preset", node.location
                )
            listed = ", ".join(str(kind) for kind in kinds)
            raise SpecError(
                rules.INVALID_NODE,
                f"a node holds one layer, found {len(kinds)} ({listed}); write each as its own list item",
                node.key_locations[kinds[1]],
            )
        kind = kinds[0]
        if "when" in node and not _modifier(node, "when", scope):
            return None
        name = _modifier(node, "name", scope) if "name" in node else None
        frozen_by = _modifier(node, "frozen", scope) if "frozen" in node else False
        frozen_names = frozen_by if isinstance(frozen_by, frozenset) else None
        frozen = scope.frozen or frozen_by is True
        inner = scope if frozen == scope.frozen else scope._replace(frozen=frozen)
        tie = node.get("tie")

        def count_once(size_in: Size, scope_in: Scope = inner) -> Part:
            part = self._kind(kind, node[kind], node.key_locations[kind], node.location_of(kind), size_in, scope_in)
            if "parametrize" in node:
                part = _parametrized(part, _modifier(node, "parametrize", scope_in), scope_in)
            if frozen_names is not None:
                part = _freeze_by_name(part, frozen_names)
            if tie is not None:
                part = self._tie(part, tie, node.location_of("tie"))
            if name is not None:
                part = part._replace(label=name, named=True)
                self._record_name(name, part)
            return part

        part: Part | None
        if "repeat" not in node:
            part = count_once(size)
        elif isinstance(node["repeat"], YamlMapping):
            part = self._indexed(count_once, node, size, inner)
        else:
            repeat = _modifier(node, "repeat", scope)
            part = self._repeated(count_once, repeat, size, node.location)
        routed = _modifier(node, "routed", inner) if "routed" in node else None
        if routed is not None and part is not None:
            part = self._routed(part, routed, node.location_of("routed"))
        return part

    def _kind(
        self, kind: Any, args: Any, kind_location: Location, args_location: Location, size: Size, scope: Scope
    ) -> Part:
        if kind in _CONTROL_KEYS:
            args = read_key(CONTROL, kind, args, args_location, scope.env)
        if kind == "sequential":
            return self._sequence(args, args_location, size, scope, "sequential")
        if kind == "parallel":
            return self._parallel(args, args_location, size, scope)
        if kind == "concat":
            return self._concat(args, args_location, size, scope)
        if kind == "from":
            return self._from(args, args_location)
        bound = scope.env.get(kind) if isinstance(kind, str) else None
        if isinstance(bound, NodeValue):
            if args is not None:
                raise SpecError(
                    rules.INVALID_NODE,
                    f"{kind} stands for a layer given elsewhere; it takes no arguments here",
                    args_location,
                )
            seen = _scope_of(bound, scope)
            env = tuple((name, _value_key(value)) for name, value in seen.env.items())
            key = (_Same(bound.node), env, _Same(seen.blocks), _value_key(size), seen.frozen)
            part = self._once(key, lambda: self._given(bound, size, seen), seen)
            return part if part is not None else self.composite(kind, kind, kind_location, size, [])
        block = scope.blocks.get(kind) if isinstance(kind, str) else None
        if block is None and isinstance(kind, str):
            block = presets.find(kind)
        if block is not None:
            return self._block(block, args, kind_location, args_location, size, scope)
        layer = LAYERS.get(kind) if isinstance(kind, str) else None
        if layer is not None:
            return self._layer(layer, args, kind_location, args_location, size, scope)
        raise SpecError(rules.UNKNOWN_LAYER, _unknown_kind_message(kind, scope), kind_location)

    def _given(self, value: NodeValue, size: Size, scope: Scope) -> Part | None:
        """The node a var, param or layer argument holds, counted where it stands, in `scope` (_scope_of)."""
        try:
            return self.count(value.node, value.location, size, scope)
        except SpecError as error:
            if value.written_in is not None and not value.written_in.in_preset:
                error.settled = True  # at the spec's own line, though a preset's block placed it
            raise

    def _sequence(self, items: YamlSequence, location: Location, size: Size, scope: Scope, kind: str) -> Part:
        children = []
        for index, item in enumerate(items):
            child = self.count(item, items.location_of(index), size, scope)
            if child is not None:
                children.append(child)
                size = child.output
        return self.composite(kind, kind, location, size, children)

    def _parallel(self, branches: YamlSequence, location: Location, size: Size, scope: Scope) -> Part:
        children = []
        for index, branch in enumerate(branches):
            child = self.count(branch, branches.location_of(index), size, scope)
            if child is not None:
                children.append(child)
        known = [child.output for child in children if isinstance(child.output, int)]
        if any(output != known[0] for output in known[1:]):  # compared, not hashed: sizes may be symbolic
            sizes = ", ".join(f"{show_size(child.output)}" for child in children)
            raise SpecError(
                rules.SIZE_MISMATCH,
                f"the branches of `parallel` output different sizes ({sizes}); they must agree to be added",
                location,
            )
        output = known[0] if known else (children[0].output if children else size)
        return self.composite("parallel", "parallel", location, output, children)

    def _concat(self, branches: YamlSequence, location: Location, size: Size, scope: Scope) -> Part:
        """Branches on the same input, concatenated along features: the sizes add up."""
        children = []
        for index, branch in enumerate(branches):
            child = self.count(branch, branches.location_of(index), size, scope)
            if child is not None:
                children.append(child)
        unknown = next((child.output for child in children if not isinstance(child.output, int)), None)
        output = unknown if unknown is not None else sum(c.output for c in children if isinstance(c.output, int))
        return self.composite("concat", "concat", location, output, children)

    def _from(self, name: Any, location: Location) -> Part:
        """No parameters; the output of the earlier node called `name` (a skip connection)."""
        earlier = self._look_up(name)
        if earlier is None:
            named = ", ".join(sorted(self.names)) or "none yet"
            raise SpecError(
                rules.INVALID_NODE, f"from: no node named {name!r} before this one (named so far: {named})", location
            )
        return Part(
            label=f"from {name}",
            kind="from",
            location=location,
            output=earlier.output,
            params=0,
            trainable=0,
            buffers=0,
        )

    def _indexed(self, count_once: CountOnce, node: YamlMapping, size: Size, scope: Scope) -> Part | None:
        """`repeat: {times: N, index: i}` or `repeat: {over: [rows], index: i}`: each copy sees its index (and
        its row's keys as names). Counted copy by copy when the node reads them; multiplied when it does not."""
        raw, where = node["repeat"], node.location_of("repeat")
        values, findings = validate(INDEXED_REPEAT, raw, scope.env)
        if findings:
            raise Problems(findings)
        if "times" in raw and "over" in raw:
            raise SpecError(
                rules.INVALID_VALUE, "an indexed repeat takes `times` or `over`, not both: one copy per row", where
            )
        index = values["index"]
        rows: list[Mapping[str, Any]]
        if "times" in raw:
            times = values["times"]
            if index is None or index not in _names_written([v for k, v in node.items() if k != "repeat"]):
                return self._repeated(count_once, times, size, node.location)
            rows = [{}] * min(times, MAX_INDEXED_COPIES + 1)
        else:
            rows = _rows(raw["over"], raw.location_of("over"), scope)
        if len(rows) > MAX_INDEXED_COPIES:
            raise SpecError(
                rules.TOO_LARGE, f"an indexed repeat is counted copy by copy: at most {MAX_INDEXED_COPIES:,}", where
            )
        copies: list[Part] = []
        for number, row in enumerate(rows):
            env = {**scope.env, **row, **({index: number} if index is not None else {})}
            copies.append(count_once(size, scope._replace(env=env))._replace(numbered=True))
            size = copies[-1].output
        if not copies:
            return None
        runs = in_runs(copies)
        if len(runs) == 1:
            return runs[0]
        return self.composite(copies[0].label, f"{copies[0].kind} ×{len(copies)}", node.location, size, runs)

    def _repeated(self, count_once: CountOnce, repeat: int, size: Size, location: Location) -> Part | None:
        """`repeat` copies in sequence, each distinct copy counted once.

        Copy k's input is copy k-1's output. Every layer's output size is
        either fixed, or its input scaled, so once a copy's output equals its
        input, all the copies after it are the same: they are multiplied, not
        counted (a billion repeats cost what one does).
        """
        if repeat == 0:
            return None
        distinct: list[Part] = []
        while len(distinct) < repeat:
            if len(distinct) == MAX_DISTINCT_COPIES:
                raise SpecError(
                    rules.TOO_LARGE,
                    f"the size changes with every copy of this repeat (over {MAX_DISTINCT_COPIES} distinct copies)",
                    location,
                )
            distinct.append(count_once(size)._replace(numbered=True))
            if distinct[-1].output == size:
                break
            size = distinct[-1].output
        parts = [*distinct[:-1], distinct[-1].times(repeat - len(distinct) + 1)]
        if len(parts) == 1:
            return parts[0]
        first = distinct[0]
        return self.composite(first.label, f"{first.kind} ×{repeat}", location, parts[-1].output, parts)

    # ------------------------------------------------------------ blocks
    def _block(
        self, block: Block, args: Any, kind_location: Location, args_location: Location, size: Size, scope: Scope
    ) -> Part:
        held = scope.env.get(args) if isinstance(args, str) else None
        use = scope  # where the arguments were written: their names are read there
        if isinstance(held, NodeValue) and isinstance(held.node, (YamlMapping, YamlSequence)):
            args = held.node  # a param holding a mapping of arguments (CLIP's text_config) gives them all
            use = _scope_of(held, scope)
        if block.ignore is not None:
            args = self._known_config_keys(block, args, use.env)
        given = bind_block_arguments(block, args, args_location)
        env = dict(block.file_vars)
        seen = _with_input(use.env, size)  # what the arguments read (made once: this runs for every use)
        written_in = None
        for param in block.params:
            default = param.default
            if param.name in given:
                value, where = given[param.name]
                if type(value) in _OWN_VALUES:  # most arguments: what value_of would give, without the call
                    env[param.name] = value
                    continue
                if param.name in block.text and isinstance(value, str):  # as written, or the text a var holds
                    held = use.env.get(value)
                    env[param.name] = held if isinstance(held, str) else value
                    continue
                try:
                    value = value_of(value, seen, where, f"{block.name} {param.name}")
                    if value is None and block.ignore is not None:
                        default = _null_meaning(block, param.name, where)
                except SpecError as error:  # at the argument, which stays where the use wrote it
                    error.settled = error.settled or not use.in_preset
                    raise
                if isinstance(value, NodeValue):  # a node written in the use reads its names there
                    written_in = written_in or WrittenIn(use.env, use.blocks, use.in_preset)
                    value = value.read_in(written_in)
                env[param.name] = value
                if value is not None:
                    continue
            if default is REQUIRED_PARAM:
                raise SpecError(rules.MISSING_ARGUMENT, f"{block.name} needs `{param.name}`", args_location)
            # A number, flag or null is its own value (most defaults, and they are read at every use: they go
            # straight in); text is kept as written for a text param, else read as value_of reads it.
            plain = default is None or type(default) in _OWN_VALUES
            if not plain and not (param.name in block.text and isinstance(default, str)):
                try:
                    default = value_of(default, env, param.location, f"{block.name} {param.name}")
                except SpecError as error:  # at the default, in the block's file
                    raise _seen_from_use(error, block, kind_location, scope) from None
            env[param.name] = default
        for condition, where in block.require:
            try:
                holds = evaluate(condition, env)
            except ExpressionError as error:
                wrong = SpecError(rules.INVALID_EXPRESSION, f"{block.name} require {condition!r}: {error}", where)
                raise _seen_from_use(wrong, block, kind_location, scope) from None
            if not holds:
                raise SpecError(
                    rules.REQUIRE_FAILED,
                    f"{block.name} requires {condition!r}, which fails for {_values_in(condition, env)}",
                    args_location,
                )
        inner = scope.inside(block, env, kind_location)
        key = (
            _Same(block),
            tuple([_value_key(env[param.name]) for param in block.params]),
            _value_key(size) if block.output is None else None,  # a stated output: the body never sees the size
            scope.frozen,
        )
        try:
            body = self._once(key, lambda: self._body(block, kind_location, size, inner), scope, inner.in_preset)
        except SpecError as error:
            raise _seen_from_use(error, block, kind_location, scope) from None
        if body is None:  # a body of one node that `when` leaves out
            body = self.composite(block.name, block.name, kind_location, size, [])
        return body.used_at(kind_location, block.name)

    def _body(self, block: Block, location: Location, size: Size, scope: Scope) -> Part | None:
        """A block's body counted at the running size; or, for a block that states its output, counted
        without it and handing on what it states."""
        if block.output is None:
            return self.count(block.body, block.body_location, size, scope)
        body = self.count(block.body, block.body_location, _unsized(block.name), scope)
        written, where = block.output
        what = f"{block.name} output"
        if isinstance(written, int):
            output = written
        else:
            value = scope.env.get(written, written)  # most name a param
            if isinstance(value, str):
                value = evaluate_text(written, scope.env, where, what)
            output = as_int(value, what, where, minimum=1, expression=written)
        if body is None:
            return self.composite(block.name, block.name, location, output, [])
        return body._replace(output=output)

    def _known_config_keys(self, block: Block, args: Any, env: Mapping[str, Any]) -> Any:
        """A config block's arguments without the keys that hold no parameters.

        Keys it neither takes nor ignores are left out too, and named in one
        warning: the count assumes they change nothing, which --torch confirms.
        """
        if not isinstance(args, YamlMapping):
            return args
        params = {param.name for param in block.params}
        ignored = block.ignore or frozenset()
        aliases = block.aliases
        unknown = [key for key in args if key not in params and key not in ignored and key not in aliases]
        if unknown:
            listed = ", ".join(str(key) for key in unknown)
            self.warnings.append(
                Finding(
                    rules.UNKNOWN_CONFIG_KEYS,
                    f"{block.name} does not know {listed}; the count assumes "
                    f"{'it changes' if len(unknown) == 1 else 'they change'} nothing "
                    "(--torch confirms it)",
                    args.key_locations[unknown[0]],
                )
            )
        for key, value in args.items():
            replaced_by = ACTIVATION_REPLACED_BY.get(key)
            if replaced_by is not None and replaced_by in args:
                continue
            if key in ACTIVATION_KEYS and (key not in params or key == "feed_forward_proj"):
                held = env.get(value) if isinstance(value, str) else None  # a var's text, as a text param reads it
                _check_activation(key, held if isinstance(held, str) else value, args.location_of(key))
        known = YamlMapping(args.location)
        # A param's own keys first, then its aliases, in the order written: transformers sets the keys its
        # config class does not take by name after those it does, so an alias written wins.
        own = [(key, key) for key in args if key in params]
        for key, param in own + [(key, aliases[key]) for key in args if key in aliases]:
            known[param] = args[key]
            known.key_locations[param] = args.key_locations[key]
            known.value_locations[param] = args.location_of(key)
        return known

    # ------------------------------------------------------------ layers
    def _layer(
        self, layer: Layer, args: Any, kind_location: Location, args_location: Location, size: Size, scope: Scope
    ) -> Part:
        key = _layer_key(layer, args, size, scope) if self.remember else None
        known = _LAYER_COUNTS.get(key) if key is not None else None
        if known is None:
            known = self._bound_layer(layer, args, kind_location, args_location, size, scope)
            if key is not None and isinstance(known.output, int):  # an unknown output names this layer's line
                if len(_LAYER_COUNTS) >= MAX_LAYER_COUNTS:
                    _LAYER_COUNTS.clear()
                _LAYER_COUNTS[key] = known
        self._made(kind_location)
        return known.used_at(kind_location)

    def _bound_layer(
        self, layer: Layer, args: Any, kind_location: Location, args_location: Location, size: Size, scope: Scope
    ) -> Part:
        values = bind_layer_arguments(layer, args, args_location, size, _with_input(scope.env, size), kind_location)
        submodules = {
            name: self._given(value, size, _scope_of(value, scope))
            for name, value in values.items()
            if isinstance(value, NodeValue)
        }
        values.update(submodules)
        # A submodule that `when` leaves out is passed as None, as torch takes it for an optional one (a norm).
        given = {name: None if part is None else _submodule(part) for name, part in submodules.items()}
        arguments = SimpleNamespace(**{**values, **given})
        refusal = layer.refusal(arguments)
        if refusal is not None:
            raise SpecError(
                rules.INVALID_LAYER, f"torch refuses {layer.name}({_call(layer, values)}): {refusal}", kind_location
            )
        tensors = layer.parameters(arguments)
        if scope.frozen:
            tensors = tuple(t._replace(trainable=False) for t in tensors)
        if layer.name in EMBEDDING_LAYERS:
            tensors = tuple(t._replace(embedding=True) for t in tensors)
        buffers = layer.buffer_tensors(arguments)
        sizes = [(t, t.numel) for t in tensors]  # each worked out once: a symbolic width's are polynomials
        return Part(
            label=layer.name,
            kind=layer.name,
            location=kind_location,
            output=_output_size(layer, arguments, size, kind_location),
            params=sum(numel for _, numel in sizes),
            trainable=sum(numel for t, numel in sizes if t.trainable),
            buffers=sum(t.numel for t in buffers),
            tensors=tensors,
            buffer_tensors=buffers,
            embedding=sum(numel for t, numel in sizes if t.embedding),
            arguments=_constructed(values),
            frozen=scope.frozen,
        )

    # ------------------------------------------------------------ sharing and bounds
    def _once(self, key: Hashable, count: Callable[[], Part | None], scope: Scope, preset: bool = False) -> Part | None:
        """`count()`, or the part it gave before for the same key, used in `scope`.

        The key leaves out how deep the use stands: a part is used again where
        its counting, reaching as far below the use as it did, would stay a
        level within the depth limit; elsewhere it is counted anew, and fails
        as it then must. (Blocks need no nesting limit of their own: each use
        stands two levels below the one around it, its node and its body, so
        the depth limit bounds them at 50.)

        The names its counting recorded are recorded again at each use, so that
        a later `tie` or `from` finds them. A part whose `tie` or `from` looked
        up a name from outside it is used again only while that name still
        means the same part; one whose ties froze a shared parameter is not
        kept (the first such tie takes it off the trainable count, the next
        ones do not).

        A use of a preset's block is kept for the whole process (a preset is
        the same in every spec), unless its counting warned or touched what
        ties share: those belong to one count.
        """
        memo = _PRESET_USES if preset and self.remember else self.counted
        known = memo.get(key)
        depth = scope.depth
        # Most counts record no name and read none from outside: those go without a generator made for them.
        if (
            known is not None
            and depth + known.depth_below < MAX_MODEL_DEPTH - 1
            and (not known.looked_up or all(self.names.get(name) is part for name, part in known.looked_up))
        ):
            if known.events:
                self.events.extend(known.events)
                self.names.update((event.name, event.part) for event in known.events if event.named)
            self.deepest = max(self.deepest, depth + known.depth_below)
            return known.part
        first_event = len(self.events)
        frozen, embedded, warned = len(self.frozen_by_ties), len(self.embedded_by_ties), len(self.warnings)
        deepest, self.deepest = self.deepest, depth
        part = count()
        depth_below, self.deepest = self.deepest - depth, max(deepest, self.deepest)
        if part is None:
            return None
        kept = len(self.frozen_by_ties) == frozen
        if preset:
            kept = kept and len(self.embedded_by_ties) == embedded and len(self.warnings) == warned
            if kept and len(memo) >= MAX_PRESET_USES:
                memo.clear()
        if kept:
            memo[key] = _Counted.of(part, self.events[first_event:], depth_below)
        return part

    def _record_name(self, name: str, part: Part) -> None:
        self.names[name] = part
        self.events.append(_NameEvent(name, part, named=True))

    def _look_up(self, name: Any) -> Part | None:
        """The last part named `name`, noted as something the part being counted depends on."""
        found = self.names.get(name) if isinstance(name, str) else None
        if found is not None:
            self.events.append(_NameEvent(name, found, named=False))
        return found

    def _made(self, location: Location) -> None:
        self.parts_made += 1
        if self.parts_made > MAX_PARTS:
            raise SpecError(
                rules.TOO_LARGE,
                f"counting this model takes over {MAX_PARTS:,} parts "
                "(a block whose `tie` or `from` reads a name from outside it is counted anew at each use)",
                location,
            )

    def composite(self, label: str, kind: str, location: Location, output: Size, children: list[Part]) -> Part:
        """The part made of `children`: its counts are theirs, summed."""
        self._made(location)
        tree_size = 1
        params = trainable = buffers = freezes_shared = embedding = embeds_shared = idle = 0
        for child in children:  # one loop, not eight sums: this runs for every block use and sequence
            tree_size += child.tree_size
            params += child.params
            trainable += child.trainable
            buffers += child.buffers
            freezes_shared += child.freezes_shared
            embedding += child.embedding
            embeds_shared += child.embeds_shared
            idle += child.idle
        if tree_size > MAX_PARTS:
            raise SpecError(
                rules.TOO_LARGE,
                f"the model has over {MAX_PARTS:,} parts, counting every use of a block or var; "
                "`repeat` counts a repeated part once",
                location,
            )
        return Part(
            label=label,
            kind=kind,
            location=location,
            output=output,
            params=params,
            trainable=trainable,
            buffers=buffers,
            children=tuple(children),
            freezes_shared=freezes_shared,
            tree_size=tree_size,
            embedding=embedding,
            embeds_shared=embeds_shared,
            idle=idle,
        )

    # ------------------------------------------------------------ modifiers
    def _tie(self, part: Part, written: Any, location: Location) -> Part:
        """`tie: NAME` shares every parameter both have under the same path; `tie: NAME.PATH` only the
        parameter PATH of NAME, with this node's parameter at the same path (a bare Parameter: itself)."""
        target_name, only = self._tie_target(written, location)
        target = self._look_up(target_name)
        assert target is not None  # _tie_target found it
        available = {tensor.name: tensor for tensor in owned_tensors(target)}
        if part.idle:
            raise SpecError(rules.INVALID_TIE, "tie: a node that holds routed experts cannot share them", location)
        mine = owned_tensors(part)
        if only is not None:
            if only not in available:
                raise SpecError(
                    rules.INVALID_TIE,
                    f"tie: {target_name!r} has no parameter {only!r} ({_tensor_names(available.values())})",
                    location,
                )
            bare = [tensor.name for tensor in mine] == [""]
            available = {"" if bare else only: available[only]}
        kept, shared, freezes, embeds = [], set(), 0, 0
        for tensor in mine:
            other = available.get(tensor.name)
            if other is None:
                kept.append(tensor)
            elif other.shape != tensor.shape:
                raise SpecError(
                    rules.INVALID_TIE,
                    f"tie: `{tensor.name or 'parameter'}` is {_shape(tensor.shape)} here but "
                    f"{_shape(other.shape)} in {written!r}; tied parameters must have the same shape",
                    location,
                )
            else:
                shared.add(tensor.name)
                if other.trainable and not tensor.trainable and (target_name, other.name) not in self.frozen_by_ties:
                    self.frozen_by_ties.add((target_name, other.name))
                    freezes += other.numel
                if tensor.embedding and not other.embedding and (target_name, tensor.name) not in self.embedded_by_ties:
                    self.embedded_by_ties.add((target_name, tensor.name))  # a head written before its table
                    embeds += other.numel
        if not shared:
            raise SpecError(
                rules.INVALID_TIE,
                f"tie: this {part.label} shares no parameter with {written!r} "
                f"({_tensor_names(mine)} here, {_tensor_names(available.values())} there); "
                "a tie shares the parameters of the same name and shape",
                location,
            )
        return part._replace(
            params=sum(t.numel for t in kept),
            trainable=sum(t.numel for t in kept if t.trainable) - freezes,
            tied_to=target_name,
            tied_parameter=only,
            shared=frozenset(shared),
            freezes_shared=freezes,
            embedding=sum(t.numel for t in kept if t.embedding) + embeds,
            embeds_shared=embeds,
        )

    def _tie_target(self, written: Any, location: Location) -> tuple[str, str | None]:
        """(the named node, the path of one of its parameters or None) that `tie: NAME[.PATH]` means:
        the longest name written before this node that the text starts with."""
        if isinstance(written, str):
            if written in self.names:
                return written, None
            for cut in reversed([index for index, letter in enumerate(written) if letter == "."]):
                if written[:cut] in self.names:
                    return written[:cut], written[cut + 1 :]
        named = ", ".join(sorted(self.names)) or "none yet"
        raise SpecError(
            rules.INVALID_TIE, f"tie: no layer named {written!r} before this one (named so far: {named})", location
        )

    def _routed(self, part: Part, routed: dict[str, int], where: Location) -> Part:
        """`routed: {experts: E, per_token: K}`: the node holds E experts of one size, and a router gives each
        token K of them. The others' parameters are idle for that token: counted, but not active."""
        experts, per_token = routed["experts"], routed["per_token"]
        if per_token > experts:
            raise SpecError(
                rules.INVALID_VALUE,
                f"routed: a token cannot use {per_token} of {experts} experts",
                where,
            )
        if part.active % experts:
            raise SpecError(
                rules.INVALID_VALUE,
                f"routed: the node's {part.active:,} active params do not split into {experts} experts of one size",
                where,
            )
        return part._replace(idle=part.params - part.active // experts * per_token)


class _NameEvent(NamedTuple):
    """A `name` recorded, or a name looked up by a `tie` or `from`, while counting."""

    name: str
    part: Part
    named: bool  # recorded by a `name`, else looked up


class _Counted(NamedTuple):
    """A counted use of a block or a layer var: its part, and what its counting did with names."""

    part: Part
    events: tuple[_NameEvent, ...]  # the last part of each name it recorded, and each name it read from outside
    looked_up: tuple[tuple[str, Part], ...]  # the names it read from outside, and the parts they meant
    depth_below: int  # how much deeper than the use its counting went

    @classmethod
    def of(cls, part: Part, events: list[_NameEvent], depth_below: int) -> _Counted:
        named: dict[str, _NameEvent] = {}
        outside: dict[str, _NameEvent] = {}
        for event in events:
            if event.named:
                named[event.name] = event
            elif event.name not in named:  # a name it recorded itself is not a dependency
                outside.setdefault(event.name, event)
        kept = (*outside.values(), *named.values())
        return cls(part, kept, tuple((event.name, event.part) for event in outside.values()), depth_below)


class _Same:
    """A key that matches only the very object it holds (YAML nodes and blocks do not hash)."""

    __slots__ = ("thing",)

    def __init__(self, thing: Any):
        self.thing = thing

    def __hash__(self) -> int:
        return id(self.thing)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.thing is self.thing


def _layer_key(layer: Layer, args: Any, size: Size, scope: Scope) -> Hashable | None:
    """What decides a layer's count: its kind, its arguments as written, the values of the names they read,
    its input size and frozen-ness. None for a layer that takes other layers as arguments: those are
    counted in the scope, as nodes."""
    if _takes_layers(layer):
        return None
    known = _WRITTEN_KEYS.get(id(args))
    if known is None or known[0] is not args:
        names: list[str] = []
        written = _written_key(args, names)
        known = args, written, tuple([name for name in names if name != INPUT_SIZE_NAME])
        if len(_WRITTEN_KEYS) >= MAX_LAYER_COUNTS:
            _WRITTEN_KEYS.clear()
        _WRITTEN_KEYS[id(args)] = known
    _, written, names_read = known
    env = scope.env  # `in`, the input size, is in the key as the size
    read = tuple([(name, _value_key(env.get(name, _ABSENT))) for name in names_read])
    return layer.name, written, read, size, scope.frozen


def _takes_layers(layer: Layer) -> bool:
    takes = _TAKES_LAYERS.get(layer.name)
    if takes is None:
        takes = _TAKES_LAYERS[layer.name] = any("layer" in argument.kinds for argument in layer.signature)
    return takes


def _written_key(raw: object, names: list[str]) -> Hashable:
    """Arguments as written, without their places, as a key; the names their text may read go to `names`.
    Text and integers stand for themselves (they equal nothing else here); true and 1.0 would equal 1,
    so they are tagged with their type."""
    if isinstance(raw, str):
        names.extend(_identifiers(raw))
        return raw
    if raw is None or (isinstance(raw, int) and not isinstance(raw, bool)):
        return raw
    if isinstance(raw, dict):
        return dict, tuple((key, _written_key(value, names)) for key, value in raw.items())
    if isinstance(raw, list):
        return list, tuple(_written_key(item, names) for item in raw)
    return _value_key(raw)


@lru_cache(maxsize=4096)
def _unsized(block: str) -> Unknown:
    """The running size inside a block that states its output: one object per block, for it is in the key
    of every layer counted there, and a key holding the very same object is found without comparing it."""
    return Unknown(f"inside {block}, which states its output")


@lru_cache(maxsize=4096)
def _identifiers(text: str) -> tuple[str, ...]:
    """Every identifier written in `text` (conservative: a name in a literal string counts too)."""
    return tuple(_IDENTIFIER_IN_TEXT.findall(text))


def _value_key(value: Any) -> Hashable:
    """A var's or param's value as a key: by type and value, so 1, 1.0 and true stay apart (a float by its
    spelling: -0.0 is not 0.0)."""
    kind = type(value)
    if kind is int or kind is str or kind is bool or value is None:
        return kind, value
    if isinstance(value, Symbolic):
        return value.key
    if isinstance(value, NodeValue):
        return _Same(value.node)
    return kind, repr(value)


def _constructed(values: dict[str, Any]) -> dict[str, Any]:
    """A layer's bound arguments without those that only place its tensors (device, dtype)."""
    arguments = dict(values)
    arguments.pop("device", None)
    arguments.pop("dtype", None)
    return arguments


def _output_size(layer: Layer, arguments: SimpleNamespace, size: Size, location: Location) -> Size:
    output = layer.output(arguments, size if isinstance(size, int) else None)
    if isinstance(output, int) and output > MAX_SIZE:
        raise SpecError(
            rules.TOO_LARGE, f"{layer.name} makes the running size over 2^100, more than any model holds", location
        )
    if output is not None:
        return output
    if isinstance(size, Unknown) and layer.output is not unknown_size:
        return size  # still unknown for the reason it already was
    return Unknown(f"after {layer.name} at line {location.line}")


# ------------------------------------------------------------ helpers
def _scope_of(value: NodeValue, scope: Scope) -> Scope:
    """The scope a held node is counted in where it stands: the names and blocks where it was written, with
    the depth, nesting and frozen-ness of where it stands."""
    written_in = value.written_in
    if written_in is None:
        return scope
    return Scope(written_in.env, written_in.blocks, scope.frozen, scope.depth, written_in.in_preset)


def _with_input(env: Mapping[str, Any], size: Size) -> Mapping[str, Any]:
    """The names an argument's expression reads: the scope's, and `in`, the running size when it is known."""
    return {**env, INPUT_SIZE_NAME: size} if isinstance(size, int) else env


def _names_written(node: Any) -> set[str]:
    """Every identifier written in a node's strings (conservative: a name in a literal string counts too)."""
    found: set[str] = set()
    pending = [node]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            found.update(_IDENTIFIER_IN_TEXT.findall(value))
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return found


def _rows(raw: Any, location: Location, scope: Scope) -> list[Mapping[str, Any]]:
    """A stage table: a list of mappings (written in place, or a var holding one), each row's values read."""
    held = scope.env.get(raw) if isinstance(raw, str) else None
    if isinstance(held, NodeValue):
        raw, location, scope = held.node, held.location, _scope_of(held, scope)
    if not isinstance(raw, YamlSequence) or not all(isinstance(row, YamlMapping) for row in raw):
        raise SpecError(rules.INVALID_VALUE, "repeat over: takes a list of mappings (one row per copy)", location)
    rows: list[Mapping[str, Any]] = []
    for number, row in enumerate(raw):
        values: dict[str, Any] = {}
        for key, value in row.items():
            check_identifier(key, row.key_locations[key], "row")
            values[key] = value_of(value, scope.env, row.location_of(key), f"row {number + 1} {key}")
        rows.append(values)
    return rows


def _freeze_by_name(part: Part, names: frozenset[str], path: str = "") -> Part:
    """`frozen: [bias]`: the parameters of these names (a layer's own name, or the path inside the node) stop
    being trainable; the rest stay as they were."""
    if part.children:
        children = tuple(
            _freeze_by_name(child, names, f"{path}{child.label if child.named else index}.")
            for index, child in enumerate(part.children)
        )
        return part._replace(children=children, trainable=sum(c.trainable for c in children) * part.copies)
    tensors = tuple(
        t._replace(trainable=False) if t.name in names or path + t.name in names else t for t in part.tensors
    )
    trainable = sum(t.numel for t in tensors if t.trainable and t.name not in part.shared) * part.copies
    return part._replace(tensors=tensors, trainable=trainable)


def _parametrized(part: Part, parametrization: tuple[str, Any, Location], scope: Scope) -> Part:
    """`parametrize: weight_norm` (or `{spectral_norm: {dim: 1}}`): the layer's tensors as torch's
    parametrization leaves them."""
    kind, options, location = parametrization
    if part.children or part.kind not in LAYERS:
        raise SpecError(
            rules.INVALID_VALUE,
            f"parametrize applies to one torch.nn layer, not to {part.kind}: write it on the layer itself",
            location,
        )
    signature = PARAMETRIZATIONS[kind][0]
    values = bind_layer_arguments(signature, options, location, START, scope.env, location)
    change = parametrize(kind, SimpleNamespace(**values), part.kind, part.tensors, part.buffer_tensors)
    if isinstance(change, str):
        raise SpecError(rules.INVALID_LAYER, f"torch refuses {kind} on {part.kind}: {change}", location)
    tensors, buffers = change
    return part._replace(
        tensors=tensors,
        buffer_tensors=buffers,
        params=sum(t.numel for t in tensors),
        trainable=sum(t.numel for t in tensors if t.trainable),
        buffers=sum(t.numel for t in buffers),
        parametrization=(kind, values),
    )


def _null_meaning(block: Block, param: str, where: Location) -> Any:
    """What a null written for `param` means to a block that takes a whole config: what its `nulls:` says,
    as transformers' config classes make a value of it; any other null is refused, as their typed fields
    refuse it (`vocab_size: int`)."""
    if param not in block.nulls:
        raise SpecError(
            rules.INVALID_VALUE,
            f"{block.name} takes no null for `{param}`: write a value, or leave the key out for its default",
            where,
        )
    return block.nulls[param]


def _seen_from_use(error: SpecError, block: Block, use: Location, scope: Scope) -> SpecError:
    """An error at a line of `block`'s file, as the spec's author should see it from the block's use.

    At a line of the spec itself, it stays there and also points at the use (when the spec's own lines
    use it), which made it so: the running size, the arguments. At a line of a preset's file, it moves to
    the use and says where in the preset it was."""
    if error.settled or not block.file.startswith(PRESET_FILE_PREFIX):
        error.settled = True
        return error if scope.in_preset else error.related_to(f"in {block.name}, used here", use)
    finding = error.finding
    moved = SpecError(
        finding.rule, f"{finding.message} (in preset {block.name}, at its line {finding.location.line})", use
    )
    moved.settled = not scope.in_preset
    return moved


def _submodule(part: Part) -> Submodule:
    """A counted `layer` argument as its layer's formula sees it."""
    return Submodule(
        tuple(owned_tensors(part)),
        tuple(owned_tensors(part, buffers=True)),
        part.output if isinstance(part.output, int) else None,
    )


def owned_tensors(part: Part, buffers: bool = False) -> list[Tensor]:
    """The parameters (or buffers) a part owns, not those it shares, named by their path inside it."""
    tensors = list(part.buffer_tensors if buffers else part.tensors)
    for index, child in enumerate(part.children):
        prefix = f"{child.label if child.named else index}."
        tensors += [t._replace(name=prefix + t.name) for t in owned_tensors(child, buffers)]
    return [t._replace(copies=t.copies * part.copies) for t in tensors if t.name not in part.shared]


def _unknown_kind_message(kind: Any, scope: Scope) -> str:
    if isinstance(kind, str) and kind.startswith("Lazy") and kind[4:] in LAYERS:
        return (
            f"{kind} infers its input size on the first forward pass, which a spec cannot do; "
            f"write {kind[4:]} and omit its input size: it takes the running size"
        )
    known = list(LAYERS) + list(scope.blocks) + presets.names() + list(CONTROL_KINDS)
    return f"unknown layer {kind!r}{did_you_mean(kind, known)}: not a torch.nn layer, block or preset"


def _check_activation(key: str, value: Any, where: Location) -> None:
    """A config's activation that the count would get wrong: one that holds parameters, or one transformers
    does not have (it refuses the config when it builds the model)."""
    if not isinstance(value, str):
        return
    name = value.removeprefix("gated-") if key == "feed_forward_proj" else value
    if name in ACTIVATIONS_WITH_PARAMETERS:
        message = f"{key}: {value!r} holds parameters in every layer that budget-check does not count"
    elif name not in ACTIVATIONS and (key != "feed_forward_proj" or name.count("-") == 0):
        message = f"{key}: transformers has no activation {name!r}{did_you_mean(name, ACTIVATIONS)}"
    else:
        return
    raise SpecError(rules.UNCOUNTED_ACTIVATION, f"{message}; --torch counts the model with transformers", where)


def _values_in(condition: str, env: Mapping[str, Any]) -> str:
    names = sorted(names_in(parse(condition)))
    return ", ".join(f"{name}={env[name]}" for name in names if name in env)


def _call(layer: Layer, values: dict[str, Any]) -> str:
    """The arguments that differ from torch's defaults, as a call would show them."""
    defaults = {argument.name: argument.default for argument in layer.signature}
    return ", ".join(f"{key}={value!r}" for key, value in values.items() if value != defaults.get(key))


def _tensor_names(tensors: Iterable[Tensor]) -> str:
    return ", ".join(tensor.name or "an unnamed parameter" for tensor in tensors) or "no parameters"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _modifier(node: YamlMapping, key: str, scope: Scope) -> Any:
    """A modifier of `node` (written there), read by its table with the scope's names."""
    return read_key(NODE_MODIFIERS, key, node[key], node.location_of(key), scope.env)
