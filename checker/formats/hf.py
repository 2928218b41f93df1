"""Hugging Face `config.json`: the class `architectures[0]` names, counted by its family's preset.

A family's classes are blocks of its preset file (checker/language/presets/),
named as transformers names them and taking the config's own keys, so that a
config.json counts exactly as the same keys pasted into the preset do.
"""

from __future__ import annotations

from pathlib import Path

from ..findings import Finding
from ..language import presets
from ..language.budgets import Budget
from ..language.loader import Location, YamlMapping, located_mapping
from ..language.spec import Spec
from ..language.units import DEFAULT_DTYPE, DTYPE_BITS
from ..records import TYPE_CHECKING
from . import Imported, foreign_spec
from .jsonfile import json_object, located_json

if TYPE_CHECKING:
    from typing import Any

FILE_START = Location(1, 1)


def read_config(text: str, file: str, folder: Path, budget: Budget | None) -> list[Imported]:
    name = Path(file).parent.name or Path(file).stem
    raw, not_json = json_object(text, name)
    if not_json or not isinstance(raw, dict) or "model_type" not in raw:
        return not_json  # not JSON; or a config.json of some other tool
    config = located_json(raw, text)
    spec, findings = config_spec(config, file, name, budget)
    return [Imported(name, FILE_START, spec, findings, torch_job=transformers_job(raw), budget=budget)]


def config_spec(config: YamlMapping, file: str, name: str, budget: Budget | None) -> tuple[Spec | None, list[Finding]]:
    """The spec that counts a config's class: its family's class block, given every key of the config."""
    class_name, where, findings = presets.config_class(config)
    if class_name is None:
        return None, findings
    refused = presets.refused_config(config, config, class_name, config.location_of)
    if refused:
        return None, findings + refused
    model = located_mapping({class_name: config}, FILE_START)
    model.key_locations[class_name] = where
    dtype = config.get("torch_dtype", config.get("dtype"))
    return foreign_spec(file, name, config, model, budget, dtype if dtype in DTYPE_BITS else DEFAULT_DTYPE), findings


def imported_config_job(spec: Spec) -> dict[str, Any] | None:
    """What the torch worker needs to build the class of the config a spec imports (`model: {hf_config: PATH,
    set: {...}}`) with transformers: the keys budget-check counts it from, `set:` applied. None for other specs,
    and for one with a `lora:` key too, whose values may be the spec's expressions: torch.nn builds those."""
    if spec.hf_config is None or spec.lora is not None:
        return None
    [arguments] = spec.model.values()
    config = _as_json(arguments)
    return transformers_job(config) if isinstance(config, dict) else None


def _as_json(value: Any) -> Any:
    """A value read from a spec as JSON would hold it, for the worker: a var's text is plain text."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return str(value) if isinstance(value, str) else value


def transformers_job(config: dict[str, Any]) -> dict[str, Any] | None:
    """What the torch worker needs to build a config's class with transformers; None without a `model_type`
    (transformers picks the config class by it)."""
    return {"kind": "transformers", "config": config} if isinstance(config.get("model_type"), str) else None
