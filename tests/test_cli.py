"""The command line, end to end through the installed entry point.

Text output is compared with golden files in tests/golden; run with
UPDATE_GOLDEN=1 to rewrite them after an intended change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"


def budget_check_command() -> list[str]:
    """The `budget-check` console script (python -m checker where it is not installed)."""
    script = shutil.which("budget-check", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "checker"]


def local_environment(**variables: str) -> dict[str, str]:
    """Run as on a developer's machine even when the suite itself runs in GitHub Actions."""
    return {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")} | variables


def budget_check(*args, cwd=ROOT):
    """Run the installed command; its output as text."""
    return subprocess.run(
        budget_check_command() + list(args),
        cwd=cwd,
        env=local_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_golden(name, text):
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_check_passes_on_the_examples():
    run = budget_check("examples/specs")
    assert run.returncode == 0, run.stderr
    assert_golden("check-examples.txt", run.stdout)


def test_check_fails_on_the_failing_example():
    run = budget_check("examples/failing")
    assert run.returncode == 1
    assert_golden("check-failing.txt", run.stdout)


def test_invalid_specs_exit_1_and_other_files_are_still_checked():
    run = budget_check("tests/fixtures/invalid", "examples/specs/mlp.yaml", "--quiet")
    assert run.returncode == 1
    assert run.stderr == ""
    assert "Traceback" not in run.stdout
    assert_golden("check-invalid.txt", run.stdout)


def test_json_output():
    run = budget_check("examples/failing", "examples/specs/mlp.yaml", "--format", "json")
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert document["version"] == 1
    assert document["summary"] == {"checked": 2, "passed": 1, "failed": 1, "invalid": 0, "unchecked": 0, "skipped": 0}
    failing, passing = document["specs"]
    assert failing == {
        "file": "examples/failing/mlp-too-deep.yaml",
        "name": "mlp-too-deep",
        "status": "fail",
        "params": 1096,
        "trainable": 1096,
        "embedding": 0,
        "non_embedding": 1096,
        "active": 1096,
        "torch_params": None,
        "budget": {"min": None, "max": None, "target": 552, "tolerance": 11.04},
        "findings": [
            {
                "code": "BC103",
                "severity": "error",
                "message": "1,096 params is off the target of 552 ± 2% by +544 (+98.6%)",
                "line": 15,
                "column": 9,
            }
        ],
    }
    assert (passing["status"], passing["params"], passing["findings"]) == ("pass", 552, [])


def test_json_for_an_invalid_spec():
    run = budget_check("tests/fixtures/invalid/unknown-layer.yaml", "--format", "json")
    [spec] = json.loads(run.stdout)["specs"]
    assert (spec["status"], spec["params"], spec["findings"][0]["code"]) == ("error", None, "BC012")


def test_show():
    run = budget_check("show", "examples/specs/gpt2-small.yaml")
    assert run.returncode == 0, run.stderr
    assert_golden("show-gpt2-small.txt", run.stdout)


def test_show_json():
    run = budget_check("show", "examples/specs/resnet50.yaml", "--format", "json")
    [spec] = json.loads(run.stdout)
    assert (spec["tree"]["params"], spec["tree"]["buffers"]) == (25_557_032, 53_173)
    assert [child["name"] for child in spec["tree"]["children"]][:2] == ["conv1", "bn1"]


def test_show_marks_the_routed_node_with_its_active_count(tmp_path):
    (tmp_path / "experts.yaml").write_text(
        "model:\n  - Linear: [4, 4]\n    repeat: 2\n    routed: {experts: 2, per_token: 1}\n"
    )
    lines = budget_check("show", "experts.yaml", cwd=tmp_path).stdout.splitlines()
    assert [line.split()[:4] for line in lines if "active" in line.lower()] == [
        ["Linear", "(20", "active)", "Linear"],
        ["Active", "params:", "20"],
    ]


def test_show_json_splits_every_part():
    run = budget_check("show", "examples/hf/mixtral-8x7b/config.json", "--format", "json")
    [spec] = json.loads(run.stdout)
    model, head = spec["tree"]["children"]
    assert spec["tree"]["embedding"] == model["embedding"] == model["children"][0]["params"]  # embed_tokens
    assert (head["embedding"], head["active"]) == (0, head["params"])  # an untied head: a Linear, always used
    assert spec["tree"]["active"] == model["active"] + head["params"] < spec["tree"]["params"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["no/such/path"], "no such file or folder: no/such/path"),
        (["--format", "xml", "examples/specs"], "invalid choice: 'xml'"),
        (["--no-such-option"], "unrecognized arguments"),
        (["show", "examples/specs"], "show takes one spec file"),
    ],
)
def test_usage_errors_exit_2(args, message):
    run = budget_check(*args)
    assert run.returncode == 2
    assert message in run.stderr


