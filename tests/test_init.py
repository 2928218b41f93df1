"""budget-check init: a first budget for every spec that has none."""

from __future__ import annotations

import errno
import io
import os
from fractions import Fraction

import pytest

from checker.cli import main
from checker.project.adopt import first_budget

from .test_cli import budget_check


@pytest.mark.parametrize(
    "params, margin, budget",
    [
        (124_439_808, Fraction(1, 10), "137M"),
        (6_738_415_616, Fraction(1, 10), "7.42B"),
        (552, Fraction(1, 10), "608"),
        (552, Fraction(0), "552"),
        (25_557_032, Fraction(1, 4), "32M"),
        (1_234, Fraction(1, 10), "1.36k"),
    ],
)
def test_first_budget_rounds_up_to_three_digits(params, margin, budget):
    assert first_budget(params, margin) == budget


def test_init_writes_budgets_and_leaves_the_rest(tmp_path):
    spec = tmp_path / "specs" / "models.yaml"
    spec.parent.mkdir()
    spec.write_text(
        "# two specs, one with a budget already\n"
        "model: {gpt2: null}   # GPT-2 small\n"
        "---\n"
        "name: tiny\n"
        "model: [{Linear: [10, 10]}]\n"
        "budget: 1k\n"
        "---\n"
        "name: flow\n"
        "model: [{Linear: [4, 4]}]"  # no newline at the end
    )
    run = budget_check("init", "--margin", "5%", cwd=tmp_path)
    assert run.returncode == 0
    assert run.stdout.splitlines() == [
        "specs/models.yaml: models#1: budget: 131M (124,439,808 params + 5%)",
        "specs/models.yaml: flow: budget: 21 (20 params + 5%)",
        "2 budgets written",
    ]
    assert spec.read_text() == (
        "# two specs, one with a budget already\n"
        "model: {gpt2: null}   # GPT-2 small\n"
        "budget: 131M  # budget-check init: 124,439,808 params + 5%\n"
        "---\n"
        "name: tiny\n"
        "model: [{Linear: [10, 10]}]\n"
        "budget: 1k\n"
        "---\n"
        "name: flow\n"
        "model: [{Linear: [4, 4]}]\n"
        "budget: 21  # budget-check init: 20 params + 5%\n"
    )
    assert budget_check("specs", cwd=tmp_path).returncode == 0
    assert budget_check("init", cwd=tmp_path).stdout == "0 budgets written\n"


def test_init_cannot_add_to_a_flow_style_document(tmp_path):
    spec = tmp_path / "flow.yaml"
    spec.write_text("{model: [{Linear: [4, 4]}]}\n")
    run = budget_check("init", "flow.yaml", cwd=tmp_path)
    assert run.stdout.splitlines()[0] == "flow.yaml: flow: cannot add a budget in place; add one by hand"
    assert spec.read_text() == "{model: [{Linear: [4, 4]}]}\n"


def test_init_margin_must_be_a_percentage():
    assert budget_check("init", "--margin", "lots", "examples/specs").returncode == 2


def test_init_reports_bad_files_and_still_writes_the_good_ones(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a-binary.yaml").write_bytes(b"model: \x00\x01")
    (specs / "b-invalid.yaml").write_text("model: [Linear: [1, 2]\n")
    (specs / "c-dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (specs / "d-latin1.yaml").write_bytes(b"# caf\xe9\nmodel: [{Linear: [4, 4]}]\n")
    os.mkfifo(specs / "e-fifo.yaml")
    (specs / "f-zero.yaml").symlink_to("/dev/zero")
    (specs / "z-good.yaml").write_text("model: [{Linear: [4, 4]}]\n")
    run = budget_check("init", "specs", cwd=tmp_path)  # its timeout fails a hang
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-2:] == ["specs/z-good.yaml: z-good: budget: 22 (20 params + 10%)", "1 budget written"]
    assert [line.split(": no budget: ")[0] for line in lines[:-2]] == [
        f"specs/{name}.yaml: {name}" for name in ("a-binary", "b-invalid", "c-dangling", "d-latin1", "e-fifo", "f-zero")
    ]
    assert (specs / "z-good.yaml").read_text().endswith("budget: 22  # budget-check init: 20 params + 10%\n")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="finds the file being written through /proc")
def test_init_reports_a_file_it_cannot_write_and_goes_on(tmp_path, monkeypatch):
    (tmp_path / "a.yaml").write_text("model: [{Linear: [4, 4]}]\n")
    (tmp_path / "b.yaml").write_text("model: [{Linear: [4, 4]}]\n")
    real_fsync = os.fsync

    def fsync_a_full_disk(descriptor):
        if "a.yaml" in os.readlink(f"/proc/self/fd/{descriptor}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "fsync", fsync_a_full_disk)
    output = io.StringIO()
    assert main(["init", "a.yaml", "b.yaml"], stdout=output) == 1
    assert output.getvalue().splitlines() == [
        "a.yaml: not changed: [Errno 28] No space left on device",
        "b.yaml: b: budget: 22 (20 params + 10%)",
        "1 budget written",
    ]
    assert (tmp_path / "a.yaml").read_text() == "model: [{Linear: [4, 4]}]\n"


def test_init_refuses_read_only_files_and_keeps_hard_links(tmp_path):
    (tmp_path / "locked.yaml").write_text("model: [{Linear: [4, 4]}]\n")
    (tmp_path / "locked.yaml").chmod(0o444)
    (tmp_path / "linked.yaml").write_text("model: [{Linear: [4, 4]}]\n")
    os.link(tmp_path / "linked.yaml", tmp_path / "other-name.txt")
    run = budget_check("init", "linked.yaml", "locked.yaml", cwd=tmp_path)
    assert run.returncode == 1
    assert "locked.yaml: not changed: the file is read-only; nothing written" in run.stdout
    assert (tmp_path / "locked.yaml").read_text() == "model: [{Linear: [4, 4]}]\n"
    assert (tmp_path / "other-name.txt").read_text().startswith("model: [{Linear: [4, 4]}]\nbudget: 22")
