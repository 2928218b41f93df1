"""Built-in blocks, written in the spec language: read them in this folder's *.yaml.

Preset NAME lives in NAME.yaml, as `blocks:` whose helper blocks its body may
use. A Hugging Face family's file (llama.yaml for model_type `llama`) also
holds one block per transformers class it counts (`LlamaForCausalLM`), named
as the class is. Any block of a preset file can be used from elsewhere as
`FILE.BLOCK` (`llama.llama_layer`): families reuse each other's layers so.
A preset file loads on first use and is cached.

A run does not parse the YAML: precompiled/NAME.py holds NAME.yaml as the
located loader gives it (checker/language/precompiled.py), locations
included, so that a finding inside a preset still names its line in the
YAML. It is generated: after editing or adding a preset file, rewrite
precompiled/ with `python -m checker.language.presets` (a test fails while
it is stale).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib import import_module
from math import lcm
from pathlib import Path

from ... import rules
from ...findings import Finding
from ...records import TYPE_CHECKING
from ..binding import describe
from ..expressions import is_condition, parse
from ..loader import Location, YamlMapping, load_documents
from ..precompiled import as_python, from_json
from ..spec import Block, parse_blocks

if TYPE_CHECKING:
    from typing import Any

PRESET_FILE_PREFIX = "<preset "
# The param of each preset that sets its width: what a matched width varies.
WIDTH_PARAMS = {"mlp": "hidden_dim", "gpt2": "n_embd", "bert": "hidden_size", "llama": "hidden_size"}
# Hugging Face families: each model_type and the prefix of its class names.
HF_FAMILIES = {
    "llama": "Llama",
    "mistral": "Mistral",
    "mixtral": "Mixtral",
    "qwen2": "Qwen2",
    "qwen2_moe": "Qwen2Moe",
    "qwen3": "Qwen3",
    "qwen3_moe": "Qwen3Moe",
    "gemma": "Gemma",
    "gemma2": "Gemma2",
    "phi3": "Phi3",
    "olmo": "Olmo",
    "olmo2": "Olmo2",
    "gpt2": "GPT2",
    "gpt_neox": "GPTNeoX",
    "opt": "OPT",
    "bert": "Bert",
    "roberta": "Roberta",
    "distilbert": "DistilBert",
    "bart": "Bart",
    "whisper": "Whisper",
    "vit": "ViT",
    "clip": "CLIP",
    "t5": "T5",
}
# A matched width keeps the architecture valid: per family, the width key, the head counts that
# divide it, the key of the head size, and the step of a head size that follows the width (a rotary
# head size is even; GPT-NeoX rotates a quarter of it) rather than being set. Left out: T5 (d_kv
# sets its heads' size) and CLIP (its widths are in its towers' configs).
_ROTARY = ("llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "phi3", "olmo", "olmo2")
WIDTH_HEADS: dict[str, tuple[str, tuple[str, ...], str | None, int]] = {
    **dict.fromkeys(_ROTARY, ("hidden_size", ("num_attention_heads",), "head_dim", 2)),
    **dict.fromkeys(("qwen3", "qwen3_moe", "gemma", "gemma2"), ("hidden_size", ("num_attention_heads",), None, 1)),
    **dict.fromkeys(("opt", "bert", "roberta", "vit"), ("hidden_size", ("num_attention_heads",), None, 1)),
    "gpt_neox": ("hidden_size", ("num_attention_heads",), None, 4),
    "gpt2": ("n_embd", ("n_head",), None, 1),
    "distilbert": ("dim", ("n_heads",), None, 1),
    "bart": ("d_model", ("encoder_attention_heads", "decoder_attention_heads"), None, 1),
    "whisper": ("d_model", ("encoder_attention_heads", "decoder_attention_heads"), None, 1),
}
# A class name is its family's prefix and then one of these (BertModel, GPT2LMHeadModel).
_CLASS_SUFFIX_STARTS = ("Model", "For", "LMHead", "Text", "Vision", "Encoder")

FOLDER = Path(__file__).parent
PRECOMPILED = FOLDER / "precompiled"
_GENERATED = "Generated from checker/language/presets/{} by `python -m checker.language.presets`: do not edit."


@cache
def files() -> list[str]:
    """The preset files' names, as precompiled/ lists them (a run lists no folder)."""
    files: list[str] = import_module(f"{__name__}.precompiled").FILES
    return files


