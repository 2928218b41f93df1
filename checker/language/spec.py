"""From a YAML document to a Spec: top-level keys, vars and blocks, checked.

The model itself stays as the YAML the user wrote; counting.py walks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from .. import rules
from ..findings import Finding, SpecError
from ..records import TYPE_CHECKING, NamedTuple
from .adapters import LORA, Lora
from .budgets import BUDGET, Budget, Tolerance
from .catalogue import LAYERS
from .expressions import ExpressionError, evaluate, is_name
from .hints import did_you_mean
from .loader import Location, YamlMapping, YamlSequence, located, located_mapping, location_in
from .matching import DEFAULT_TOLERANCE, MATCH, Match
from .parametrizations import PARAMETRIZATIONS
from .units import DEFAULT_DTYPE, DTYPE_BITS
from .validation import (
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
    typed,
    validate,
)

if TYPE_CHECKING:
    from typing import Any, TypeAlias

# Keys any Hugging Face config may carry (transformers' PreTrainedConfig, generation settings of 4.x
# files, token ids), none of which holds parameters: a block with `ignore:` accepts them all.
COMMON_CONFIG_KEYS = frozenset(
    """_name_or_path architectures model_type transformers_version dtype torch_dtype output_hidden_states
    output_attentions return_dict chunk_size_feed_forward is_encoder_decoder id2label label2id num_labels
    problem_type bos_token_id eos_token_id pad_token_id sep_token_id decoder_start_token_id use_cache
    initializer_range tokenizer_class prefix task_specific_params finetuning_task is_decoder
    add_cross_attention tie_encoder_decoder torchscript use_bfloat16 tf_legacy_loss max_length min_length
    do_sample early_stopping num_beams num_beam_groups diversity_penalty temperature top_k top_p typical_p
    repetition_penalty length_penalty no_repeat_ngram_size encoder_no_repeat_ngram_size bad_words_ids
    num_return_sequences output_scores return_dict_in_generate forced_bos_token_id forced_eos_token_id
    remove_invalid_values exponential_decay_length_penalty suppress_tokens begin_suppress_tokens
    attn_implementation _attn_implementation_autoset rope_theta rope_scaling""".split()  # noqa: SIM905 - a table to read, not a list
)
# A config's keys that name an activation, which transformers looks up in transformers.activations.ACT2CLS
# (T5's feed_forward_proj after its `gated-`: T5Config overwrites dense_act_fn from it), and that table's
# names in transformers 5.24. Two of them hold parameters, a PReLU or xIELU per use, which presets do not count.
ACTIVATION_KEYS = frozenset(
    "hidden_act hidden_activation activation_function activation pooler_act feed_forward_proj dense_act_fn".split()  # noqa: SIM905
)
# An activation key whose activation another key, written, replaces: T5Config derives dense_act_fn from
# feed_forward_proj, then sets a dense_act_fn written in the config (only the `gated-` form still counts).
ACTIVATION_REPLACED_BY = {"feed_forward_proj": "dense_act_fn"}
ACTIVATIONS = frozenset(
    """gelu gelu_10 gelu_accurate gelu_fast gelu_new gelu_python gelu_python_tanh gelu_pytorch_tanh hardswish
    laplace leaky_relu linear mish prelu quick_gelu relu relu2 relu6 sigmoid silu sqrtsoftplus swish tanh
    xielu""".split()  # noqa: SIM905 - a table to read, not a list
)
ACTIVATIONS_WITH_PARAMETERS = frozenset({"prelu", "xielu"})
# The running input size, as expressions read it (`groups: in` for a depthwise convolution).
INPUT_SIZE_NAME = "in"
# Patterns in the syntax Python and JSON Schema (schema.py) share, anchored where they are used.
IDENTIFIER_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
TORCH_TARGET_PATTERN = r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)"
PRESET_NAME_PATTERN = rf"{IDENTIFIER_PATTERN}(\.{IDENTIFIER_PATTERN})?"  # a preset, a class or FILE.BLOCK


class WrittenIn(NamedTuple):
    """Where a node that a var or param holds was written: the names and blocks it reads there."""

    env: Mapping[str, Any]
    blocks: Mapping[str, Block]
    in_preset: bool  # written in a preset's file, not in the spec's


class NodeValue:
    """A var or block param that holds a layer (`activation: GELU`) instead of a number.

    Not a tuple: it is a value vars hold, and a tuple there would read as a list of sizes.
    `written_in`: the scope of the spec's vars, or of the block use that passed it on; its names are read
    there, as Python reads a call's arguments, not inside the block that places it (whose params could
    hide them). None: it is read where it stands (a block's default, a node written in place)."""

    __slots__ = ("location", "node", "written_in")

    def __init__(self, node: Any, location: Location, written_in: WrittenIn | None = None) -> None:
        self.node = node
        self.location = location
        self.written_in = written_in

    def read_in(self, written_in: WrittenIn) -> NodeValue:
        """This node, its names read where `written_in` says, unless it knows already where it was written."""
        return self if self.written_in is not None else NodeValue(self.node, self.location, written_in)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NodeValue) and (self.node, self.location) == (other.node, other.location)

    def __hash__(self) -> int:
        return hash((self.node, self.location))

    def __repr__(self) -> str:
        return f"NodeValue({self.node!r}, {self.location!r})"


class Text(str):
    """Text a var holds because it is no expression over the vars above it (`act: gelu`). A var may
    hold any value that is not used as a number; where it is, `error` (why the text could not be
    computed) is the finding, at the var."""

    error: SpecError

    def __new__(cls, text: str, error: SpecError) -> Text:
        made = super().__new__(cls, text)
        made.error = error
        return made


class Param(NamedTuple):
    """A block parameter, with its default (REQUIRED_PARAM when it has none)."""

    name: str
    default: Any  # REQUIRED_PARAM, or the YAML value: number, expression, bool, node
    location: Location


REQUIRED_PARAM = None  # `params: {mid: null}` means mid is required


