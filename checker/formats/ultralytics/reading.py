"""Reading an Ultralytics model YAML: its rows and the keys that size them.

A model file is a mapping with `backbone` and `head` lists of rows
`[from, repeats, module, args]`, the class count `nc`, and either `scales`
(letter -> [depth, width, max_channels]) or `depth_multiple` and
`width_multiple`. Values are checked here; what they build is building.py's.
"""

from __future__ import annotations

import math
import re

from ... import rules
from ...findings import Finding, Location
from ...language.catalogue import LAYERS
from ...language.loader import YamlMapping, YamlSequence, location_in
from ...records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any

_ACTIVATION = r"(?:torch\.)?nn\.([A-Za-z]\w*)\(\)"  # compiled by re on first use: few files set `activation`
SECTIONS = ("backbone", "head")


class Row(NamedTuple):
    layer: int  # the layer number, counted over backbone then head
    source: Any  # `from`: a layer number (negative counts back) or a list of them
    repeats: int
    module: str
    args: tuple[Any, ...]  # plain values: YAML lists become lists
    location: Location
    module_location: Location


class Scale(NamedTuple):
    letter: str
    depth: float
    width: float
    max_channels: float
    location: Location


class ModelFile(NamedTuple):
    rows: tuple[Row, ...]
    nc: Any
    scales: tuple[Scale, ...]
    depth: float  # depth_multiple and width_multiple, used when there are no scales
    width: float
    kpt_shape: Any
    reg_max: int
    end2end: Any
    activation: Any
    scale_key: Any  # a `scale:` written in the file
    document: YamlMapping

    def scale(self, letter: str) -> Scale | None:
        return next((scale for scale in self.scales if scale.letter == letter), None)


def looks_like_ultralytics(document: Any) -> bool:
    """A mapping with a `backbone` list and a `head`: the shape of an Ultralytics model file."""
    return (
        isinstance(document, YamlMapping) and isinstance(document.get("backbone"), YamlSequence) and "head" in document
    )


def read_model(document: YamlMapping) -> tuple[ModelFile | None, list[Finding]]:
    findings: list[Finding] = []

    def invalid(key: str, message: str) -> None:
        findings.append(Finding(rules.ULTRALYTICS_INVALID_KEY, message, document.location_of(key)))

    rows = _read_rows(document, findings)
    scales = _read_scales(document, findings)
    depth, width = 1.0, 1.0
    if not scales:  # parse_model reads the two only then: beside scales, any value is left unread
        depth, width = (document.get(key, 1.0) for key in ("depth_multiple", "width_multiple"))
        for key, value in (("depth_multiple", depth), ("width_multiple", width)):
            if not _is_number(value) or value <= 0:
                invalid(key, f"`{key}` must be a positive number, not {value!r}")
    nc = document.get("nc")
    if nc is not None and not (_is_whole(nc) and nc >= 1):
        invalid("nc", f"`nc` must be a whole number of classes, not {nc!r}")
    reg_max = document.get("reg_max", 16)
    if not (_is_whole(reg_max) and reg_max >= 1):
        invalid("reg_max", f"`reg_max` must be a whole number, not {reg_max!r}")
    activation = document.get("activation") or None  # parse_model sets one only when it is truthy
    if activation is not None and not _is_parameter_free_activation(activation):
        invalid(
            "activation",
            f"`activation: {activation}` is not a parameter-free torch.nn activation such as `nn.ReLU()`; "
            "`--torch` builds it",
        )
    if any(finding.invalid for finding in findings):
        return None, findings
    model = ModelFile(
        rows=tuple(rows),
        nc=nc,
        scales=tuple(scales),
        depth=depth,
        width=width,
        kpt_shape=plain(document.get("kpt_shape", 1.0)),
        reg_max=reg_max,
        end2end=document.get("end2end"),
        activation=activation,
        scale_key=document.get("scale"),
        document=document,
    )
    return model, findings


def _read_rows(document: YamlMapping, findings: list[Finding]) -> list[Row]:
    rows: list[Row] = []
    for section in SECTIONS:
        items = document.get(section)
        if not isinstance(items, YamlSequence):
            findings.append(
                Finding(
                    rules.ULTRALYTICS_INVALID_ROW,
                    f"`{section}` must be a list of [from, repeats, module, args] rows",
                    document.location_of(section),
                )
            )
            continue
        for position, item in enumerate(items):
            where = items.location_of(position)
            problem = _row_problem(item)
            if problem:
                findings.append(Finding(rules.ULTRALYTICS_INVALID_ROW, f"{section} row {position}: {problem}", where))
                continue
            source, repeats, module, args = item
            rows.append(
                Row(
                    layer=len(rows),
                    source=plain(source),
                    repeats=repeats,
                    module=module,
                    args=tuple(plain(args)),
                    location=where,
                    module_location=location_in(item, 2, where),
                )
            )
    return rows


def _row_problem(item: Any) -> str:
    if not isinstance(item, YamlSequence) or len(item) != 4:
        return "a row is [from, repeats, module, args]"
    source, repeats, module, args = item
    if not (_is_whole(source) or (isinstance(source, YamlSequence) and source and all(map(_is_whole, source)))):
        return f"`from` must be a layer number or a list of them, not {plain(source)!r}"
    if not _is_whole(repeats) or repeats < 0:
        return f"repeats must be a whole number, not {repeats!r}"
    if not isinstance(module, str):
        return f"the module must be a name, not {module!r}"
    if not isinstance(args, YamlSequence):
        return f"the arguments must be a list, not {plain(args)!r}"
    return ""


def _read_scales(document: YamlMapping, findings: list[Finding]) -> list[Scale]:
    raw = document.get("scales")
    if raw is None:
        return []
    if not isinstance(raw, YamlMapping) or not raw:
        findings.append(
            Finding(
                rules.ULTRALYTICS_INVALID_KEY,
                "`scales` maps a scale letter to [depth, width, max_channels]",
                document.location_of("scales"),
            )
        )
        return []
    scales = []
    for letter, value in raw.items():
        where = raw.location_of(letter)
        if not (isinstance(value, YamlSequence) and len(value) == 3 and all(_is_number(v) and v > 0 for v in value)):
            findings.append(
                Finding(
                    rules.ULTRALYTICS_INVALID_KEY,
                    f"scale {letter!r} must be [depth, width, max_channels], three positive numbers",
                    where,
                )
            )
            continue
        scales.append(Scale(str(letter), value[0], value[1], value[2], where))
    return scales


def _is_parameter_free_activation(text: Any) -> bool:
    """`nn.ReLU()` and the like: Ultralytics makes one and puts it after every Conv, adding no parameters."""
    found = re.fullmatch(_ACTIVATION, text) if isinstance(text, str) else None
    layer = LAYERS.get(found.group(1)) if found else None
    return layer is not None and not layer.has_parameters


def plain(value: Any) -> Any:
    """YAML values as Ultralytics sees them: lists for sequences."""
    if isinstance(value, YamlSequence):
        return [plain(item) for item in value]
    if isinstance(value, YamlMapping):
        return {key: plain(item) for key, item in value.items()}
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
