"""Foreign formats: model definitions that other libraries own, read as specs.

Each format says which file names folder discovery should look at, how it
recognises one of its files from the name and text, and how it turns the
file into specs (the same Spec a YAML spec parses into, so that counting,
budgets, show and match work unchanged). A file cannot carry a budget of its
own: it comes from `[tool.budget-check.budgets]` in pyproject.toml.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import rules
from ..findings import Finding
from ..language.budgets import Budget
from ..language.loader import LoadError, Location, YamlMapping, load_documents, located, located_mapping
from ..language.spec import Block, Spec
from ..language.units import DEFAULT_DTYPE


@dataclass(frozen=True)
class Imported:
    """One model read from a foreign file: a spec to count, or the findings that stop it."""

    name: str
    location: Location
    spec: Spec | None = None
    findings: list[Finding] = field(default_factory=list)
    fused: Callable[[], int] | None = None  # counts the model after its format's inference-time fusing, if any
    torch_job: dict[str, Any] | None = (
        None  # what --torch's worker builds to count the model with the format's own library
    )
    budget: Budget | None = None  # the configured budget, for a model only --torch can count


def single_document(text: str, name: str) -> tuple[Any, list[Imported]]:
    """The value of a foreign file's only document (None when it holds none or several), or, when the
    text is not YAML, the model `name` with the finding that says why."""
    try:
        documents = [document.value for document in load_documents(text)]
    except LoadError as error:
        return None, [Imported(name, error.location, findings=[Finding(error.rule, error.message, error.location)])]
    return (documents[0] if len(documents) == 1 else None), []


def json_object(text: str, name: str) -> tuple[Any, list[Imported]]:
    """A JSON file's value, or, when the text is not JSON, the model `name` with the finding at the place the
    parser stopped."""
    try:
        return json.loads(text), []
    except json.JSONDecodeError as error:
        where = Location(error.lineno, error.colno)
        return None, [
            Imported(name, where, findings=[Finding(rules.INVALID_CONFIG, f"not valid JSON: {error.msg}", where)])
        ]


def located_json(raw: dict[str, Any], text: str) -> YamlMapping:
    """A JSON object as a loaded mapping: each top-level key stands where it is first written."""
    places = {key: _key_location(text, key) for key in raw}
    return located_mapping({key: located(value, places[key]) for key, value in raw.items()}, Location(1, 1), places)


def _key_location(text: str, key: str) -> Location:
    """Where `"key":` is first written: a config writes its top-level keys once."""
    match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    if match is None:
        return Location(1, 1)
    line = text.count("\n", 0, match.start()) + 1
    return Location(line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1)


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


# (text, file as shown, its folder, the configured budget) -> the models in it; [] when the file is not one after all
Reader = Callable[[str, str, Path, "Budget | None"], list[Imported]]


@dataclass(frozen=True)
class Format:
    name: str
    file_names: tuple[str, ...]  # what folder discovery picks up, besides YAML specs
    recognises: Callable[[str, str], bool]  # (file name, text) -> whether this format reads it; cheap
    read: Reader


def _formats() -> tuple[Format, ...]:
    from . import hf
    from .hydra import HYDRA_FORMAT
    from .litgpt import LITGPT_FORMAT
    from .timm import TIMM_FORMAT
    from .ultralytics.importing import ULTRALYTICS_FORMAT

    return (hf.CONFIG_FORMAT, TIMM_FORMAT, ULTRALYTICS_FORMAT, HYDRA_FORMAT, LITGPT_FORMAT)


def discovered_names() -> frozenset[str]:
    """The file names folder discovery looks at besides *.yaml and *.yml."""
    return frozenset(name for f in _formats() for name in f.file_names)


def format_of(file_name: str, text: str) -> Format | None:
    """The foreign format that reads this file, if any."""
    return next((f for f in _formats() if f.recognises(file_name, text)), None)