class Block(NamedTuple):
    """A reusable piece of model (`blocks:`, or a preset), with its params and body."""

    name: str
    params: tuple[Param, ...]
    body: Any
    body_location: Location
    require: tuple[tuple[str, Location], ...]
    location: Location
    file_vars: dict[str, Any]  # what the body sees besides its params
    file_blocks: dict[str, Block]  # blocks of the same file
    file: str = ""
    # `ignore:` — keys the block accepts whatever their value, because they hold no parameters
    # (a config's rms_norm_eps, torch_dtype). A block that declares it takes a whole config: a key
    # that is neither a param nor ignored is warned about, all such keys in one warning, not refused.
    ignore: frozenset[str] | None = None
    # `aliases:` — other keys a config sets a param by (transformers' attribute_map: GPT-2's hidden_size
    # sets n_embd). Written, one wins over the param's own key, as transformers sets it after those.
    aliases: Mapping[str, str] = {}
    # `nulls:` — what a null written for a param means, by param (a value or an expression, as a default is
    # written). In a block with `ignore:`, a null for a param not listed is refused, as transformers' typed
    # config classes refuse one; elsewhere a null leaves the default.
    nulls: Mapping[str, Any] = {}
    text: frozenset[str] = frozenset()  # `text:` — params whose values are text, taken as written
    # `extends: NAME` with `blocks: {inner: ...}`: NAME's params and body, some of the blocks of its file
    # replaced. Resolved once every block of the file is read (parse_blocks), then None.
    extends: tuple[str, Location, YamlMapping | None] | None = None
    # `output:` — the size the block hands on, as written (a number or an expression over its params), and
    # where. A block that states it is a list of parameter-holding parts, not a data path: its body is
    # counted without the running size, so one count serves every use with the same arguments.
    output: tuple[int | str, Location] | None = None


class TorchTarget(NamedTuple):
    """`torch: {target: "package.module:callable", args: [...], kwargs: {...}}`."""

    module: str
    attribute: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    location: Location

    @property
    def target(self) -> str:
        return f"{self.module}:{self.attribute}"


# Reads the Hugging Face config a spec imports (`hf_config: path`) as plain JSON values, relative to
# the spec's folder and confined to its repository; raises SpecError, located at the path.
ConfigReader: TypeAlias = "Callable[[str, Location], dict[str, Any]]"


class Imported(NamedTuple):
    """An imported config, read: the class that counts it, given the config with `set:` applied."""

    config: dict[str, Any]  # as read from the file
    node: YamlMapping  # {class name: the config's keys, `set:` first}
    settings: dict[str, Any]  # each key's value, for the vars: as set (computed), else as in the config
    notes: list[Finding]


class HydraTarget(NamedTuple):
    """`torch: {hydra: {config_dir: ..., config_name: ..., overrides: [...], node: ...}}`: a node of a Hydra
    config, composed as training composes it; `config_dir` is relative to the spec's folder."""

    config_dir: str
    config_name: str
    overrides: tuple[str, ...]
    node: str
    location: Location

    @property
    def target(self) -> str:
        node = f"`{self.node}` of " if self.node else ""
        overrides = f" with {' '.join(self.overrides)}" if self.overrides else ""
        return f"{node}{self.config_name}.yaml{overrides}"


class Spec(NamedTuple):
    """A spec read and validated, ready to count."""

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
    torch: TorchTarget | HydraTarget | None = None
    tolerance: Tolerance = DEFAULT_TOLERANCE  # the default for match.tolerance, kept for with_vars
    input: int | None = None  # the model's input size (channels or features), when the spec declares it
    lora: Lora | None = None  # a LoRA adapter on the model: the count is the adapted model's
    reads: tuple[str, ...] = ()  # other files the count depends on (an adapter's base config): never cached
    hf_config: dict[str, Any] | None = None  # the config `model: {hf_config: ...}` imports, as read


def parse_spec(
    document: YamlMapping,
    file: str,
    name: str,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
    read_config: ConfigReader | None = None,
) -> tuple[Spec | None, list[Finding]]:
    """Check a spec document against the top-level table; a Spec when it can be counted.

    `read_config` reads the Hugging Face config that a model may import."""
    findings: list[Finding] = []
    variables: dict[str, Any] | None = {}
    if isinstance(document.get("vars"), YamlMapping):  # anything else is the table's to report
        try:
            variables = parse_vars(document["vars"], document.location_of("vars"))
        except SpecError as error:
            findings.append(error.finding)
            variables = None  # what uses the vars cannot be checked
    imported = None
    if variables is not None and _imports_config(document.get("model")):
        try:
            imported = import_config(document["model"], variables, document.get("vars"), read_config)
        except SpecError as error:
            findings.extend(getattr(error, "findings", [error.finding]))
        # The config's keys are vars too (match varies them); without the config, nothing uses vars.
        variables = None if imported is None else {**variables, **imported.settings}
    values, problems = validate(TOP_LEVEL, document, variables)
    findings += problems
    blocks: dict[str, Block] = {}
    if values.get("blocks") is not None and variables is not None:
        try:
            blocks = parse_blocks(values["blocks"], document.location_of("blocks"), variables, file)
        except SpecError as error:
            findings.extend(getattr(error, "findings", [error.finding]))
    if variables is not None:
        _close_over(variables, blocks)
    match = values.get("match")
    if match is not None and not match.has_reference and document.get("budget") is None:
        findings.append(
            Finding(
                rules.INVALID_MATCH,
                "match needs a `reference` (vars, a count or a spec file), or a `budget` to meet",
                match.location,
            )
        )
    if any(finding.invalid for finding in findings) or variables is None:  # a warning leaves the spec counted
        return None, sorted(findings, key=lambda finding: (finding.location.line, finding.location.column))
    dtype, model = values["dtype"], values["model"]
    if imported is not None:
        model = imported.node
        written_dtype = imported.settings.get("torch_dtype", imported.settings.get("dtype"))
        if "dtype" not in document and written_dtype in DTYPE_BITS:
            dtype = written_dtype
        if match is not None and "multiple_of" not in document["match"]:
            match = match._replace(multiple_of=width_step(imported.settings, match.vary))
    spec = Spec(
        file=file,
        name=str(values["name"] if values["name"] is not None else name),
        document=document,
        vars=variables,
        blocks=blocks,
        model=model,
        model_location=document.location_of("model"),
        budget=values["budget"],
        dtype=dtype,
        match=match if match is None or match.tolerance is not None else match._replace(tolerance=tolerance),
        torch=values["torch"],
        tolerance=tolerance,
        input=values["input"],
        lora=values["lora"],
        hf_config=None if imported is None else imported.config,
    )
    return spec, [*findings, *([] if imported is None else imported.notes)]