@cache
def names() -> list[str]:
    """Every preset a spec may name: one per file named as its block, and every class block."""
    found = [name for name in files() if name in _load(name)]
    for family in HF_FAMILIES:
        if family in files():
            found += [name for name in _load(family) if family_of_class(name) == family]
    return sorted(set(found))


@cache  # every layer of every spec asks (it is looked up before the torch.nn table)
def find(name: str) -> Block | None:
    """The block a spec means by `name`: a preset, a class (`BertModel`) or `FILE.BLOCK`."""
    head, dot, block = name.partition(".")
    file: str | None = head
    if not dot:
        file = name if name in files() else family_of_class(name)
        block = name
    if file is None or file not in files():
        return None
    return _load(file).get(block)


@cache  # asked for every layer name a spec uses (blocks are looked up before layers)
def family_of_class(name: str) -> str | None:
    """The model_type whose file holds class `name` (the longest prefix wins: Qwen2Moe over Qwen2)."""
    best = None
    for family, prefix in HF_FAMILIES.items():
        rest = name[len(prefix) :]
        longer = best is None or len(prefix) > len(HF_FAMILIES[best])
        if name.startswith(prefix) and rest.startswith(_CLASS_SUFFIX_STARTS) and longer:
            best = family
    return best


@cache
def _load(name: str) -> dict[str, Block]:
    document = from_json(import_module(f"{__name__}.precompiled.{name}").DOCUMENT)
    return parse_blocks(document["blocks"], document.location, {}, f"{PRESET_FILE_PREFIX}{name}>")


def precompiled_modules() -> dict[str, str]:
    """What precompiled/ holds for the preset files of this tree: each file's text, by its name."""
    names = sorted(path.stem for path in FOLDER.glob("*.yaml"))
    index = f'"""The preset files as loaded, one module each.\n\n{_GENERATED.format("*.yaml")}\n"""\n'
    modules = {"__init__.py": f"{index}\nFILES = {names!r}\n"}
    for name in names:
        document = next(load_documents((FOLDER / f"{name}.yaml").read_text(encoding="utf-8"))).value
        modules[f"{name}.py"] = f"# {_GENERATED.format(f'{name}.yaml')}\nDOCUMENT = {as_python(document)}\n"
    return modules


def config_class(config: YamlMapping) -> tuple[str | None, Location, list[Finding]]:
    """The class a Hugging Face config names (`architectures[0]`), and where; without one, its
    family's base model, with a note. None, with an error, when budget-check does not count it."""
    model_type = config.get("model_type")
    where = config.location_of("model_type")
    if model_type not in HF_FAMILIES:
        families = ", ".join(sorted(HF_FAMILIES))
        message = (
            f"model_type {model_type!r} is not a family budget-check counts (it counts {families}); "
            "--torch counts it with transformers"
        )
        return None, where, [Finding(rules.UNKNOWN_FAMILY, message, where)]
    findings = []
    architectures = config.get("architectures")
    if isinstance(architectures, list) and architectures and isinstance(architectures[0], str):
        class_name, where = architectures[0], config.location_of("architectures")
    else:
        class_name = HF_FAMILIES[model_type] + "Model"
        message = f"the config names no class in `architectures`; counted as {class_name}"
        findings.append(Finding(rules.NO_ARCHITECTURES, message, where))
    if family_of_class(class_name) != model_type or find(class_name) is None:
        classes = ", ".join(sorted(c for c in names() if family_of_class(c) == model_type))
        message = (
            f"{class_name} is not a {model_type} class budget-check counts (it counts {classes}); "
            "--torch counts it with transformers"
        )
        return None, where, [Finding(rules.UNKNOWN_CLASS, message, where)]
    return class_name, where, findings


def refused_config(
    written: Mapping[str, Any], values: Mapping[str, Any], class_name: str, location_of: Callable[[str], Location]
) -> list[Finding]:
    """What transformers refuses in a config of class `class_name`: keys of `written` (its JSON) of a type
    the class does not take, else a padding index outside its table in `values` (every key, set ones too)."""
    return _json_type_problems(written, class_name, location_of) or _padding_problems(values, class_name, location_of)


