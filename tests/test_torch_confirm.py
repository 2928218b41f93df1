"""--torch: the spec built with torch.nn, and the user's own module, must agree with the count.

The user's project lives in fixtures/torch_project: a package of models and a
spec for each, run through the real command line from that folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.checks.check import check_file, check_text
from checker.torch.confirm import TorchSettings, _confirmed

from .test_cli import budget_check

pytest.importorskip("torch")

ROOT = Path(__file__).parent.parent
PROJECT = ROOT / "tests" / "fixtures" / "torch_project"


def check_with_torch(*specs, options=()):
    run = budget_check("--torch", "--format", "json", *options, *[f"specs/{spec}.yaml" for spec in specs], cwd=PROJECT)
    assert "Traceback" not in run.stdout
    return run, {spec["name"]: spec for spec in json.loads(run.stdout)["specs"]}


def test_modules_that_agree():
    run, specs = check_with_torch("mlp", "nanogpt", "frozen", "llama-7b")
    assert run.returncode == 0, run.stdout
    assert {name: (s["params"], s["trainable"], s["torch_params"]) for name, s in specs.items()} == {
        "mlp": (552, 552, 552),
        "nanogpt": (124_475_904, 124_475_904, 124_475_904),  # tied: the shared weight counts once
        "frozen": (20_234, 650, 20_234),
        "llama-7b": (6_738_415_616, 6_738_415_616, 6_738_415_616),
    }


FAILURES = {
    spec: (code, message)
    for spec, code, message in [
        (
            "deeper",
            "BC302",
            (
                "models.mlp:MLP has 552 params, the spec 824 (the spec has +272, +49.3%): hidden ×2 in "
                "the spec (272 each) would match with ×1: the hidden count differs"
            ),
        ),
        ("frozen-differs", "BC302", "has 650 trainable params, the spec 20,234: the frozen parts differ"),
        ("broken-BuildsLater", "BC302", "if the module creates parameters outside __init__"),
        (
            "unimportable",
            "BC303",
            (
                "cannot import models.unimportable:Model: ModuleNotFoundError: No module named "
                "'definitely_not_installed_anywhere' (at models/unimportable.py:1 in <module>)"
            ),
        ),
        ("missing-attribute", "BC303", "module 'models.mlp' has no attribute 'NoSuchClass'"),
        (
            "broken-raises_in_init",
            "BC304",
            (
                "models.broken:raises_in_init raised ValueError: width must be a power "
                "of two (at models/broken.py:18 in __init__)"
            ),
        ),
        ("broken-exits", "BC304", "raised SystemExit: 3 (at models/broken.py:41 in exits)"),
        ("broken-returns_a_tensor", "BC305", "it returned Tensor, not a torch.nn.Module"),
        ("broken-Lazy", "BC306", "(body.weight, body.bias): lazy modules cannot be confirmed"),
        ("broken-dies", "BC307", "the worker died (exit status 9)"),
    ]
}


@pytest.fixture(scope="module")
def failures():
    """One run over every failing spec: each failure stays with its own spec."""
    run, specs = check_with_torch(*FAILURES)
    assert run.returncode == 1
    return specs


@pytest.mark.parametrize("spec", FAILURES)
def test_each_failure_is_a_finding_on_its_spec(failures, spec):
    code, message = FAILURES[spec]
    [finding] = failures[spec]["findings"]
    assert finding["code"] == code
    assert message in finding["message"]
    assert failures[spec]["status"] == "fail"


def test_a_crash_or_a_hang_costs_one_spec_only():
    # The timeout is long enough for a healthy build on a busy machine, far shorter than the 600 s hang.
    _run, specs = check_with_torch("broken-dies", "broken-hangs", "mlp", options=("--torch-timeout", "20"))
    assert specs["broken-dies"]["findings"][0]["code"] == "BC307"
    [finding] = specs["broken-hangs"]["findings"]  # BC307 alone: the spec's own torch.nn build was fine
    assert (finding["code"], finding["message"].endswith("no answer after 20 s")) == ("BC307", True)
    assert (specs["mlp"]["status"], specs["mlp"]["torch_params"]) == ("pass", 552)


def test_a_module_that_forks_answers_once_and_a_wrong_spec_still_fails():
    """The fork's own answer (6 params) is never taken for this spec's, nor for the next spec's."""
    _, specs = check_with_torch("hostile-forks", "deeper", "mlp")
    assert (specs["hostile-forks"]["status"], specs["hostile-forks"]["torch_params"]) == ("pass", 20)
    assert [finding["code"] for finding in specs["deeper"]["findings"]] == ["BC302"]
    assert (specs["mlp"]["status"], specs["mlp"]["torch_params"]) == ("pass", 552)


