"""LoRA adapters: the keys of PEFT's LoraConfig, and which modules they adapt.

An adapter is written with peft's own names, in an `adapter_config.json` or
under a spec's `lora:` key. Its count follows peft 0.21's source: each
targeted Linear gains `lora_A` (r × in) and `lora_B` (out × r, with a bias
when `lora_bias`), each targeted Embedding `lora_embedding_A` (r × rows) and
`lora_embedding_B` (width × r), and DoRA adds a magnitude vector of the output
size. The base model is frozen; the adapter, each `modules_to_save` copy and
the biases that `bias` names are what trains.

Keys that change no count (lora_alpha, dropout, init_lora_weights, ...) are
taken and ignored. Keys that change the model in ways budget-check does not
count are an error when they are set, never a guess. Target names are matched
as peft matches them (checker/language/adapting.py walks the model).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import rules
from ..findings import Finding, SpecError
from ..patterns import pattern as compiled
from ..records import TYPE_CHECKING, NamedTuple
from .loader import Location, YamlMapping, YamlSequence
from .validation import FLAG, POSITIVE_INTEGER, Invalid, Key, Kind, Problems, Table, choice, mapping_of

if TYPE_CHECKING:
    from typing import Any

ALL_LINEAR = "all-linear"  # peft's shorthand for every Linear but the output head
BIAS_OPTIONS = ("none", "all", "lora_only")
# task_type: the classes peft wraps the model in, and the heads each of them adds to modules_to_save.
GENERATING_TASKS = ("CAUSAL_LM", "SEQ_2_SEQ_LM")  # peft wraps these around a model that generates
TASK_HEADS: dict[str | None, tuple[str, ...]] = {
    None: (),
    "CAUSAL_LM": (),
    "SEQ_2_SEQ_LM": (),
    "FEATURE_EXTRACTION": (),
    "SEQ_CLS": ("classifier", "score"),
    "TOKEN_CLS": ("classifier", "score"),
}
# peft's default target_modules by model_type, for a config that leaves them out (peft's own table).
DEFAULT_TARGETS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("llama", "mistral", "mixtral", "qwen2", "qwen3", "gemma", "gemma2", "opt", "bart"), ("q_proj", "v_proj")
    ),
    "gpt2": ("c_attn",),
    **dict.fromkeys(("bert", "roberta"), ("query", "value")),
    "t5": ("q", "v"),
    "gpt_neox": ("query_key_value",),
}
# transformers 5 fused these families' experts into parameters, and peft turns a target naming their old
# modules into a target on those parameters (adapted in ways budget-check does not count).
EXPERT_TARGETS: dict[str, tuple[str, ...]] = {
    "mixtral": ("gate", "w1", "w2", "w3"),
    "qwen3_moe": ("gate", "gate_proj", "up_proj", "down_proj"),
}
MAX_PATTERN_LENGTH = 300
MAX_OPEN_REPEATS = 3  # unbounded repeats (`*`, `+`) in one pattern: matching time stays polynomial and small


class Lora(NamedTuple):
    """A LoRA adapter as it changes the count."""

    r: int
    targets: tuple[str, ...] | str | None  # names (matched at the end of a module's path), a regex, or None
    exclude: tuple[str, ...] | str | None
    rank_pattern: tuple[tuple[str, int], ...]
    layers_to_transform: tuple[int, ...] | None
    layers_pattern: tuple[str, ...]
    use_dora: bool
    bias: str
    lora_bias: bool
    modules_to_save: tuple[str, ...]
    heads: tuple[str, ...]  # what task_type adds to modules_to_save
    task_type: str | None
    location: Location

    def rank(self, key: str) -> int:
        """peft's get_pattern_key: the first rank_pattern key that ends the path, else r."""
        for pattern, rank in self.rank_pattern:
            if re.match(rf"(.*\.)?({pattern})$", key):
                return rank
        return self.r

    def saved(self, key: str) -> bool:
        """Whether modules_to_save wraps this module (peft: the path ends with the name, as text)."""
        return any(key.endswith(name) for name in (*self.modules_to_save, *self.heads))

    def _guarded(self) -> tuple[str, ...]:
        """The modules_to_save that no target may match: SEQ_CLS adds its heads before peft matches targets,
        TOKEN_CLS after (a target that is its head is then refused)."""
        return (*self.modules_to_save, *self.heads) if self.task_type == "SEQ_CLS" else self.modules_to_save

    def targets_module(self, key: str, targets: tuple[str, ...] | str) -> bool:
        """peft's check_target_module_exists."""
        if isinstance(self.exclude, str):
            if re.fullmatch(self.exclude, key):
                return False
        elif self.exclude and (key in self.exclude or any(key.endswith(f".{name}") for name in self.exclude)):
            return False
        if any(re.match(rf"(^|.*\.){name}($|\..*)", key) for name in self._guarded()):
            return False
        if isinstance(targets, str):
            return re.fullmatch(targets, key) is not None
        if key in targets:
            return True
        if not any(key.endswith(f".{name}") for name in targets):
            return False
        if self.layers_to_transform is None:
            return True
        index = self._layer_index(key)
        return index is not None and index in self.layers_to_transform

    def _layer_index(self, key: str) -> int | None:
        """The first numbered segment after a named one (`layers.3.`), or after a layers_pattern."""
        if not self.layers_pattern:
            found = re.match(r".*?\.[^.]*\.(?P<idx>\d+)\.", key)
        else:
            found = next(
                (m for p in self.layers_pattern if (m := re.match(rf"(?:^|.*?\.){p}\.(?P<idx>\d+)\.", key))), None
            )
        return None if found is None else int(found.group("idx"))