def parse_vars(raw: Any, location: Location, outer: dict[str, Any] | None = None) -> dict[str, Any]:
    """Evaluate `vars:` in order; each may use the ones above it."""
    variables: dict[str, Any] = dict(outer or {})
    if raw is None:
        return variables
    if not isinstance(raw, YamlMapping):
        raise SpecError(rules.INVALID_VALUE, "`vars` must be a mapping of names to values", location)
    for name, value in raw.items():
        check_identifier(name, raw.key_locations[name], "var")
        variables[name] = text_or_value(value, variables, raw.location_of(name), f"var {name}")
    return variables


def _close_over(variables: dict[str, Any], blocks: Mapping[str, Block]) -> None:
    """The spec's vars that hold nodes, told that their names are the spec's (a block's body that uses
    one sees the same vars, though its params may hide some)."""
    written_in = WrittenIn(variables, blocks, in_preset=False)
    for name, value in variables.items():
        if isinstance(value, NodeValue):
            variables[name] = value.read_in(written_in)


def text_or_value(value: Any, env: Mapping[str, Any], location: Location, what: str) -> Any:
    """A var's value (see value_of), or the Text it holds when it is no expression."""
    try:
        return value_of(value, env, location, what)
    except SpecError as error:
        if not isinstance(value, str):
            raise
        return Text(value, error)


def _imports_config(model: Any) -> bool:
    return isinstance(model, YamlMapping) and "hf_config" in model


def import_config(
    raw: YamlMapping, variables: dict[str, Any], written_vars: Any, read_config: ConfigReader | None
) -> Imported | None:
    """Read the config `model: {hf_config: path, set: {...}}` imports, and apply `set:`.

    None when the mapping is not one to read (the top-level table says why). Each
    value under `set:` is read as a var's is, with the vars and the config's keys (as
    set above it) in scope: text that is no expression is taken as written, for the
    class to take where its key holds text or nothing, and refuse elsewhere.
    """
    path, written = raw.get("hf_config"), raw.get("set")
    if not isinstance(path, str) or not isinstance(written, (YamlMapping, type(None))):
        return None
    where = raw.location_of("hf_config")
    if read_config is None:
        raise SpecError(rules.INVALID_VALUE, "hf_config: a config is imported only by a spec read from a file", where)
    config = read_config(path, where)
    written = written if written is not None else YamlMapping(where)
    clashes = [key for key in (*written, *config) if key in variables]
    if clashes:
        message = f"var {clashes[0]!r} is also a key of the config {path}; set the key under `set:` instead"
        raise SpecError(rules.INVALID_NAME, message, location_in(written_vars, clashes[0], where))
    from_file = located(config, where)
    env = {**variables, **{key: _config_value(value, where) for key, value in from_file.items()}}
    values = {}
    for key, value in written.items():
        env[key] = text_or_value(value, env, written.location_of(key), f"set {key}")
        values[key] = env[key].node if isinstance(env[key], NodeValue) else env[key]
    from_config = {key: value for key, value in from_file.items() if key not in values}
    arguments = located_mapping({**values, **from_config}, where, written.key_locations)
    arguments.value_locations.update(written.value_locations)
    from . import presets  # presets are read with this module's parse_blocks

    class_name, class_location, notes = presets.config_class(arguments)
    if class_name is None:
        raise Problems(notes)
    # Only the config's own values are JSON: those under `set:` are expressions.
    refused = presets.refused_config(from_config, arguments, class_name, arguments.location_of)
    if refused:
        raise Problems(refused)
    node = located_mapping({class_name: arguments}, raw.location, {class_name: where})
    node.key_locations[class_name] = class_location
    settings = {key: env[key] for key in arguments}
    return Imported(config, node, settings, notes)


def _config_value(value: Any, where: Location) -> Any:
    """A config's value as a var holds it: a list or mapping as a node, anything else as it is."""
    return NodeValue(value, where) if isinstance(value, (YamlMapping, YamlSequence)) else value


def width_step(settings: Mapping[str, Any], var: str) -> int:
    """The step a matched `var` of an imported config keeps when none is given: what its family needs of
    a width (the vars of a spec that imports one hold its keys); 1 for any other var or spec."""
    from . import presets

    return presets.width_step(settings.get("model_type"), var, dict(settings))


def value_of(value: Any, env: Mapping[str, Any], location: Location, what: str) -> Any:
    """A var or param value: a number, bool, null, expression, or a layer node."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if is_layer_name(value):
            return NodeValue(value, location)
        if isinstance(env.get(value), NodeValue):  # a param passing on the list or layer it holds
            return env[value]
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
    if not isinstance(name, str) or not is_name(name):
        raise SpecError(
            rules.INVALID_NAME, f"{what} name {name!r} must be an identifier (letters, digits, _)", location
        )


def parse_blocks(raw: Any, location: Location, file_vars: dict[str, Any], file: str) -> dict[str, Block]:
    """Read `blocks:`; the blocks of one file see each other and that file's vars.
    Raises Problems with every block's problems."""
    blocks: dict[str, Block] = {}
    if raw is None:
        return blocks
    if not isinstance(raw, YamlMapping):
        raise SpecError(rules.INVALID_VALUE, "`blocks` must map block names to definitions", location)
    findings: list[Finding] = []
    for name, definition in raw.items():
        try:
            check_identifier(name, raw.key_locations[name], "block")
            if name in LAYERS or name in CONTROL_KINDS:
                raise SpecError(
                    rules.INVALID_NAME, f"block name {name!r} is taken by a built-in layer", raw.key_locations[name]
                )
            blocks[name] = _parse_block(name, definition, raw.location_of(name), file_vars, blocks, file)
        except SpecError as error:
            findings.extend(getattr(error, "findings", [error.finding]))
    scopes: list[tuple[dict[str, Block], dict[str, Block]]] = []  # (what replacements see, the blocks replaced)
    for name, block in list(blocks.items()):
        if block.extends is not None:
            try:
                blocks[name] = _extended(block, blocks, scopes)
            except SpecError as error:
                findings.extend(getattr(error, "findings", [error.finding]))
    for seen, overlay in scopes:  # now that every block of the file is read and extended
        seen.update({**blocks, **overlay})
    if findings:
        raise Problems(findings)
    _check_cycles(blocks)
    return blocks