def test_a_child_that_lingers_does_not_outlive_the_run():
    """The run ends, and releases the stderr it captured, although the module left a child sleeping 600 s."""
    run, specs = check_with_torch("hostile-forks_and_lingers", "mlp")
    assert run.returncode == 0, run.stdout
    assert specs["hostile-forks_and_lingers"]["torch_params"] == 20


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("hostile-closes_descriptors_and_lingers", "closed the worker's pipe, or was killed, without answering"),
        ("hostile-scribbles", "it wrote into the worker's pipe (a frame of"),
    ],
)
def test_code_that_attacks_the_pipe_costs_its_own_spec(spec, message):
    _, specs = check_with_torch(spec, "mlp")
    [finding] = specs[spec]["findings"]
    assert finding["code"] == "BC307"
    assert message in finding["message"]
    assert (specs["mlp"]["status"], specs["mlp"]["torch_params"]) == ("pass", 552)


def test_a_monkeypatch_does_not_leak_into_the_next_spec():
    _, specs = check_with_torch("hostile-patches_torch", "mlp", "deeper")
    assert specs["hostile-patches_torch"]["status"] == "pass"
    assert (specs["mlp"]["status"], specs["mlp"]["torch_params"]) == ("pass", 552)
    assert [finding["code"] for finding in specs["deeper"]["findings"]] == ["BC302"]


def test_the_project_cannot_shadow_torch_or_budget_check():
    """A project with its own torch.py and checker/ package: the worker imports the real ones."""
    run = budget_check("--torch", "--format", "json", "specs/tiny.yaml", cwd=PROJECT / "shadowing")
    assert "was imported" not in run.stdout + run.stderr
    [spec] = json.loads(run.stdout)["specs"]
    assert (spec["status"], spec["torch_params"]) == ("pass", 20)


def test_a_billion_repeats_are_built_once_and_counted_a_billion_times():
    _, specs = check_with_torch("huge-repeat")
    assert (specs["huge-repeat"]["status"], specs["huge-repeat"]["torch_params"]) == ("pass", 20 * 10**9)


def test_the_cpu_limit_caps_the_memory_the_build_really_takes():
    """The module reserves 4 GiB on the CPU itself: over --torch-cpu-limit, whatever the spec counts."""
    _, specs = check_with_torch("hostile-allocates_4_gib", "mlp", options=("--torch-cpu-limit", "1MiB"))
    [finding] = specs["hostile-allocates_4_gib"]["findings"]
    assert finding["code"] == "BC304"
    assert "can't allocate memory" in finding["message"]
    assert specs["mlp"]["status"] == "pass"


def test_the_timeout_does_not_include_starting_the_worker():
    """Importing torch takes seconds on a cold machine; a one-second build limit is still enough for an MLP."""
    run = budget_check("--torch", "--torch-timeout", "1", "examples/specs/mlp.yaml")
    assert run.returncode == 0, run.stdout


def test_a_module_needing_real_tensors_is_built_on_the_cpu_within_the_limit():
    _, specs = check_with_torch("broken-NeedsRealTensors")
    assert specs["broken-NeedsRealTensors"]["status"] == "pass"
    _, specs = check_with_torch("broken-NeedsRealTensors", options=("--torch-cpu-limit", "100B"))
    [finding] = specs["broken-NeedsRealTensors"]["findings"]
    assert finding["code"] == "BC304"
    assert (
        "cannot be built on the meta device, and building it on the CPU would take 1.06 KiB, over the limit "
        "of 100 B" in finding["message"]
    )


def test_what_user_code_prints_goes_to_stderr():
    run, specs = check_with_torch("broken-prints_then_builds")
    assert specs["broken-prints_then_builds"]["torch_params"] == 20
    assert "hello from the user's code" in run.stderr