def _json_type_problems(
    config: Mapping[str, Any], class_name: str, location_of: Callable[[str], Location]
) -> list[Finding]:
    """The keys of a config.json whose JSON type transformers' typed config class refuses for the param the
    key sets: text (a config.json holds no expressions: "4096" is text) or a fraction (4096.0) where it takes
    a whole number, a number where it takes a flag, a flag where it takes a number. Judged by the param's
    default: a whole number, a flag or a list (a mapping in a config: id2label), and a text param takes
    any text."""
    block = find(class_name)
    if block is None:
        return []
    params = {param.name: param for param in block.params}
    problems = []
    for key, value in config.items():
        param = params.get(block.aliases.get(key, key))
        if param is None or param.name in block.text or value is None:  # a null is `nulls:`'s to judge
            continue
        takes = _json_types(param.default)
        if not isinstance(value, takes) or (isinstance(value, bool) and bool not in takes):
            problems.append(
                Finding(
                    rules.INVALID_VALUE,
                    f"`{key}`: {class_name}'s config takes {_JSON_TYPE_WORDS[takes]} here, not {describe(value)} "
                    "(transformers refuses it)",
                    location_of(key),
                )
            )
    return problems


_WHOLE, _FLAG, _COLLECTION = (int,), (bool,), (list, dict)
_JSON_TYPE_WORDS = {_WHOLE: "a whole number", _FLAG: "true or false", _COLLECTION: "a mapping"}


# The families whose token table takes pad_token_id as its padding index (RoBERTa's position table too),
# and the keys of those tables' rows: torch's nn.Embedding refuses an index outside [-rows, rows).
PADDED_TABLES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ["bart", "bert", "distilbert", "gemma", "gemma2", "llama", "mistral", "mixtral", "olmo", "olmo2", "opt",
         "phi3", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "whisper"],
        ("vocab_size",),
    ),
    "roberta": ("vocab_size", "max_position_embeddings"),
}  # fmt: skip


def _padding_problems(
    config: Mapping[str, Any], class_name: str, location_of: Callable[[str], Location]
) -> list[Finding]:
    """A pad_token_id that the class's padded tables cannot take as their padding index, which transformers
    refuses (torch asserts it when it builds the table); the rows are the config's, else the class's default."""
    pad = config.get("pad_token_id")
    model_type = family_of_class(class_name)
    block = find(class_name)
    if not isinstance(pad, int) or isinstance(pad, bool) or model_type is None or block is None:
        return []
    defaults = {param.name: param.default for param in block.params}
    for key in PADDED_TABLES.get(model_type, ()):
        rows = config.get(key, defaults.get(key))
        if isinstance(rows, int) and not isinstance(rows, bool) and not -rows <= pad < rows:
            message = (
                f"pad_token_id {pad} is outside the {key} of {rows} rows: transformers refuses it, as the "
                "padding index of that table"
            )
            return [Finding(rules.REQUIRE_FAILED, message, location_of("pad_token_id"))]
    return []


def _json_types(default: Any) -> tuple[type, ...]:
    """The JSON types a param with this default takes in a config.json: an expression stands for a flag
    when it is a condition (T5's is_gated_act: startswith(...)), else for a whole number."""
    if isinstance(default, bool) or (isinstance(default, str) and is_condition(parse(default))):
        return _FLAG
    if isinstance(default, (list, dict)):  # a loaded YAML list or mapping is one
        return _COLLECTION
    return _WHOLE


def width_step(model_type: Any, width: str, settings: dict[str, Any]) -> int:
    """The step between the widths a config's family accepts for key `width`: its head counts divide it,
    and where the heads' size follows the width, that size keeps its own step; 1 for any other key."""
    known = WIDTH_HEADS.get(model_type) if isinstance(model_type, str) else None
    if known is None or known[0] != width:
        return 1
    _, head_counts, head_size, head_size_step = known
    heads = [settings.get(key) for key in head_counts]
    step = lcm(*(count for count in heads if isinstance(count, int) and not isinstance(count, bool) and count > 0))
    return step if head_size is not None and settings.get(head_size) is not None else step * head_size_step