def _extended(block: Block, blocks: dict[str, Block], scopes: list[tuple[dict[str, Block], dict[str, Block]]]) -> Block:
    """`extends: NAME`: NAME's body, params (these of `block` added or with new defaults) and requirements,
    with the blocks of NAME's file that `blocks:` names replaced wherever that body, or a block it uses, uses
    them. NAME is a preset, a class, FILE.BLOCK, or a block of this file written above this one."""
    from . import presets  # presets read their files with parse_blocks: imported here, when it has loaded

    assert block.extends is not None
    name, where, replacements = block.extends
    earlier = list(blocks)[: list(blocks).index(block.name)]
    base = blocks[name] if name in earlier else presets.find(name)
    if base is None:
        known = earlier + presets.names()
        raise SpecError(
            rules.UNKNOWN_LAYER,
            f"block {block.name!r} extends {name!r}, which is neither a preset nor a block above it"
            f"{did_you_mean(name, known)}",
            where,
        )
    overlay: dict[str, Block] = {}
    overlay.update({inner: other._replace(file_blocks=overlay) for inner, other in base.file_blocks.items()})
    seen: dict[str, Block] = {}  # what a replacement written in place sees: the blocks of both files
    scopes.append((seen, overlay))
    replacements = replacements if replacements is not None else YamlMapping(where)
    for inner, value in replacements.items():
        at = replacements.key_locations[inner]
        if inner not in base.file_blocks:
            raise SpecError(
                rules.UNKNOWN_LAYER,
                f"{name} uses no block {inner!r} to replace{did_you_mean(inner, base.file_blocks)}; "
                f"its blocks: {', '.join(base.file_blocks)}",
                at,
            )
        overlay[inner] = _replacement(inner, value, at, block, seen, base.file_blocks[inner])
    own = {param.name: param for param in block.params}
    params = tuple(own.pop(param.name, param) for param in base.params) + tuple(own.values())
    return base._replace(
        name=block.name,
        params=params,
        require=base.require + block.require,
        location=block.location,
        file_blocks=overlay,
        ignore=base.ignore,
        aliases={**base.aliases, **block.aliases},
        nulls={**base.nulls, **block.nulls},
        text=base.text | block.text,
        extends=None,
        output=block.output or base.output,
    )


def _replacement(inner: str, value: Any, at: Location, block: Block, seen: dict[str, Block], replaced: Block) -> Block:
    """What replaces block `inner`: a block named by `value` (of this file, or a preset), or a definition
    written in place, which takes the params of the block it replaces unless it writes its own, and sees
    the blocks of the file it extends (as replaced) besides those of its own file."""
    from . import presets

    if isinstance(value, str):
        chosen = block.file_blocks.get(value) if value != block.name else None
        chosen = chosen or presets.find(value)
        if chosen is None:
            raise SpecError(
                rules.UNKNOWN_LAYER,
                f"no block {value!r} to put in place of {inner}{did_you_mean(value, block.file_blocks)}",
                at,
            )
        return chosen
    written = _parse_block(inner, value, at, block.file_vars, seen, block.file)
    return written if "params" in value else written._replace(params=replaced.params)


def _parse_block(
    name: str, raw: Any, location: Location, file_vars: dict[str, Any], file_blocks: dict[str, Block], file: str
) -> Block:
    if not isinstance(raw, YamlMapping):
        raise SpecError(rules.INVALID_VALUE, f"block {name!r} must be a mapping with `params` and `body`", location)
    values, findings = validate(BLOCK, raw, name=f"block {name!r}")
    if values.get("extends") is not None and "body" in raw:
        findings.append(
            Finding(
                rules.INVALID_VALUE,
                f"block {name!r} extends {values['extends']!r} and so takes its body; "
                "replace the blocks that body uses with `blocks:` instead",
                raw.key_locations["body"],
            )
        )
    if values.get("blocks") is not None and values.get("extends") is None:
        findings.append(
            Finding(
                rules.INVALID_VALUE,
                f"block {name!r}: `blocks` replaces blocks of what it extends; write `extends:` too",
                raw.key_locations["blocks"],
            )
        )
    findings += _config_key_problems(name, raw, values)
    if findings:
        raise Problems(findings)
    return Block(
        name=name,
        params=values["params"],
        body=values["body"],
        body_location=raw.location_of("body"),
        extends=None
        if values["extends"] is None
        else (values["extends"], raw.location_of("extends"), values["blocks"]),
        require=values["require"],
        location=location,
        file_vars=file_vars,
        file_blocks=file_blocks,
        file=file,
        ignore=None if values["ignore"] is None else COMMON_CONFIG_KEYS | values["ignore"],
        aliases=values["aliases"] or {},
        nulls=values["nulls"] or {},
        text=values["text"],
        output=None if values["output"] is None else (values["output"], raw.location_of("output")),
    )


