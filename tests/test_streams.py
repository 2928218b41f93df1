"""Output streams, through the installed command: narrow encodings, readers that stop early, full disks,
file names that are not UTF-8, and counts with more digits than Python writes by default."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from checker.language.units import format_bytes, format_change, format_count

from .test_cli import ROOT, budget_check_command, local_environment


def run(*args: str, cwd: Path = ROOT, **variables: str) -> subprocess.CompletedProcess:
    """The command's output as bytes, with extra environment variables."""
    return subprocess.run(
        budget_check_command() + list(args),
        cwd=cwd,
        env=local_environment(**variables),
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args, status, shown",
    [
        (["examples/specs"], 0, "budget <= 125,000,000: pass"),
        (["examples/failing"], 1, "budget 552 ± 2%: fail"),
        (["--format", "github", "examples/failing"], 1, "off the target of 552 ± 2%25"),
        (["show", "examples/specs/gpt2-small.yaml"], 0, "-" * 80),
        (["match", "examples/specs/mlp.yaml", "--vary", "hidden_dim", "--set", "hidden_layers=3"], 0, "hidden_dim = "),
    ],
)
def test_a_stream_that_cannot_encode_the_symbols_gets_ascii(args, status, shown):
    """A pipe on Windows is cp1252, which has `±` and `×` but not `≤`, `→` or `─`."""
    ran = run(*args, PYTHONIOENCODING="cp1252")
    assert (ran.returncode, ran.stderr) == (status, b"")
    assert shown in ran.stdout.decode("cp1252")


def test_ascii_spellings_for_an_ascii_stream():
    ran = run("--format", "github", "examples/failing", PYTHONIOENCODING="ascii")
    assert ran.returncode == 1
    assert "552 +- 2%" in ran.stdout.decode("ascii") and "hidden x3" in ran.stdout.decode("ascii")


def test_a_reader_that_stops_early_keeps_the_exit_status():
    """`budget-check examples/failing | head -1`: the pipe is closed before anything is written."""
    process = subprocess.Popen(
        [*budget_check_command(), "examples/failing"],
        cwd=ROOT,
        env=local_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()
    _, errors = process.communicate(timeout=120)
    assert (process.returncode, errors) == (1, b"")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["examples/specs"], ["show", "examples/specs/gpt2-small.yaml"]])
def test_output_that_cannot_be_written_is_one_line_and_exit_2(args):
    with open("/dev/full", "w") as full:
        ran = subprocess.run(
            budget_check_command() + args, cwd=ROOT, env=local_environment(), stdout=full, stderr=subprocess.PIPE
        )
    assert ran.returncode == 2
    assert ran.stderr == b"budget-check: error: cannot write the output: No space left on device\n"


@pytest.fixture
def undecodable_name(tmp_path) -> Path:
    """A spec whose file name is not UTF-8, as a pull request may commit it."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / os.fsdecode(b"caf\xe9.yaml")).write_text("name: x\nmodel: [{Linear: [8, 16]}]\nbudget: 10\n")
    return tmp_path


@pytest.mark.parametrize("output_format", ["text", "github", "json", "sarif"])
def test_file_names_that_are_not_utf8_are_escaped(undecodable_name, output_format):
    ran = run("--format", output_format, "specs", cwd=undecodable_name, PYTHONIOENCODING="utf-8")
    assert (ran.returncode, ran.stderr) == (1, b"")
    text = ran.stdout.decode("utf-8")  # strict: valid UTF-8
    if output_format in ("json", "sarif"):
        document = json.loads(text)
        if output_format == "json":
            assert document["specs"][0]["file"] == "specs/caf\\xe9.yaml"
        else:
            [result] = document["runs"][0]["results"]
            assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "specs/caf%E9.yaml"
    else:
        assert '"specs/caf\\xe9.yaml": x: 144 params' in text


def test_an_error_naming_an_undecodable_file_is_escaped(tmp_path):
    ran = run(os.fsdecode(b"gone\xff.yaml"), cwd=tmp_path, PYTHONIOENCODING="utf-8")
    assert ran.returncode == 2
    assert ran.stderr.decode("utf-8") == "budget-check: error: no such file or folder: gone\\xff.yaml\n"


HUGE = "model:\n  - Parameter: [" + ", ".join(["10**20"] * 254) + "]\n"  # 10**5080 values


@pytest.mark.parametrize("args", [[], ["--format", "json"], ["--format", "sarif"], ["--format", "github"], ["show"]])
def test_counts_past_4300_digits_are_written_whole(tmp_path, args):
    (tmp_path / "huge.yaml").write_text(HUGE)
    ran = run(*args, "huge.yaml", cwd=tmp_path)
    assert ran.stderr == b""
    assert ran.returncode in (0, 1)  # the count, or a finding that bounds it
    digits = ran.stdout.decode().replace(",", "")
    assert "1" + "0" * 5080 in digits or "BC009" in digits


@pytest.mark.parametrize(
    "value, text",
    [
        (0, "0"),
        (-1_234_567, "-1,234,567"),
        (10**3999, "1," + ",".join(["000"] * 1333)),
        (10**5080 + 7, "10," + ",".join(["000"] * 1692) + ",007"),
    ],
    ids=["zero", "negative", "4000 digits", "5081 digits"],
)
def test_format_count_writes_every_digit(value, text):
    assert format_count(value) == text


def test_huge_sizes_and_changes_are_exact():
    assert format_bytes(2**40 * 10**5000) == "1" + "0" * 5000 + ".00 TiB"
    assert format_change(1, 10**5000 + 1) == f"+{format_count(10**5000)}, +1{'0' * 5002}.0%"
    assert (format_bytes(2**29), format_change(80, 29), format_change(3, 2)) == (
        "512.00 MiB",
        "-51, -63.8%",
        "-1, -33.3%",
    )
