"""Binding a layer's or block's written arguments to its signature, as Python would, and reading each value.

A scalar is the first positional argument, a list the positional arguments,
a mapping the keyword arguments; torch's type for each argument decides how
its value is read (a string is an expression where torch takes a number, and
a literal where it takes a string).
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import rules
from ..findings import Location, SpecError
from ..records import TYPE_CHECKING
from .catalogue import REQUIRED, Argument, Layer
from .expressions import ExpressionError, evaluate, names_in, parse
from .hints import did_you_mean
from .loader import YamlMapping, YamlSequence, location_in
from .sizes import Size, Unknown
from .spec import INPUT_SIZE_NAME, Block, NodeValue, Text

if TYPE_CHECKING:
    from typing import Any


def bind_layer_arguments(
    layer: Layer, args: Any, location: Location, size: Size, env: Mapping[str, Any], kind_location: Location
) -> dict[str, Any]:
    """Match the written arguments to the torch signature, as Python would, and read each value."""
    signature = layer.signature
    written = _written_arguments(layer, args, location)
    values: dict[str, Any] = {}
    for argument in signature:
        if argument.variadic == "**":
            continue
        if argument.name in written:
            raw, where = written[argument.name]
            values[argument.name] = _read_argument(layer.name, argument, raw, where, env)
        elif argument.variadic == "*":
            values[argument.name] = ()
        elif argument.name == layer.input_argument and isinstance(size, int):
            values[argument.name] = size
        elif argument.default is not REQUIRED:
            values[argument.name] = argument.default
        elif argument.name == layer.input_argument and isinstance(size, Unknown):
            raise SpecError(
                rules.UNKNOWN_SIZE,
                f"{layer.name} needs `{argument.name}`: the running size is unknown {size.reason}; "
                f"write {argument.name} explicitly",
                kind_location,
            )
        else:
            raise SpecError(
                rules.MISSING_ARGUMENT,
                f"{layer.name} needs `{argument.name}` ({layer.name}({signature_names(signature)}))",
                location,
            )
    return values


def _written_arguments(layer: Layer, args: Any, location: Location) -> dict[str, tuple[Any, Location]]:
    """{name: (raw value, location)} from a scalar, a list or a mapping of arguments."""
    owner, positional = layer.name, layer.positional
    written: dict[str, tuple[Any, Location]] = {}
    if args is None:
        return written
    if isinstance(args, YamlMapping):
        names = layer.keywords
        for key, value in args.items():
            if key not in names and not layer.takes_any_keyword:
                raise SpecError(
                    rules.UNKNOWN_ARGUMENT,
                    f"{owner} has no argument {key!r}{did_you_mean(key, names)}; "
                    f"it takes {signature_names(layer.signature)}",
                    args.key_locations[key],
                )
            written[key] = (value, args.location_of(key))
        return written
    items = list(args) if isinstance(args, YamlSequence) else [args]
    locations = args.item_locations if isinstance(args, YamlSequence) else [location]
    for index, (value, where) in enumerate(zip(items, locations, strict=True)):
        if index < len(positional) and positional[index].variadic == "*":
            collected = YamlSequence(where)
            collected.extend(items[index:])
            collected.item_locations.extend(locations[index:])
            written[positional[index].name] = (collected, where)
            break
        if index >= len(positional):
            if layer.takes_any_keyword:
                break
            raise SpecError(
                rules.UNKNOWN_ARGUMENT,
                f"{owner} takes at most {len(positional)} positional arguments "
                f"({', '.join(a.name for a in positional)}), got {len(items)}",
                where,
            )
        written[positional[index].name] = (value, where)
    return written


def bind_block_arguments(block: Block, args: Any, location: Location) -> dict[str, tuple[Any, Location]]:
    if args is None:
        return {}
    params = block.params
    if isinstance(args, YamlMapping):
        names = [param.name for param in params]
        for key in args:
            if key not in names:
                raise SpecError(
                    rules.UNKNOWN_ARGUMENT,
                    f"{block.name} has no param {key!r}{did_you_mean(key, names)}; "
                    f"it takes {', '.join(names) or 'none'}",
                    args.key_locations[key],
                )
        places, where = args.value_locations, args.location  # args.location_of, without a call per key
        return {key: (value, places.get(key, where)) for key, value in args.items()}
    items = list(args) if isinstance(args, YamlSequence) else [args]
    locations = args.item_locations if isinstance(args, YamlSequence) else [location]
    if len(items) > len(params):
        raise SpecError(
            rules.UNKNOWN_ARGUMENT,
            f"{block.name} takes {len(params)} params ({', '.join(param.name for param in params)}), got {len(items)}",
            location,
        )
    return {param.name: (value, where) for param, value, where in zip(params, items, locations, strict=False)}


def _read_argument(owner: str, argument: Argument, raw: Any, location: Location, env: Mapping[str, Any]) -> Any:
    """One argument value, read as torch's type for it says."""
    what = f"{owner} {argument.name}"
    kinds = argument.kinds
    if raw is None:
        if argument.optional or "null" in kinds or "any" in kinds:
            return None
        raise SpecError(rules.INVALID_VALUE, f"{what} cannot be null", location)
    if argument.variadic == "*":
        items = raw if isinstance(raw, YamlSequence) else [raw]
        return tuple(
            _read_argument(owner, argument.one, item, location_in(raw, i, location), env)
            for i, item in enumerate(items)
        )
    if kinds == ("layer",):
        return NodeValue(raw, location)  # counted by the caller, as a submodule
    if "any" in kinds or (isinstance(raw, str) and (raw in argument.choices or "str" in kinds)):
        return raw
    if kinds == ("null",):
        raise SpecError(
            rules.INVALID_VALUE,
            f"{what} cannot be given in a spec (torch takes an object there); write it as nodes instead",
            location,
        )
    if kinds == ("choice",):
        choices = ", ".join(sorted(argument.choices))
        raise SpecError(rules.INVALID_VALUE, f"{what} must be one of {choices}, not {describe(raw)}", location)
    held = env.get(raw) if isinstance(raw, str) else None
    if isinstance(held, NodeValue) and isinstance(held.node, YamlSequence) and ("ints" in kinds or "shape" in kinds):
        raw = held.node  # a var or param that holds a list: `kernel_size: kernel` with kernel [1, 7]
        if held.written_in is not None:  # its items read the names where it was written, and the running size
            size = {INPUT_SIZE_NAME: env[INPUT_SIZE_NAME]} if INPUT_SIZE_NAME in env else {}
            env = {**held.written_in.env, **size}
    if isinstance(raw, YamlSequence):
        if "ints" not in kinds and "shape" not in kinds:
            raise SpecError(rules.INVALID_VALUE, f"{what} must be a single value, not a list", location)
        element = argument.element
        return tuple(_read_argument(owner, element, item, raw.location_of(i), env) for i, item in enumerate(raw))
    value = _number(raw, env, location, what)
    if "bool" in kinds:
        if isinstance(value, bool):
            return value
        raise SpecError(rules.INVALID_VALUE, f"{what} must be true or false, not {describe(value)}", location)
    if isinstance(value, bool):
        raise SpecError(rules.INVALID_VALUE, f"{what} must be a number, not {describe(value)}", location)
    if "float" in kinds:
        return value
    minimum = 1 if "positive" in kinds else 0 if ("size" in kinds or "shape" in kinds) else None
    return as_int(value, what, location, minimum, raw if isinstance(raw, str) else None)


