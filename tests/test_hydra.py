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
from checker.files import FILE_START
from checker.formats import Variant
from checker.language.budgets import parse_budget
from checker.project.config import ConfigError, load_config

from .test_cli import budget_check

PROJECT = Path(__file__).parent / "fixtures" / "hydra_project"


def test_a_configs_folder_checks_cleanly():
    """The model wrapper and the data module need --torch (notes), the override and the defaults files are not
    models."""
    run = budget_check(str(PROJECT / "configs"), "--format", "json")
    assert run.returncode == 0, run.stdout + run.stderr
    specs = {"/".join(Path(spec["file"]).parts[-2:]): spec for spec in json.loads(run.stdout)["specs"]}
    assert sorted(specs) == ["data/mnist.yaml", "model/mnist.yaml", "model/plain_mlp.yaml"]
    for unchecked in ("data/mnist.yaml", "model/mnist.yaml"):
        assert specs[unchecked]["status"] == "unchecked"
        assert [f["code"] for f in specs[unchecked]["findings"]] == ["BC540"]
    assert specs["model/plain_mlp.yaml"]["params"] == 204_042


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


ENCODER = """\
_target_: torch.nn.TransformerEncoder
encoder_layer:
  _target_: torch.nn.TransformerEncoderLayer
  d_model: 16
  nhead: 2
  dim_feedforward: 32
num_layers: 3
"""
NORM = "norm:\n  _target_: torch.nn.LayerNorm\n  normalized_shape: ${encoder_layer.d_model}\n"
POSITIONAL = """\
_target_: torch.nn.TransformerEncoder
_args_:
  - {_target_: torch.nn.TransformerEncoderLayer, d_model: 16, nhead: 2, dim_feedforward: 32}
  - 3
"""
IN_A_SEQUENTIAL = """\
_target_: torch.nn.Sequential
_args_:
  - _target_: torch.nn.TransformerEncoder
    encoder_layer: {_target_: torch.nn.TransformerEncoderLayer, d_model: 16, nhead: 2, dim_feedforward: 32}
    num_layers: 3
    norm: {_target_: torch.nn.LayerNorm, normalized_shape: 16}
"""
CUSTOM_ENCODER = """\
_target_: torch.nn.Transformer
d_model: 8
nhead: 2
num_decoder_layers: 1
dim_feedforward: 16
custom_encoder: {_target_: torch.nn.Linear, in_features: 8, out_features: 8}
"""


@pytest.mark.parametrize(
    ("text", "params"),
    [(ENCODER, 6_672), (ENCODER + NORM, 6_704), (POSITIONAL, 6_672), (IN_A_SEQUENTIAL, 6_704), (CUSTOM_ENCODER, 992)],
    ids=["keyword", "keyword norm", "positional", "inside a Sequential", "Transformer's custom_encoder"],
)
def test_a_target_given_as_an_argument_is_the_module_torch_takes(text, params):
    """Hydra builds a nested `_target_` first and passes the module: TransformerEncoder's layer and norm, a
    Transformer's encoder."""
    [spec] = check_text(text, "encoder.yaml").specs
    assert (spec.status, spec.params, spec.findings) == ("pass", params, ())
    assert _instantiated_count(text) == params


@pytest.mark.parametrize(
    ("nested", "says"),
    [
        ("  _target_: my_project.models.Block\n", "it builds 'my_project.models.Block'"),
        ("  TransformerEncoderLayer: {d_model: 16, nhead: 2}\n", "a mapping without `_target_`"),
    ],
    ids=["the user's class", "no target"],
)
def test_a_nested_argument_that_is_no_torch_nn_target_needs_torch(nested, says):
    text = f"_target_: torch.nn.TransformerEncoder\nnum_layers: 2\nencoder_layer:\n{nested}"
    [spec] = check_text(text, "m.yaml").specs
    assert (spec.status, [f.code for f in spec.findings]) == ("unchecked", ["BC540"])
    assert says in spec.findings[0].message and spec.findings[0].location.line == 4


