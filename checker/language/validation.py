"""Tables of keys, and the one validator that reads a mapping against its table.

Every mapping a user writes for budget-check has a table: the top level of a
spec, a block, `torch` (spec.py), a budget and its limits (budgets.py),
`match` (matching.py), `[tool.budget-check]` (project/config.py), and each
importer's config keys (formats/). schema.py writes the JSON Schema from the
same tables, so the two never disagree.

A `Table` lists `Key`s. A key gives its name, its `Kind` (what values it
takes), a one-line description, its default, and the rule (`rules.NAME`) that
a bad value breaks (the table's `rule` when the key names none):

    RETRY = Table(
        "retry",
        keys=(
            Key("times", POSITIVE_INTEGER, "How many tries.", default=3),
            Key("delay", NUMBER, "Seconds between tries.", needs=("times",)),
            Key("comment", IGNORED, "Free text: holds no parameters."),
        ),
        rule=rules.INVALID_VALUE,     # a bad value, unless its key says otherwise
        unknown=rules.UNKNOWN_KEY,    # a key the table does not list
    )
    values, findings = validate(RETRY, mapping)

`validate` reports every problem of the mapping at once, never only the
first: each unknown key (with the closest known key as a hint) at that key,
each bad value at that value, each missing required key, each key written
without a key it `needs`, and a table's `at_least_one` keys all missing, at
the mapping. A value that is itself a mapping with a table is checked in the
same pass. `values` holds every key that was read well (as its kind reads it)
and the default of every key left out; a key whose value was bad is not in it.
The mapping may be a YamlMapping (findings point at the line and column) or
a plain dict, as TOML gives (findings point at the table's `where`).

A `Kind` says what its values are in words, for messages ("must be a list of
strings"), in JSON Schema, for editors, and how to read one: `read(value,
location, context)` returns the value as the program uses it, or raises
`Invalid` with a phrase that follows the key's name in the finding
("cannot be read: unknown unit 'X'"). `context` is whatever the caller passes
to `validate` (a spec's vars, say). A kind with a `table` checks a mapping
value against that table, and the table's `build` turns the values into the
object the program uses; with a `table_key`, only a mapping that has that key
is the table's, and `read` takes every other value. `nullable` kinds read null
as the key's default.
The kinds every table shares are below; a module defines its own beside its
table (budgets.py's counts and byte sizes, for instance).

For importers, whose configs hold many keys that change no count:

    LLAMA = Table(
        "llama config",
        keys=(
            Key("hidden_size", POSITIVE_INTEGER, "The width of the model."),
            Key("rope_scaling", IGNORED, "How rotary embeddings scale: holds no parameters."),
            ...
        ),
        rule=rules.INVALID_VALUE,
        unknown=rules.UNKNOWN_CONFIG_KEYS,   # a rule whose severity is a warning
        unknown_together=True,               # one finding that lists every unknown key
        unknown_hint="; the count assumes they change nothing (--torch confirms it)",
    )

An unknown key whose rule is a warning leaves the values usable: the caller
counts, and reports the warning beside the count.

Messages name a key by the table's `label` ("{name}.{key}": `match.vary`;
"`{key}`" at a spec's top level; "{key}" in pyproject.toml): "LABEL must be
WORDS", "LABEL cannot be read: WHY", "unknown NAME key 'k' (did you mean
'key'?)HINT", "NAME needs `key`". `validate(..., name=...)` renames the
mapping for one call ("block 'mlp'"). A read may also raise SpecError (one
finding of its own) or Problems (several); `read_value` reads one value that
stands under no key. `schema.table_schema(table, defs)` is the table's JSON
Schema, with each nested table written once into `defs`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from ..findings import ERROR, Finding, Location, Rule, SpecError
from ..records import TYPE_CHECKING, NamedTuple
from .hints import closest, did_you_mean

if TYPE_CHECKING:
    from typing import Any, TypeAlias

START = Location(1, 1)


class Invalid(ValueError):
    """A value its kind refuses; the message is a phrase that follows the key's name."""


class Problems(SpecError):
    """Several findings at once, from a read that checks a whole mapping of its own;
    `finding` is the first, for callers that show one."""

    def __init__(self, findings: list[Finding]):
        first = findings[0]
        super().__init__(first.rule, first.message, first.location)
        self.findings = findings


class _Reported(Exception):
    """A nested mapping's problems are already among the findings; its key gets no value."""


Reader: TypeAlias = "Callable[[Any, Location, Any], Any]"  # (value, where it was written, context) -> value as used


def _as_written(value: Any, at: Location, context: Any) -> Any:
    return value


class Kind(NamedTuple):
    """What values a key takes."""

    words: str  # after "must be": "a list of strings", "true or false"
    schema: dict[str, Any]  # the JSON Schema of a value (of its scalar forms, for a kind with a table)
    read: Reader = _as_written
    nullable: bool = False  # null stands for the key's default
    table: Table | None = None  # a mapping value is checked against this table
    table_key: str | None = (
        None  # ... only a mapping with this key (a model that imports a config); `read` takes the rest
    )


