"""--fix edits only the value it means to, byte for byte, atomically.

Each fixtures/fix/NAME.before.yaml is fixed through the command line and
must then equal NAME.after.yaml exactly.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from checker import rules
from checker.checks.check import SpecResult, check_file
from checker.findings import Finding, Location, Suggestion
from checker.language.matching import DEFAULT_TOLERANCE
from checker.project.fixing import FixError, chosen_values, edit_vars, fix_file, fix_spec, fix_suggestions

from .test_cli import budget_check

FIXTURES = Path(__file__).parent / "fixtures" / "fix"
CASES = sorted(path.name[: -len(".before.yaml")] for path in FIXTURES.glob("*.before.yaml"))


@pytest.mark.parametrize("case", CASES)
def test_fix_golden(case, tmp_path):
    path = tmp_path / f"{case}.yaml"
    shutil.copyfile(FIXTURES / f"{case}.before.yaml", path)
    budget_check("--fix", str(path))
    assert path.read_bytes() == (FIXTURES / f"{case}.after.yaml").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left behind


def test_a_file_without_a_suggestion_is_not_rewritten(tmp_path):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "no-suggestion.before.yaml", path)
    os.utime(path, (1_000_000, 1_000_000))
    run = budget_check("--fix", str(path))
    assert run.returncode == 1
    assert path.stat().st_mtime == 1_000_000


def test_fix_reports_what_it_changed_and_checks_again(tmp_path):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "block-style.before.yaml", path)
    run = budget_check("--fix", str(path))
    assert run.returncode == 0
    assert run.stdout.splitlines()[:2] == [
        f"{path}:5:15: fixed hidden_dim: 16 -> 11",
        f"{path}: deeper: 591 params: pass",
    ]


def test_match_fix_writes_the_new_depth_and_its_width(tmp_path):
    path = tmp_path / "mlp.yaml"
    shutil.copyfile(Path(__file__).parent.parent / "examples" / "specs" / "mlp.yaml", path)
    run = budget_check("match", str(path), "--set", "hidden_layers=1", "--fix")
    assert run.returncode == 0
    assert run.stdout.splitlines()[-2:] == [
        f"{path}:6:15: fixed hidden_dim: 16 -> 32",
        f"{path}:7:18: fixed hidden_layers: 2 -> 1",
    ]
    assert "  hidden_dim: 32\n  hidden_layers: 1\n" in path.read_text()


def test_fix_writes_through_a_symlink(tmp_path):
    target = tmp_path / "real.yaml"
    shutil.copyfile(FIXTURES / "flow-style.before.yaml", target)
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    assert [edit.new for edit in fix_file(link, 1, {"hidden_dim": 12})] == ["12"]
    assert link.is_symlink()
    assert target.read_bytes() == (FIXTURES / "flow-style.after.yaml").read_bytes()


def test_a_spec_with_the_marks_of_a_hydra_config_is_edited_as_a_spec(tmp_path):
    """A `# @package` comment is a Hydra mark, but the file is a spec: its var is written under `vars`."""
    path = tmp_path / "spec.yaml"
    path.write_text("# @package model\nvars: {width: 8}\nmodel:\n  - Linear: [4, width]\n")
    assert [edit.new for edit in fix_file(path, 1, {"width": 12})] == ["12"]
    assert path.read_text() == "# @package model\nvars: {width: 12}\nmodel:\n  - Linear: [4, width]\n"


def test_fix_keeps_the_file_mode(tmp_path):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "flow-style.before.yaml", path)
    path.chmod(0o640)
    fix_file(path, 1, {"hidden_dim": 12})
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "text, values, message",
    [
        ("vars: {a: 1}\nmodel: [ReLU]\n", {"b": 2}, "b is not written as a value under `vars`"),
        ("base: &b {a: 1}\nvars: {<<: *b}\nmodel: [ReLU]\n", {"a": 2}, "a is not written as a value"),
        ("vars:\n  a: |\n    1\nmodel: [ReLU]\n", {"a": 2}, "a is a block scalar"),
    ],
)
def test_edits_that_cannot_be_made(text, values, message):
    with pytest.raises(FixError) as raised:
        edit_vars(text, 1, values)
    assert message in str(raised.value)


def test_only_the_named_document_is_edited():
    text = "vars: {w: 1}\nmodel: [ReLU]\n---\nvars: {w: 1}\nmodel: [ReLU]\n"
    fixed, _ = edit_vars(text, 2, {"w": 7})
    assert fixed == "vars: {w: 1}\nmodel: [ReLU]\n---\nvars: {w: 7}\nmodel: [ReLU]\n"


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "flow-style.before.yaml", path)

    def crash(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        fix_file(path, 1, {"hidden_dim": 12})
    assert path.read_bytes() == (FIXTURES / "flow-style.before.yaml").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"]


def test_match_fix_quotes_an_expression_that_yaml_would_misread(tmp_path):
    path = tmp_path / "flow.yaml"
    shutil.copyfile(FIXTURES / "flow-style.before.yaml", path)
    run = budget_check("match", str(path), "--set", "hidden_layers=max(3,4)", "--fix")
    assert run.returncode == 0, run.stdout
    assert 'fixed hidden_layers: 3 -> "max(3,4)"' in run.stdout
    assert budget_check("show", str(path)).returncode == 0  # the spec is still valid


def test_an_edit_that_would_make_the_spec_invalid_is_not_written(tmp_path):
    path = tmp_path / "flow.yaml"
    shutil.copyfile(FIXTURES / "flow-style.before.yaml", path)
    with pytest.raises(FixError, match="the edited spec would be invalid"):
        fix_file(path, 1, {"hidden_dim": "no_such_var"})
    assert path.read_bytes() == (FIXTURES / "flow-style.before.yaml").read_bytes()


def test_a_file_that_stopped_being_utf8_is_not_fixed(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes((FIXTURES / "flow-style.before.yaml").read_bytes() + b"# caf\xe9\n")
    with pytest.raises(FixError, match="not UTF-8"):
        fix_file(path, 1, {"hidden_dim": 12})


def test_fix_refuses_a_read_only_file(tmp_path):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "block-style.before.yaml", path)
    path.chmod(0o444)
    run = budget_check("--fix", str(path))
    assert run.returncode == 1
    assert f"{path}: deeper: not fixed: the file is read-only; nothing written" in run.stdout
    assert path.read_bytes() == (FIXTURES / "block-style.before.yaml").read_bytes()


def test_fix_keeps_hard_links(tmp_path):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "block-style.before.yaml", path)
    other = tmp_path / "other-name.yaml"
    os.link(path, other)
    budget_check("--fix", str(path))
    assert path.read_bytes() == other.read_bytes() == (FIXTURES / "block-style.after.yaml").read_bytes()
    assert path.stat().st_ino == other.stat().st_ino


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_fix_keeps_the_owner(tmp_path):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "block-style.before.yaml", path)
    os.chown(path, 4321, 4321)
    budget_check("--fix", str(path))
    assert path.read_bytes() == (FIXTURES / "block-style.after.yaml").read_bytes()
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4321)


WIDTH_OVER_BUDGET = Finding(rules.OVER_BUDGET, "over", Location(1, 1), suggestion=Suggestion("width", 10, 100))
WIDTH_DRIFTED = Finding(rules.MATCH_DRIFT, "drift", Location(1, 1), suggestion=Suggestion("width", 12, 120))
DEPTH_OVER_BUDGET = Finding(rules.OVER_BUDGET, "over", Location(1, 1), suggestion=Suggestion("depth", 3, 90))
A_WARNING = Finding(
    rules.MATCH_DRIFT._replace(severity="warning"),
    "drift",
    Location(1, 1),
    suggestion=Suggestion("w", 1, 1),
)


@pytest.mark.parametrize(
    "findings, values",
    [
        ((WIDTH_OVER_BUDGET, WIDTH_DRIFTED), {"width": 12}),  # a matched width before a budget's
        ((WIDTH_DRIFTED, WIDTH_OVER_BUDGET), {"width": 12}),
        ((WIDTH_OVER_BUDGET, DEPTH_OVER_BUDGET), {"width": 10, "depth": 3}),
        ((A_WARNING,), {}),  # only errors are fixed
        ((Finding(rules.OVER_BUDGET, "over", Location(1, 1)),), {}),  # nothing suggested
    ],
)
def test_the_values_written_come_from_the_errors_by_fix_priority(findings, values):
    assert chosen_values(SpecResult("spec.yaml", "spec", Location(1, 1), findings)) == values


def test_fix_suggestions_returns_the_file_checked_again_and_what_it_wrote(tmp_path):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "block-style.before.yaml", path)
    before = check_file(path, str(path))
    after, [fixed] = fix_suggestions(before, DEFAULT_TOLERANCE, None)
    assert (before.specs[0].status, after.specs[0].status) == ("fail", "pass")
    assert [(edit.var, edit.old, edit.new) for edit in fixed.edits] == [("hidden_dim", "16", "11")]
    assert fixed.problem is None


def test_fix_suggestions_leaves_a_file_with_nothing_to_write_as_it_was(tmp_path):
    path = tmp_path / "spec.yaml"
    shutil.copyfile(FIXTURES / "no-suggestion.before.yaml", path)
    before = check_file(path, str(path))
    after, fixes = fix_suggestions(before, DEFAULT_TOLERANCE, None)
    assert after is before
    assert [(fixed.edits, fixed.problem) for fixed in fixes] == [((), None)] * len(before.specs)


def test_fix_spec_says_why_it_could_not(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("vars: {width: 4}\nmodel: [{Linear: [4, width]}]\n")
    [spec] = check_file(path, str(path)).specs
    fixed = fix_spec(path, spec, {"depth": 2})
    assert (fixed.edits, fixed.problem) == (
        (),
        "depth is not written as a value under `vars`, so it cannot be edited in place",
    )