def _hydra_refuses(text: str) -> None:
    pytest.importorskip("torch")
    hydra_errors = pytest.importorskip("hydra.errors")
    from omegaconf.errors import InterpolationResolutionError

    with pytest.raises((hydra_errors.InstantiationException, TypeError, InterpolationResolutionError)):
        _instantiated_count(text)


LINEAR = "_target_: torch.nn.Linear\nin_features: 3\nout_features: 4\n"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        (LINEAR + "_foo_: 1\n", "BC013", 4),
        (LINEAR + "_recursive_: 'no'\n", "BC011", 4),
        (LINEAR + "_partial_: 1\n", "BC011", 4),
    ],
    ids=["a key of the form _foo_", "_recursive_ not a flag", "_partial_ not a flag"],
)
def test_keys_hydra_does_not_read_go_to_torch_and_its_own_are_flags(text, code, line):
    """Hydra reads `_target_`, `_args_`, `_recursive_`, `_convert_` and `_partial_`: any other key is an argument."""
    [spec] = check_text(text, "m.yaml").specs
    assert (spec.status, [(f.code, f.location.line) for f in spec.findings]) == ("error", [(code, line)])
    _hydra_refuses(text)


@pytest.mark.parametrize(
    "text",
    [ENCODER + "_recursive_: false\n", IN_A_SEQUENTIAL + "_recursive_: false\n"],
    ids=["a layer argument", "a Sequential's items"],
)
def test_a_tree_hydra_does_not_build_recursively_needs_torch(text):
    [spec] = check_text(text, "m.yaml").specs
    assert (spec.status, [f.code for f in spec.findings]) == ("unchecked", ["BC540"])
    assert "`_recursive_: false` hands" in spec.findings[0].message
    assert spec.findings[0].location.line == text.count("\n")
    _hydra_refuses(text)


def test_recursive_false_where_nothing_is_nested_is_counted():
    text = LINEAR + "_recursive_: false\n"
    [spec] = check_text(text, "m.yaml").specs
    assert spec.params == _instantiated_count(text) == 16


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("torch.nn.modules.conv.Linear", "which torch may not hold (it defines Linear in linear)"),
        ("torch.nn.Parameter", "which is not a torch.nn layer"),
    ],
    ids=["another file's path", "not a module"],
)
def test_a_target_hydra_may_not_build_as_a_module_needs_torch(target, says):
    text = LINEAR.replace("torch.nn.Linear", target)
    [spec] = check_text(text, "m.yaml").specs
    assert (spec.status, [f.code for f in spec.findings]) == ("unchecked", ["BC540"])
    assert says in spec.findings[0].message


@pytest.mark.parametrize("target", ["torch.nn.Linear", "torch.nn.modules.Linear", "torch.nn.modules.linear.Linear"])
def test_the_paths_hydra_finds_a_class_at_are_counted(target):
    text = LINEAR.replace("torch.nn.Linear", target)
    [spec] = check_text(text, "m.yaml").specs
    assert spec.params == _instantiated_count(text) == 16


def test_each_module_class_is_in_the_file_torch_defines_it_in():
    """The table of files holds the catalogue's module classes, and Sequential, where torch 2.13 has them."""
    torch = pytest.importorskip("torch")
    from checker.formats.hydra import DEFINED_IN
    from checker.language.catalogue import LAYERS

    files = {name: file for file, names in DEFINED_IN.items() for name in names.split()}
    assert set(files) == set(LAYERS) - {"Parameter"} | {"Sequential"}
    for name, file in files.items():
        module_class = getattr(torch.nn.modules, name)
        assert issubclass(module_class, torch.nn.Module) and module_class.__module__ == f"torch.nn.modules.{file}"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (LINEAR.replace("3", "'3'"), "Linear in_features takes a number: Hydra passes the text '3'"),
        (LINEAR.replace("3", "3.0"), "Linear in_features must be an integer: Hydra passes the float 3.0"),
        (LINEAR.replace("3", "3e0"), "Linear in_features must be an integer: Hydra passes the float 3.0"),
        ("_target_: torch.nn.Dropout\np: '0.5'\n", "Dropout p takes a number: Hydra passes the text '0.5'"),
        (
            "_target_: torch.nn.Sequential\n_args_:\n  - {_target_: torch.nn.Linear, in_features: 3, out_features: 4}\n"
            "  - {_target_: torch.nn.Linear, out_features: 5}\n",
            "Linear needs `in_features`: torch gives it no running size",
        ),
    ],
    ids=["text for an integer", "a float for an integer", "an exponent", "text for a float", "a missing argument"],
)
def test_arguments_torch_refuses_are_errors(text, says):
    """Hydra passes what YAML typed; a spec would read text as an expression, 3.0 as 3, and a missing input size
    as the running one."""
    [spec] = check_text(text, "m.yaml").specs
    assert (spec.status, len(spec.findings), says in spec.findings[0].message) == ("error", 1, True)
    assert spec.findings[0].location.line == (4 if "Sequential" in text else 2)
    _hydra_refuses(text)


