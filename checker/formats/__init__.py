"""Foreign formats: model definitions that other libraries own, read as specs.

Each format says which file names folder discovery should look at, how it
recognises one of its files from the name and text (cheap marks, written here
so that a plain spec imports no reader), and which reader turns the file into
specs (the same Spec a YAML spec parses into, so that counting, budgets, show
and match work unchanged). A file cannot carry a budget of its
own: it comes from `[tool.budget-check.budgets]` in pyproject.toml.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from pathlib import Path

from .. import rules
from ..findings import Finding, SpecError
from ..language.budgets import Budget
from ..language.loader import LoadError, Location, YamlMapping, YamlSequence, load_documents
from ..language.spec import Block, Spec
from ..language.units import DEFAULT_DTYPE
from ..patterns import pattern
from ..records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any

    from ..checks.solving import WidthSolver
    from ..language.counting import Part
    from ..project.fixing import Edit


class OtherCount(NamedTuple):
    """A second count a format gives beside the total, which `show` prints and JSON carries: Ultralytics'
    count after fusing, LitGPT's count as its GPT is built before training ties the embeddings."""

    key: str  # the JSON key
    label: str  # what `show` prints before it
    counter: Callable[[], int]  # made on demand: only `show` and JSON ask (not `count`: tuples have one)


class Imported(NamedTuple):
    """One model read from a foreign file: a spec to count, or the findings that stop it."""

    name: str
    location: Location
    spec: Spec | None = None
    findings: Sequence[Finding] = ()
    other_counts: tuple[OtherCount, ...] = ()
    torch_job: dict[str, Any] | None = (
        None  # what --torch's worker builds to count the model with the format's own library
    )
    budget: Budget | None = None  # the configured budget, for a model only --torch can count
    width_solver: Callable[[], WidthSolver | None] | None = None  # a failing budget's width search, made on demand


class Variant(NamedTuple):
    """A configured budget of a Hydra config ([tool.budget-check.budgets]): the overrides the file is composed
    with and the node that builds the model, so that one file has a budget per experiment."""

    budget: Budget | None
    overrides: tuple[str, ...] = ()
    node: str = ""

    def name(self, stem: str) -> str:
        """`config:model.net[experiment=example]`: the model's name in reports."""
        node = f":{self.node}" if self.node else ""
        return f"{stem}{node}[{' '.join(self.overrides)}]" if self.overrides else stem + node


# What [tool.budget-check.budgets] gives a file: a budget, or a budget per variant of a Hydra config.
Configured = Budget | tuple[Variant, ...] | None


def plain_budget(configured: Configured) -> Budget | None:
    """The budget of the file as it is: the variant that names no overrides and no node."""
    if configured is None or isinstance(configured, Budget):
        return configured
    return next((v.budget for v in configured if not v.overrides and not v.node), None)


def single_document(text: str, name: str) -> tuple[Any, list[Imported]]:
    """The value of a foreign file's only document (None when it holds none or several), or, when the
    text is not YAML, the model `name` with the finding that says why."""
    try:
        documents = [document.value for document in load_documents(text)]
    except LoadError as error:
        return None, [Imported(name, error.location, findings=[Finding(error.rule, error.message, error.location)])]
    return (documents[0] if len(documents) == 1 else None), []


def foreign_spec(
    file: str,
    name: str,
    document: YamlMapping,
    model: Any,
    budget: Budget | None,
    dtype: str = DEFAULT_DTYPE,
    blocks: dict[str, Block] | None = None,
) -> Spec:
    """The spec a foreign file's model is counted as: no vars, the model where the document starts."""
    return Spec(
        file=file,
        name=name,
        document=document,
        vars={},
        blocks=blocks or {},
        model=model,
        model_location=document.location,
        budget=budget,
        dtype=dtype,
    )


class Keyed:
    """A foreign file whose numbers `match` may vary, each named by its dotted path in the file (`n_embd`,
    `_args_.0.out_features`): the path of its width, when the format has one, what a path holds, and the
    model counted with some of them changed (SpecError when the model refuses those values)."""

    def __init__(
        self, width: str | None, holds: Callable[[str], object], count: Callable[[Mapping[str, int]], Part]
    ) -> None:
        self.width = width
        self.holds = holds
        self.count = count


def path_value(node: Any, path: str) -> object:
    """What a dotted path (mapping keys, list indexes) holds in a loaded document; None when it holds nothing."""
    for part in path.split("."):
        if isinstance(node, YamlMapping) and part in node:
            node = node[part]
        elif isinstance(node, YamlSequence) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def with_path_values(node: Any, values: Mapping[str, object]) -> Any:
    """A loaded document with the numbers at some dotted paths changed (copies; each keeps its place)."""
    for path, value in values.items():
        node = _with_path_value(node, path.split("."), value)
    return node


