"""[tool.budget-check] in pyproject.toml: found from a subfolder, command-line options win."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.project.config import ConfigError, load_config

from .test_cli import budget_check

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def project(tmp_path):
    """A project with its specs in models/specs and a pyproject.toml that says so."""
    specs = tmp_path / "models" / "specs"
    specs.mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "specs" / "mlp.yaml", specs / "mlp.yaml")
    shutil.copyfile(EXAMPLES / "failing" / "mlp-too-deep.yaml", specs / "too-deep.yaml")
    (specs / "legacy").mkdir()
    shutil.copyfile(EXAMPLES / "failing" / "mlp-too-deep.yaml", specs / "legacy" / "old.yaml")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n'
        "[tool.budget-check]\n"
        'paths = ["models/specs"]\n'
        'exclude = ["models/specs/legacy/*"]\n'
        'format = "json"\n'
        'tolerance = "2%"\n'
    )
    return tmp_path


def test_config_is_found_from_a_subfolder(project):
    subfolder = project / "models"
    run = budget_check(cwd=subfolder)
    document = json.loads(run.stdout)  # format = "json" from the file
    assert sorted(spec["name"] for spec in document["specs"]) == ["mlp", "mlp-too-deep"]  # legacy/ excluded
    assert run.returncode == 1


def test_command_line_options_win(project):
    run = budget_check("--format", "text", "models/specs/mlp.yaml", cwd=project)
    assert run.stdout.splitlines()[-1] == "1 spec checked: 1 passed, 0 failed, 0 invalid"


def test_exclude_applies_to_files_given_by_name(project):
    run = budget_check("models/specs/legacy/old.yaml", cwd=project)
    assert json.loads(run.stdout)["summary"]["checked"] == 0


def test_default_tolerance_applies_to_match(project):
    spec = project / "models" / "specs" / "matched.yaml"
    spec.write_text(
        "vars: {input_dim: 8, hidden_dim: 12, hidden_layers: 3, output_dim: 8}\n"
        "model: {mlp: {input_dim: input_dim, hidden_dim: hidden_dim, hidden_layers: hidden_layers, "
        "output_dim: output_dim}}\n"
        "match: {reference: 540, vary: hidden_dim}\n"  # 524 is 3.0% off: outside 2%
    )
    [result] = json.loads(budget_check("models/specs/matched.yaml", cwd=project).stdout)["specs"]
    assert "outside ±2%" in result["findings"][0]["message"]


@pytest.mark.parametrize(
    "table, message",
    [
        ('pahts = ["specs"]', "unknown [tool.budget-check] key 'pahts' (did you mean 'paths'?)"),
        ('format = "xml"', "format must be one of text, json, github, sarif"),
        ('paths = "specs"', "paths must be a list of strings"),
        ("torch = 1", "torch must be true or false"),
        ('tolerance = "lots"', "tolerance cannot be read: cannot read 'lots' as a count"),
        ('tolerance = "1e99999999%"', "tolerance cannot be read: '1e99999999' is too large a number"),
        ("tolerance = inf", "tolerance cannot be read: a count must be a finite number"),
        ("torch-timeout = inf", "torch-timeout cannot be read: cannot read 'inf' as a number"),
        ('torch-cpu-limit = "lots"', "torch-cpu-limit cannot be read"),
        ("torch-timeout = -1", "torch-timeout cannot be read: a timeout is a number of seconds above 0"),
        ("torch-timeout = nan", "torch-timeout cannot be read"),
        (
            "torch-timeout = 1e300",
            "torch-timeout cannot be read: a timeout is a number of seconds above 0 and at most 86,400",
        ),
        ("torch-timeout = true", "torch-timeout cannot be true"),
        ('tolerance = "1e5000%"', "tolerance cannot be read: '1e5000' is too large a number"),
        ('tolerance = "5000%"', "tolerance cannot be read: '5000%' is not a percentage from 0% to 1,000%"),
        (f'torch-cpu-limit = "{"9" * 5000}"', "torch-cpu-limit cannot be read: '99999"),
        ('torch-cpu-limit = "2000TiB"', "torch-cpu-limit cannot be read: a CPU limit is at most 1024.00 TiB"),
    ],
)
def test_bad_configuration_exits_2(tmp_path, table, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.budget-check]\n{table}\n")
    run = budget_check("--quiet", str(EXAMPLES / "specs" / "mlp.yaml"), cwd=tmp_path)
    assert (run.returncode, run.stdout) == (2, "")
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_a_tool_key_that_is_not_a_table_exits_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text('name = "checked with budget-check"\ntool = 5\n')
    run = budget_check("--quiet", str(EXAMPLES / "specs" / "mlp.yaml"), cwd=tmp_path)
    assert (run.returncode, run.stderr.strip()) == (
        2,
        f"budget-check: error: {tmp_path / 'pyproject.toml'}: [tool] must be a table",
    )


def test_every_configuration_problem_is_reported_at_once(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.budget-check]\npahts = ["specs"]\nformat = "xml"\ntorch = 1\n')
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert [line.split(": ", 1)[1] for line in str(raised.value).splitlines()] == [
        "unknown [tool.budget-check] key 'pahts' (did you mean 'paths'?)",
        "format must be one of text, json, github, sarif, not 'xml'",
        "torch must be true or false",
    ]


def test_invalid_toml_is_reported(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.budget-check\n")
    with pytest.raises(ConfigError, match="cannot read it"):
        load_config(tmp_path)


def test_no_config_above_a_repository(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.budget-check]\nformat = "json"\n')
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    config = load_config(repository)
    assert (config.format, config.root) == (None, repository.resolve())


def test_the_search_stops_at_the_home_directory(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.budget-check]\nexclude = ["*"]\n')
    project = tmp_path / "home" / "project"
    project.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_config(project).file is None


def test_the_configuration_used_is_named_and_nothing_checked_is_a_warning(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.budget-check]\nexclude = ["*"]\n')
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "specs" / "mlp.yaml", project / "specs" / "mlp.yaml")
    run = budget_check("specs", cwd=project)
    assert run.stderr.splitlines() == [
        f"budget-check: configuration: {tmp_path / 'pyproject.toml'}",
        f"budget-check: warning: no spec was checked in the paths given; {tmp_path / 'pyproject.toml'} excludes *",
    ]