def test_text_for_a_flag_is_an_error_for_torch_reads_it_as_true():
    text = LINEAR + "bias: 'false'\n"
    [spec] = check_text(text, "m.yaml").specs
    assert [(f.code, f.location.line) for f in spec.findings] == [("BC011", 4)]
    assert _instantiated_count(text) == 16  # torch built the bias the text says it does not want


@pytest.mark.parametrize(
    "text",
    [
        LINEAR.replace("3", "true"),
        "_target_: torch.nn.Dropout\np: true\n",
        "_target_: torch.nn.LayerNorm\nnormalized_shape: 4\neps: 1e-5\n",
        "_target_: torch.nn.Identity\n_args_: [1, {_target_: torch.nn.Linear, in_features: 2, out_features: 2}]\n"
        "x: 3\n",
        "_target_: torch.nn.Sequential\n_args_:\n  - {_target_: torch.nn.Linear, in_features: 3, out_features: 16}\n"
        "  - {_target_: torch.nn.Transformer, nhead: 2, num_encoder_layers: 1, num_decoder_layers: 1}\n",
    ],
    ids=[
        "true as 1",
        "true as a float",
        "an exponent OmegaConf reads as a float",
        "any arguments to Identity",
        "torch's default d_model",
    ],
)
def test_arguments_as_torch_takes_them_are_counted(text):
    [spec] = check_text(text, "m.yaml").specs
    assert (spec.status, spec.params) == ("pass", _instantiated_count(text))


def _stack_config(data, indent: str) -> str:
    """A TransformerEncoder or TransformerDecoder whose layer (by keyword or in `_args_`) and norm are targets."""
    kind = data.draw(st.sampled_from(["Encoder", "Decoder"]))
    heads = data.draw(st.integers(1, 4))
    width = heads * data.draw(st.integers(1, 6))
    layer = [
        f"_target_: torch.nn.Transformer{kind}Layer",
        f"d_model: {width}",
        f"nhead: {heads}",
        f"dim_feedforward: {data.draw(st.integers(1, 24))}",
        f"bias: {str(data.draw(st.booleans())).lower()}",
    ]
    lines = [f"_target_: torch.nn.Transformer{kind}"]
    if data.draw(st.booleans()):
        lines += [f"{kind.lower()}_layer:", *(f"  {line}" for line in layer)]
    else:
        lines += ["_args_:", f"  - {layer[0]}", *(f"    {line}" for line in layer[1:])]
    lines.append(f"num_layers: {data.draw(st.integers(1, 3))}")
    norm = data.draw(st.sampled_from(["none", "LayerNorm", "Sequential"]))
    if norm == "LayerNorm":
        lines += ["norm:", "  _target_: torch.nn.LayerNorm", f"  normalized_shape: {width}"]
    elif norm == "Sequential":
        lines += ["norm:", "  _target_: torch.nn.Sequential", "  _args_:"]
        lines += [f"    - {{_target_: torch.nn.Linear, in_features: {width}, out_features: {width}}}"]
        lines += [f"    - {{_target_: torch.nn.RMSNorm, normalized_shape: {width}}}"]
    return "".join(f"{indent}{line}\n" for line in lines)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_drawn_nested_targets_count_what_hydra_builds(data):
    """Modules given as arguments, by keyword or position, at the root, as items of a Sequential, or as a
    Transformer's encoder and decoder."""
    where = data.draw(st.sampled_from(["root", "Sequential", "Transformer"]))
    if where == "root":
        text = _stack_config(data, "")
    elif where == "Transformer":
        text = "_target_: torch.nn.Transformer\nd_model: 4\nnhead: 1\ndim_feedforward: 4\n"
        for part in ("encoder", "decoder"):
            if data.draw(st.booleans()):
                text += f"custom_{part}:\n" + _stack_config(data, "  ")
    else:
        count = data.draw(st.integers(1, 3))
        items = [_stack_config(data, "    ").replace("    ", "  - ", 1) for _ in range(count)]
        text = "_target_: torch.nn.Sequential\n_args_:\n" + "".join(items)
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
        LINEAR.replace("in_features: 3", "in_features: ${in_features}"),
        ENCODER.replace("encoder_layer:", "encoder_layer: ${encoder_layer}\nunused:"),
        LINEAR.replace("in_features: 3", "in_features: ${a}\na: x${b}\nb: ${a}"),
    ],
    ids=["itself", "a node itself", "each other"],
)
def test_an_interpolation_that_refers_to_itself_is_an_error(text):
    [spec] = check_text(text, "m.yaml").specs
    assert [(f.code, f.location.line) for f in spec.findings] == [("BC011", 2)]
    assert "refers to itself: OmegaConf refuses it" in spec.findings[0].message
    _hydra_refuses(text)


