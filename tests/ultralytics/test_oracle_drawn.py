"""Small model files drawn from the stock modules (random wiring, repeats, channels, scales), against ultralytics.

The models are built with parse_model alone: a drawn wiring may join layers of different strides, which only a
forward pass would refuse, and counting needs none.
"""

from __future__ import annotations

import copy

import pytest

pytest.importorskip("ultralytics")

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ultralytics.nn import tasks

from checker.formats.ultralytics.building import WIDTH_SCALED, count_scale
from checker.formats.ultralytics.reading import read_model
from checker.language.loader import load_documents

from .oracle import Counts, outputs_unlike_recorded

channels = st.sampled_from([8, 16, 24, 32, 64, 96, 128])
flag = st.booleans()
# A stock module and arguments for it, after [from, repeats]: the output channels first, as in the files.
MODULES = {
    "Conv": st.tuples(channels, st.sampled_from([1, 3]), st.sampled_from([1, 2])),
    "DWConv": st.tuples(channels, st.sampled_from([1, 3])),
    "GhostConv": st.tuples(channels, st.sampled_from([1, 3])),
    "Bottleneck": st.tuples(channels, flag),
    "C1": st.tuples(channels),
    "C2": st.tuples(channels, flag),
    "C2f": st.tuples(channels, flag),
    "C3": st.tuples(channels, flag),
    "C3x": st.tuples(channels, flag),
    "C3Ghost": st.tuples(channels, flag),
    "RepC3": st.tuples(channels),
    "BottleneckCSP": st.tuples(channels, flag),
    "C3k2": st.tuples(channels, flag, st.sampled_from([0.25, 0.5])),
    "C2fCIB": st.tuples(channels, flag, flag),
    "A2C2f": st.tuples(st.sampled_from([64, 128, 256]), flag, st.sampled_from([1, 2, 4])),
    "SPP": st.tuples(channels, st.just([5, 9, 13])),
    "SPPF": st.tuples(channels, st.just(5)),
    "SPPELAN": st.tuples(channels, channels),
    "RepNCSPELAN4": st.tuples(channels, channels, channels, st.integers(1, 2)),
    "ELAN1": st.tuples(channels, channels, channels),
    "ADown": st.tuples(channels),
    "AConv": st.tuples(channels),
    "SCDown": st.tuples(channels, st.just(3), st.just(2)),
    "nn.Upsample": st.just(("None", 2, "nearest")),
    "ConvTranspose": st.tuples(channels, st.sampled_from([1, 2, 3]), st.sampled_from([1, 2]), st.just(0), flag),
    "GhostBottleneck": st.tuples(channels, st.sampled_from([1, 3]), st.sampled_from([1, 2])),
    "Focus": st.tuples(channels, st.sampled_from([1, 3])),
    "DWConvTranspose2d": st.tuples(channels, st.sampled_from([2, 4]), st.sampled_from([1, 2])),
    "Classify": st.tuples(channels),  # its class count: fewer than 2 leaves an SPP after it no hidden channels
    "Index": st.tuples(channels, st.integers(0, 2)),
    "CBLinear": st.tuples(st.lists(channels, min_size=1, max_size=3)),
    # written as built, input channels first; RepConv's k of 1 is refused by its own assertion
    "RepConv": st.tuples(channels, channels, st.sampled_from([1, 3])),
    "RepVGGDW": st.tuples(channels),
    "ResNetLayer": st.tuples(channels, channels, st.sampled_from([1, 2]), flag, st.integers(1, 2)),
    "nn.ConvTranspose2d": st.tuples(channels, st.sampled_from([2, 3]), st.sampled_from([1, 2])),
    # torch modules are given their row's arguments as they are, too few included: torch refuses those
    "nn.Linear": st.lists(channels, max_size=2).map(tuple),
    "nn.Conv2d": st.lists(st.sampled_from([3, 8, 16]), max_size=3).map(tuple),
    "nn.BatchNorm2d": st.just(()),
    "nn.Identity": st.just(()),
    "HGStem": st.tuples(channels, channels),
    "HGBlock": st.tuples(channels, channels, st.sampled_from([1, 3]), flag, flag),
    "AIFI": st.tuples(channels, st.sampled_from([1, 2, 4, 8])),
    "C2fAttn": st.tuples(channels, channels, st.sampled_from([1, 2, 4, 8]), st.sampled_from([32, 64])),
}
# Modules that require as many input channels as they output (PSA attention): see model_files.
SAME_CHANNELS = ("C2PSA", "C2fPSA", "PSA")
# The drawn modules whose first argument is their output channels, scaled by the width as those above are.
SCALED_FIRST = {name for name in MODULES if name in WIDTH_SCALED and name != "Classify"}
heads = st.sampled_from([1, 2, 4, 8])
embed = st.sampled_from([64, 128, 256, 512])
# Modules that read a list of layers, other than the heads.
JOINS = {
    "Concat": st.just((1,)),
    "CBFuse": st.tuples(st.lists(st.integers(0, 2), min_size=1, max_size=2)),
    "ImagePoolingAttn": st.tuples(st.sampled_from([32, 64]), st.sampled_from([64, 128]), heads),
}
HEADS = {
    "Detect": st.just(("nc",)),
    "Segment": st.tuples(st.just("nc"), st.sampled_from([8, 32]), channels),
    "Pose": st.tuples(st.just("nc"), st.just("kpt_shape")),
    "OBB": st.tuples(st.just("nc"), st.just(1)),
    "v10Detect": st.just(("nc",)),
    "Segment26": st.tuples(st.just("nc"), st.sampled_from([8, 32]), channels),
    "Pose26": st.tuples(st.just("nc"), st.just("kpt_shape")),
    "OBB26": st.tuples(st.just("nc"), st.just(1)),
    "WorldDetect": st.tuples(st.just("nc"), embed, flag),
    "YOLOEDetect": st.tuples(st.just("nc"), embed, st.just(True)),
    "YOLOESegment": st.tuples(st.just("nc"), st.sampled_from([8, 32]), channels, embed, st.just(True)),
    "YOLOESegment26": st.tuples(st.just("nc"), st.sampled_from([8, 32]), channels, embed, st.just(True)),
    "RTDETRDecoder": st.tuples(
        st.just("nc"),
        st.sampled_from([32, 64]),
        st.sampled_from([10, 300]),
        st.sampled_from([1, 4]),
        heads,
        st.sampled_from([1, 3]),
        st.sampled_from([32, 64]),
    ),
    "Depth": st.tuples(st.sampled_from([16, 32, 64])),
    "SemanticSegment": st.just(("nc",)),
}


