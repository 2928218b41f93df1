"""From a YAML document to a Spec: top-level keys, vars and blocks, checked.

The model itself stays as the YAML the user wrote; counting.py walks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import rules
from ..findings import Finding, SpecError
from .budgets import Budget, Tolerance, parse_budget
from .catalogue import LAYERS
from .expressions import ExpressionError, evaluate
from .hints import did_you_mean
from .loader import Location, YamlMapping, YamlSequence, location_in
from .matching import DEFAULT_TOLERANCE, Match, parse_match
from .units import DEFAULT_DTYPE, DTYPE_BITS

TOP_LEVEL_KEYS = ("name", "vars", "blocks", "model", "budget", "match", "torch", "dtype")
MODIFIERS = ("repeat", "name", "tie", "frozen", "when")
CONTROL_KINDS = ("sequential", "parallel", "concat", "from")
# The running input size, as expressions read it (`groups: in` for a depthwise convolution).
INPUT_SIZE_NAME = "in"
# Patterns in the syntax Python and JSON Schema (schema.py) share, anchored where they are used.
IDENTIFIER_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
TORCH_TARGET_PATTERN = r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)"
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN + r"\Z")


@dataclass(frozen=True)
class NodeValue:
    """A var or block param that holds a layer (`activation: GELU`) instead of a number."""

    node: Any
    location: Location


@dataclass(frozen=True)
class Param:
    name: str
    default: Any  # REQUIRED_PARAM, or the YAML value: number, expression, bool, node
    location: Location


REQUIRED_PARAM = None  # `params: {mid: null}` means mid is required


@dataclass
class Block:
    name: str
    params: tuple[Param, ...]
    body: Any
    body_location: Location
    require: tuple[tuple[str, Location], ...]
    location: Location
    file_vars: dict[str, Any] = field(default_factory=dict)  # what the body sees besides its params
    file_blocks: dict[str, Block] = field(default_factory=dict)  # blocks of the same file
    file: str = ""


@dataclass(frozen=True)
class TorchTarget:
    """`torch: {target: "package.module:callable", args: [...], kwargs: {...}}`."""

    module: str
    attribute: str
    args: tuple
    kwargs: dict[str, Any]
    location: Location

    @property
    def target(self) -> str:
        return f"{self.module}:{self.attribute}"


@dataclass
class Spec:
    file: str
    name: str
    document: YamlMapping
    vars: dict[str, Any]
    blocks: dict[str, Block]
    model: Any
    model_location: Location
    budget: Budget | None
    dtype: str
    match: Match | None = None
    torch: TorchTarget | None = None
    tolerance: Tolerance = DEFAULT_TOLERANCE  # the default for match.tolerance, kept for with_vars


def parse_spec(
    document: YamlMapping, file: str, name: str, tolerance: Tolerance = DEFAULT_TOLERANCE
) -> tuple[Spec | None, list[Finding]]:
    """Check the top level of a spec document; a Spec when it can be counted."""
    findings: list[Finding] = []
    for key in document:
        if key not in TOP_LEVEL_KEYS and not (isinstance(key, str) and key.startswith("x-")):
            findings.append(
                Finding(
                    rules.UNKNOWN_KEY,
                    f"unknown top-level key {key!r}{did_you_mean(key, TOP_LEVEL_KEYS)}; "
                    "keys of your own start with `x-`",
                    document.key_locations[key],
                )
            )

    def attempt(parse, *args):
        try:
            return parse(*args)
        except SpecError as error:
            findings.append(error.finding)
            return None

    spec_name = document.get("name", name)
    if not isinstance(spec_name, (str, int)) or isinstance(spec_name, bool):
        findings.append(Finding(rules.INVALID_VALUE, "`name` must be a string", document.location_of("name")))
    variables = attempt(parse_vars, document.get("vars"), document.location_of("vars"))
    blocks = attempt(parse_blocks, document.get("blocks"), document.location_of("blocks"), variables or {}, file)
    budget = attempt(parse_budget, document.get("budget"), document.location_of("budget"))
    match = attempt(parse_match, document.get("match"), document.location_of("match"), variables or {}, tolerance)
    torch = attempt(parse_torch_target, document.get("torch"), document.location_of("torch"), variables or {})
    dtype = document.get("dtype", DEFAULT_DTYPE)
    if dtype not in DTYPE_BITS:
        findings.append(
            Finding(
                rules.INVALID_VALUE,
                f"unknown dtype {dtype!r}{did_you_mean(dtype, DTYPE_BITS)}",
                document.location_of("dtype"),
            )
        )
    if "model" not in document:
        findings.append(Finding(rules.MISSING_MODEL, "this spec has no `model`", document.location))
    elif document["model"] is None:
        findings.append(Finding(rules.MISSING_MODEL, "`model` is empty", document.location_of("model")))
    if findings:
        return None, findings
    spec = Spec(
        file=file,
        name=str(spec_name),
        document=document,
        vars=variables,
        blocks=blocks,
        model=document["model"],
        model_location=document.location_of("model"),
        budget=budget,
        dtype=dtype,
        match=match,
        torch=torch,
        tolerance=tolerance,
    )
    return spec, findings


def parse_vars(raw: Any, location: Location, outer: dict[str, Any] | None = None) -> dict[str, Any]:
    """Evaluate `vars:` in order; each may use the ones above it."""
    variables: dict[str, Any] = dict(outer or {})
    if raw is None:
        return variables
    if not isinstance(raw, YamlMapping):
        raise SpecError(rules.INVALID_VALUE, "`vars` must be a mapping of names to values", location)
    for name, value in raw.items():
        check_identifier(name, raw.key_locations[name], "var")
        variables[name] = value_of(value, variables, raw.location_of(name), f"var {name}")
    return variables


def value_of(value: Any, env: dict[str, Any], location: Location, what: str) -> Any:
    """A var or param value: a number, bool, null, expression, or a layer node."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if is_layer_name(value):
            return NodeValue(value, location)
        try:
            return evaluate(value, env)
        except ExpressionError as error:
            raise SpecError(rules.INVALID_EXPRESSION, f"{what}: cannot compute {value!r}: {error}", location) from None
    if isinstance(value, (YamlMapping, YamlSequence)):
        return NodeValue(value, location)
    raise SpecError(rules.INVALID_VALUE, f"{what} must be a number, a boolean or an expression", location)