def _with_path_value(node: Any, parts: list[str], value: object) -> Any:
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(node, YamlMapping) and head in node:
        return node.replaced({head: _with_path_value(node[head], rest, value)})
    if isinstance(node, YamlSequence) and head.isdigit() and int(head) < len(node):
        copy = YamlSequence(node.location)
        copy.extend(node)
        copy.item_locations = list(node.item_locations)
        copy[int(head)] = _with_path_value(node[int(head)], rest, value)
        return copy
    raise SpecError(rules.INVALID_VALUE, f"`{'.'.join(parts)}` is not written in the file", Location(1, 1))


# (text, file as shown, its folder, the configured budget) -> the models in it; [] when the file is not one after all
Reader = Callable[[str, str, Path, "Budget | None"], list[Imported]]
# (text, the YAML document's number, the values to write by var) -> the edited text and the edits: how --fix writes
Editor = Callable[[str, int, "Mapping[str, object]"], "tuple[str, list[Edit]]"]


class Format(NamedTuple):
    name: str
    pin: str  # what `# budget-check: format=PIN` calls it
    file_names: tuple[str, ...]  # what folder discovery picks up, besides YAML specs
    recognises: Callable[[str, str], bool]  # (file name, text) -> whether this format reads it; cheap
    reader: str  # "module.function" in this package: imported only when a file is recognised
    variants_reader: str = ""  # the same for a file with a budget per variant (Hydra's overrides), if it has them
    editor: str | None = None  # "module.function": how --fix writes a suggested value into one of its files
    keyed: str = ""  # "module.function": (text, file, folder) -> Keyed | None, what `match` varies in its files

    def read(self, text: str, file: str, folder: Path, budget: Budget | None) -> list[Imported]:
        read: Reader = self._function(self.reader)
        return read(text, file, folder, budget)

    def read_variants(self, text: str, file: str, folder: Path, variants: tuple[Variant, ...]) -> list[Imported]:
        read: Callable[[str, str, Path, tuple[Variant, ...]], list[Imported]] = self._function(self.variants_reader)
        return read(text, file, folder, variants)

    def edit(self, text: str, document_number: int, values: Mapping[str, object]) -> tuple[str, list[Edit]]:
        if self.editor is None:
            raise ValueError(f"--fix cannot edit a {self.name} file")
        edit: Editor = self._function(self.editor)
        return edit(text, document_number, values)

    def read_keyed(self, text: str, file: str, folder: Path) -> Keyed | None:
        read: Callable[[str, str, Path], Keyed | None] = self._function(self.keyed)
        return read(text, file, folder)

    def _function(self, name: str) -> Any:
        module, function = name.rsplit(".", 1)
        return getattr(import_module(f"{__name__}.{module}"), function)


def _yaml(file_name: str) -> bool:
    return file_name.endswith((".yaml", ".yml"))


def _line(text: str) -> Callable[[str], re.Match[str] | None]:
    """A search for a pattern that starts a line, compiled on first use (checker/patterns.py): a run asks
    only the formats it meets."""
    return lambda searched: pattern(text, re.MULTILINE).search(searched)


def _hf_config(file_name: str, text: str) -> bool:
    return file_name.endswith(".json") and '"model_type"' in text


def _peft_adapter(file_name: str, text: str) -> bool:
    return file_name.endswith(".json") and '"peft_type"' in text


def _timm_config(file_name: str, text: str) -> bool:
    return file_name.endswith(".json") and '"architecture"' in text and '"model_type"' not in text


# Top-level `backbone:` and `head:` keys, and no `model:` (a spec of the language has one).
_BACKBONE, _HEAD, _MODEL = (_line(rf"^{key}\s*:") for key in ("backbone", "head", "model"))


def _ultralytics(file_name: str, text: str) -> bool:
    return _yaml(file_name) and bool(_BACKBONE(text) and _HEAD(text)) and not _MODEL(text)


_HYDRA_MARKS = _line(r"^(?:# *@package\b|defaults *:|[ \t-]*_(?:target|component)_ *:)")


def _hydra(file_name: str, text: str) -> bool:
    return _yaml(file_name) and _HYDRA_MARKS(text) is not None