def test_a_module_an_interpolation_puts_inside_itself_is_an_error():
    text = "_target_: torch.nn.TransformerEncoder\nnum_layers: 1\nencoder_layer:\n"
    text += "  {_target_: torch.nn.TransformerEncoder, num_layers: 1, encoder_layer: '${encoder_layer}'}\n"
    [spec] = check_text(text, "m.yaml").specs
    assert [f.code for f in spec.findings] == ["BC011"]
    assert "puts this module inside itself" in spec.findings[0].message
    _hydra_refuses(text)


def test_an_argument_given_both_by_position_and_by_keyword_is_an_error_as_in_torch():
    text = "_target_: torch.nn.Linear\n_args_: [3, 4]\nin_features: 5\n"
    [spec] = check_text(text, "m.yaml").specs
    [finding] = spec.findings
    assert (finding.code, finding.location.line, spec.status) == ("BC016", 3, "error")
    with pytest.raises(TypeError):  # what torch says to the same call
        torch = pytest.importorskip("torch")
        torch.nn.Linear(3, 4, in_features=5)


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


# ------------------------------------------------------------------ with --torch: Hydra builds it in the worker
TORCH_CASES = {
    # (file, name): (status, params, codes, what a finding says)
    ("configs/model/mnist.yaml", "mnist"): (
        "pass",
        67_978,
        ["BC541"],
        "MNISTLitModule, which is no torch.nn.Module: counted the module it holds in `net`",
    ),
    ("configs/model/plain_mlp.yaml", "plain_mlp"): ("pass", 204_042, [], ""),
    ("configs/data/mnist.yaml", "mnist"): (
        "unchecked",
        None,
        ["BC544"],
        "MNISTDataModule, which is no torch.nn.Module and holds none",
    ),
    # The primary config, with a budget per variant in pyproject.toml: the figures of the template.
    ("configs/config.yaml", "config:model.net"): ("pass", 67_978, ["BC541"], "Hydra builds src.models.components"),
    ("configs/config.yaml", "config:model.net[experiment=example]"): (
        "fail",
        151_498,
        ["BC541", "BC101"],
        "151,498 params is over the budget of 150,000",
    ),
    # A spec whose `torch:` names the config's node: its count is confirmed, its budget holds for the node.
    ("specs/simple_dense_net.yaml", "simple_dense_net"): ("pass", 151_498, [], ""),
    ("specs/narrower_than_the_experiment.yaml", "narrower_than_the_experiment"): (
        "fail",
        84_746,
        ["BC302"],
        "`model.net` of config.yaml with experiment=example has 151,498 params, the spec 84,746",
    ),
    ("torch_cases/honours_hydra_keys.yaml", "honours_hydra_keys"): (
        "pass",
        16 * 32 + 32 + 32 * 10 + 10,
        ["BC541"],
        "on the meta device",
    ),
    ("torch_cases/needs_real_tensors.yaml", "needs_real_tensors"): (
        "pass",
        16,
        ["BC541"],
        "ScaledLinear: 16 params (16 trainable), on the cpu device",
    ),
    ("torch_cases/over_budget.yaml", "over_budget"): (
        "fail",
        336_650,
        ["BC541", "BC101"],
        "over the budget of 100,000",
    ),
    ("torch_cases/lazy.yaml", "lazy"): ("error", None, ["BC306"], "(weight, bias): lazy modules cannot be confirmed"),
    ("torch_cases/loads_a_file.yaml", "loads_a_file"): (
        "error",
        None,
        ["BC308"],
        "torch.load: --torch builds only torch.nn modules and torch.optim classes",
    ),
    ("torch_cases/runs_a_command.yaml", "runs_a_command"): (
        "error",
        None,
        ["BC308"],
        "os.system: 'os' is not a package of this repository",
    ),
    ("torch_cases/missing_plugin.yaml", "missing_plugin"): (
        "error",
        None,
        ["BC543"],
        "Could not find 'hydra/launcher/submitit_slurm'",
    ),
    ("torch_cases/needs_lightning.yaml", "needs_lightning"): (
        "error",
        None,
        ["BC303"],
        "cannot import src.models.needs_lightning.Wrapped: ModuleNotFoundError: No module named "
        "'definitely_not_installed_lightning' (at src/models/needs_lightning.py:1 in <module>)",
    ),
}


