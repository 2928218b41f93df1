"""PEFT's `adapter_config.json`: a LoRA adapter on a Hugging Face model, counted with its base.

The base model is the `config.json` beside the adapter, else the local folder
(or file) that `base_model_name_or_path` names, inside the repository. A hub
name is never downloaded: when no local config is found, that is a finding
that says what was looked for. The count is the base's plus the adapter's;
trainable is what the adapter trains (checker/language/adapters.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import rules
from ..files import Unreadable, inside_repository, read_text
from ..findings import Finding
from ..language.adapters import LORA_TABLE, built_lora
from ..language.budgets import Budget
from ..language.loader import Location, located
from ..language.validation import Problems, validate
from ..records import TYPE_CHECKING
from . import Imported
from .hf import FILE_START, config_spec, transformers_job
from .jsonfile import json_object, located_json

if TYPE_CHECKING:
    from typing import Any

BASE_KEY = "base_model_name_or_path"
BASE_FILE = "config.json"


def read_adapter(text: str, file: str, folder: Path, budget: Budget | None) -> list[Imported]:
    name = Path(file).parent.name or Path(file).stem
    raw, not_json = json_object(text, name)
    if not_json or not isinstance(raw, dict) or "peft_type" not in raw:
        return not_json  # not JSON; or a JSON file of some other tool
    config = located_json(raw, text)
    values, findings = validate(LORA_TABLE, config)
    lora = None
    try:
        lora = None if any(finding.invalid for finding in findings) else built_lora(values, config)
    except Problems as problems:
        findings += problems.findings
    where = config.key_locations.get(BASE_KEY, FILE_START)
    found = _base_config(config.get(BASE_KEY), folder, where)
    job = None if isinstance(found, Finding) else _peft_job(found[0], raw)
    if lora is None:
        return [Imported(name, FILE_START, findings=findings, torch_job=job, budget=budget)]
    if isinstance(found, Finding):
        return [Imported(name, where, findings=[*findings, found])]
    base, base_file = located(found[0], where), found[1]  # the base's findings point at where the adapter names it
    spec, base_findings = config_spec(base, file, name, budget)
    findings += [f._replace(message=f"the base model's {BASE_FILE}: {f.message}") for f in base_findings]
    if spec is None:
        return [Imported(name, where, findings=findings, torch_job=job, budget=budget)]
    return [Imported(name, FILE_START, spec._replace(lora=lora, reads=(base_file,)), findings, torch_job=job)]


def _peft_job(base: dict[str, Any], adapter: dict[str, Any]) -> dict[str, Any] | None:
    """What --torch's worker needs to build the adapter with peft on its base's class, built by transformers."""
    return None if transformers_job(base) is None else {"kind": "peft", "config": base, "adapter": adapter}


def _base_config(named: object, folder: Path, where: Location) -> tuple[dict[str, Any], str] | Finding:
    """The base model's config, read from the repository: beside the adapter, else where the adapter names it."""
    candidates = [inside_repository(folder, BASE_FILE)]
    if isinstance(named, str) and named:
        path = inside_repository(folder, named)
        candidates.append(path / BASE_FILE if path is not None and path.is_dir() else path)
    for candidate in filter(None, candidates):
        try:
            raw = json.loads(read_text(candidate))
        except (Unreadable, json.JSONDecodeError):
            continue
        if isinstance(raw, dict) and "model_type" in raw:
            return raw, str(candidate)
    looked = f"{BASE_FILE} beside it" + (f", nor {named!r} in this repository" if isinstance(named, str) else "")
    message = (
        f"the adapter's base model has no {looked}; budget-check never downloads a config: "
        f"put the base model's {BASE_FILE} beside adapter_config.json, or point {BASE_KEY} at a local folder"
    )
    return Finding(rules.ADAPTER_BASE_NOT_FOUND, message, where)
