"""The Ultralytics engine without ultralytics: parse_model's rules and the findings (tests/ultralytics holds the
oracle tests, run where ultralytics is installed)."""

from __future__ import annotations

import textwrap

import pytest

from checker.formats.ultralytics.building import count_scale, make_divisible
from checker.formats.ultralytics.reading import read_model
from checker.language.loader import load_documents


def _count(text: str, scale: str = ""):
    model, findings = read_model(next(load_documents(textwrap.dedent(text))).value)
    assert model is not None, findings
    return count_scale(model, scale)


def conv_params(c1: int, c2: int, k: int) -> int:
    """A bias-free Conv2d and its BatchNorm2d."""
    return c1 * c2 * k * k + 2 * c2


@pytest.mark.parametrize(("width", "max_channels"), [(0.25, 1024), (0.5, 32), (1.0, 1024), (1.25, 48)])
def test_output_channels_scale_with_the_width_up_to_max_channels(width, max_channels):
    counted, findings = _count(
        f"""
        nc: 3
        scales: {{n: [0.33, {width}, {max_channels}]}}
        backbone:
          - [-1, 1, Conv, [64, 3, 2]]
          - [-1, 1, Conv, [100, 1, 1]]
        head: []
        """,
        "n",
    )
    first = make_divisible(min(64, max_channels) * width)
    second = make_divisible(min(100, max_channels) * width)
    assert not findings
    assert counted.params == conv_params(3, first, 3) + conv_params(first, second, 1)
    assert counted.fused == counted.params - first - second  # each BatchNorm folds into a bias


def test_repeats_scale_with_the_depth_and_concat_adds_channels():
    counted, _ = _count(
        """
        nc: 3
        depth_multiple: 0.5
        backbone:
          - [-1, 1, Conv, [16, 3, 2]]
          - [-1, 3, Conv, [16, 3, 1]]   # round(1.5) = 2 stacked copies
          - [[0, 1], 1, Concat, [1]]
          - [-1, 1, Conv, [8, 1, 1]]
        head: []
        """
    )
    assert [row.built.repeats for row in counted.rows] == [1, 2, 1, 1]
    assert [row.params for row in counted.rows] == [
        conv_params(3, 16, 3),
        2 * conv_params(16, 16, 3),
        0,
        conv_params(32, 8, 1),
    ]


def test_every_unknown_module_is_reported_where_it_is_written():
    counted, findings = _count(
        """
        nc: 3
        backbone:
          - [-1, 1, Conv, [16, 3, 2]]
          - [-1, 1, MyFancyBlock, [16]]
        head:
          - [-1, 1, nn.NotALayer, []]
        """
    )
    assert counted is None
    assert [(f.rule.code, f.location.line) for f in findings] == [("BC520", 5), ("BC520", 7)]
    assert "MyFancyBlock" in findings[0].message


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("[[-1, 1, Conv, [16, 3, 2]], [5, 1, Conv, [8]]]", "layer 5, which does not exist"),
        ("[[-1, 1, Conv, [16, 3, 2]], [-1, 1, Concat, [1]]]", "reads a list of layers"),
        ("[[-1, 1, Conv, [wide, 3, 2]]]", "output channels"),
        ("[[-1, 1, Conv, [16, 3, 2]], [[0], 1, Detect, [nc]]]", "uses `nc`"),
        ("[[-1, 1, nn.Linear, [16]]]", "torch.nn.Linear needs out_features, which the row does not give"),
        ("[[-1, 1, nn.Conv2d, []]]", "torch.nn.Conv2d needs in_channels, out_channels, kernel_size, which"),
    ],
)
def test_rows_ultralytics_could_not_build_are_located_findings(rows, message):
    counted, findings = _count(f"backbone: {rows}\nhead: []\n")
    assert counted is None
    assert findings[0].rule.code == "BC521"
    assert message in findings[0].message


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("scales: {n: [0.5, 1.0e+308, 1024]}\nbackbone: [[-1, 1, Conv, [64, 3, 2]]]\n", "BC522", 1),
        ("backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, nn.Linear, [[1, 2]]]\n", "BC521", 3),
        ("backbone:\n  - [-1, 1, Conv, ['9999999999999999999999999999999999', 3, 2]]\n", "BC521", 2),
    ],
)
def test_hostile_values_are_located_findings(text, code, line):
    model, _ = read_model(next(load_documents(f"nc: 2\n{text}head: []\n")).value)
    counted, findings = count_scale(model, "n" if "scales" in text else "")
    assert counted is None
    assert (findings[0].code, findings[0].location.line - 1) == (code, line)