def _regex(value: Any, at: Location) -> str:
    """A pattern the user wrote, refused when matching it could take long (nested or many open repeats)."""
    if len(value) > MAX_PATTERN_LENGTH:
        raise Invalid(f"is a pattern of over {MAX_PATTERN_LENGTH} characters")
    try:
        re.compile(value)
    except (re.error, RecursionError) as error:
        raise Invalid(f"is not a regular expression: {error}") from None
    nested, open_repeats = pattern_repeats(value)
    if nested:
        raise Invalid("nests a repeat inside a repeat, which can take exponential time to match; write it flat")
    if open_repeats > MAX_OPEN_REPEATS:
        raise Invalid(f"has over {MAX_OPEN_REPEATS} unbounded repeats (`*`, `+`); write fewer")
    return str(value)


# A quantifier as Python's re reads one: `*`, `+`, `?` or `{m,n}` (`{}` and an unclosed `{` are literal).
QUANTIFIER = r"[*+?]|\{(?P<low>\d*)(?P<comma>,?)(?P<high>\d*)\}"  # compiled on first use (checker/patterns.py)
BACK_REFERENCES = ("(?P=", "(?(")  # a named back reference, a group-conditional


def pattern_repeats(pattern: str) -> tuple[bool, int]:
    """(whether a repeat holds another, how many repeats are unbounded) in a pattern that compiles.

    Read left to right: each group remembers whether it holds a repeat, so that a quantifier after
    its `)` knows whether it repeats a repeat.
    """
    groups: list[bool] = []  # each open group: whether it holds a repeat so far
    atom_repeats = False  # whether the atom a quantifier here would repeat holds a repeat
    nested, unbounded, at = False, 0, 0
    while at < len(pattern):
        char = pattern[at]
        quantifier = compiled(QUANTIFIER).match(pattern, at)
        if quantifier is not None and quantifier.group() != "{}":
            nested = nested or atom_repeats
            unbounded += quantifier.group() in "*+" or bool(quantifier["comma"] and not quantifier["high"])
            if groups:
                groups[-1] = True
            at = quantifier.end()
            at += pattern[at : at + 1] in ("?", "+")  # a lazy or possessive quantifier, not a second one
            atom_repeats = False
            continue
        if char == "\\":
            if pattern[at + 1 : at + 2].isdigit() and pattern[at + 1] != "0":
                raise Invalid("refers back to a group, which can take long to match")
            at += 2
        elif char == "[":
            at = _class_end(pattern, at)
        elif char == "(":
            if pattern.startswith(BACK_REFERENCES, at):
                raise Invalid("refers back to a group, which can take long to match")
            groups.append(False)
            at += 2 if pattern.startswith("(?", at) else 1  # `?` opens the group's flags, it repeats nothing
        elif char == ")":
            atom_repeats = groups.pop()
            if atom_repeats and groups:
                groups[-1] = True
            at += 1
            continue
        else:
            at += 1
        atom_repeats = False
    return nested, unbounded