def test_no_paths_checks_specs_folder(tmp_path):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "m.yaml").write_text("model: [{Linear: [2, 2]}]\nbudget: 10\n")
    run = budget_check(cwd=tmp_path)
    assert (run.returncode, run.stdout.splitlines()[-1]) == (0, "1 spec checked: 1 passed, 0 failed, 0 invalid")


@pytest.mark.parametrize(("folder", "status"), [("examples/specs", 0), ("examples/failing", 1)])
def test_a_run_started_without_stderr_ends_with_its_status_and_its_whole_output(folder, status):
    run = subprocess.run(
        [*budget_check_command(), folder, "--no-cache", "--format", "json"],
        cwd=ROOT,
        env=local_environment(),
        stdout=subprocess.PIPE,
        preexec_fn=lambda: os.close(2),  # the command starts with no stderr at all: sys.stderr is None
        timeout=120,
        check=False,
    )
    assert (run.returncode, len(json.loads(run.stdout)["specs"]) > 0) == (status, True)


def test_no_paths_and_no_specs_folder(tmp_path):
    run = budget_check(cwd=tmp_path)
    assert run.returncode == 2
    assert "no paths given" in run.stderr


# What the `budget-check` command runs (`python -m checker` imports runpy and contextlib besides).
ENTRY_POINT = "import sys; from checker.__main__ import start; sys.exit(start())"


def imported_by_a_run(*args: str, cwd: Path) -> set[str]:
    """The modules `budget-check ARGS` imports beyond what Python imports as it starts (an editable install's
    finder imports importlib.util and contextlib), as `-X importtime` lists them."""
    return _imported_by("-c", ENTRY_POINT, *args, cwd=cwd) - _imported_by("-c", "pass", cwd=cwd)


def _imported_by(*args: str, cwd: Path) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=True
    )
    return {line.split("|")[-1].strip() for line in run.stderr.splitlines() if "|" in line}


def test_the_default_path_imports_neither_torch_nor_a_foreign_format_reader():
    imported = imported_by_a_run("examples/specs", cwd=ROOT)
    assert "yaml" in imported
    assert not {name for name in imported if name == "torch" or name.startswith("torch.")}
    assert not {name for name in imported if name.startswith("checker.formats.")}  # plain specs only there


def test_a_passing_check_of_a_plain_spec_imports_nothing_it_does_not_use(tmp_path):
    """Exact width arithmetic (fractions, decimal) is for a budget that fails or a `match`, json for a JSON
    file or the result cache, typing for annotations (checker/records.py), contextlib and hashlib for nothing
    (two small classes do its work; the cache hashes without hashlib): each costs a passing check a
    millisecond or more. (Run outside this repository: tomllib, which reads its pyproject.toml, imports
    typing.)"""
    shutil.copyfile(ROOT / "examples" / "specs" / "gpt2-small.yaml", tmp_path / "gpt2-small.yaml")
    imported = imported_by_a_run("--no-cache", "gpt2-small.yaml", cwd=tmp_path)
    assert "yaml" in imported
    assert not imported & {"fractions", "decimal", "json", "typing", "contextlib"}
    for _ in range(2):  # with the result cache, written then read
        imported = imported_by_a_run("gpt2-small.yaml", cwd=tmp_path)
        assert "json" in imported  # the cache's entries
        assert not imported & {"hashlib", "typing", "fractions", "contextlib"}


# Patterns compiled when their module is imported: every run reads expressions and names with the first
# three; the others' modules are imported only by the runs that use them (a Hydra file, an Ultralytics file,
# a width written back by --fix or `match`).
COMPILED_AT_IMPORT = {
    "checker/language/expressions.py": {"_TOKEN"},
    "checker/language/counting.py": {"_IDENTIFIER_IN_TEXT"},
    "checker/formats/hydra.py": {"TORCH_NN", "_INTERPOLATION", "_WHOLE_INTERPOLATION"},
    "checker/formats/ultralytics/naming.py": {"SCALE_IN_NAME", "VERSION_IN_NAME"},
    "checker/formats/ultralytics/widths.py": {"_NUMBER"},
    "checker/project/fixing.py": {"_NUMBER"},
}


def test_only_the_patterns_every_run_uses_are_compiled_at_import():
    """Compiling a pattern costs about a third of a millisecond. The others are written as text and compiled on
    first use, through re's own cache (a run that reads no budget written as text compiles neither of its)."""
    import ast

    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "checker").rglob("*.py")):
        for statement in ast.parse(path.read_text(encoding="utf-8")).body:
            value = getattr(statement, "value", None)
            calls = [node for node in ast.walk(value) if isinstance(node, ast.Call)] if value is not None else []
            if any(ast.unparse(call.func) == "re.compile" for call in calls):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                names = {ast.unparse(target) for target in targets}
                found.setdefault(path.relative_to(ROOT).as_posix(), set()).update(names)
    assert found == COMPILED_AT_IMPORT


