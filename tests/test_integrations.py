"""Where users run it: the pre-commit hooks and the GitHub Action."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"


def test_hook_manifest_is_valid():
    pytest.importorskip("pre_commit")
    run = subprocess.run(
        ["pre-commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_hooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["budget-check"]["entry"] == "budget-check"
    assert hooks["budget-check-torch"]["entry"] == "budget-check --torch"
    assert (hooks["budget-check"]["language"], hooks["budget-check"]["types"]) == ("python", ["yaml"])
    # Model code is Python: the torch hook runs when it changes, and checks every configured spec.
    torch_hook = hooks["budget-check-torch"]
    assert (torch_hook["language"], torch_hook["types_or"], torch_hook["pass_filenames"]) == (
        "python",
        ["yaml", "python"],
        False,
    )


def test_pre_commit_runs_the_hook(tmp_path):
    """pre-commit try-repo in a throwaway repository: the hook fails on a bad spec, names it; fixed, it passes."""
    pytest.importorskip("pre_commit")
    repository = tmp_path / "project"
    (repository / "specs").mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "specs" / "mlp.yaml", repository / "specs" / "good.yaml")
    shutil.copyfile(EXAMPLES / "failing" / "mlp-too-deep.yaml", repository / "specs" / "bad.yaml")
    (repository / "ci.yaml").write_text("on: push\n")  # other YAML, outside specs/: not passed to the hook
    environment = {"PRE_COMMIT_HOME": str(tmp_path / "cache"), "PATH": _path(), "HOME": str(tmp_path)}

    def run(*args):
        return subprocess.run(args, cwd=repository, env=environment, capture_output=True, text=True, check=False)

    run("git", "init", "-q")
    run("git", "add", ".")
    failed = run("pre-commit", "try-repo", str(ROOT), "budget-check", "--all-files")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "specs/bad.yaml:15:9: BC103" in failed.stdout
    assert "ci.yaml" not in failed.stdout
    bad = repository / "specs" / "bad.yaml"
    bad.write_text(bad.read_text().replace("hidden_layers: 4", "hidden_layers: 2"))
    run("git", "add", ".")
    passed = run("pre-commit", "try-repo", str(ROOT), "budget-check", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_the_torch_hook_runs_when_only_model_code_changes(tmp_path):
    """A commit that changes models/*.py alone runs the torch hook (here it stops at the missing torch, and
    says how to add it to the hook's environment)."""
    pytest.importorskip("pre_commit")
    repository = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "fixtures" / "torch_project" / "models", repository / "models")
    (repository / "specs").mkdir()
    shutil.copyfile(
        ROOT / "tests" / "fixtures" / "torch_project" / "specs" / "mlp.yaml", repository / "specs" / "mlp.yaml"
    )
    environment = {
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "PATH": _path(),
        "HOME": str(tmp_path),
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }

    def run(*args):
        return subprocess.run(args, cwd=repository, env=environment, capture_output=True, text=True, check=False)

    run("git", "init", "-q")
    run("git", "add", ".")
    run("git", "commit", "-qm", "models and their specs")
    model = repository / "models" / "mlp.py"
    model.write_text(model.read_text() + "\n# changed\n")
    run("git", "add", "models/mlp.py")
    hook = run("pre-commit", "try-repo", str(ROOT), "budget-check-torch")
    assert "no files to check" not in hook.stdout, hook.stdout
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert "add it to the hook's additional_dependencies" in hook.stdout


def _path():
    import os
    import sys

    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def test_action_is_a_composite_action_with_the_documented_inputs():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "base", "torch", "format"}
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        assert "${{ inputs." not in step["run"]  # inputs reach the shell through env, never spliced into code