def _class_end(pattern: str, start: int) -> int:
    """Where the character class opened at `start` ends: after its `]` (a `]` first in it is a member)."""
    at = start + 1
    at += pattern[at : at + 1] == "^"
    at += pattern[at : at + 1] == "]"
    while at < len(pattern) and pattern[at] != "]":
        at += 2 if pattern[at] == "\\" else 1
    return at + 1


def _names(value: Any, at: Location) -> tuple[str, ...]:
    if not isinstance(value, (list, YamlSequence)) or not all(isinstance(item, str) for item in value):
        raise Invalid("must be a list of module names")
    return tuple(_regex(item, at) for item in value)


def _names_or_regex(value: Any, at: Location, context: Any) -> tuple[str, ...] | str:
    """A list of names, or one string: a regular expression the whole path must match (or `all-linear`)."""
    if isinstance(value, str):
        return value if value.lower() == ALL_LINEAR else _regex(value, at)
    return _names(value, at)


def _rank_pattern(value: Any, at: Location, context: Any) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, (dict, YamlMapping)):
        raise Invalid("must be a mapping of module patterns to ranks")
    pairs = []
    for key, rank in value.items():
        if not isinstance(key, str) or isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise Invalid("must map module patterns to ranks of at least 1")
        pairs.append((_regex(key, at), rank))
    return tuple(pairs)


def _layer_indexes(value: Any, at: Location, context: Any) -> tuple[int, ...] | None:
    items = [value] if isinstance(value, int) else value
    if not isinstance(items, (list, YamlSequence)) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in items
    ):
        raise Invalid("must be a layer index or a list of them")
    return tuple(items) or None  # peft: an empty list transforms every layer


def _layers_pattern(value: Any, at: Location, context: Any) -> tuple[str, ...]:
    return (_regex(value, at),) if isinstance(value, str) else _names(value, at)


def _modules_to_save(value: Any, at: Location, context: Any) -> tuple[str, ...]:
    return _names(value, at)


def _peft_type(value: Any, at: Location, context: Any) -> str:
    if value != "LORA":
        raise SpecError(
            rules.ADAPTER_NOT_COUNTED,
            f"peft_type {value!r}: budget-check counts LoRA adapters only (peft_type LORA)",
            at,
        )
    return "LORA"


def _task_type(value: Any, at: Location, context: Any) -> str | None:
    if value not in TASK_HEADS:
        raise SpecError(
            rules.ADAPTER_NOT_COUNTED,
            f"task_type {value!r}: budget-check counts the task types {', '.join(str(t) for t in TASK_HEADS if t)}",
            at,
        )
    return str(value) if value is not None else None


# Keys that change the model in ways budget-check does not count: accepted while off, an error when set.
NOT_COUNTED: dict[str, str] = {
    "layer_replication": " (it copies layers)",
    "target_parameters": " (it adapts parameters, not modules)",
    "trainable_token_indices": "",
    "use_qalora": "",
    "eva_config": " (EVA may redistribute the ranks)",
    "megatron_config": "",
    "corda_config": "",
    "lora_ga_config": "",
    "velora_config": "",
    "alora_invocation_tokens": "",
    "monteclora_config": "",
    "use_bdlora": "",
    "arrow_config": "",
    "kasa_config": "",
    "ensure_weight_tying": "",
}
# Keys that hold no parameters.
NO_PARAMETERS = frozenset(
    [
        *("base_model_name_or_path", "revision", "inference_mode", "auto_mapping", "peft_version", "lora_alpha"),
        *("alpha_pattern", "lora_dropout", "fan_in_fan_out", "use_rslora", "init_lora_weights", "loftq_config"),
        *("megatron_core", "runtime_config", "qalora_group_size"),
    ]
)


def built_lora(values: dict[str, Any], mapping: Any, context: Any = None) -> Lora:
    """The adapter, once no key that budget-check does not count is set."""
    locations = getattr(mapping, "key_locations", {})
    where = getattr(mapping, "location", Location(1, 1))
    findings = [
        Finding(
            rules.ADAPTER_NOT_COUNTED,
            f"{key} is set: budget-check does not count adapters with it{why}; peft's get_peft_model gives the count",
            locations.get(key, where),
        )
        for key, why in NOT_COUNTED.items()
        if mapping.get(key) not in (None, False, [], {})
    ]
    findings += [
        Finding(rules.INVALID_ADAPTER, f"{key} {why} (peft's LoraConfig refuses it)", locations.get(key, where))
        for key, why in _refused_by_peft(mapping)
    ]
    if findings:
        raise Problems(findings)
    return lora_of(values, where)