def _config_key_problems(name: str, raw: YamlMapping, values: dict[str, Any]) -> list[Finding]:
    """`aliases:` that name no param or alias one, `nulls:` that name no param, and either in a block that
    takes no whole config. A block that extends another is checked with what it extends; one whose params
    are invalid, not at all."""
    if values.get("extends") is not None or "params" not in values:
        return []
    params = {param.name for param in values["params"]}
    aliases, nulls = values.get("aliases") or {}, values.get("nulls") or {}
    problems = [
        Finding(
            rules.INVALID_VALUE,
            f"block {name!r}: alias {alias!r} must name one of its params, and be none itself",
            raw["aliases"].key_locations[alias],
        )
        for alias, param in aliases.items()
        if param not in params or alias in params
    ]
    problems += [
        Finding(
            rules.INVALID_VALUE,
            f"block {name!r}: `nulls` names {param!r}, which is not one of its params",
            raw["nulls"].key_locations[param],
        )
        for param in nulls
        if param not in params
    ]
    problems += [
        Finding(
            rules.INVALID_VALUE,
            f"block {name!r}: `{key}` are keys of a whole config; write `ignore:` too",
            raw.key_locations[key],
        )
        for key, written in (("aliases", aliases), ("nulls", nulls))
        if written and values.get("ignore") is None
    ]
    return problems