def test_mismatch_shows_where_spec_and_module_part():
    run = budget_check("--torch", "specs/deeper.yaml", cwd=PROJECT)
    assert run.stdout.splitlines()[1:5] == [
        "    spec               params    module",
        "    input                 144    layers.0 144",
        "    hidden ×2             544    layers.2 272   <- differs",
        "    output                136    layers.4 136",
    ]


def test_mismatch_pairs_the_parts_by_name():
    """The module's own parameters (cls_token, pos_embed) sit among its children: only the head differs."""
    run = budget_check("--torch", "specs/vit-head-differs.yaml", cwd=PROJECT)
    assert run.stdout.splitlines()[1:8] == [
        "    spec                 params    module",
        "    patch_embed             392    patch_embed 392",
        "    cls_token                 8    cls_token 8",
        "    pos_embed                40    pos_embed 40",
        "    blocks ×2               144    blocks 144",
        "    norm                     16    norm 16",
        "    head                    108    head 90   <- differs",
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("outside-os-system", "'os' is not a package of this repository"),
        ("outside-through-an-import", "it is posix.system, not the repository's own code"),
    ],
)
def test_a_target_outside_the_repository_is_refused(spec, message, tmp_path):
    _, specs = check_with_torch(spec)
    [finding] = specs[spec]["findings"]
    assert (finding["code"], message in finding["message"]) == ("BC308", True), finding["message"]
    assert not (PROJECT / "pwned").exists()


def test_a_package_named_in_torch_allow_may_be_a_target():
    """The test project's pyproject.toml allows torch: torch.nn:Linear builds."""
    _, specs = check_with_torch("allowed-torch-linear")
    assert (specs["allowed-torch-linear"]["status"], specs["allowed-torch-linear"]["torch_params"]) == ("pass", 20)


def test_text_output_says_what_torch_confirmed():
    run = budget_check("--torch", "specs/mlp.yaml", "specs/deeper.yaml", cwd=PROJECT)
    assert "mlp: 552 params, budget ≤ 600, confirmed with torch: 552: pass" in run.stdout
    assert "deeper: 824 params: fail" in run.stdout


def test_without_torch_no_user_code_runs():
    run = budget_check("specs/broken-dies.yaml", "specs/broken-exits.yaml", cwd=PROJECT)
    assert run.returncode == 0
    assert "about to die" not in run.stdout + run.stderr


def test_every_example_passes_with_torch():
    run = budget_check("--torch", "examples/specs")
    assert run.returncode == 0, run.stdout
    assert re.search(r"12 specs checked: 12 passed", run.stdout)


def test_torch_warns_nothing_when_numpy_is_missing(tmp_path):
    """pre-commit's environments often have torch without NumPy: torch's warning about it is not for the user."""
    numpy = tmp_path / "numpy"
    numpy.mkdir()
    (numpy / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'numpy'\", name='numpy')\n")
    script = shutil.which("budget-check", path=str(Path(sys.executable).parent))
    run = subprocess.run(
        [script, "--torch", "examples/specs/mlp.yaml"],
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "NumPy" not in run.stderr


def test_torch_missing_is_a_usage_error(monkeypatch, capsys):
    import importlib.util

    from checker.cli import main

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real_find_spec(name))
    assert main(["--torch", "examples/specs"]) == 2
    assert 'pip install "budget-check[torch] @ git+https://github.com/budget-check/budget-check@v0.1.0"' in (
        capsys.readouterr().err
    )
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert main(["--torch", "examples/specs"]) == 2
    assert "add it to the hook's additional_dependencies" in capsys.readouterr().err


def test_invalid_torch_key():
    from .conftest import check_spec

    spec = check_spec("model: [ReLU]\ntorch: {target: models.mlp.MLP}\n")
    assert [(f.code, f.message) for f in spec.findings] == [("BC300", 'torch.target must be "package.module:callable"')]