def is_layer_name(text: str) -> bool:
    """Strings naming a torch layer are layers, not expressions (`activation: GELU`)."""
    return text in LAYERS


def check_identifier(name: Any, location: Location, what: str) -> None:
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise SpecError(
            rules.INVALID_NAME, f"{what} name {name!r} must be an identifier (letters, digits, _)", location
        )


def parse_blocks(raw: Any, location: Location, file_vars: dict[str, Any], file: str) -> dict[str, Block]:
    """Read `blocks:`; the blocks of one file see each other and that file's vars."""
    blocks: dict[str, Block] = {}
    if raw is None:
        return blocks
    if not isinstance(raw, YamlMapping):
        raise SpecError(rules.INVALID_VALUE, "`blocks` must map block names to definitions", location)
    for name, definition in raw.items():
        where = raw.location_of(name)
        check_identifier(name, raw.key_locations[name], "block")
        if name in LAYERS or name in CONTROL_KINDS:
            raise SpecError(
                rules.INVALID_NAME, f"block name {name!r} is taken by a built-in layer", raw.key_locations[name]
            )
        blocks[name] = _parse_block(name, definition, where, file_vars, blocks, file)
    _check_cycles(blocks)
    return blocks


def _parse_block(
    name: str, raw: Any, location: Location, file_vars: dict[str, Any], file_blocks: dict[str, Block], file: str
) -> Block:
    if not isinstance(raw, YamlMapping):
        raise SpecError(rules.INVALID_VALUE, f"block {name!r} must be a mapping with `params` and `body`", location)
    for key in raw:
        if key not in ("params", "body", "require"):
            raise SpecError(
                rules.UNKNOWN_KEY,
                f"unknown key {key!r} in block {name!r}{did_you_mean(key, ('params', 'body', 'require'))}",
                raw.key_locations[key],
            )
    if raw.get("body") is None:
        raise SpecError(rules.INVALID_VALUE, f"block {name!r} has no `body`", location)
    params = raw.get("params")
    if params is None:
        declared = []
    elif isinstance(params, YamlSequence):
        declared = [Param(param, REQUIRED_PARAM, params.location_of(i)) for i, param in enumerate(params)]
    elif isinstance(params, YamlMapping):
        declared = [Param(param, default, params.key_locations[param]) for param, default in params.items()]
    else:
        raise SpecError(
            rules.INVALID_VALUE, f"`params` of block {name!r} must be a list or a mapping", raw.location_of("params")
        )
    for param in declared:
        check_identifier(param.name, param.location, "param")
    require = raw.get("require")
    if require is None:
        require = YamlSequence(location)
    elif isinstance(require, str):
        require = YamlSequence(raw.location_of("require"))
        require.append(raw["require"])
        require.item_locations.append(raw.location_of("require"))
    if not isinstance(require, YamlSequence) or not all(isinstance(c, str) for c in require):
        raise SpecError(
            rules.INVALID_VALUE, f"`require` of block {name!r} must be a list of conditions", raw.location_of("require")
        )
    return Block(
        name=name,
        params=tuple(declared),
        body=raw["body"],
        body_location=raw.location_of("body"),
        require=tuple((condition, require.location_of(i)) for i, condition in enumerate(require)),
        location=location,
        file_vars=file_vars,
        file_blocks=file_blocks,
        file=file,
    )


