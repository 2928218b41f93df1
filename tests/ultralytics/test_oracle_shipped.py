"""Every model file ultralytics ships, at every scale: budget-check's counts are ultralytics' own."""

from __future__ import annotations

import pytest

pytest.importorskip("ultralytics")

from checker.formats.ultralytics.building import count_scale
from checker.formats.ultralytics.naming import scale_in_name
from checker.formats.ultralytics.reading import read_model
from checker.language.loader import load_documents

from .oracle import Counts, build_counts, load, outputs_unlike_recorded, shipped_files

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


@pytest.mark.parametrize(("path", "scale"), list(_cases()))
def test_each_row_hands_on_the_channels_parse_model_records(path, scale):
    """What `show` prints in its Output column: each block states its channels, and nn.Upsample passes them on."""
    letter = scale or scale_in_name(path.stem)
    assert outputs_unlike_recorded(path.read_text(encoding="utf-8"), path.name, letter) == []