def torch_run(*paths, cwd=ROOT):
    """`budget-check --torch` on the paths, with a timeout for a cold machine that imports torch and transformers."""
    run = subprocess.run(
        [sys.executable, "-m", "checker", "--torch", "--no-cache", "--format", "json", *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    return {spec["name"]: spec for spec in json.loads(run.stdout)["specs"]}


TINY_BIGCODE = {  # a family budget-check does not count, that transformers builds
    "model_type": "gpt_bigcode",
    "architectures": ["GPTBigCodeForCausalLM"],
    "n_embd": 64,
    "n_layer": 2,
    "n_head": 4,
    "vocab_size": 100,
    "n_positions": 32,
}


def test_a_config_json_is_built_with_transformers_and_one_it_cannot_count_is_counted_by_it(tmp_path):
    (tmp_path / "bigcode").mkdir()
    (tmp_path / "bigcode" / "config.json").write_text(json.dumps(TINY_BIGCODE))
    specs = torch_run("examples/hf/opt-125m", "examples/hf/whisper-tiny", tmp_path / "bigcode" / "config.json")
    for name in ("opt-125m", "whisper-tiny"):
        assert (specs[name]["torch_params"], specs[name]["findings"]) == (specs[name]["params"], []), specs[name]
    bigcode = specs["bigcode"]  # transformers' count answers the BC502 that needs --torch, and says so
    assert [finding["code"] for finding in bigcode["findings"]] == ["BC506"]
    assert bigcode["findings"][0]["message"].startswith("transformers builds GPTBigCodeForCausalLM with ")
    assert bigcode["torch_params"] == bigcode["params"] > 0 and bigcode["status"] == "pass"


@pytest.mark.parametrize(("budget", "status", "codes"), [("1M", "pass", ["BC506"]), ("1k", "fail", ["BC506", "BC101"])])
def test_a_budget_applies_to_the_count_only_the_library_gives(tmp_path, budget, status, codes):
    (tmp_path / "bigcode").mkdir()
    (tmp_path / "bigcode" / "config.json").write_text(json.dumps(TINY_BIGCODE))
    (tmp_path / "pyproject.toml").write_text(f'[tool.budget-check.budgets]\n"*/config.json" = "{budget}"\n')
    [spec] = torch_run("bigcode/config.json", cwd=tmp_path).values()
    assert (spec["status"], [finding["code"] for finding in spec["findings"]]) == (status, codes)


def test_only_a_config_json_is_given_to_transformers():
    opt = ROOT / "examples" / "hf" / "opt-125m" / "config.json"
    [config] = check_file(opt, "config.json").specs
    assert config.torch_job == {"kind": "transformers", "config": json.loads(opt.read_text())}
    [spec] = check_file(ROOT / "examples" / "specs" / "mlp.yaml", "mlp.yaml").specs
    assert spec.torch_job is None


TINY_LLAMA = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 100,
}
ADAPTERS = {  # adapters on TINY_LLAMA, with what --torch says of each
    # counted by budget-check: peft's count must be the same, however its weights start (from the base's, here)
    "corda": ({"peft_type": "LORA", "r": 4, "target_modules": ["q_proj"], "init_lora_weights": "corda"}, []),
    "loftq": (
        {"peft_type": "LORA", "r": 2, "target_modules": ["v_proj"], "init_lora_weights": "loftq", "loftq_config": {}},
        [],
    ),
    # not counted by budget-check (BC511): peft's count stands in, and a note says so
    "ia3": ({"peft_type": "IA3", "target_modules": ["k_proj", "v_proj"]}, ["BC506"]),
    "replicated": (
        {"peft_type": "LORA", "r": 4, "target_modules": ["q_proj"], "layer_replication": [[0, 2], [1, 2]]},
        ["BC506"],
    ),
}


def test_an_adapter_is_built_with_peft_on_its_base_and_one_budget_check_cannot_count_is_counted_by_peft(tmp_path):
    for name, (adapter, _) in ADAPTERS.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(json.dumps(TINY_LLAMA))
        (tmp_path / name / "adapter_config.json").write_text(json.dumps({**adapter, "inference_mode": True}))
    specs = torch_run("examples/peft", *(tmp_path / name / "adapter_config.json" for name in ADAPTERS))
    lora = specs["llama-3.2-1b-lora"]
    assert (lora["params"], lora["trainable"], lora["torch_params"], lora["findings"]) == (
        1_247_086_592,
        11_272_192,
        1_247_086_592,
        [],
    )
    for name, (adapter, codes) in ADAPTERS.items():
        spec = specs[name]
        assert [finding["code"] for finding in spec["findings"]] == codes, spec
        assert spec["torch_params"] > peft_free_count(TINY_LLAMA)
        assert spec["torch_params"] == spec["params"]
        if codes:
            note = spec["findings"][0]["message"]
            assert note.startswith(f"peft builds LlamaForCausalLM and its {adapter['peft_type']} adapter"), note
            assert "(0 trainable)" not in note


def peft_free_count(config):
    [result] = check_text(json.dumps({"model": {config["architectures"][0]: config}}), "base.yaml").specs
    return result.params


def test_an_adapter_gives_the_worker_its_base_config_only_when_that_is_found():
    [adapter] = check_file(ROOT / "examples" / "peft" / "llama-3.2-1b-lora" / "adapter_config.json", "a.json").specs
    base = json.loads((ROOT / "examples" / "hf" / "llama-3.2-1b" / "config.json").read_text())
    assert (adapter.torch_job["kind"], adapter.torch_job["config"]) == ("peft", base)
    [alone] = check_text('{"peft_type": "LORA", "base_model_name_or_path": "meta-llama/x"}', "a.json").specs
    assert [finding.code for finding in alone.findings] == ["BC510"] and alone.torch_job is None


LIBRARY_JOBS = [
    ("transformers", {"kind": "transformers", "config": TINY_LLAMA}),
    ("peft", {"kind": "peft", "config": TINY_LLAMA, "adapter": {"peft_type": "LORA"}}),
    ("timm", {"kind": "timm", "config": {"architecture": "resnet18", "num_classes": 10}}),
    ("litgpt", {"kind": "litgpt", "model_name": "pythia-14m", "config": {}, "lora": False}),
    ("ultralytics", {"kind": "ultralytics", "config": {}, "scale": "n"}),
]


@pytest.mark.parametrize(("library", "job"), LIBRARY_JOBS)
def test_a_library_that_cannot_be_imported_is_said_by_name(monkeypatch, library, job):
    from checker.torch.worker import JOBS, _Refused

    monkeypatch.setitem(sys.modules, library, None)  # what `import library` then raises: ModuleNotFoundError
    with pytest.raises(_Refused) as refused:
        JOBS[job["kind"]](job)
    assert refused.value.answer["error"] == "import"
    assert refused.value.answer["message"].startswith(f"{library} cannot be imported (ModuleNotFoundError")


class RecordingWorker:
    """Answers every job with the count budget-check gave, and keeps the jobs it was asked."""

    def __init__(self, params, trainable):
        self.answer, self.jobs = {"params": params, "trainable": trainable, "class": "LlamaForCausalLM"}, []

    def ask(self, job):
        self.jobs.append(job)
        return self.answer


IMPORTING_SPEC = """\
name: tiny
model:
  hf_config: config.json
  set: {num_hidden_layers: 1, intermediate_size: 3 * hidden_size, hidden_act: silu}
"""


def test_a_spec_that_imports_a_config_is_built_by_transformers_from_the_keys_it_is_counted_from(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(TINY_LLAMA))
    (tmp_path / "spec.yaml").write_text(IMPORTING_SPEC)
    [result] = check_file(tmp_path / "spec.yaml", "spec.yaml").specs
    worker = RecordingWorker(result.params, result.trainable)
    confirmed = _confirmed(result, worker, TorchSettings(tmp_path))
    [job] = worker.jobs
    expected = {**TINY_LLAMA, "num_hidden_layers": 1, "intermediate_size": 192, "hidden_act": "silu"}
    assert job == {"kind": "transformers", "config": expected}
    assert type(job["config"]["hidden_act"]) is str  # a var's text, plain for the worker
    assert (confirmed.torch_params, confirmed.findings) == (result.params, ())
    [spec] = torch_run(tmp_path / "spec.yaml").values()
    assert (spec["torch_params"], spec["findings"]) == (spec["params"], [])


def test_transformers_non_embedding_count_must_be_budget_checks_too():
    opt = ROOT / "examples" / "hf" / "opt-125m" / "config.json"
    [result] = check_file(opt, "config.json").specs
    worker, ours = RecordingWorker(result.params, result.trainable), result.tree.non_embedding
    worker.answer["non_embedding"] = ours
    assert _confirmed(result, worker, TorchSettings(ROOT)).findings == ()
    worker.answer["non_embedding"] = ours + 1
    [finding] = _confirmed(result, worker, TorchSettings(ROOT)).findings
    assert (finding.code, finding.notes) == (
        "BC505",
        (f"non-embedding: budget-check {ours:,}, transformers {ours + 1:,}",),
    )
