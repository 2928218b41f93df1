"""The GitHub Actions and SARIF reporters, on results checked in-process.

Output is compared with golden files in tests/golden; run with UPDATE_GOLDEN=1
to rewrite them after an intended change.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from checker import __version__, rules
from checker.checks.check import FileResult, SpecResult, check_file
from checker.findings import Finding
from checker.language.loader import Location
from checker.reporters import reporter_for
from checker.reporters.github import GithubReporter, change_vs_base, summary_row
from checker.reporters.sarif import SarifReporter
from checker.reporters.text import TextReporter
from checker.rules import RULES

from .test_cli import ROOT, assert_golden

FAILING, PASSING, INVALID = (
    "examples/failing/mlp-too-deep.yaml",
    "examples/specs/mlp.yaml",
    "tests/fixtures/invalid/unknown-layer.yaml",
)


def check(*paths: str) -> list[FileResult]:
    return [check_file(Path(path), path) for path in paths]


@pytest.fixture
def results(monkeypatch) -> list[FileResult]:
    """As the CLI names them, compared with a base: a spec that doubled since, one unchanged, one new and invalid."""
    monkeypatch.chdir(ROOT)
    files = check(FAILING, PASSING, INVALID)
    return [
        file._replace(specs=(spec._replace(base="main", base_params=base_params),))
        for file, base_params in zip(files, (552, 552, None), strict=False)
        for spec in file.specs
    ]


def github(files: list[FileResult], **options) -> str:
    stream = io.StringIO()
    GithubReporter(stream, **options).report(files)
    return stream.getvalue()


def text(files: list[FileResult], quiet: bool = False) -> str:
    stream = io.StringIO()
    TextReporter(stream, quiet).report(files)
    return stream.getvalue()


def sarif_text(files: list[FileResult]) -> str:
    stream = io.StringIO()
    SarifReporter(stream).report(files)
    return stream.getvalue()


@pytest.mark.parametrize("name, reporter", [("github", GithubReporter), ("sarif", SarifReporter)])
def test_formats_are_registered(name, reporter):
    assert type(reporter_for(name, io.StringIO(), quiet=True)) is reporter


# ------------------------------------------------------------------ github
def test_github_annotations_then_the_text_log(results):
    output = github(results, environ={})
    assert_golden("github.txt", output)
    annotations = [line for line in output.splitlines() if line.startswith("::")]
    assert [line.split(" ")[0] for line in annotations] == ["::error", "::error"]
    assert "%0Alargest parts: hidden ×3 816 (74.5%25)" in annotations[0]
    assert "%0Ano integer hidden_dim keeps 552 within ±2%25: the closest is 11" in annotations[0]
    assert output == "".join(line + "\n" for line in annotations) + text(results)


@pytest.mark.parametrize("quiet", [False, True])
def test_github_log_is_the_text_reporters(results, quiet):
    assert github(results, quiet=quiet, environ={}).endswith(text(results, quiet=quiet))


def test_github_escapes_as_the_toolkit_does():
    finding = Finding(rules.INVALID_VALUE, "100% sure: a, b", Location(2, 3), notes=("next\r",))
    spec = SpecResult("specs/50%:a,b.yaml", "odd", Location(1, 1), (finding,))
    [annotation] = [
        line for line in github([FileResult(spec.file, (spec,))], environ={}).split("\n") if line.startswith("::")
    ]
    assert annotation == (
        "::error file=specs/50%25%3Aa%2Cb.yaml,line=2,col=3,title=BC011 invalid-value"
        "::specs/50%25:a,b.yaml:2:3: 100%25 sure: a, b%0Anext\\r"
    )


@pytest.mark.parametrize("severity, command", [("error", "::error "), ("warning", "::warning "), ("note", "::notice ")])
def test_github_command_per_severity(severity, command):
    rule = rules.MATCH_DRIFT._replace(severity=severity)
    spec = SpecResult("m.yaml", "m", Location(1, 1), (Finding(rule, "drift", Location(1, 1)),))
    assert github([FileResult(spec.file, (spec,))], environ={}).startswith(command)


def test_step_summary_is_appended(results, tmp_path):
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    github(results, environ={"GITHUB_STEP_SUMMARY": str(summary)})
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("earlier step\n")
    assert_golden("github-summary.md", written[len("earlier step\n") :])


def test_step_summary_file_comes_from_the_environment(results, tmp_path, monkeypatch):
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    github(results)
    assert summary.read_text(encoding="utf-8").startswith("### budget-check\n")


def test_no_step_summary_without_the_variable(results, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert github(results).endswith(text(results))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "spec_index, base, base_params, change",
    [
        (0, "main", 552, "552 → 1,096 (+544, +98.6%)"),
        (1, "main", 552, "552 → 552 (+0, +0.0%)"),
        (1, "main", 600, "600 → 552 (-48, -8.0%)"),
        (1, "main", 0, "0 → 552 (+552)"),
        (2, "main", 552, "552 → —"),
        (1, "main", None, "new"),
        (1, None, None, "—"),
    ],
)
def test_change_vs_base(results, spec_index, base, base_params, change):
    spec = results[spec_index].specs[0]._replace(base=base, base_params=base_params)
    assert change_vs_base(spec) == change


@pytest.mark.parametrize(
    "name, file, cell",
    [
        ("a|b", "a|b.yaml", "`a\\|b` (`a\\|b.yaml`)"),
        ("a`b", "``x.yaml", "``a`b`` (``` ``x.yaml ```)"),
        ("a\n| b", "x\ny.yaml", "`a\\n\\| b` (`x\\ny.yaml`)"),
    ],
)
def test_step_summary_cells_survive_pipes_backticks_and_newlines(tmp_path, name, file, cell):
    spec = SpecResult(file, name, Location(1, 1), (Finding(rules.YAML_SYNTAX, "invalid", Location(1, 1)),))
    summary = tmp_path / "step-summary.md"
    github([FileResult(spec.file, (spec,))], environ={"GITHUB_STEP_SUMMARY": str(summary)})
    assert f"| {cell} | — | — | — | ⚠️ error |\n" in summary.read_text(encoding="utf-8")


# ------------------------------------------------------------------ sarif
# Property names from the SARIF 2.1.0 schema for the objects written here: the schema
# allows no other names in them (additionalProperties: false).
SCHEMA_PROPERTIES = {
    "log": {"$schema", "version", "runs"},
    "run": {"tool", "originalUriBaseIds", "results"},
    "tool": {"driver"},
    "toolComponent": {"name", "informationUri", "version", "rules"},
    "reportingDescriptor": {"id", "name", "shortDescription", "fullDescription", "help", "defaultConfiguration"},
    "multiformatMessageString": {"text"},
    "reportingConfiguration": {"level"},
    "result": {"ruleId", "ruleIndex", "level", "message", "locations", "relatedLocations"},
    "message": {"text"},
    "location": {"id", "message", "physicalLocation"},
    "physicalLocation": {"artifactLocation", "region"},
    "artifactLocation": {"uri", "uriBaseId"},
    "region": {"startLine", "startColumn"},
}
LEVELS = ("none", "note", "warning", "error")


def sarif(files: list[FileResult]) -> dict:
    return json.loads(sarif_text(files))


def test_sarif_output(results):
    output = sarif_text(results)
    root_uri = ROOT.resolve().as_uri() + "/"
    assert json.loads(output)["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": root_uri}}
    assert_golden("sarif.json", output.replace(root_uri, "file:///checkout/"))  # wherever the repository is


def test_sarif_structure(results):
    log = sarif(results)
    assert set(log) <= SCHEMA_PROPERTIES["log"]
    assert (log["$schema"], log["version"]) == ("https://json.schemastore.org/sarif-2.1.0.json", "2.1.0")
    [run] = log["runs"]
    assert set(run) <= SCHEMA_PROPERTIES["run"] and set(run["tool"]) <= SCHEMA_PROPERTIES["tool"]
    driver = run["tool"]["driver"]
    assert set(driver) <= SCHEMA_PROPERTIES["toolComponent"]
    assert (driver["name"], driver["version"]) == ("budget-check", __version__)
    assert driver["informationUri"].startswith("https://")

    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == list(RULES)
    for rule in rules:
        assert set(rule) <= SCHEMA_PROPERTIES["reportingDescriptor"]
        assert rule["name"].isalnum() and rule["name"][0].isupper()
        help_text = {"text": RULES[rule["id"]].help}
        assert rule["shortDescription"] == rule["fullDescription"] == rule["help"] == help_text
        assert rule["defaultConfiguration"] == {"level": RULES[rule["id"]].severity}
    assert rules[list(RULES).index("BC103")]["name"] == "OffTarget"

    assert [result["ruleId"] for result in run["results"]] == ["BC103", "BC012"]
    for result in run["results"]:
        assert set(result) <= SCHEMA_PROPERTIES["result"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in LEVELS
        assert set(result["message"]) <= SCHEMA_PROPERTIES["message"] and result["message"]["text"]
        [location] = result["locations"]
        assert set(location) <= SCHEMA_PROPERTIES["location"]
        physical = location["physicalLocation"]
        assert set(physical) <= SCHEMA_PROPERTIES["physicalLocation"]
        assert set(physical["artifactLocation"]) <= SCHEMA_PROPERTIES["artifactLocation"]
        assert physical["artifactLocation"]["uriBaseId"] in run["originalUriBaseIds"]
        region = physical["region"]
        assert set(region) <= SCHEMA_PROPERTIES["region"]
        assert all(isinstance(region[key], int) and region[key] >= 1 for key in ("startLine", "startColumn"))
    assert run["results"][0]["message"]["text"] == (
        "1,096 params is off the target of 552 ± 2% by +544 (+98.6%)\n"
        "largest parts: hidden ×3 816 (74.5%), input 144 (13.1%), output 136 (12.4%)\n"
        "no integer hidden_dim keeps 552 within ±2%: the closest is 11 (591, +7.1%); "
        "widen the tolerance or change another var"
    )


def test_sarif_without_findings_has_empty_results(monkeypatch):
    monkeypatch.chdir(ROOT)
    [run] = sarif(check(PASSING))["runs"]
    assert run["results"] == []


def test_sarif_uris_are_relative_to_the_repository_root(monkeypatch, tmp_path):
    outside = tmp_path / "my specs" / "too deep.yaml"
    outside.parent.mkdir()
    shutil.copy(ROOT / FAILING, outside)
    monkeypatch.chdir(ROOT / "examples")
    files = check(
        "failing/mlp-too-deep.yaml", "../tests/fixtures/invalid/unknown-layer.yaml", str(ROOT / FAILING), str(outside)
    )
    locations = [
        result["locations"][0]["physicalLocation"]["artifactLocation"] for result in sarif(files)["runs"][0]["results"]
    ]
    assert locations == [
        {"uri": FAILING, "uriBaseId": "%SRCROOT%"},
        {"uri": INVALID, "uriBaseId": "%SRCROOT%"},
        {"uri": FAILING, "uriBaseId": "%SRCROOT%"},
        {"uri": outside.resolve().as_uri()},
    ]
    assert "/my%20specs/too%20deep.yaml" in locations[-1]["uri"]


def test_a_finding_in_a_block_points_at_the_use_too(monkeypatch):
    """BC015 in a block's body: the body's line says what to write, the use says where the size was unknown."""
    monkeypatch.chdir(ROOT)
    files = check("tests/fixtures/invalid/unknown-size-in-block.yaml")
    [result] = sarif(files)["runs"][0]["results"]
    [related] = result["relatedLocations"]
    assert set(related) <= SCHEMA_PROPERTIES["location"]
    assert (related["message"]["text"], related["physicalLocation"]["region"]) == (
        "in stem, used here",
        {"startLine": 8, "startColumn": 5},
    )
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 6, "startColumn": 9}
    assert "    tests/fixtures/invalid/unknown-size-in-block.yaml:8:5: in stem, used here\n" in text(files)
    assert "%0Atests/fixtures/invalid/unknown-size-in-block.yaml:8:5: in stem, used here" in github(files)
    [finding] = files[0].specs[0].findings
    assert finding.to_json()["related"] == [{"message": "in stem, used here", "line": 8, "column": 5}]


def unchecked(name: str, rule) -> FileResult:
    """A config only --torch can count, with the note that says so (or what --torch found)."""
    where = Location(1, 1)
    return FileResult(
        f"configs/{name}.yaml", (SpecResult(f"configs/{name}.yaml", name, where, (Finding(rule, "", where),)),)
    )


@pytest.mark.parametrize(
    ("notes", "said"),
    [
        ([rules.NEEDS_TORCH, rules.NEEDS_TORCH], "2 not counted without --torch"),
        ([rules.NOT_A_MODEL], "1 not a model"),  # what --torch found to build no model waits for nothing
        ([rules.NEEDS_TORCH, rules.NOT_A_MODEL, rules.NOT_A_MODEL], "1 not counted without --torch, 2 not models"),
    ],
)
def test_the_summary_says_what_is_not_counted_and_why(notes, said):
    files = [unchecked(f"config{index}", rule) for index, rule in enumerate(notes)]
    assert (
        text(files).splitlines()[-1]
        == f"{len(notes)} spec{'s' * (len(notes) > 1)} checked: 0 passed, 0 failed, 0 invalid, {said}"
    )
    cells = [summary_row(spec).rsplit("|", 2)[1].strip() for file in files for spec in file.specs]
    assert cells == ["➖ not a model" if rule is rules.NOT_A_MODEL else "➖ needs --torch" for rule in notes]
