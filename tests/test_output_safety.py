"""Output that a hostile pull request cannot turn into commands, in every format.

A GitHub runner acts on a line of a step's output that begins with `::` once leading blanks are
trimmed, or that holds `##[` anywhere, and a line ends at a CR or an LF. Spec names, layer names,
block names and file names are drawn here from text made of exactly those pieces, and no line
of any format may be a command unless budget-check wrote it as one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.cli import main
from checker.reporters.escaping import escaped, json_text, quoted

from .test_cli import budget_check
from .test_fuzz import EXAMPLES

PIECES = ["\n", "\r", "\r\n", "::", ":", "%", "|", "`", "``", "##[", " ", "\t", '"', "\\", "\u2028", "\x1b[31m"]
WORDS = ["error file=README.md,line=1::forged", "add-mask::budget", "stop-commands::deadbeef", "x", "0"]
hostile_text = st.lists(st.sampled_from(PIECES + WORDS), max_size=8).map("".join)
# File names: anything but `/` and NUL, and bytes that are not UTF-8 (kept by Python as surrogates).
hostile_file_names = st.lists(st.sampled_from([*PIECES, *WORDS, "\udcff", "\udce9"]), max_size=6).map(
    lambda pieces: "".join(pieces).replace("/", "") + ".yaml"
)

# What budget-check writes as a command itself: an annotation, with its properties escaped.
OWN_COMMAND = re.compile(r"::(error|warning|notice) file=[^:\r\n]*,line=\d+,col=\d+,title=BC\d{3} [a-z-]+::[^\r\n]*")


def runner_lines(text: str) -> list[str]:
    """Lines as a runner reads them, and as anything else might: split at every line break Python knows."""
    return text.splitlines()


def assert_inert(text: str, own_commands: int = 0) -> None:
    """No line is a command but the first `own_commands`, which are budget-check's annotations."""
    text.encode("utf-8")  # strict: no lone surrogate from an undecodable file name
    lines = runner_lines(text)
    for line in lines[:own_commands]:
        assert OWN_COMMAND.fullmatch(line), line
    for line in lines[own_commands:]:
        assert not line.lstrip().startswith("::"), line
    assert not any("##[" in line for line in lines), text


def finding_count(json_output: str) -> int:
    return sum(len(spec["findings"]) for spec in json.loads(json_output)["specs"])


def spec_text(spec_name: str, layer_name: str) -> str:
    return (
        f"name: {json.dumps(spec_name)}\n"
        "vars: {width: 16}\n"
        f"model:\n  - Linear: [8, width]\n    name: {json.dumps(layer_name)}\n  - ReLU\n"
        "match: {reference: 200, vary: width}\n"
        "budget: 10\n"
    )


def invalid_text(block_name: str) -> str:
    """A spec whose findings quote the hostile name: an invalid block name, and a layer of that name."""
    name = json.dumps(block_name)
    return f"blocks:\n  {name}:\n    body: [ReLU]\nmodel: [{name}]\n"


@contextlib.contextmanager
def project(spec_name: str, layer_name: str, file_name: str):
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            Path("specs").mkdir()
            Path("specs", file_name).write_text(spec_text(spec_name, layer_name), encoding="utf-8")
            Path("specs", "invalid-" + file_name).write_text(invalid_text(layer_name), encoding="utf-8")
            yield Path("specs", file_name)
        finally:
            os.chdir(previous)


def run(*argv: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(stderr):
        main(list(argv), stdout)
    return stdout.getvalue(), stderr.getvalue()


@settings(max_examples=max(EXAMPLES // 4, 25), deadline=None, suppress_health_check=list(HealthCheck))
@given(spec_name=hostile_text, layer_name=hostile_text, file_name=hostile_file_names)
def test_no_output_line_is_a_command_in_any_format(spec_name, layer_name, file_name):
    with project(spec_name, layer_name, file_name) as spec:
        for output_format in ("text", "json", "sarif"):
            assert_inert("".join(run("--format", output_format, "specs")))
        assert_inert("".join(run("--format", "text", "--fix", "specs")))
        for command in ("show", "match"):
            for output_format in ("text", "json"):
                assert_inert("".join(run(command, "--format", output_format, str(spec))))

        findings = finding_count(run("--format", "json", "specs")[0])
        summary = Path("summary.md")
        os.environ["GITHUB_STEP_SUMMARY"] = str(summary)
        try:
            output, errors = run("--format", "github", "specs")
        finally:
            del os.environ["GITHUB_STEP_SUMMARY"]
        assert_inert(output, own_commands=findings)
        assert_inert(errors)
        rows = [line for line in runner_lines(summary.read_text(encoding="utf-8")) if line.startswith("|")]
        assert len(rows) == 2 + 2  # the header, its rule, and a row per spec
        assert all(len(re.findall(r"(?<!\\)\|", row)) == 6 for row in rows), rows
        assert_inert(summary.read_text(encoding="utf-8"))


FORGED = "x\n::error file=README.md,line=1::forged\n::add-mask::budget\n::stop-commands::deadbeef"


@pytest.mark.parametrize("output_format", ["text", "github", "json", "sarif"])
def test_a_forged_workflow_command_stays_text(tmp_path, output_format):
    """The issue's reproduction, through the installed command: a spec name, a layer name and a file name."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text(spec_text(FORGED, FORGED))
    (specs / "::error file=README.md::forged.yaml").write_text(spec_text("ok", "ok"))
    checked = budget_check("--format", output_format, ".", cwd=specs)
    assert checked.returncode == 1, checked.stderr
    annotations = (
        finding_count(budget_check("--format", "json", ".", cwd=specs).stdout) if output_format == "github" else 0
    )
    assert_inert(checked.stdout, own_commands=annotations)
    assert "forged" in checked.stdout


@pytest.mark.parametrize(
    "text, shown",
    [
        ("plain name", "plain name"),
        ("x\n::error", '"x\\n::error"'),
        ("::error::x", '"::error::x"'),
        ("  ::x", '"  ::x"'),
        ("a##[add-mask]b", '"a##\\x5badd-mask]b"'),
        ("caf\udce9.yaml", '"caf\\xe9.yaml"'),
        ("\u202ereversed", '"\\u202ereversed"'),
        ('say "hi"\n', '"say \\"hi\\"\\n"'),
        ("", '""'),
        ("C:\\specs\\a.yaml", "C:\\specs\\a.yaml"),
    ],
)
def test_quoted(text, shown):
    assert quoted(text) == shown


@pytest.mark.parametrize(
    "text, shown",
    [
        ("largest parts: x\n::error", "largest parts: x\\n::error"),
        ("::error::x 144", "\\x3a:error::x 144"),
        ("a\r##[error]b", "a\\r##\\x5berror]b"),
        ("\x1b[31mred", "\\x1b[31mred"),
    ],
)
def test_escaped(text, shown):
    assert escaped(text) == shown


def test_json_text_is_valid_utf8_and_inert_and_keeps_strings():
    document = {"file": "caf\udce9.yaml", "name": "##[add-mask]x\n::error::y"}
    text = json_text(document)
    assert_inert(text)
    assert json.loads(text) == {"file": "caf\\xe9.yaml", "name": document["name"]}


def test_json_text_writes_every_digit():
    assert json_text({"params": 10**5000 + 1}) == '{\n  "params": 1' + "0" * 4999 + "1\n}\n"