@st.composite
def model_files(draw):
    rows = [[-1, 1, "Conv", [draw(channels), 3, 2]]]
    for index in range(1, draw(st.integers(2, 7))):
        if index > 1 and draw(st.integers(0, 5)) == 0:
            sources = draw(st.lists(st.integers(0, index - 1), min_size=2, max_size=3, unique=True))
            join = draw(st.sampled_from(sorted(JOINS)))
            rows.append([sources, 1, join, list(draw(JOINS[join]))])
            continue
        module = draw(st.sampled_from(sorted([*MODULES, *SAME_CHANNELS])))
        if module in SAME_CHANNELS:  # they assert their input's channels are their output's: often so here
            above = rows[-1][3][0] if rows[-1][2] in SCALED_FIRST and isinstance(rows[-1][3][0], int) else 64
            rows.append([-1, draw(st.integers(1, 4)), module, [draw(st.sampled_from([above, draw(channels)]))]])
            continue
        source = draw(st.sampled_from([-1, draw(st.integers(0, index - 1))]))
        rows.append([source, draw(st.integers(1, 4)), module, list(draw(MODULES[module]))])
    head = draw(st.sampled_from(sorted(HEADS)))
    levels = draw(st.lists(st.integers(0, len(rows) - 1), min_size=1, max_size=3, unique=True))
    rows.append([levels, 1, head, list(draw(HEADS[head]))])
    depth = draw(st.sampled_from([0.33, 0.5, 0.67, 1.0]))
    width = draw(st.sampled_from([0.25, 0.5, 0.75, 1.0, 1.25]))
    config = {
        "nc": draw(st.integers(1, 120)),
        "kpt_shape": [draw(st.integers(1, 20)), draw(st.sampled_from([2, 3]))],
        "scales": {draw(st.sampled_from("nsmlx")): [depth, width, draw(st.sampled_from([64, 256, 1024]))]},
        "backbone": rows[:-1],
        "head": rows[-1:],
    }
    return config


def _as_yaml(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_as_yaml(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_as_yaml(item) for item in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _reads_a_list(message: str, module: str) -> bool:
    return f"({module}): layer" in message and "has no channel count this module can read ([" in message


def _ultralytics(config, scale):
    config = {**copy.deepcopy(config), "scale": scale}
    try:
        sequential, _ = tasks.parse_model(config, ch=3, verbose=False)
    except Exception:  # noqa: BLE001 - any refusal: budget-check must refuse too
        return None
    model = tasks.BaseModel()
    model.model = sequential
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    with torch.no_grad():
        model.fuse(verbose=False)
    return Counts(params, trainable, sum(p.numel() for p in model.parameters()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_files())
def test_drawn_model_files(config):
    scale = next(iter(config["scales"]))
    expected = _ultralytics(config, scale)
    text = _as_yaml(config)
    model, findings = read_model(next(load_documents(text)).value)
    assert model is not None, findings
    counted, findings = count_scale(model, scale)
    if expected is None:
        assert counted is None and findings
        return
    if counted is None and all(_reads_a_list(finding.message, "nn.BatchNorm2d") for finding in findings):
        return  # refused knowingly: torch makes a BatchNorm2d over the list of channels a CBLinear records
    assert counted is not None, [finding.message for finding in findings]
    assert Counts(counted.params, counted.trainable, counted.fused) == expected
    # and what `show` prints: an nn.Upsample hands on the channels of the row its `from` reads
    assert outputs_unlike_recorded(text, "drawn.yaml", scale) == []
