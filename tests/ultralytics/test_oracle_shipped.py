"""Every model file ultralytics ships, at every scale: budget-check's counts are ultralytics' own."""

from __future__ import annotations

import pytest

pytest.importorskip("ultralytics")

from checker.formats.ultralytics.building import HEADS, LEVEL_READERS, build_scale, count_scale
from checker.formats.ultralytics.importing import read_file, read_model_text, scale_names
from checker.formats.ultralytics.naming import scale_in_name
from checker.formats.ultralytics.reading import read_model
from checker.language.counting import count_model
from checker.language.loader import load_documents

from .oracle import Counts, build_counts, load, shipped_files

# torchvision's backbones are outside what budget-check counts: their files must be reported, never counted wrong.
NOT_COUNTED = {"TorchVision"}


def _cases():
    for path in shipped_files():
        scales = load(path).get("scales") or {"": None}
        for scale in scales:
            yield pytest.param(path, scale, id=f"{path.stem}-{scale}" if scale else path.stem)


def _ours(path, scale):
    model, findings = read_model(next(load_documents(path.read_text(encoding="utf-8"))).value)
    assert model is not None, [finding.message for finding in findings]
    return count_scale(model, scale)


@pytest.mark.parametrize(("path", "scale"), list(_cases()))
def test_shipped_file(path, scale):
    counted, findings = _ours(path, scale)
    if counted is None:
        assert {finding.rule.name for finding in findings} == {"ultralytics-unknown-module"}
        assert {finding.message.split(": ")[1].split(" ")[0] for finding in findings} <= NOT_COUNTED
        return
    assert Counts(counted.params, counted.trainable, counted.fused) == build_counts(load(path), scale)


# Rows whose channels parse_model records are not their output: a head keeps the row before's, CBLinear a list.
NOT_OUTPUT = {*HEADS, *LEVEL_READERS, "CBLinear"}


@pytest.mark.parametrize(("path", "scale"), list(_cases()))
def test_each_row_hands_on_the_channels_parse_model_records(path, scale):
    """What `show` prints in its Output column: each block states its channels, and nn.Upsample passes them on."""
    text = path.read_text(encoding="utf-8")
    model = read_model_text(text)
    letter = scale or scale_in_name(path.stem)
    name = scale_names(model, path.stem).get(letter, path.stem)
    [imported] = [one for one in read_file(text, path.name, path.parent, None) if one.name == name]
    if imported.spec is None:  # a module budget-check does not count (test_shipped_file)
        return
    built, _ = build_scale(model, letter)
    rows = [row for row in built if row.node is not None]
    parts = count_model(imported.spec).children
    wrong = [
        (row.row.layer, row.row.module, part.output, row.channels)
        for row, part in zip(rows, parts, strict=True)
        if row.row.module not in NOT_OUTPUT and row.row.layer > 0 and part.output != row.channels
    ]
    assert wrong == []  # (layer, module, what budget-check hands on, what parse_model records)