def _number(raw: Any, env: Mapping[str, Any], location: Location, what: str) -> Any:
    if isinstance(raw, str):
        return evaluate_text(raw, env, location, what)
    if isinstance(raw, (bool, int, float)):
        return raw
    raise SpecError(rules.INVALID_VALUE, f"{what} must be a number, not {describe(raw)}", location)


def evaluate_text(text: str, env: Mapping[str, Any], location: Location, what: str) -> Any:
    """The value of an expression where a number or a flag is wanted: a var that holds text
    (spec.Text) is refused there, with the reason its text is no expression."""
    try:
        value = evaluate(text, env)
    except ExpressionError as error:
        held = _text_used(text, env)
        if held is not None:
            raise held.error from None
        raise SpecError(rules.INVALID_EXPRESSION, f"{what}: cannot compute {text!r}: {error}", location) from None
    if isinstance(value, Text):
        raise value.error
    return value


def _text_used(text: str, env: Mapping[str, Any]) -> Text | None:
    """A var that the expression uses and that holds text, if any."""
    try:
        names = sorted(names_in(parse(text)))
    except ExpressionError:
        return None
    return next((env[name] for name in names if isinstance(env.get(name), Text)), None)


def as_int(value: Any, what: str, location: Location, minimum: int | None = None, expression: str | None = None) -> int:
    """An integer from an int or an integral float (1024.0); anything else is an error. An int comes back
    as it is (a symbolic width stays one: see symbolic)."""

    def source() -> str:
        return f" ({expression!r} = {value})" if expression else ""

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(rules.INVALID_VALUE, f"{what} must be an integer, not {describe(value)}{source()}", location)
    if isinstance(value, float):
        if not value.is_integer():
            raise SpecError(rules.INVALID_VALUE, f"{what} must be an integer, got {value:g}{source()}", location)
        value = int(value)
    if minimum is not None and value < minimum:
        raise SpecError(rules.INVALID_VALUE, f"{what} must be at least {minimum}, got {value}{source()}", location)
    whole: int = value
    return whole


def signature_names(signature: tuple[Argument, ...]) -> str:
    return ", ".join(("*" * len(a.variadic)) + a.name for a in signature if a.name not in ("device", "dtype"))


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (YamlMapping, dict)):
        return "a mapping"
    if isinstance(value, (YamlSequence, list)):
        return "a list"
    if isinstance(value, NodeValue):
        return "a layer"
    return repr(value)