def test_match():
    run = budget_check("match", "examples/specs/mlp.yaml", "--set", "hidden_layers=4")
    assert run.returncode == 0, run.stderr
    assert run.stdout == (
        "mlp (examples/specs/mlp.yaml): 552 params as written\n"
        "with hidden_layers=4: hidden_dim = 11 gives 591 params (+7.1% vs 552); the closed form gives 10.54\n"
        "no integer hidden_dim keeps 552 within ±1%: the closest is 11 (591, +7.1%); "
        "widen the tolerance or change another var (--fix writes nothing)\n"
    )


def test_match_json():
    run = budget_check("match", "examples/specs/mlp.yaml", "--set", "hidden_layers=4", "--format", "json")
    assert json.loads(run.stdout) == {
        "var": "hidden_dim",
        "value": 11,
        "params": 591,
        "reference": 552,
        "error": 0.0707,
    }


def test_match_sweep():
    run = budget_check("match", "examples/specs/mlp.yaml", "--sweep", "hidden_layers=1..4")
    assert_golden("match-sweep.txt", run.stdout)
    run = budget_check("match", "examples/specs/mlp.yaml", "--sweep", "hidden_layers=1..2", "--format", "json")
    assert json.loads(run.stdout) == {
        "var": "hidden_dim",
        "reference": 552,
        "rows": [
            {"depth": 1, "value": 32, "params": 552, "error": 0.0},
            {"depth": 2, "value": 16, "params": 552, "error": 0.0},
        ],
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "hidden_layers"], "--set takes VAR=VALUE"),
        (["--vary", "nope"], "--vary nope: not a var"),
        (["--set", "depth=3"], "'depth' is not a var of this spec"),
        (["--sweep", "hidden_layers=4..1"], "--sweep takes VAR=A..B"),
        (["--sweep", "hidden_layers=1..2", "--fix"], "--fix writes one width"),
    ],
)
def test_match_usage_errors(args, message):
    run = budget_check("match", "examples/specs/mlp.yaml", *args)
    assert run.returncode == 2
    assert message in run.stderr


def test_text_and_json_summaries_give_the_same_numbers_by_the_same_names():
    paths = ("tests/fixtures/invalid/unknown-layer.yaml", "examples/failing", "examples/specs/mlp.yaml")
    last_line = budget_check(*paths).stdout.splitlines()[-1]
    summary = json.loads(budget_check("--format", "json", *paths).stdout)["summary"]
    assert last_line == "3 specs checked: 1 passed, 1 failed, 1 invalid"
    assert {key: summary[key] for key in ("checked", "passed", "failed", "invalid")} == {
        "checked": 3,
        "passed": 1,
        "failed": 1,
        "invalid": 1,
    }


def test_github_actions_switches_to_annotations(tmp_path):
    import subprocess as run_module

    summary = tmp_path / "summary.md"
    environment = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    run = run_module.run(
        [sys.executable, "-m", "checker", "examples/failing"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout.startswith("::error file=examples/failing/mlp-too-deep.yaml,line=15,col=9,title=BC103 ")
    assert "| `mlp-too-deep` (`examples/failing/mlp-too-deep.yaml`) | 1,096 |" in summary.read_text()


@pytest.mark.parametrize("margin", ["5", "5%", " 5% "])
def test_init_says_the_margin_as_a_percentage(tmp_path, margin):
    (tmp_path / "mlp.yaml").write_text("name: mlp\nmodel: [{Linear: [8, 16]}]\n")
    run = budget_check("init", "--margin", margin, "mlp.yaml", cwd=tmp_path)
    assert run.stdout == "mlp.yaml: mlp: budget: 152 (144 params + 5%)\n1 budget written\n"


def test_the_spec_line_shows_every_limit_of_the_budget(tmp_path):
    (tmp_path / "limited.yaml").write_text(
        "name: limited\nmodel: [{Linear: [8, 16]}, {Linear: [16, 4], frozen: true}]\n"
        "budget: {max: 300, trainable: {max: 150}, memory: {max: 1KiB, dtype: bfloat16}}\n"
    )
    run = budget_check("limited.yaml", cwd=tmp_path)
    assert run.stdout.splitlines()[0] == (
        "limited.yaml: limited: 212 params (144 trainable), "
        "budget ≤ 300, trainable ≤ 150, memory ≤ 1.00 KiB (bfloat16): pass"
    )


def test_the_top_level_help_shows_the_check_options_and_v_gives_the_version():
    from checker import __version__

    shown = budget_check("--help").stdout
    assert "check, the default command:" in shown
    assert all(option in shown for option in ("--format", "--quiet", "--fix", "--base", "--torch", "-V, --version"))
    assert budget_check("-V").stdout == budget_check("--version").stdout == f"budget-check {__version__}\n"
