"""A JSON Schema (draft-07) for spec files, so that editors complete and check specs.

A spec opts in with `# yaml-language-server: $schema=./spec.schema.json`. The
schema is built from the checker's own tables, so it follows them when they
change: the key tables that validation.py reads (the top level, a block, a
budget, `match`, `torch`, a model node's modifiers and control kinds: table_schema), the layer
catalogue, the presets.

Nothing is written twice: each nested table, each kind of layer argument
(`size=required`, `bool=true`: the kinds and default of catalogue.py's
signatures) and each layer signature (`args.Linear`, shared by every layer
with the same one) is one entry of `$defs`, referred to by `$ref`. A layer's
arguments are typed by name; a list of positional arguments is checked for
its length only, since typing positions as well would write every argument
twice. Each argument's description says what it takes and its default; the
layer's own signature is left out for size. The shipped file has one line
per definition, and stays under 60 KB.

checker/language/spec.schema.json is generated from spec_schema(); do not edit it by
hand. Rewrite it with `python -m checker.language.schema` (a test fails while it is stale).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..findings import ERROR
from ..records import TYPE_CHECKING
from . import presets
from .catalogue import LAYERS, REQUIRED, Argument, Layer
from .spec import (
    BLOCK,
    CONTROL,
    CONTROL_KINDS,
    IDENTIFIER_PATTERN,
    IDENTIFIER_SCHEMA,
    MODIFIERS,
    NODE_MODIFIERS,
    NODE_SCHEMA,
    REQUIRED_PARAM,
    TOP_LEVEL,
    Block,
)
from .validation import Key, Kind, Table

if TYPE_CHECKING:
    from typing import Any

SCHEMA_FILE = "spec.schema.json"

# patternErrorMessage is the yaml-language-server's: validators ignore it, editors show it.
IDENTIFIER = {
    "type": "string",
    "pattern": f"^{IDENTIFIER_PATTERN}$",
    "patternErrorMessage": "A name is letters, digits and _, and does not start with a digit.",
}
# A var, a block param or a block argument: a number, a boolean, an expression, null, a layer, or a
# stage table (a list of rows).
VALUE: dict[str, Any] = {
    "anyOf": [
        {"type": ["number", "boolean", "string", "null"]},
        NODE_SCHEMA,
        {"type": "array"},  # a list of numbers (a kernel size), or a stage table
    ]
}

# Each kind of the catalogue's signatures (see catalogue.py) but `{a;b}`
# choices: the JSON types a spec writes it with, and how to say it. Numbers and
# booleans may also be written as expressions, hence "string" beside them.
KINDS = {
    "size": (["integer", "string"], "an integer >= 0 or an expression"),
    "positive": (["integer", "string"], "an integer >= 1 or an expression"),
    "int": (["integer", "string"], "an integer or an expression"),
    "float": (["number", "string"], "a number or an expression"),
    "bool": (["boolean", "string"], "true, false or an expression"),
    "ints": (["integer", "string"], "an integer or a list of integers"),
    "shape": (["integer", "string"], "a size or a list of sizes"),
    "str": (["string"], "a string, taken as written"),
    "any": ([], "any value (not used for counting)"),
    "null": (["null"], "null only (torch takes an object here)"),
    "layer": ([], "a model node: a layer name, or a mapping with one layer"),
}
LIST_KINDS = ("ints", "shape")


def spec_schema() -> dict[str, Any]:
    """The schema of one spec document."""
    defs: dict[str, Any] = {}
    top_level = table_schema(TOP_LEVEL, defs)  # the budget, match and torch tables go into defs
    defs.update(
        {
            "identifier": IDENTIFIER,
            "value": VALUE,
            "layer-names": {"enum": list(LAYERS)},
            "taken-names": {"anyOf": [{"$ref": "#/$defs/layer-names"}, {"enum": list(CONTROL_KINDS)}]},
            "block": table_schema(BLOCK, defs),
            "node": _node(),
            "kind-name": _kind_name(),
            "node-mapping": _node_mapping(defs),
            "block-arguments": {
                "description": "Arguments of a block from `blocks` (or a var that holds a layer): a mapping by "
                "param name, a list by position, or one value for the first param."
            },
        }
    )
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "budget-check spec",
        **top_level,
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as shipped with the package (what `budget-check schema` prints)."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def write_schema() -> Path:
    """Rewrite the shipped schema from spec_schema()."""
    path = Path(__file__).with_name(SCHEMA_FILE)
    path.write_bytes(schema_json(spec_schema()).encode("utf-8"))  # bytes: the same "\n" on every platform
    return path


def schema_json(schema: dict[str, Any]) -> str:
    """The schema as JSON with one line per top-level key and per definition: compact enough to ship
    (every editor that opens a spec reads all of it), and each change still shows as its own line."""

    def compact(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    lines = []
    for key, value in sorted(schema.items()):
        if key == "$defs":
            definitions = ",\n".join(f" {compact(name)}:{compact(value[name])}" for name in sorted(value))
            lines.append(f'"$defs":{{\n{definitions}\n}}')
        else:
            lines.append(f"{compact(key)}:{compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


# ------------------------------------------------------------ tables
def table_schema(table: Table, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of the mappings `table` validates; each nested table goes into `defs`, once."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {key.name: _key_schema(key, defs) for key in table.keys},
    }
    if table.description:
        schema["description"] = table.description
    if table.own_prefix:
        schema["patternProperties"] = {
            f"^{_literal(table.own_prefix)}": {"description": f"Yours: keys that start with {table.own_prefix}."}
        }
    if table.unknown.severity == ERROR:
        schema["additionalProperties"] = False
    required = [key.name for key in table.keys if key.required]
    if required:
        schema["required"] = required
    needs = {key.name: list(key.needs) for key in table.keys if key.needs}
    if needs:
        schema["dependencies"] = needs
    if table.at_least_one:
        schema["anyOf"] = [{"required": [key]} for key in table.at_least_one]
    return schema


def kind_schema(kind: Kind, defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a value of `kind`: its scalar forms, its table by reference, null if it takes null."""
    schema = dict(kind.schema)
    if kind.nullable and schema:
        schema = _or_null(schema)
    if kind.table is None:
        return schema
    if not kind.table.in_schema:
        return {"type": ["object", "null"] if kind.nullable else "object"}
    name = kind.table.schema_name or kind.table.name
    if name not in defs:
        defs[name] = {}  # taken before it is written: a table may hold itself
        defs[name] = table_schema(kind.table, defs)
    reference = {"$ref": f"#/$defs/{name}"}
    if schema:
        return {"anyOf": [schema, reference]}
    return {"anyOf": [{"type": "null"}, reference]} if kind.nullable else reference


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema:
        return schema  # anything, null too
    types = schema.get("type")
    if types is None:
        return {"anyOf": [{"type": "null"}, schema]}
    types = types if isinstance(types, list) else [types]
    return {**schema, "type": types if "null" in types else [*types, "null"]}