@pytest.fixture(scope="module")
def built_with_torch():
    pytest.importorskip("torch")
    pytest.importorskip("hydra")
    run = budget_check("--torch", "--format", "json", "configs", "specs", "torch_cases", cwd=PROJECT)
    assert "Traceback" not in run.stdout + run.stderr
    assert "this must never run" not in run.stdout + run.stderr
    return run, {(spec["file"], spec["name"]): spec for spec in json.loads(run.stdout)["specs"]}


def test_hydra_builds_each_config_with_torch(built_with_torch):
    """The entry point, once over every case: a count, the budget on it, or a finding that says why not."""
    run, specs = built_with_torch
    assert run.returncode == 1  # over_budget fails, the broken cases are errors
    assert sorted(specs) == sorted(TORCH_CASES)
    for case, (status, params, codes, said) in TORCH_CASES.items():
        spec = specs[case]
        assert (spec["status"], spec["params"], [f["code"] for f in spec["findings"]]) == (status, params, codes), case
        assert said in " ".join(f["message"] for f in spec["findings"]), case


@pytest.mark.parametrize(
    "file",
    [
        file
        for (file, name), case in TORCH_CASES.items()
        if case[1] is not None and name == Path(file).stem and not file.startswith("specs/")
    ],
)
def test_what_hydra_builds_is_what_torch_counts(built_with_torch, file):
    """The oracle: the file instantiated here by Hydra, and counted by torch (through the module it holds)."""
    torch = pytest.importorskip("torch")
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    sys.path.insert(0, str(PROJECT))
    try:
        built = instantiate(OmegaConf.load(PROJECT / file))
    finally:
        sys.path.remove(str(PROJECT))
    module = built if isinstance(built, torch.nn.Module) else built.net
    assert built_with_torch[1][file, Path(file).stem]["torch_params"] == sum(p.numel() for p in module.parameters())


def _job(overrides, node="model"):
    return {
        "kind": "hydra",
        "config_dir": str(PROJECT / "configs"),
        "config_name": "config",
        "overrides": overrides,
        "node": node,
        "sys_path": [str(PROJECT)],
        "allow": [],
        "cpu_bytes": 0,
        "cpu_limit": 2**30,
    }


