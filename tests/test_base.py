"""--base REV: the count at a git revision beside the count now, read without a checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .test_cli import assert_golden, budget_check

EXAMPLES = Path(__file__).parent.parent / "examples"


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path):
    """Two commits: the second makes the MLP deeper, adds a spec, keeps another."""
    git("init", "-q", "-b", "main", cwd=tmp_path)
    git("config", "user.email", "test@example.com", cwd=tmp_path)
    git("config", "user.name", "test", cwd=tmp_path)
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copyfile(EXAMPLES / "specs" / "mlp.yaml", specs / "mlp.yaml")
    shutil.copyfile(EXAMPLES / "specs" / "gpt2-small.yaml", specs / "gpt2.yaml")
    git("add", ".", cwd=tmp_path)
    git("commit", "-q", "-m", "first", cwd=tmp_path)
    mlp = specs / "mlp.yaml"
    mlp.write_text(mlp.read_text().replace("hidden_layers: 2", "hidden_layers: 4").replace("552 ± 2%", "1.2k"))
    shutil.copyfile(EXAMPLES / "specs" / "resnet50.yaml", specs / "resnet50.yaml")
    git("add", ".", cwd=tmp_path)
    git("commit", "-q", "-m", "deeper", cwd=tmp_path)
    return tmp_path


def test_base_in_text(repository):
    run = budget_check("--base", "HEAD~1", "specs", cwd=repository)
    assert run.returncode == 0  # the note on the depth change does not fail the check
    assert_golden("base.txt", run.stdout)


def test_base_in_json(repository):
    run = budget_check("--base", "main~1", "--format", "json", "specs", cwd=repository)
    specs = {spec["name"]: spec for spec in json.loads(run.stdout)["specs"]}
    assert {name: (spec["base_params"], spec["params"]) for name, spec in specs.items()} == {
        "gpt2-small": (124_439_808, 124_439_808),
        "mlp": (552, 1096),
        "resnet50": (None, 25_557_032),  # new since the base
    }
    [note] = specs["mlp"]["findings"]
    assert (note["code"], note["severity"], note["suggestion"]) == (
        "BC202",
        "note",
        {"var": "hidden_dim", "value": 11, "params": 591},
    )


def test_base_does_not_touch_the_work_tree(repository):
    before = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repository, capture_output=True, text=True, check=True
    ).stdout
    budget_check("--base", "HEAD~1", "specs", cwd=repository)
    after = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repository, capture_output=True, text=True, check=True
    ).stdout
    worktrees = subprocess.run(
        ["git", "worktree", "list"], cwd=repository, capture_output=True, text=True, check=True
    ).stdout
    assert (before, after, len(worktrees.splitlines())) == ("", "", 1)


def test_unknown_revision_is_a_usage_error(repository):
    run = budget_check("--base", "no-such-branch", "specs", cwd=repository)
    assert (run.returncode, run.stderr.strip()) == (
        2,
        "budget-check: error: --base no-such-branch: unknown revision 'no-such-branch'",
    )


def test_base_outside_a_repository(tmp_path):
    shutil.copyfile(EXAMPLES / "specs" / "mlp.yaml", tmp_path / "mlp.yaml")
    run = budget_check("--base", "HEAD", "mlp.yaml", cwd=tmp_path)
    assert run.returncode == 2
    assert "--base HEAD:" in run.stderr