class Key(NamedTuple):
    """One key of a table: its kind, default, description and the rule a bad value breaks."""

    name: str
    kind: Kind
    description: str  # one line, for the schema and the docs
    default: Any = None  # the value when the key is left out (or null, for a nullable kind)
    required: bool = False
    rule: Rule | None = None  # what a bad value breaks; the table's rule when None
    needs: tuple[str, ...] = ()  # keys that must be written with this one


class Table:
    """The keys of one kind of mapping, and how findings about it are worded.

    Tables are made once, at import, and never changed; a plain class keeps `by_name` beside them."""

    def __init__(
        self,
        name: str,  # how messages name the mapping: "match", "budget.memory", "[tool.budget-check]"
        keys: tuple[Key, ...],
        rule: Rule,  # a bad value, where its key names no rule
        unknown: Rule,  # a key that is not in `keys`
        description: str = "",
        label: str = "{name}.{key}",  # how messages name one of its keys
        own_prefix: str | None = None,  # keys that start with it are the user's own: skipped (`x-`)
        ignored: frozenset[str] = frozenset(),  # keys taken and left to `build`, unread and not in the schema
        in_schema: bool = True,  # False: the JSON Schema says only "a mapping", and budget-check checks its keys
        unknown_hint: str = "",  # said after the unknown keys: "; keys of your own start with `x-`"
        unknown_together: bool = False,  # one finding lists every unknown key, instead of one finding each
        at_least_one: tuple[str, ...] = (),  # at least one of these keys must be written
        build: Callable[[dict[str, Any], Any, Any], Any] | None = None,  # (values, mapping, context) -> object
        where: Location = START,  # where findings point when the mapping has no locations (TOML)
        schema_name: str = "",  # the JSON Schema definition it shares with tables of the same keys; else `name`
    ) -> None:
        self.name = name
        self.keys = keys
        self.rule = rule
        self.unknown = unknown
        self.description = description
        self.label = label
        self.own_prefix = own_prefix
        self.ignored = ignored
        self.in_schema = in_schema
        self.unknown_hint = unknown_hint
        self.unknown_together = unknown_together
        self.at_least_one = at_least_one
        self.build = build
        self.where = where
        self.schema_name = schema_name
        self.by_name = {key.name: key for key in keys}

    def __repr__(self) -> str:
        return f"Table({self.name!r})"

    def label_of(self, key: str, name: str | None = None) -> str:
        return self.label.format(name=name or self.name, key=key)


def validate(
    table: Table, mapping: Mapping[Any, Any], context: Any = None, name: str | None = None
) -> tuple[dict[str, Any], list[Finding]]:
    """The values of `mapping` read by `table`, and every problem found in it.

    `name` replaces the table's name in messages (`block 'mlp'`)."""
    findings: list[Finding] = []
    values = _validate(table, mapping, context, name or table.name, findings)
    return values, sorted(findings, key=lambda finding: (finding.location.line, finding.location.column))


def read_value(kind: Kind, value: Any, at: Location, context: Any = None, default: Any = None) -> Any:
    """One value read by its kind, where it stands under no table's key: raises Invalid when
    the value itself is refused, Problems with the findings of a nested mapping."""
    findings: list[Finding] = []
    try:
        return _read(kind, value, at, context, default, findings)
    except _Reported:
        raise Problems(findings) from None


def read_key(table: Table, key: str, value: Any, at: Location, context: Any = None) -> Any:
    """One value written under `key` in a mapping of `table`, read by the key's kind; a bad value raises
    the finding `validate` would report. For keys read one at a time, each when it is needed (a model
    node's `when` decides whether its `repeat` is read at all)."""
    entry = table.by_name[key]
    try:
        return read_value(entry.kind, value, at, context, entry.default)
    except Invalid as problem:
        raise SpecError(entry.rule or table.rule, f"{table.label_of(key)} {problem}", at) from None


def _validate(table: Table, mapping: Mapping[Any, Any], context: Any, name: str, findings: list[Finding]) -> Any:
    unknown = [
        key
        for key in mapping
        if key not in table.by_name
        and key not in table.ignored
        and not (table.own_prefix and isinstance(key, str) and key.startswith(table.own_prefix))
    ]
    findings.extend(_unknown_findings(table, mapping, unknown, name))
    meant = {closest(key, table.by_name) for key in unknown}  # a key misspelt is reported once, as unknown
    values: dict[str, Any] = {}
    for key in table.keys:
        label = table.label_of(key.name, name)
        if key.name not in mapping:
            if key.required and key.name not in meant:
                findings.append(Finding(key.rule or table.rule, f"{name} needs `{key.name}`", _where(table, mapping)))
            else:
                values[key.name] = key.default
            continue
        at = _location(table, mapping, key.name)
        before = len(findings)
        try:
            values[key.name] = _read(key.kind, mapping[key.name], at, context, key.default, findings)
        except Invalid as problem:
            findings.append(Finding(key.rule or table.rule, f"{label} {problem}", at))
        except Problems as problems:
            findings.extend(problems.findings)
        except SpecError as error:
            findings.append(error.finding)
        except _Reported:
            pass
        if any(finding.severity == ERROR for finding in findings[before:]):
            values.pop(key.name, None)
    for key in table.keys:
        for needed in key.needs:
            if key.name in mapping and needed not in mapping:
                findings.append(
                    Finding(
                        key.rule or table.rule,
                        f"{table.label_of(key.name, name)} needs {table.label_of(needed, name)}",
                        _location(table, mapping, key.name),
                    )
                )
    if table.at_least_one and not any(key in mapping or key in meant for key in table.at_least_one):
        wanted = ", ".join(f"`{key}`" for key in table.at_least_one)
        findings.append(Finding(table.rule, f"{name} needs one of {wanted}", _where(table, mapping)))
    return values