@pytest.fixture(scope="module")
def project_importable():
    pytest.importorskip("torch")
    pytest.importorskip("hydra")
    before = list(sys.path)
    sys.path.insert(0, str(PROJECT))  # the oracle's own instantiate imports the project's modules too
    yield
    sys.path[:] = before  # the jobs add the project to it


@pytest.mark.parametrize(("overrides", "params"), [([], 67_978), (["experiment=example"], 151_498)])
def test_the_templates_figures_through_the_compose_api(project_importable, overrides, params):
    """The net of the primary config, and with the example experiment (a defaults list that overrides it)."""
    from checker.torch.hydra_build import build_hydra

    built = build_hydra(_job(overrides))
    assert (built["params"], built["attributes"], built["device"]) == (params, ["net"], "meta")
    assert build_hydra(_job(overrides, node="model.net"))["params"] == params


@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 64), min_size=3, max_size=3),
    experiment=st.booleans(),
    node=st.sampled_from(["model", "model.net"]),
)
def test_drawn_overrides_count_what_hydra_builds(project_importable, sizes, experiment, node):
    """Overrides of the net's widths, with and without the experiment, against Hydra's own build."""
    import torch
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    from checker.torch.hydra_build import build_hydra

    overrides = ["experiment=example"] * experiment
    overrides += [f"model.net.lin{index}_size={size}" for index, size in enumerate(sizes, 1)]
    with initialize_config_dir(str(PROJECT / "configs"), version_base=None), torch.device("meta"):
        net = instantiate(compose("config", overrides=overrides).model).net
    assert build_hydra(_job(overrides, node))["params"] == sum(p.numel() for p in net.parameters())


# ------------------------------------------------------------------ a budget per variant, and the spec's hydra form
def test_each_configured_variant_is_a_model():
    """Without torch, a variant composed with overrides is a note; a node of a torch.nn tree is counted."""
    mlp = PROJECT / "configs" / "model" / "plain_mlp.yaml"
    variants = (
        Variant(parse_budget("250K", FILE_START)),
        Variant(parse_budget("200K", FILE_START), node="_args_.0"),
        Variant(None, overrides=("_args_.0.out_features=8",)),
    )
    specs = check_text(mlp.read_text(), "plain_mlp.yaml", budget=variants).specs
    assert [(s.name, s.status, s.params) for s in specs] == [
        ("plain_mlp", "pass", 204_042),
        ("plain_mlp:_args_.0", "fail", 784 * 256 + 256),
        ("plain_mlp[_args_.0.out_features=8]", "unchecked", None),
    ]
    assert "it is composed with _args_.0.out_features=8" in specs[2].findings[0].message


def test_a_primary_config_is_a_model_only_where_a_variant_names_its_node():
    primary = (PROJECT / "configs" / "config.yaml").read_text()
    assert check_text(primary, "config.yaml").specs == ()
    [spec] = check_text(primary, "config.yaml", budget=(Variant(None, node="model.net"),)).specs
    assert (spec.name, spec.status, [f.code for f in spec.findings]) == ("config:model.net", "unchecked", ["BC540"])


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('[{ overrides = "experiment=example", max = "1M" }]', "overrides must be a list of Hydra overrides"),
        ('{ node = "model..net", max = "1M" }', "node must be a dotted key"),
        ('[{ node = "model" }]', "budget needs one of `min`, `max`"),
        ('["1M"]', "a list holds tables"),
    ],
)
def test_a_bad_variant_is_a_configuration_error(tmp_path, entry, problem):
    (tmp_path / "pyproject.toml").write_text(f'[tool.budget-check.budgets]\n"configs/train.yaml" = {entry}\n')
    with pytest.raises(ConfigError, match=problem):
        load_config(tmp_path)


def test_the_fixture_s_variants_are_read_in_order():
    config = load_config(PROJECT)
    variants = config.budget_for(PROJECT / "configs" / "config.yaml")
    assert [(v.overrides, v.node, v.budget.params.max) for v in variants] == [
        ((), "model.net", 70_000),
        (("experiment=example",), "model.net", 150_000),
    ]


