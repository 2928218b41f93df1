"""Hydra `_target_` configs: torch.nn trees counted without torch, anything else a note, no false alarms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.checks.check import check_text

from .test_cli import budget_check

PROJECT = Path(__file__).parent / "fixtures" / "hydra_project"


def test_a_configs_folder_checks_cleanly():
    """The model wrapper needs --torch (a note), the override and the defaults files are not models."""
    run = budget_check(str(PROJECT / "configs"), "--format", "json")
    assert run.returncode == 0, run.stdout + run.stderr
    specs = {Path(spec["file"]).name: spec for spec in json.loads(run.stdout)["specs"]}
    assert sorted(specs) == ["mnist.yaml", "plain_mlp.yaml"]
    assert specs["mnist.yaml"]["status"] == "unchecked"
    assert [f["code"] for f in specs["mnist.yaml"]["findings"]] == ["BC540"]
    assert specs["plain_mlp.yaml"]["params"] == 204_042


def _instantiated_count(text: str) -> int:
    torch = pytest.importorskip("torch")
    pytest.importorskip("hydra")
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    with torch.device("meta"):
        model = instantiate(OmegaConf.create(text))
    return sum(p.numel() for p in model.parameters())


def test_the_torch_nn_tree_counts_what_hydra_builds():
    text = (PROJECT / "configs" / "model" / "plain_mlp.yaml").read_text()
    [spec] = check_text(text, "plain_mlp.yaml").specs
    assert spec.params == _instantiated_count(text)


LAYER = st.sampled_from(["Linear", "LayerNorm", "ReLU", "GELU", "Dropout"])


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_drawn_sequentials_count_what_hydra_builds(data):
    """Positional `_args_`, keywords and an interpolation, written as Hydra users write them."""
    width = first = data.draw(st.integers(1, 32))
    lines = ["_target_: torch.nn.Sequential", "_args_:", "  - _target_: torch.nn.Linear", "    in_features: 3"]
    lines.append(f"    out_features: {width}")
    for _ in range(data.draw(st.integers(0, 5))):
        kind = data.draw(LAYER)
        lines.append(f"  - _target_: torch.nn.{kind}")
        if kind == "Linear":
            out = data.draw(st.integers(1, 32))
            if data.draw(st.booleans()):
                lines.append(f"    _args_: [{width}, {out}]")
            else:
                # The first layer's width, written as an interpolation where it is still the running one.
                source = "${_args_.0.out_features}" if width == first else str(width)
                lines += [f"    in_features: {source}", f"    out_features: {out}"]
            lines.append(f"    bias: {str(data.draw(st.booleans())).lower()}")
            width = out
        elif kind == "LayerNorm":
            lines.append(f"    normalized_shape: {width}")
    text = "\n".join(lines) + "\n"
    [spec] = check_text(text, "net.yaml").specs
    assert spec.tree is not None, [f.message for f in spec.findings]
    assert spec.params == _instantiated_count(text)


def test_interpolations_into_the_same_file_are_resolved():
    text = "_target_: torch.nn.Linear\nin_features: ${width}\nout_features: 4\nwidth: 8\n"
    [spec] = check_text(text.replace("width: 8\n", ""), "m.yaml").specs
    assert spec.status == "unchecked"  # ${width} is not in the file
    nested = (
        "_target_: torch.nn.Sequential\n_args_:\n  - {_target_: torch.nn.Linear, in_features: 5, out_features: 6}\n"
    )
    nested += "  - {_target_: torch.nn.Linear, in_features: '${_args_.0.out_features}', out_features: 2}\n"
    [spec] = check_text(nested, "m.yaml").specs
    assert spec.params == 5 * 6 + 6 + 6 * 2 + 2


@pytest.mark.parametrize(
    "text",
    [
        "_target_: torch.nn.Linear\n_partial_: true\nin_features: 3\nout_features: 4\n",
        "_component_: torchtune.models.llama2.llama2_7b\n",
        "_target_: torch.nn.Sequential\n_args_: ['${oc.env:HOME}']\n",
    ],
    ids=["partial", "torchtune component", "resolver"],
)
def test_what_only_hydra_can_build_is_a_note(text):
    [spec] = check_text(text, "m.yaml").specs
    assert (spec.status, [f.code for f in spec.findings]) == ("unchecked", ["BC540"])


def test_hydra_is_not_imported_without_torch():
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "checker", str(PROJECT / "configs")],
        capture_output=True,
        text=True,
        check=False,
    )
    imported = {line.split("|")[-1].strip().split(".")[0] for line in run.stderr.splitlines() if "|" in line}
    assert not imported & {"torch", "hydra", "omegaconf"}