def node_kinds(node: Any, location: Location):
    """Yield (kind, location) for every node kind written in a model tree."""
    pending = [(node, location)]
    while pending:
        node, location = pending.pop()
        if isinstance(node, str):
            yield node, location
        elif isinstance(node, YamlSequence):
            pending.extend((item, node.location_of(i)) for i, item in enumerate(node))
        elif isinstance(node, YamlMapping):
            for key, value in node.items():
                if key in MODIFIERS:
                    continue
                yield key, node.key_locations.get(key, location)
                if key in CONTROL_KINDS and key != "from":  # `from` names a node, not a kind
                    pending.append((value, node.location_of(key)))


def _check_cycles(blocks: dict[str, Block]) -> None:
    uses = {
        name: [(kind, where) for kind, where in node_kinds(block.body, block.body_location) if kind in blocks]
        for name, block in blocks.items()
    }
    done: set = set()
    for start in blocks:
        if start in done:
            continue
        path, pending = [start], [iter(uses[start])]
        while pending:
            for used, where in pending[-1]:
                if used in path:
                    cycle = [*path[path.index(used) :], used]
                    raise SpecError(rules.BLOCK_CYCLE, f"blocks use each other in a cycle: {' -> '.join(cycle)}", where)
                if used not in done:
                    path.append(used)
                    pending.append(iter(uses[used]))
                    break
            else:
                done.add(path.pop())
                pending.pop()


_TARGET = re.compile(TORCH_TARGET_PATTERN + r"\Z")


def parse_torch_target(raw: Any, location: Location, variables: dict[str, Any]) -> TorchTarget | None:
    """The user's own module, for `--torch`; its args are spec values (vars and expressions work)."""
    if raw is None:
        return None
    if not isinstance(raw, YamlMapping):
        raise SpecError(
            rules.INVALID_TORCH_KEY, "`torch` must be a mapping with `target`, `args` and `kwargs`", location
        )
    for key in raw:
        if key not in ("target", "args", "kwargs"):
            raise SpecError(
                rules.INVALID_TORCH_KEY,
                f"unknown torch key {key!r}{did_you_mean(key, ('target', 'args', 'kwargs'))}",
                raw.key_locations[key],
            )
    target = raw.get("target")
    match = _TARGET.match(target) if isinstance(target, str) else None
    if match is None:
        raise SpecError(
            rules.INVALID_TORCH_KEY, 'torch.target must be "package.module:callable"', raw.location_of("target")
        )
    module, attribute = match.groups()
    args = raw.get("args") or YamlSequence(location)
    kwargs = raw.get("kwargs") or YamlMapping(location)
    if not isinstance(args, YamlSequence):
        raise SpecError(rules.INVALID_TORCH_KEY, "torch.args must be a list", raw.location_of("args"))
    if not isinstance(kwargs, YamlMapping) or not all(isinstance(key, str) for key in kwargs):
        raise SpecError(
            rules.INVALID_TORCH_KEY, "torch.kwargs must map argument names to values", raw.location_of("kwargs")
        )
    return TorchTarget(
        module=module,
        attribute=attribute,
        args=tuple(_python_value(value, variables) for value in args),
        kwargs={key: _python_value(value, variables) for key, value in kwargs.items()},
        location=raw.location_of("target"),
    )


def _python_value(value: Any, variables: dict[str, Any]) -> Any:
    """A value for the user's constructor: expressions are computed; a string that is
    not an expression over the vars (`gelu`) is passed as it is written."""
    if isinstance(value, YamlSequence):
        return [_python_value(item, variables) for item in value]
    if isinstance(value, YamlMapping):
        return {key: _python_value(item, variables) for key, item in value.items()}
    if isinstance(value, str):
        try:
            return evaluate(value, variables)
        except ExpressionError:
            return value
    return value


def with_vars(spec: Spec, overrides: dict[str, Any]) -> Spec:
    """The same spec with some vars written otherwise (the vars after them follow)."""
    raw = spec.document.get("vars")
    unknown = [name for name in overrides if not isinstance(raw, YamlMapping) or name not in raw]
    if unknown:
        raise SpecError(
            rules.INVALID_VALUE, f"{unknown[0]!r} is not a var of this spec", spec.document.location_of("vars")
        )
    document = spec.document.replaced({"vars": raw.replaced(overrides)})
    changed, findings = parse_spec(document, spec.file, spec.name, spec.tolerance)
    if changed is None:
        raise SpecError(findings[0].rule, findings[0].message, findings[0].location)
    return changed


def location_of_var(spec: Spec, name: str) -> Location:
    """Where `vars: {name: ...}` was written (for findings and --fix)."""
    raw = spec.document.get("vars")
    return location_in(raw, name, spec.document.location_of("vars"))