@pytest.mark.parametrize(
    ("torch_key", "problem"),
    [
        ("{target: 'models.mlp:MLP', hydra: {config_dir: c, config_name: train}}", "`target` or `hydra`, not both"),
        ("{hydra: {config_dir: c}}", "torch.hydra needs `config_name`"),
        ("{hydra: {config_dir: c, config_name: train, node: 'a b'}}", "torch.hydra.node must be a dotted key"),
        ("{args: [1]}", "torch needs one of `target`, `hydra`"),
    ],
)
def test_the_torch_key_s_hydra_form_is_checked(torch_key, problem):
    [spec] = check_text(f"model: [Linear: {{in_features: 2, out_features: 2}}]\ntorch: {torch_key}\n", "s.yaml").specs
    assert [f.code for f in spec.findings] == ["BC300"]
    assert problem in spec.findings[0].message


def test_a_mismatch_sets_the_spec_blocks_layers_beside_the_flat_sequential():
    """The spec writes three `hidden` blocks, Hydra builds one nn.Sequential of layers: the rows pair layer by
    layer, and only the layers that the experiment widens (lin1, and so lin2's input) differ."""
    pytest.importorskip("torch")
    pytest.importorskip("hydra")
    run = budget_check("--torch", "specs/narrower_than_the_experiment.yaml", cwd=PROJECT)
    assert run.stdout.splitlines()[1:9] == [
        "    spec                 params    module",
        "    Linear               50,240    model.0 100,480   <- differs",
        "    BatchNorm1d             128    model.1 256   <- differs",
        "    Linear               16,640    model.3 33,024   <- differs",
        "    BatchNorm1d             512    model.4 512",
        "    Linear               16,448    model.6 16,448",
        "    BatchNorm1d             128    model.7 128",
        "    Linear                  650    model.9 650",
    ]


# ------------------------------------------------------------------ match: a constructor argument named by its path
PLAIN_MLP = PROJECT / "configs" / "model" / "plain_mlp.yaml"


@pytest.mark.parametrize(
    ("vary", "changes"),
    [
        ("_args_.0.out_features", {"_args_.3._args_.1": 100}),
        ("_args_.0.out_features", {"_args_.0.in_features": 300}),
        ("_args_.3._args_.0", {"_args_.0.out_features": 128}),
    ],
)
def test_the_matched_argument_is_exact(vary, changes):
    """Re-counted from the file with the values written, the match's count is the one reported, and no other
    value is closer to the file's count (the BatchNorm that interpolates the width follows it)."""
    from checker.checks.solving import solve_counts
    from checker.formats import HYDRA, path_value, single_document

    text = PLAIN_MLP.read_text()
    [spec] = check_text(text, "plain_mlp.yaml").specs
    keyed = HYDRA.read_keyed(text, "plain_mlp.yaml", PLAIN_MLP.parent)
    assert keyed is not None and keyed.width is None

    def recounted(value: int) -> int:
        return keyed.count({**changes, vary: value}).params

    solution = solve_counts(vary, path_value(single_document(text, "m")[0], vary), recounted, spec.params)
    assert solution.params == recounted(solution.value)
    # The count grows with the value: the values around the answer are the only ones that could be closer.
    around = range(max(1, solution.value - 200), solution.value + 200)
    closest = min(around, key=lambda value: (abs(recounted(value) - spec.params), value))
    assert solution.value == closest


def test_match_fix_writes_the_argument_in_place(tmp_path):
    from io import StringIO

    from checker.cli import main

    path = tmp_path / "plain_mlp.yaml"
    text = PLAIN_MLP.read_text()
    path.write_text(text)
    out = StringIO()
    code = main(["match", str(path), "--vary", "_args_.0.out_features", "--set", "_args_.3._args_.1=100", "--fix"], out)
    assert code == 0, out.getvalue()
    changed = [(a, b) for a, b in zip(text.splitlines(), path.read_text().splitlines(), strict=False) if a != b]
    assert changed == [
        ("    out_features: 256", "    out_features: 227"),
        ("    _args_: [256, 10]", "    _args_: [256, 100]"),
    ]
    [spec] = check_text(path.read_text(), "plain_mlp.yaml").specs
    assert f"gives {spec.params:,} params" in out.getvalue()