def _read(kind: Kind, value: Any, at: Location, context: Any, default: Any, findings: list[Finding]) -> Any:
    if value is None and kind.nullable:
        return default
    if kind.table is not None and isinstance(value, Mapping) and (kind.table_key is None or kind.table_key in value):
        before = len(findings)
        values = _validate(kind.table, value, context, kind.table.name, findings)
        if any(finding.severity == ERROR for finding in findings[before:]):
            raise _Reported
        return values if kind.table.build is None else kind.table.build(values, value, context)
    return kind.read(value, at, context)


def _unknown_findings(table: Table, mapping: Mapping[Any, Any], unknown: list[Any], name: str) -> list[Finding]:
    def described(key: Any) -> str:
        return f"{key!r}{did_you_mean(key, table.by_name)}"

    if not unknown:
        return []
    if table.unknown_together and len(unknown) > 1:
        listed = ", ".join(described(key) for key in unknown)
        message = f"unknown {name} keys {listed}{table.unknown_hint}"
        return [Finding(table.unknown, message, _key_location(table, mapping, unknown[0]))]
    return [
        Finding(
            table.unknown,
            f"unknown {name} key {described(key)}{table.unknown_hint}",
            _key_location(table, mapping, key),
        )
        for key in unknown
    ]


def _where(table: Table, mapping: Mapping[Any, Any]) -> Location:
    where: Location = getattr(mapping, "location", table.where)
    return where


def _location(table: Table, mapping: Mapping[Any, Any], key: Any) -> Location:
    locations: dict[Any, Location] = getattr(mapping, "value_locations", {})
    return locations.get(key, _where(table, mapping))


def _key_location(table: Table, mapping: Mapping[Any, Any], key: Any) -> Location:
    locations: dict[Any, Location] = getattr(mapping, "key_locations", {})
    return locations.get(key, _where(table, mapping))


# ------------------------------------------------------------------ kinds every table shares
def typed(words: str, schema: dict[str, Any], test: Callable[[Any], bool], nullable: bool = False) -> Kind:
    """A kind that takes the values `test` accepts, as they are written."""

    def read(value: Any, at: Location, context: Any) -> Any:
        if not test(value):
            raise Invalid(f"must be {words}")
        return value

    return Kind(words, schema, read, nullable)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def choice(options: Mapping[str, Any] | tuple[str, ...], nullable: bool = False) -> Kind:
    """One of these strings, with the closest as a hint."""
    names = tuple(options)

    def read(value: Any, at: Location, context: Any) -> Any:
        if not isinstance(value, str) or value not in names:
            raise Invalid(f"must be one of {', '.join(names)}, not {value!r}{did_you_mean(value, names)}")
        return value

    return Kind(f"one of {', '.join(names)}", {"enum": list(names)}, read, nullable)


def pattern(regex: str, words: str) -> Kind:
    """A string that the regular expression `regex` matches in full (JSON Schema's syntax too)."""
    return typed(
        words,
        {"type": "string", "pattern": f"^{regex}$", "patternErrorMessage": f"Write {words}."},
        lambda value: isinstance(value, str) and re.fullmatch(regex, value) is not None,  # compiled on first use
    )


def mapping_of(
    table: Table, words: str = "", scalar: Reader | None = None, schema: dict[str, Any] | None = None
) -> Kind:
    """A mapping checked against `table`; with `scalar`, also a short form that is not a mapping."""
    words = words or f"a mapping of {', '.join(key.name for key in table.keys)}"

    def refuse(value: Any, at: Location, context: Any) -> Any:
        raise Invalid(f"must be {words}")

    return Kind(words, schema or {}, scalar or refuse, nullable=True, table=table)


def _positive_number(value: Any) -> bool:
    return _is_number(value) and math.isfinite(value) and value > 0


IGNORED = Kind("any value", {}, _as_written)  # any value, as written: a key known to hold no parameters
TEXT = typed("a string", {"type": "string"}, lambda value: isinstance(value, str))
FLAG = typed("true or false", {"type": "boolean"}, lambda value: isinstance(value, bool))
STRINGS = typed(
    "a list of strings",
    {"type": "array", "items": {"type": "string"}},
    lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
)
NUMBER = typed("a number", {"type": "number"}, _is_number)
POSITIVE_NUMBER = typed("a finite number above 0", {"type": "number", "exclusiveMinimum": 0}, _positive_number)
POSITIVE_INTEGER = typed(
    "a whole number of at least 1",
    {"type": "integer", "minimum": 1},
    lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= 1,
)