def _key_schema(key: Key, defs: dict[str, Any]) -> dict[str, Any]:
    schema = kind_schema(key.kind, defs)
    if "$ref" in schema:  # draft-07 ignores the words beside a $ref
        schema = {"allOf": [schema]}
    schema["description"] = key.description
    if isinstance(key.default, (str, int, float, bool)):
        schema["default"] = key.default
    return schema


# ------------------------------------------------------------ nodes
def _node() -> dict[str, Any]:
    return {
        "description": "A node: a layer name, a list of nodes in sequence, or a mapping with one kind (a layer, "
        "a block, a preset, sequential or parallel) and modifiers.",
        "anyOf": [
            {"$ref": "#/$defs/kind-name"},
            {"type": "array", "items": NODE_SCHEMA},
            {"$ref": "#/$defs/node-mapping"},
        ],
    }


PRESET_BLOCK = {
    "type": "string",
    "pattern": f"^{IDENTIFIER_PATTERN}\\.{IDENTIFIER_PATTERN}$",
    "description": "A block of a preset file, FILE.BLOCK (llama.llama_layer).",
}


def _presets() -> list[str]:
    """The presets the schema describes: the Hugging Face classes, which take any key of a config, are left
    to budget-check (docs/hf.md), as any other block is."""
    return [name for name in presets.names() if (block := presets.find(name)) is not None and block.ignore is None]


def _kind_name() -> dict[str, Any]:
    return {
        "description": "A layer, a preset, a block or a var that holds a layer.",
        # The enum is there for completion: any other name may be a block or a var.
        "anyOf": [{"$ref": "#/$defs/layer-names"}, {"enum": _presets()}, IDENTIFIER_SCHEMA, PRESET_BLOCK],
    }


