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


def _base_counts(folder, *args):
    run = budget_check("--base", "HEAD", "--format", "json", *args, "specs", cwd=folder)
    assert run.returncode in (0, 1), run.stderr
    return {spec["file"]: spec["base_params"] for spec in json.loads(run.stdout)["specs"]}


def _first_commit(tmp_path, *names):
    """A repository whose one commit holds the example MLP (552 params) under each name."""
    git("init", "-q", "-b", "main", cwd=tmp_path)
    git("config", "user.email", "test@example.com", cwd=tmp_path)
    git("config", "user.name", "test", cwd=tmp_path)
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLES / "specs" / "mlp.yaml", tmp_path / name)
    git("add", ".", cwd=tmp_path)
    git("commit", "-q", "-m", "base", cwd=tmp_path)


@pytest.mark.parametrize(
    "name",
    [
        "specs/x blob 1.yaml",  # looks like a line of `git cat-file --batch`
        "specs/a\nb.yaml",  # a newline splits one request into two
        "specs/a missing\n0 blob 3\nabc.yaml",
    ],
)
def test_hostile_new_file_names_do_not_shift_the_others(tmp_path, name):
    _first_commit(tmp_path, "specs/m.yaml", "specs/z.yaml")
    shutil.copyfile(EXAMPLES / "specs" / "resnet50.yaml", tmp_path / name)
    assert _base_counts(tmp_path) == {name: None, "specs/m.yaml": 552, "specs/z.yaml": 552}


def test_a_path_that_was_a_folder_at_the_base_is_new(tmp_path):
    _first_commit(tmp_path, "specs/a.yaml/inside.txt", "specs/m.yaml")
    shutil.rmtree(tmp_path / "specs" / "a.yaml")
    shutil.copyfile(EXAMPLES / "specs" / "mlp.yaml", tmp_path / "specs" / "a.yaml")
    assert _base_counts(tmp_path) == {"specs/a.yaml": None, "specs/m.yaml": 552}


def test_a_renamed_spec_is_compared_with_its_old_self(tmp_path):
    _first_commit(tmp_path, "specs/a.yaml")
    git("mv", "specs/a.yaml", "specs/renamed.yaml", cwd=tmp_path)
    assert _base_counts(tmp_path) == {"specs/renamed.yaml": 552}