def _stated_size(value: Any, at: Location, context: Any) -> int | str:
    """`output:` as written: read at each use, with the use's params."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return value
    raise Invalid("must be a size of at least 1 or an expression over the params")


def _params(value: Any, at: Location, context: Any) -> tuple[Param, ...]:
    if isinstance(value, YamlSequence):
        declared = [Param(param, REQUIRED_PARAM, value.location_of(i)) for i, param in enumerate(value)]
    elif isinstance(value, YamlMapping):
        declared = [Param(param, default, value.key_locations[param]) for param, default in value.items()]
    else:
        raise Invalid("must be a list or a mapping")
    for param in declared:
        check_identifier(param.name, param.location, "param")
    return tuple(declared)


def _conditions(value: Any, at: Location, context: Any) -> tuple[tuple[str, Location], ...]:
    if isinstance(value, str):
        return ((value, at),)
    if not isinstance(value, YamlSequence) or not all(isinstance(condition, str) for condition in value):
        raise Invalid("must be a list of conditions")
    return tuple((condition, value.location_of(i)) for i, condition in enumerate(value))


def _aliases(value: Any, at: Location, context: Any) -> dict[str, str]:
    if not isinstance(value, YamlMapping) or not all(isinstance(name, str) for name in (*value, *value.values())):
        raise Invalid("must be a mapping of key names to param names")
    return dict(value)


def _null_meanings(value: Any, at: Location, context: Any) -> dict[str, Any]:
    if not isinstance(value, YamlMapping) or not all(isinstance(name, str) for name in value):
        raise Invalid("must be a mapping of param names to what a null means")
    if any(meaning is None for meaning in value.values()):
        raise Invalid("must give each param the value its null means, not null")
    return dict(value)


def _ignored_keys(value: Any, at: Location, context: Any) -> frozenset[str]:
    """Key names; an item may be a list itself (an alias of another block's list, and more)."""
    if not isinstance(value, YamlSequence):
        raise Invalid("must be a list of key names")
    keys = [key for item in value for key in (item if isinstance(item, YamlSequence) else [item])]
    if not all(isinstance(key, str) for key in keys):
        raise Invalid("must be a list of key names")
    return frozenset(keys)


def _replaced_blocks(value: Any, at: Location, context: Any) -> YamlMapping:
    if not isinstance(value, YamlMapping) or not all(isinstance(item, (str, YamlMapping)) for item in value.values()):
        raise Invalid("must map block names to a block's name or a block definition")
    return value


def _node(value: Any, at: Location, context: Any) -> Any:
    if value is None:
        raise Invalid("is empty")
    return value


# The JSON Schema of what schema.py defines from the catalogue: a model node, and a var's value.
NODE_SCHEMA = {"$ref": "#/$defs/node"}
VALUE_SCHEMA = {"$ref": "#/$defs/value"}
IDENTIFIER_SCHEMA = {"$ref": "#/$defs/identifier"}
NODE = Kind("a layer name, a list of nodes, or a mapping with one kind", NODE_SCHEMA, _node)


# ------------------------------------------------------------ a node's modifiers and the control kinds
# counting.py reads each modifier with read_key when it gets to it (a node's `when` decides whether its
# `repeat` is read at all), with the scope's names as the context; schema.py describes them from these tables.
def _whole_count(what: str, minimum: int = 0) -> Callable[[Any, Location, Any], int]:
    def read(value: Any, at: Location, env: Any) -> int:
        from .binding import as_int, evaluate_text  # binding builds on this module

        if isinstance(value, str):
            value = evaluate_text(value, env, at, what)
        return as_int(value, what, at, minimum=minimum)

    return read


def _condition(what: str) -> Callable[[Any, Location, Any], bool]:
    def read(value: Any, at: Location, env: Any) -> bool:
        from .binding import describe, evaluate_text

        if isinstance(value, str):
            value = evaluate_text(value, env, at, what)
        if not isinstance(value, bool):
            raise Invalid(f"must be true or false, not {describe(value)}")
        return value

    return read


def _frozen(value: Any, at: Location, env: Any) -> bool | frozenset[str]:
    """true, false or an expression; or the names of the parameters to freeze."""
    if not isinstance(value, YamlSequence):
        return _condition("frozen")(value, at, env)
    if not all(isinstance(item, str) for item in value):
        raise Invalid("takes true, false or a list of parameter names")
    return frozenset(value)


def _parametrization(value: Any, at: Location, env: Any) -> tuple[str, Any, Location]:
    """`weight_norm`, or `{spectral_norm: {dim: 1}}`: (which, its options as written, where they are)."""
    if isinstance(value, str) and value in PARAMETRIZATIONS:
        return value, None, at
    if isinstance(value, YamlMapping) and len(value) == 1 and next(iter(value)) in PARAMETRIZATIONS:
        kind = next(iter(value))
        return kind, value[kind], value.location_of(kind)
    raise Invalid("takes weight_norm or spectral_norm, alone or with its options ({weight_norm: {dim: 1}})")


def _node_list(words: str, at_least: int) -> Kind:
    def read(value: Any, at: Location, env: Any) -> Any:
        if not isinstance(value, YamlSequence) or len(value) < at_least:
            raise Invalid(f"takes {words}")
        return value

    schema = {"type": "array", "items": NODE_SCHEMA, **({"minItems": at_least} if at_least else {})}
    return Kind(words, schema, read)


COUNT = Kind(
    "a whole number of at least 0 or an expression",
    {"type": ["integer", "string"], "minimum": 0},
    _whole_count("repeat"),
)
NAME = typed("a string", {"type": "string"}, lambda value: isinstance(value, str), nullable=True)
INDEXED_REPEAT = Table(
    "repeat",
    keys=(
        Key(
            "times",
            COUNT._replace(read=_whole_count("repeat times")),
            "How many copies, each of which reads its index.",
        ),
        Key(
            "over",
            Kind("a list of rows, or a var that holds one", {"type": ["array", "string"], "items": {"type": "object"}}),
            "A stage table: one copy per row, which reads the row's keys as names.",
        ),
        Key(
            "index",
            pattern(IDENTIFIER_PATTERN, "an identifier (letters, digits, _)"),
            "The name each copy reads its index by.",
            rule=rules.INVALID_NAME,
        ),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.INVALID_VALUE,
    at_least_one=("times", "over"),
)
ROUTED = Table(
    "routed",
    keys=(
        Key(
            "experts",
            COUNT._replace(read=_whole_count("routed experts", minimum=1)),
            "How many experts of one size the node holds.",
            required=True,
        ),
        Key(
            "per_token", COUNT._replace(read=_whole_count("routed per_token")), "How many a token uses.", required=True
        ),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.INVALID_VALUE,
)
NODE_MODIFIERS = Table(
    "node",
    keys=(
        Key(
            "repeat",
            COUNT._replace(table=INDEXED_REPEAT),
            "The node this many times in sequence (0 removes it): a count or expression, or {times: N, "
            "index: i} / {over: [rows], index: i} for copies reading their index or row.",
            default=1,
        ),
        Key("name", NAME, "A label for the breakdown, and the name `tie` refers to."),
        Key(
            "tie",
            Kind("the name of an earlier node", {"type": "string"}),
            "Share parameters with the earlier node of this name.",
        ),
        Key(
            "frozen",
            Kind(
                "true, false, an expression or a list of parameter names",
                {"type": ["boolean", "string", "array"], "items": {"type": "string"}},
                _frozen,
            ),
            "Count the node in the total but not as trainable; true, false, an expression, or a list "
            "of parameter names (bias, or a path inside the node).",
            default=False,
        ),
        Key(
            "when",
            Kind("true, false or an expression", {"type": ["boolean", "string"]}, _condition("when")),
            "The node is part of the model only when this condition holds.",
            default=True,
        ),
        Key(
            "routed",
            mapping_of(ROUTED, "{experts: E, per_token: K}"),
            "The node holds this many experts of one size; a router gives each token `per_token` of them.",
        ),
        Key(
            "parametrize",
            Kind(
                "weight_norm or spectral_norm, alone or with its options ({weight_norm: {dim: 1}})",
                {
                    "anyOf": [
                        {"enum": list(PARAMETRIZATIONS)},
                        {
                            "type": "object",
                            "properties": {kind: {"type": ["object", "null"]} for kind in PARAMETRIZATIONS},
                            "minProperties": 1,
                            "maxProperties": 1,
                        },
                    ]
                },
                _parametrization,
            ),
            "torch.nn.utils.parametrizations on one of the layer's parameters: weight_norm or spectral_norm, "
            "alone or with torch's options ({weight_norm: {name: weight, dim: 0}}).",
        ),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.INVALID_NODE,
    label="`{key}`",
)
CONTROL = Table(
    "node",
    keys=(
        Key("sequential", _node_list("a list of nodes", 0), "Nodes in sequence, as in nn.Sequential."),
        Key(
            "parallel",
            _node_list("a list of branches", 1),
            "Branches that take the same input; their outputs must have the same size.",
        ),
        Key(
            "concat",
            _node_list("a list of branches", 1),
            "Branches that take the same input, concatenated: their output sizes add up.",
        ),
        Key(
            "from",
            Kind("the name of an earlier node", {"type": "string"}),
            "No parameters: the output of the earlier node of this name.",
        ),
    ),
    rule=rules.INVALID_NODE,
    unknown=rules.INVALID_NODE,
    label="`{key}`",
)
MODIFIERS = tuple(key.name for key in NODE_MODIFIERS.keys)
CONTROL_KINDS = tuple(key.name for key in CONTROL.keys)
BLOCK = Table(
    "block",
    keys=(
        Key(
            "params",
            Kind(
                "a list of names or a mapping of names to defaults",
                {
                    "type": ["array", "object"],
                    "items": IDENTIFIER_SCHEMA,
                    "propertyNames": IDENTIFIER_SCHEMA,
                    "additionalProperties": VALUE_SCHEMA,
                },
                _params,
                nullable=True,
            ),
            "The block's params: a list of names (all required), or names mapped to defaults (null: "
            "required); a default may use the params before it.",
            default=(),
        ),
        Key("body", NODE, "The block's model; it sees its params and the spec's vars."),
        Key(
            "extends",
            pattern(PRESET_NAME_PATTERN, "a preset, FILE.BLOCK or a block above this one"),
            "A block to start from (its params, body and requirements); `params` adds params or new "
            "defaults, `blocks` replaces blocks its body uses.",
        ),
        Key(
            "blocks",
            Kind(
                "a mapping of block names to blocks or block definitions",
                {"type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/block"}]}},
                _replaced_blocks,
            ),
            "With `extends`: the blocks of its file to replace, each by a block's name or a definition.",
        ),
        Key(
            "require",
            Kind(
                "a list of conditions",
                {"type": ["array", "string"], "items": {"type": "string"}},
                _conditions,
                nullable=True,
            ),
            "Conditions over the params that every use must meet.",
            default=(),
        ),
        Key(
            "ignore",
            Kind(
                "a list of key names",
                {
                    "type": "array",
                    "items": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                },
                _ignored_keys,
            ),
            "Keys the block takes and ignores, holding no parameters (rms_norm_eps). With it, the block "
            "takes a whole config: another unknown key is a warning, not an error.",
        ),
        Key(
            "aliases",
            Kind(
                "a mapping of key names to param names",
                {"type": "object", "propertyNames": IDENTIFIER_SCHEMA, "additionalProperties": IDENTIFIER_SCHEMA},
                _aliases,
            ),
            "With `ignore`: other keys that set a param (transformers' attribute_map); written, one wins "
            "over the param's key.",
        ),
        Key(
            "nulls",
            Kind(
                "a mapping of params to values",
                {"type": "object"},  # each key is checked against the params, each value read as a default is
                _null_meanings,
            ),
            "With `ignore`: params a config may write as null, and what null means for each.",
        ),
        Key(
            "output",
            Kind("a size of at least 1 or an expression", {"type": ["integer", "string"], "minimum": 1}, _stated_size),
            "The size the block hands on, for a body that lists parts, not a data path: it is counted "
            "without the running size (`in`).",
        ),
        Key(
            "text",
            Kind("a list of param names", {"type": "array", "items": {"type": "string"}}, _ignored_keys),
            "Params whose values are text, taken as written (feed_forward_proj: gated-gelu); expressions "
            "compare them or test them with startswith().",
            default=frozenset(),
        ),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.UNKNOWN_KEY,
    label="`{key}` of {name}",
    description="A named, parameterized piece of model, used like a layer.",
    at_least_one=("body", "extends"),
)


def node_kinds(node: Any, location: Location) -> Iterator[tuple[Any, Location]]:
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
    done: set[str] = set()
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


def _torch_target(
    values: dict[str, Any], mapping: YamlMapping, variables: dict[str, Any] | None
) -> TorchTarget | HydraTarget:
    """The user's own module, for `--torch`; its args are spec values (vars and expressions work)."""
    if values["hydra"] is not None:
        if "target" in mapping:
            raise SpecError(rules.INVALID_TORCH_KEY, "torch takes `target` or `hydra`, not both", mapping.location)
        return values["hydra"]  # type: ignore[no-any-return]
    module, attribute = values["target"].split(":")
    return TorchTarget(
        module=module,
        attribute=attribute,
        args=tuple(_python_value(value, variables or {}) for value in values["args"]),
        kwargs={key: _python_value(value, variables or {}) for key, value in values["kwargs"].items()},
        location=mapping.location_of("target"),
    )


def _keywords(value: Any, at: Location, context: Any) -> Any:
    if not isinstance(value, YamlMapping) or not all(isinstance(key, str) for key in value):
        raise Invalid("must map argument names to values")
    return value


def _hydra_target(values: dict[str, Any], mapping: YamlMapping, variables: Any) -> HydraTarget:
    return HydraTarget(
        config_dir=values["config_dir"],
        config_name=values["config_name"],
        overrides=tuple(values["overrides"]),
        node=values["node"],
        location=mapping.location,
    )


HYDRA_TARGET = Table(
    "torch.hydra",
    keys=(
        Key("config_dir", TEXT, "The folder of the Hydra configs, relative to this spec's folder.", required=True),
        Key("config_name", TEXT, "The primary config, without .yaml (train).", required=True),
        Key("overrides", STRINGS, "Hydra overrides, as on the command line (experiment=example).", default=()),
        Key(
            "node",
            pattern(r"([A-Za-z_]\w*(\.\w+)*)?", "a dotted key (model.net)"),
            "The node of the composed config that builds the model (model.net); the whole config by default.",
            default="",
        ),
    ),
    rule=rules.INVALID_TORCH_KEY,
    unknown=rules.INVALID_TORCH_KEY,
    description="A node of a Hydra config, composed with its defaults list and overrides, that `--torch` builds.",
    build=_hydra_target,
)

TORCH = Table(
    "torch",
    keys=(
        Key(
            "target",
            pattern(TORCH_TARGET_PATTERN, '"package.module:callable"'),
            "package.module:callable; the callable may be dotted (models.gpt:GPT.from_config).",
        ),
        Key(
            "hydra",
            mapping_of(HYDRA_TARGET, "a mapping with `config_dir`, `config_name`, `overrides` and `node`"),
            "Instead of `target`: a node of a Hydra config, which `--torch` composes and builds with Hydra.",
        ),
        Key(
            "args",
            typed("a list", {"type": "array"}, lambda value: isinstance(value, list), nullable=True),
            "Positional arguments: values, vars, expressions.",
            default=(),
        ),
        Key(
            "kwargs",
            Kind("a mapping of argument names to values", {"type": "object"}, _keywords, nullable=True),
            "Keyword arguments: values, vars, expressions.",
            default={},
        ),
    ),
    rule=rules.INVALID_TORCH_KEY,
    unknown=rules.INVALID_TORCH_KEY,
    at_least_one=("target", "hydra"),
    description="Your own module, which `--torch` builds to confirm the count.",
    build=_torch_target,
)


def _mapping_or_null(words: str, schema: dict[str, Any]) -> Kind:
    """A mapping read later, by its own parser (vars, blocks): the table checks only that it is one."""
    return typed(words, {"type": "object", **schema}, lambda value: isinstance(value, YamlMapping), nullable=True)


HF_IMPORT = Table(
    "model",
    keys=(
        Key(
            "hf_config",
            typed(
                "the path of a config.json",
                {"type": "string"},
                lambda value: isinstance(value, str) and value.endswith(".json") and "\0" not in value,
            ),
            "A config.json, relative to this file.",
            required=True,
        ),
        Key(
            "set",
            _mapping_or_null("a mapping of config keys to values", {}),
            "Config keys set otherwise, as vars.",
        ),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.UNKNOWN_KEY,
    # The import itself is read before the table (import_config): its keys are vars that the table's keys see.
    build=lambda values, mapping, context: mapping,
)
MODEL = Kind(f"{NODE.words}, or a mapping with `hf_config`", NODE_SCHEMA, _node, table=HF_IMPORT, table_key="hf_config")


def _input_size(value: Any, at: Location, variables: Any) -> int:
    """`input: 3`: the size the model's first layer sees, so that it may leave its own out."""
    try:
        number = evaluate(value, variables or {}) if isinstance(value, str) else value
    except ExpressionError as error:
        raise Invalid(f"cannot compute {value!r}: {error}") from None
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise Invalid("must be a size of at least 1")
    return number


TOP_LEVEL = Table(
    "top-level",
    keys=(
        Key(
            "name",
            typed(
                "a string",
                {"type": ["string", "integer"]},
                lambda value: isinstance(value, (str, int)) and not isinstance(value, bool),
            ),
            "The spec's name in reports; by default the file name without its extension.",
        ),
        Key(
            "input",
            Kind(
                "a size of at least 1, or an expression",
                {"type": ["integer", "string"], "minimum": 1},
                _input_size,
                nullable=True,
            ),
            "The model's input size (channels or features): its first layer may leave its own out.",
        ),
        Key(
            "vars",
            _mapping_or_null(
                "a mapping of names to values",
                {"propertyNames": IDENTIFIER_SCHEMA, "additionalProperties": VALUE_SCHEMA},
            ),
            "Named values: numbers, expressions, layers, any value.",
        ),
        Key(
            "blocks",
            _mapping_or_null(
                "a mapping of block names to definitions",
                {
                    # The names of built-in layers and of `sequential` and `parallel` are taken.
                    "propertyNames": {"allOf": [IDENTIFIER_SCHEMA], "not": {"$ref": "#/$defs/taken-names"}},
                    "additionalProperties": {"$ref": "#/$defs/block"},
                },
            ),
            "Named, parameterized pieces of model, used like layers.",
        ),
        Key(
            "model",
            MODEL,
            "The model: a layer, a list of nodes, a mapping with one kind, or `hf_config`.",
            required=True,
            rule=rules.MISSING_MODEL,
        ),
        Key(
            "budget",
            BUDGET,
            "The parameter budget: a maximum (125M, <= 125M), a target with a tolerance (552 ± 2%), or a mapping "
            "of min, max, target, tolerance, trainable and memory.",
            rule=rules.INVALID_BUDGET,
        ),
        Key("match", MATCH, "Keep the count of a reference by solving for one var.", rule=rules.INVALID_MATCH),
        Key(
            "lora",
            LORA,
            "A LoRA adapter on the model.",
        ),
        Key(
            "torch",
            mapping_of(TORCH, "a mapping with `target`, `args` and `kwargs`, or with `hydra`"),
            "Your own module, which `--torch` builds to confirm the count.",
            rule=rules.INVALID_TORCH_KEY,
        ),
        Key(
            "dtype",
            choice(DTYPE_BITS),
            f"The dtype of the parameters, for memory budgets; {DEFAULT_DTYPE} by default.",
            default=DEFAULT_DTYPE,
        ),
    ),
    rule=rules.INVALID_VALUE,
    unknown=rules.UNKNOWN_KEY,
    label="`{key}`",
    own_prefix="x-",
    unknown_hint="; keys of your own start with `x-`",
    description="A model written the way torch.nn builds it, and the parameter budget it must keep.",
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
    """The same spec with some vars written otherwise (the vars after them follow); the keys of an
    imported config are written under `set:`."""
    raw, model = spec.document.get("vars"), spec.document["model"]
    variables = raw if isinstance(raw, YamlMapping) else YamlMapping(spec.document.location)
    written_vars = {name: value for name, value in overrides.items() if name in variables}
    settings = {
        name: value
        for name, value in overrides.items()
        if name not in written_vars and spec.hf_config is not None and name in spec.vars
    }
    unknown = [name for name in overrides if name not in written_vars and name not in settings]
    if unknown:
        raise SpecError(
            rules.INVALID_VALUE, f"{unknown[0]!r} is not a var of this spec", spec.document.location_of("vars")
        )
    if not overrides:
        return spec
    document = spec.document
    if written_vars:
        document = document.replaced({"vars": variables.replaced(written_vars)})
    if settings:
        document = document.replaced({"model": model.replaced({"set": _set_first(model, settings)})})
    config = spec.hf_config
    changed, findings = parse_spec(
        document, spec.file, spec.name, spec.tolerance, None if config is None else lambda path, at: config
    )
    if changed is None:
        raise SpecError(findings[0].rule, findings[0].message, findings[0].location)
    return changed


def _set_first(model: YamlMapping, values: dict[str, Any]) -> YamlMapping:
    """`set:` with these keys set: new ones first, where the keys below them see them, as --fix writes them."""
    written: YamlMapping = model["set"] if isinstance(model.get("set"), YamlMapping) else YamlMapping(model.location)
    where = model.location_of("hf_config")
    new = {key: values[key] for key in values if key not in written}
    changed = located_mapping(
        {**new, **written, **values}, written.location, {**dict.fromkeys(new, where), **written.key_locations}
    )
    changed.value_locations.update(written.value_locations)
    return changed


def location_of_var(spec: Spec, name: str) -> Location:
    """Where `vars: {name: ...}` was written (for findings and --fix); for a key of an imported
    config, where `set:` sets it, else the config's path."""
    raw, model = spec.document.get("vars"), spec.document["model"]
    if spec.hf_config is not None and not (isinstance(raw, YamlMapping) and name in raw):
        written = model.get("set")
        return (
            written.location_of(name)
            if isinstance(written, YamlMapping) and name in written
            else model.location_of("hf_config")
        )
    return location_in(raw, name, spec.document.location_of("vars"))