_INLINE = _line(r"^model_config *:")
_CHECKPOINT = _line(r"^n_embd *:(?s:.*)^n_layer *:|^n_layer *:(?s:.*)^n_embd *:")
_BY_NAME = _line(r"^(?:model_name|checkpoint_dir) *:")
_RUN = _line(r"^out_dir *:")  # what LitGPT's pretrain and finetune configs all have


def _litgpt(file_name: str, text: str) -> bool:
    if not _yaml(file_name):
        return False
    return bool(_INLINE(text) or _CHECKPOINT(text) or (_BY_NAME(text) and _RUN(text)))


PEFT_ADAPTER = Format("PEFT adapter", "peft", ("adapter_config.json",), _peft_adapter, "peft.read_adapter")
HF_CONFIG = Format("Hugging Face config", "hf", ("config.json",), _hf_config, "hf.read_config")
TIMM_CONFIG = Format("timm config", "timm", ("config.json",), _timm_config, "timm.read_timm_config")
ULTRALYTICS = Format(
    "Ultralytics model YAML",
    "ultralytics",
    (),
    _ultralytics,
    "ultralytics.importing.read_file",
    editor="ultralytics.importing.edit_file",
)
HYDRA = Format(
    "Hydra config",
    "hydra",
    (),
    _hydra,
    "hydra.read_hydra",
    "hydra.read_hydra_variants",
    editor="hydra.edit_hydra",
    keyed="hydra.keyed_hydra",
)
LITGPT = Format(
    "LitGPT config",
    "litgpt",
    (),
    _litgpt,
    "litgpt.read_litgpt",
    editor="litgpt.edit_litgpt",
    keyed="litgpt.keyed_litgpt",
)
FORMATS = (PEFT_ADAPTER, HF_CONFIG, TIMM_CONFIG, ULTRALYTICS, HYDRA, LITGPT)
SPEC_FORMAT = "spec"  # the pin of budget-check's own language
# A YAML file pins its format on a comment line of its own: `# budget-check: format=hydra`.
_PIN = _line(r"^# *budget-check: *format *= *(\S*)")


def discovered_names() -> frozenset[str]:
    """The file names folder discovery looks at besides *.yaml and *.yml."""
    return frozenset(name for f in FORMATS for name in f.file_names)


class Recognition(NamedTuple):
    """The formats that may read a file, in order (none: budget-check's own language), and what to say
    about the file's `# budget-check: format=...` line."""

    formats: tuple[Format, ...]
    findings: tuple[Finding, ...] = ()


class Read(NamedTuple):
    """A file's models, the format that read them, and a note when another format could have."""

    format: Format
    models: list[Imported]
    findings: tuple[Finding, ...]


def recognise(file_name: str, text: str) -> Recognition:
    """The formats a file may be: the one its `# budget-check: format=...` line pins, else every one whose
    marks it has."""
    pin = _PIN(text)
    if pin is None:
        return Recognition(tuple(f for f in FORMATS if f.recognises(file_name, text)))
    name = pin.group(1)
    if name == SPEC_FORMAT:
        return Recognition(())
    pinned = tuple(f for f in FORMATS if f.pin == name)
    if pinned:
        return Recognition(pinned)
    names = ", ".join([SPEC_FORMAT, *(f.pin for f in FORMATS)])
    message = f"format={name!r} is not a format budget-check reads ({names})"
    where = Location(text.count("\n", 0, pin.start()) + 1, 1)
    unpinned = recognise(file_name, text[: pin.start()] + text[pin.end() :])
    return Recognition(unpinned.formats, (Finding(rules.UNKNOWN_FORMAT, message, where),))


def read_foreign(formats: tuple[Format, ...], text: str, file: str, folder: Path, budget: Configured) -> Read | None:
    """The models of the first format that finds any in the file; None when none does (not a model file)."""
    for candidate in formats:
        if budget is not None and not isinstance(budget, Budget) and candidate.variants_reader:
            models = candidate.read_variants(text, file, folder, budget)
        else:
            models = candidate.read(text, file, folder, plain_budget(budget))
        if models:
            return Read(candidate, models, _ambiguity(candidate, formats) if len(formats) > 1 else ())
    return None


def _ambiguity(chosen: Format, formats: tuple[Format, ...]) -> tuple[Finding, ...]:
    names = ", ".join(f.name for f in formats)
    message = (
        f"this file has the marks of several formats ({names}): it is read as {chosen.name}; "
        f"to choose, add the line `# budget-check: format={chosen.pin}` (or another format's name)"
    )
    return (Finding(rules.AMBIGUOUS_FORMAT, message, Location(1, 1)),)
