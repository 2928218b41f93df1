"""The GitHub Action's steps, run as a runner runs them (`bash -eo pipefail`), against a hostile checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .test_cli import ROOT, local_environment

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = {step["id"]: step for step in ACTION["runs"]["steps"]}
EXECUTABLE = shutil.which("budget-check", path=str(Path(sys.executable).parent))
needs_bash_and_the_script = pytest.mark.skipif(
    shutil.which("bash") is None or EXECUTABLE is None, reason="needs bash and the installed budget-check"
)
SPEC = "name: mlp\nmodel: [{Linear: [8, 16]}]\nbudget: 200\n"


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A pull request's checkout: one spec, and a committed link where a report used to be written."""
    (tmp_path / "checkout" / "specs").mkdir(parents=True)
    (tmp_path / "checkout" / "specs" / "mlp.yaml").write_text(SPEC)
    (tmp_path / "victim").write_text("precious\n")
    (tmp_path / "checkout" / "budget-check.sarif").symlink_to(tmp_path / "victim")
    (tmp_path / "runner").mkdir()
    return tmp_path / "checkout"


def run_step(step_id: str, checkout: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """Run one step's script with its `env` filled in as GitHub would; its outputs as a mapping."""
    runner = checkout.parent / "runner"
    outputs = runner / "outputs"
    outputs.write_text("")
    variables = {
        "BUDGET_CHECK": str(EXECUTABLE),
        "PATHS": inputs.get("paths", ""),
        "BASE": inputs.get("base", ""),
        "WITH_TORCH": inputs.get("torch", "false"),
        "FORMAT": inputs.get("format", "github"),
    }
    assert set(STEPS[step_id]["env"]) == set(variables)  # every variable the step reads is set here
    ran = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", STEPS[step_id]["run"]],
        cwd=checkout,
        env=local_environment(**variables, RUNNER_TEMP=str(runner), GITHUB_OUTPUT=str(outputs)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return ran, dict(line.split("=", 1) for line in outputs.read_text().splitlines())


@needs_bash_and_the_script
def test_sarif_is_written_to_a_new_file_under_runner_temp_never_through_a_link(checkout):
    ran, outputs = run_step("check", checkout, format="sarif", paths="specs")
    assert ran.returncode == 0, ran.stderr
    assert (checkout.parent / "victim").read_text() == "precious\n"
    report = Path(outputs["sarif-file"])
    assert report.is_relative_to(checkout.parent / "runner") and not report.is_symlink()
    assert json.loads(report.read_text())["version"] == "2.1.0"


@needs_bash_and_the_script
@pytest.mark.parametrize("inputs", [{"paths": "--fix specs"}, {"paths": "specs -q"}, {"base": "--output=x"}])
def test_inputs_that_look_like_options_are_refused(checkout, inputs):
    (checkout / "specs" / "mlp.yaml").write_text(SPEC.replace("200", "100"))  # over budget: --fix would write
    ran, _ = run_step("check", checkout, **inputs)
    assert ran.returncode == 2
    assert "not options" in ran.stderr
    assert (checkout / "specs" / "mlp.yaml").read_text() == SPEC.replace("200", "100")


@needs_bash_and_the_script
def test_paths_follow_a_double_dash(checkout):
    (checkout / "show").mkdir()
    (checkout / "show" / "mlp.yaml").write_text(SPEC)
    ran, _ = run_step("check", checkout, paths="show", format="text")
    assert ran.returncode == 0, ran.stderr
    assert (
        ran.stdout
        == "show/mlp.yaml: mlp: 144 params, budget ≤ 200: pass\n1 spec checked: 1 passed, 0 failed, 0 invalid\n"
    )


def test_the_action_installs_into_a_virtual_environment_under_runner_temp():
    script = STEPS["install"]["run"]
    assert '-m venv "$environment"' in script and 'mktemp -d "$RUNNER_TEMP/' in script
    assert "setup-python" in ACTION["description"] and "3.10" in ACTION["description"]
