"""The generic validator: one table, every problem of a mapping at once, each located;
and the JSON Schema of the same table agrees with it."""

from __future__ import annotations

import textwrap

import jsonschema
import pytest

from checker import rules
from checker.findings import WARNING, Category, Location, Rule, SpecError
from checker.language.loader import load_documents
from checker.language.schema import table_schema
from checker.language.validation import (
    FLAG,
    IGNORED,
    POSITIVE_INTEGER,
    STRINGS,
    TEXT,
    Invalid,
    Key,
    Kind,
    Problems,
    Table,
    choice,
    mapping_of,
    pattern,
    read_key,
    read_value,
    validate,
)


def _doubled(value, at, context):
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid("must be a whole number")
    return 2 * value * (context or 1)


DOUBLED = Kind("a whole number", {"type": "integer"}, _doubled)
LIMITS = Table(
    "retry.limits",
    keys=(Key("low", POSITIVE_INTEGER, "At least."), Key("high", POSITIVE_INTEGER, "At most.")),
    rule=rules.INVALID_BUDGET,
    unknown=rules.INVALID_BUDGET,
    at_least_one=("low", "high"),
    build=lambda values, mapping, context: (values["low"], values["high"]),
)
RETRY = Table(
    "retry",
    keys=(
        Key("times", POSITIVE_INTEGER, "How many tries.", default=3),
        Key("mode", choice(("fast", "slow")), "How to wait.", default="fast"),
        Key("target", pattern(r"[a-z]+:[a-z]+", "module:name"), "What to call.", required=True),
        Key("tags", STRINGS, "Labels.", default=[]),
        Key("loud", FLAG, "Say each try.", default=False, rule=rules.INVALID_TORCH_KEY),
        Key("note", TEXT, "Why.", needs=("mode",)),
        Key("scaled", DOUBLED, "Twice this, times the context."),
        Key("limits", mapping_of(LIMITS), "Bounds.", default=(None, None)),
        Key("comment", IGNORED, "Free: holds nothing that counts."),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.UNKNOWN_KEY,
    own_prefix="x-",
    unknown_hint="; keys of your own start with `x-`",
)


def located(text: str):
    [document] = load_documents(textwrap.dedent(text))
    return document.value


def problems(table: Table, text: str, context=None) -> list[tuple[str, int, int, str]]:
    _, findings = validate(table, located(text), context)
    return [(f.code, f.location.line, f.location.column, f.message) for f in findings]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("target: a:b", {"times": 3, "mode": "fast", "target": "a:b", "limits": (None, None), "comment": None}),
        ("{target: a:b, times: 5, mode: slow, note: hi}", {"times": 5, "mode": "slow", "note": "hi"}),
        ("{target: a:b, tags: [x, y], loud: true}", {"tags": ["x", "y"], "loud": True}),
        ("{target: a:b, limits: {low: 2}}", {"limits": (2, None)}),
        ("{target: a:b, limits: null}", {"limits": (None, None)}),  # null stands for the default
        ("{target: a:b, scaled: 4}", {"scaled": 8}),
        ("{target: a:b, comment: {any: [thing, 1.5, null]}}", {"comment": {"any": ["thing", 1.5, None]}}),
        ("{target: a:b, x-mine: 1}", {"target": "a:b"}),  # the user's own keys are skipped
    ],
)
def test_valid_mappings_read_as_their_kinds_say(text, expected):
    values, findings = validate(RETRY, located(text))
    assert findings == []
    assert {key: values[key] for key in expected} == expected
    assert "x-mine" not in values


@pytest.mark.parametrize(
    "text, expected",
    [
        ("{}", [("BC011", 1, 1, "retry needs `target`")]),
        (
            "{target: a:b, tims: 2}",
            [("BC010", 1, 15, "unknown retry key 'tims' (did you mean 'times'?); keys of your own")],
        ),
        ("{target: a:b, times: 0}", [("BC011", 1, 22, "retry.times must be a whole number of at least 1")]),
        ("{target: a:b, times: true}", [("BC011", 1, 22, "retry.times must be a whole number of at least 1")]),
        ("{target: a:b, mode: fats}", [("BC011", 1, 21, "retry.mode must be one of fast, slow, not 'fats' (did you")]),
        ("{target: a.b}", [("BC011", 1, 10, "retry.target must be module:name")]),
        ("{target: a:b, tags: x}", [("BC011", 1, 21, "retry.tags must be a list of strings")]),
        ("{target: a:b, loud: 1}", [("BC300", 1, 21, "retry.loud must be true or false")]),
        ("{target: a:b, scaled: x}", [("BC011", 1, 23, "retry.scaled must be a whole number")]),
        ("{target: a:b, limits: 5}", [("BC011", 1, 23, "retry.limits must be a mapping of low, high")]),
        ("{target: a:b, limits: {}}", [("BC100", 1, 23, "retry.limits needs one of `low`, `high`")]),
        ("{target: a:b, limits: {lo: 1}}", [("BC100", 1, 24, "unknown retry.limits key 'lo' (did you mean 'low'?)")]),
        ("{target: a:b, limits: {low: 0}}", [("BC100", 1, 29, "retry.limits.low must be a whole number")]),
    ],
)
def test_each_problem_is_a_finding_at_its_key_or_value(text, expected):
    found = problems(RETRY, text)
    assert [finding[:3] for finding in found] == [finding[:3] for finding in expected]
    for (*_, message), (*_, part) in zip(found, expected, strict=False):
        assert part in message