def _node_mapping(defs: dict[str, Any]) -> dict[str, Any]:
    kinds = {
        **{key.name: _key_schema(key, defs) for key in CONTROL.keys},
        **{name: _layer(layer, defs) for name, layer in LAYERS.items()},
        **{name: _preset(block, defs) for name in _presets() if (block := presets.find(name)) is not None},
    }
    return {
        "type": "object",
        "description": "One kind (a layer, a block, a preset, sequential or parallel) with its arguments, "
        "and modifiers.",
        "properties": {**{key.name: _key_schema(key, defs) for key in NODE_MODIFIERS.keys}, **kinds},
        # Any other name is a block from `blocks`, a var or param that holds a layer, or FILE.BLOCK of a preset file.
        "propertyNames": {"anyOf": [IDENTIFIER_SCHEMA, PRESET_BLOCK]},
        "additionalProperties": {"$ref": "#/$defs/block-arguments"},
        "allOf": [
            {"not": {"propertyNames": {"enum": list(MODIFIERS)}}},  # at least one kind
            _at_most_one_kind(defs),
        ],
    }


def _at_most_one_kind(defs: dict[str, Any], first: int = 0, seen: int = 0) -> dict[str, Any]:
    """No more than one key besides the modifiers.

    JSON Schema cannot count the keys outside a list, but it can count all
    keys: a node that carries k modifiers has at most k + 1 keys. The
    modifiers are tested one by one, each present or not (if/then/else), and
    the test from modifier `first` on, with `seen` modifiers found before it,
    is written once in `defs` and referred to: len(MODIFIERS)² small
    definitions rather than a branch for each of the 2^len(MODIFIERS) sets.
    """
    if first == len(MODIFIERS):
        return {"maxProperties": seen + 1}
    name = f"kinds.{first}.{seen}"
    if name not in defs:
        defs[name] = {
            "if": {"required": [MODIFIERS[first]]},
            "then": _at_most_one_kind(defs, first + 1, seen + 1),
            "else": _at_most_one_kind(defs, first + 1, seen),
        }
    return {"$ref": f"#/$defs/{name}"}


# ------------------------------------------------------------ arguments
def _layer(layer: Layer, defs: dict[str, Any]) -> dict[str, Any]:
    """A reference to the arguments of a catalogue layer, by the names, positions and defaults of its
    torch signature. Layers with the same signature share one definition (named after the first), and
    each kind of argument is written once and referred to by position and by name."""
    shared = f"args.{_SIGNATURE_OWNERS.setdefault(layer.signature_text, layer.name)}"
    if shared not in defs:
        defs[shared] = _layer_arguments(layer, defs)
    return {"$ref": f"#/$defs/{shared}"}


_SIGNATURE_OWNERS: dict[str, str] = {}  # a signature -> the first layer that has it


def _layer_arguments(layer: Layer, defs: dict[str, Any]) -> dict[str, Any]:
    def shared(argument: Argument) -> dict[str, Any]:
        if "any" in argument.kinds:
            return {}  # device, dtype: anything, and not counted
        name = _argument_name(layer, argument)  # a `=` in every such name: no other definition has one
        defs.setdefault(name, _argument(layer, argument))
        return {"$ref": "#/$defs/" + name.replace("~", "~0").replace("/", "~1")}

    positional = [a for a in layer.signature if not a.keyword_only and a.variadic != "**"]
    variadic = next((a for a in positional if a.variadic == "*"), None)
    return _arguments(
        first=_typed(positional[0]) if positional else None,
        # As counting.py: a `*` argument takes any number, and `**` drops extra ones.
        most=None if variadic or any(a.variadic == "**" for a in layer.signature) else len(positional),
        items=_typed(variadic) if variadic is not None and positional[0] is variadic else {},
        keywords={a.name: shared(a) for a in layer.signature if a.variadic != "**"},
        any_keyword=any(a.variadic == "**" for a in layer.signature),
    )


def _preset(block: Block, defs: dict[str, Any]) -> dict[str, Any]:
    """A reference to a preset's params, shared by the presets with the same params and defaults (the
    heads of a Hugging Face family)."""
    params = tuple((param.name, _preset_default(param.default)) for param in block.params)
    shared = f"preset.{_PARAMS_OWNERS.setdefault((params, False), block.name)}"
    if shared not in defs:
        defs[shared] = {
            # Its params are the properties below: listing them here too would only make the schema bigger.
            "description": "A preset; null for a param means its default.",
            **_arguments(
                first={"type": ["number", "boolean", "string"]},
                most=len(params),
                items={},
                keywords={name: {"description": default} for name, default in params},
                any_keyword=block.ignore is not None,
            ),
        }
    return {"$ref": f"#/$defs/{shared}"}