def _refused_by_peft(mapping: Any) -> Iterator[tuple[str, str]]:
    """(key, why) for each combination of keys that LoraConfig itself refuses."""
    regex = isinstance(mapping.get("target_modules"), str)
    if regex and mapping.get("layers_to_transform") is not None:
        yield "layers_to_transform", "is set while target_modules is a regular expression"
    if regex and mapping.get("layers_pattern") is not None:
        yield "layers_pattern", "is set while target_modules is a regular expression"
    if mapping.get("layers_pattern") and mapping.get("layers_to_transform") is None:
        yield "layers_pattern", "is set without layers_to_transform"
    if mapping.get("lora_bias") is True and mapping.get("use_dora") is True:
        yield "lora_bias", "is set with use_dora"
    if mapping.get("lora_bias") is True and mapping.get("init_lora_weights", True) not in (True, False):
        yield "lora_bias", "is set while init_lora_weights is neither true nor false"


NAMES_OR_REGEX = Kind(
    "a list of module names, or a regular expression",
    {},
    _names_or_regex,
    nullable=True,
)
LORA_TABLE = Table(
    "lora",
    keys=(
        Key("r", POSITIVE_INTEGER, "The rank.", default=8),
        Key(
            "target_modules",
            NAMES_OR_REGEX,
            "Names, a regex or all-linear.",
        ),
        Key("exclude_modules", NAMES_OR_REGEX, "Not adapted."),
        Key(
            "rank_pattern",
            Kind(
                "a mapping of module patterns to ranks",
                {},
                _rank_pattern,
                nullable=True,
            ),
            "Ranks by module.",
            default=(),
        ),
        Key(
            "layers_to_transform",
            Kind(
                "a layer index or a list of them",
                {},
                _layer_indexes,
                nullable=True,
            ),
            "Layers adapted.",
        ),
        Key(
            "layers_pattern",
            Kind(
                "a name or a list of names",
                {},
                _layers_pattern,
                nullable=True,
            ),
            "Where layers are counted.",
            default=(),
        ),
        Key("use_dora", FLAG, "DoRA.", default=False),
        Key(
            "bias",
            choice(BIAS_OPTIONS),
            "Biases that train.",
            default="none",
        ),
        Key("lora_bias", FLAG, "Bias on lora_B.", default=False),
        Key(
            "modules_to_save",
            Kind(
                "a list of module names",
                {},
                _modules_to_save,
                nullable=True,
            ),
            "Trained in full.",
            default=(),
        ),
        Key(
            "task_type",
            Kind("a peft task type", {}, _task_type, nullable=True),
            "SEQ_CLS trains the head.",
        ),
        Key(
            "peft_type",
            Kind("LORA", {}, _peft_type, nullable=True),
            "LORA.",
        ),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.UNKNOWN_CONFIG_KEYS,
    unknown_together=True,
    unknown_hint="; the count assumes they change nothing (peft's get_peft_model confirms it)",
    description="peft's LoraConfig keys.",
    ignored=NO_PARAMETERS | frozenset(NOT_COUNTED),
    in_schema=False,  # peft's own keys, checked here: the shipped schema stays small
    build=built_lora,
)


def lora_of(values: dict[str, Any], location: Location) -> Lora:
    heads = TASK_HEADS[values["task_type"]]
    return Lora(
        r=values["r"],
        targets=values["target_modules"],
        exclude=values["exclude_modules"],
        rank_pattern=values["rank_pattern"],
        layers_to_transform=values["layers_to_transform"],
        layers_pattern=values["layers_pattern"],
        use_dora=values["use_dora"],
        bias=values["bias"],
        lora_bias=values["lora_bias"],
        modules_to_save=values["modules_to_save"],
        heads=heads,
        task_type=values["task_type"],
        location=location,
    )


LORA = mapping_of(LORA_TABLE, "a mapping of peft's LoraConfig keys")