def test_a_key_written_without_the_key_it_needs():
    table = Table(
        "t", (Key("a", TEXT, "A.", needs=("b",)), Key("b", TEXT, "B.")), rules.INVALID_VALUE, rules.UNKNOWN_KEY
    )
    assert problems(table, "{a: x}") == [("BC011", 1, 5, "t.a needs t.b")]


def test_every_problem_is_reported_at_once():
    text = """\
        tims: 2
        mode: fats
        tags: x
        limits: {lo: 1, high: 0}
        colour: red
        """
    assert [(code, line) for code, line, *_ in problems(RETRY, text)] == [
        ("BC010", 1),  # an unknown key, at the key
        ("BC011", 1),  # no target: at the mapping
        ("BC011", 2),  # a bad value, at the value
        ("BC011", 3),
        ("BC100", 4),  # the nested table's own problems, in the same pass
        ("BC100", 4),
        ("BC010", 5),
    ]


def test_a_value_the_read_refuses_is_left_out_of_the_values():
    values, findings = validate(RETRY, located("{target: a:b, times: 0, limits: {low: 0}}"))
    assert len(findings) == 2
    assert "times" not in values and "limits" not in values


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("scaled", 4, 80),
        ("loud", "yes", ("BC300", "retry.loud must be true or false")),  # the key's own rule
        ("times", 0, ("BC011", "retry.times must be a whole number of at least 1")),  # the table's
    ],
)
def test_one_key_read_alone_says_what_validate_would(key, value, expected):
    at = Location(3, 4)
    try:
        assert read_key(RETRY, key, value, at, context=10) == expected
    except SpecError as error:
        assert (error.finding.code, error.finding.message, error.finding.location) == (*expected, at)


def test_the_context_reaches_every_read():
    values, _ = validate(RETRY, located("{target: a:b, scaled: 4}"), context=10)
    assert values["scaled"] == 80


UNKNOWN_CONFIG_KEY = Rule(
    "BC599", "unknown-config-key", Category.FORMAT, "A key the family does not know.", severity=WARNING
)
CONFIG = Table(
    "llama config",
    keys=(Key("hidden_size", POSITIVE_INTEGER, "Width."), Key("rope_scaling", IGNORED, "Holds no parameters.")),
    rule=rules.INVALID_VALUE,
    unknown=UNKNOWN_CONFIG_KEY,
    unknown_together=True,
    unknown_hint="; the count assumes they change nothing (--torch confirms it)",
)


def test_unknown_keys_together_in_one_warning_and_the_values_still_read():
    values, findings = validate(CONFIG, located("{hidden_size: 8, rope_scaling: {type: linear}, hiden: 1, foo: 2}"))
    [finding] = findings
    assert finding.severity == "warning"
    assert finding.message == (
        "unknown llama config keys 'hiden' (did you mean 'hidden_size'?), 'foo'; "
        "the count assumes they change nothing (--torch confirms it)"
    )
    assert finding.location == Location(1, 48)  # the first unknown key
    assert values["hidden_size"] == 8


def test_a_plain_dict_has_findings_at_the_tables_place():
    table = Table("[tool.x]", (Key("paths", STRINGS, "Where."),), rules.INVALID_VALUE, rules.UNKNOWN_KEY, label="{key}")
    _, findings = validate(table, {"paths": "specs", "path": []})
    assert [(f.message, f.location) for f in findings] == [
        ("unknown [tool.x] key 'path' (did you mean 'paths'?)", Location(1, 1)),
        ("paths must be a list of strings", Location(1, 1)),
    ]


def test_read_value_of_a_value_under_no_key():
    assert read_value(mapping_of(LIMITS), located("{low: 2, high: 3}"), Location(1, 1)) == (2, 3)
    with pytest.raises(Problems) as raised:
        read_value(mapping_of(LIMITS), located("{low: 0}"), Location(1, 1))
    assert [f.message for f in raised.value.findings] == ["retry.limits.low must be a whole number of at least 1"]
    with pytest.raises(Invalid, match="must be a mapping"):
        read_value(mapping_of(LIMITS), 5, Location(1, 1))


SCHEMA_CASES = [
    "target: a:b",
    "{target: a:b, times: 5, mode: slow, note: hi, tags: [x], limits: {low: 1}, x-mine: 1, comment: [1]}",
    "{}",
    "{target: a:b, tims: 2}",
    "{target: a:b, times: 0}",
    "{target: a:b, mode: fats}",
    "{target: a.b}",
    "{target: a:b, tags: x}",
    "{target: a:b, loud: 1}",
    "{target: a:b, limits: {}}",
    "{target: a:b, limits: {lo: 1}}",
    "{target: a:b, limits: null}",
    "{target: a:b, note: x}",
]


@pytest.mark.parametrize("text", SCHEMA_CASES)
def test_the_tables_schema_agrees_with_the_validator(text):
    defs: dict = {}
    schema = {**table_schema(RETRY, defs), "$defs": defs}
    jsonschema.Draft7Validator.check_schema(schema)
    value = located(text)
    valid = not validate(RETRY, value)[1]
    assert (list(jsonschema.Draft7Validator(schema).iter_errors(value)) == []) == valid, text
