"""An Ultralytics model file as budget-check models: one per scale it stands for.

Each scale becomes a spec whose model is the file's rows as built at that
scale (modules.yaml's blocks with the channels and repeats parse_model gives
them), so budgets, `show` and the reporters treat it as any spec. The file
may carry a `budget:`, one for every scale or one per scale letter;
Ultralytics never reads that key.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path

from ... import rules
from ...findings import Finding, SpecError
from ...language.budgets import Budget, parse_budget
from ...language.loader import YamlMapping
from ...records import TYPE_CHECKING
from .. import Imported, OtherCount, foreign_spec, single_document
from .building import build_scale, count_fused, model_node, unknown_modules
from .modules import blocks, used_in
from .naming import scale_in_name, scaled_name
from .reading import ModelFile, looks_like_ultralytics, plain, read_model

if TYPE_CHECKING:
    from typing import Any

    from ...checks.solving import WidthSolver
    from ...project.fixing import Edit


def read_file(text: str, file: str, folder: Path, configured: Budget | None) -> list[Imported]:
    stem = Path(file).stem
    document, refused = single_document(text, stem)
    if refused:
        return refused
    if not looks_like_ultralytics(document):
        return []
    model, findings = read_model(document)
    if model is not None:
        findings += unknown_modules(model)
    if model is None:
        return [Imported(stem, document.location, findings=findings)]
    if any(finding.invalid for finding in findings):  # ultralytics itself may still build it: --torch asks
        letter = scale_in_name(stem) or (model.scales[0].letter if model.scales else "")
        job = _torch_job(plain(document), letter)
        return [Imported(stem, document.location, findings=findings, torch_job=job)]
    scales, scale_findings = _scales(model, stem)
    findings += scale_findings
    try:
        budgets = _budgets(model)
    except SpecError as error:
        return [Imported(stem, document.location, findings=[*findings, error.finding])]
    if not scales:
        return [Imported(stem, document.location, findings=findings)]
    imported: list[Imported] = []
    config = plain(document)  # one copy for every scale's --torch job
    for name, letter in scales:
        built, problems = build_scale(model, letter)
        found = findings + problems if not imported else problems
        if built is None:
            imported.append(Imported(name, document.location, findings=found))
            continue
        budget = budgets.get(letter, budgets.get("", configured))
        node = model_node(built, document.location)
        spec = foreign_spec(file, name, document, node, budget, blocks=dict(blocks(used_in(node), fused=False)))
        fused = OtherCount("fused", "Fused params", partial(count_fused, built, document.location))
        job = _torch_job(config, letter)
        solver = partial(_width_solver, model, letter)
        imported.append(
            Imported(name, document.location, spec, found, other_counts=(fused,), torch_job=job, width_solver=solver)
        )
    return imported


def _width_solver(model: ModelFile, letter: str) -> WidthSolver:
    from .widths import width_solver  # the solver is loaded only when a budget fails

    return width_solver(model, letter)


def edit_file(text: str, document_number: int, values: Mapping[str, object]) -> tuple[str, list[Edit]]:
    """--fix: the scales' depths and widths named by `values` written into the file's text."""
    from ...project.fixing import FixError
    from .widths import edit_multipliers

    try:
        return edit_multipliers(text, values)
    except ValueError as error:
        raise FixError(str(error)) from None


def _torch_job(config: dict[str, Any], letter: str) -> dict[str, Any]:
    """What the torch worker needs to build the model of `config` (the file as plain values) at scale `letter`."""
    return {"kind": "ultralytics", "config": config, "scale": letter}


def read_model_text(text: str) -> ModelFile | None:
    """The model of an Ultralytics file's text, if it reads as one."""
    document, _ = single_document(text, "")
    return read_model(document)[0] if looks_like_ultralytics(document) else None


def scale_names(model: ModelFile, stem: str) -> dict[str, str]:
    """The name of the model counted for each scale letter the file stands for."""
    return {letter: name for name, letter in _scales(model, stem)[0]}


def _scales(model: ModelFile, stem: str) -> tuple[list[tuple[str, str]], list[Finding]]:
    """(name, scale letter) of each model the file stands for, as Ultralytics loads it from its path."""
    letter = scale_in_name(stem)
    findings = []
    written = model.scale_key
    if written is not None and written != letter:
        taken = letter or (model.scales[0].letter if model.scales else "")
        findings.append(
            Finding(
                rules.ULTRALYTICS_SCALE_IGNORED,
                f"`scale: {written}` is ignored when Ultralytics loads this file from its path: it takes the scale "
                f"from the file name ({taken or 'none'} here); put the letter in the name instead",
                model.document.location_of("scale"),
            )
        )
    if not model.scales:
        return [(stem, letter)], findings
    if letter:
        if model.scale(letter) is None:
            defined = ", ".join(scale.letter for scale in model.scales)
            findings.append(
                Finding(
                    rules.ULTRALYTICS_UNKNOWN_SCALE,
                    f"the name {stem!r} means scale {letter}, which `scales` does not define ({defined})",
                    model.document.location_of("scales"),
                )
            )
            return [], findings
        return [(stem, letter)], findings
    return [(scaled_name(stem, scale.letter), scale.letter) for scale in model.scales], findings


def _budgets(model: ModelFile) -> dict[str, Budget | None]:
    """The file's `budget:` by scale letter; "" holds the one for every scale."""
    document = model.document
    raw = document.get("budget")
    letters = {scale.letter for scale in model.scales}
    if isinstance(raw, YamlMapping) and raw and letters and all(key in letters for key in raw):
        return {letter: parse_budget(value, raw.location_of(letter)) for letter, value in raw.items()}
    if raw is None:
        return {}
    return {"": parse_budget(raw, document.location_of("budget"))}