_PARAMS_OWNERS: dict[
    tuple[object, ...], str
] = {}  # a preset's params and whether it ignores other keys -> its first preset


def _arguments(
    first: dict[str, Any] | None,
    most: int | None,
    items: dict[str, Any],
    keywords: dict[str, dict[str, Any]],
    any_keyword: bool,
) -> dict[str, Any]:
    """Arguments as a spec may write them: none or the first alone, a list by position (at `most` this
    many, each `items`), or a mapping by name. Positions are not typed one by one: the names are, and
    typing both would write every argument twice."""
    by_position: dict[str, Any] = {"type": "array"}
    if items:
        by_position["items"] = items
    if most is not None:
        by_position["maxItems"] = most
    by_name: dict[str, Any] = {"type": "object", "properties": keywords}
    if not any_keyword:
        by_name["additionalProperties"] = False
    return {"anyOf": [{"type": "null"} if first is None else _or_null(first), by_position, by_name]}


def _argument(layer: Layer, argument: Argument) -> dict[str, Any]:
    """One argument, typed loosely from its kinds, with what it takes and its default in the description."""
    if argument.variadic == "*":
        description = f"a list of values, each {_words(argument)}"
        return {**_typed(argument, items=_typed(argument)), "description": description}
    items = None
    if any(kind in LIST_KINDS for kind in argument.kinds):
        # List items are read as counting.py reads them: with the other kinds, else as integers.
        elements = tuple(kind for kind in argument.kinds if kind not in ("ints", "choice")) or ("int",)
        items = _typed(argument.changed(kinds=elements, choices=frozenset(), optional=False))
    return {**_typed(argument, items=items), "description": f"{_words(argument)}; {_default(layer, argument)}"}


def _argument_name(layer: Layer, argument: Argument) -> str:
    """A name that says what sets an argument's schema, as the catalogue writes it: `size=required`,
    `ints|{same;valid}=0`, `*size=required`; `in` is the running size."""
    kinds = "|".join(
        "{" + ";".join(sorted(argument.choices)) + "}" if kind == "choice" else kind for kind in argument.kinds
    )
    default = "required" if argument.default is REQUIRED else _yaml(argument.default)
    if argument.name == layer.input_argument:
        default = "in" if argument.default is REQUIRED else f"in|{default}"
    return f"{argument.variadic}{kinds}{'?' if argument.optional else ''}={default}"


def _typed(argument: Argument, items: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON types of a value of the argument's kinds; a list of `items` too when given."""
    if "any" in argument.kinds:
        return {}
    types = sorted({json_type for kind in argument.kinds if kind != "choice" for json_type in KINDS[kind][0]})
    if argument.optional:
        types.append("null")
    schema: dict[str, Any] = {}
    if items is not None:
        types.append("array")
        schema["items"] = items
    if types:
        schema["type"] = types[0] if len(types) == 1 else types
    if not argument.choices:
        return schema
    choices = {"enum": sorted(argument.choices)}
    return {"anyOf": [choices, schema]} if schema else choices


def _words(argument: Argument) -> str:
    words = [KINDS[kind][1] for kind in argument.kinds if kind != "choice"]
    if argument.choices:
        words.append("one of " + ", ".join(sorted(argument.choices)))
    if argument.optional:
        words.append("null")
    return " or ".join(words)


def _default(layer: Layer, argument: Argument) -> str:
    if argument.name == layer.input_argument:
        fallback = "" if argument.default is REQUIRED else f", else {_yaml(argument.default)}"
        return f"when omitted, the running size{fallback}"
    return "required" if argument.default is REQUIRED else f"default {_yaml(argument.default)}"


def _preset_default(default: Any) -> str:
    return "required" if default is REQUIRED_PARAM else f"default {_yaml(default)}"


def _yaml(value: Any) -> str:
    """A default as a spec writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _literal(text: str) -> str:
    """`text` as a regular expression that matches it, in the syntax editors use (ECMA-262, where Python's
    `re.escape` would write `\\-`, which a Unicode-mode pattern refuses)."""
    return "".join("\\" + character if character in "\\^$.|?*+()[]{}" else character for character in text)


if __name__ == "__main__":
    print(f"wrote {write_schema()}")
