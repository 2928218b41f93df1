"""Hostile input: every kind is a located finding (or a skip), in bounded time, and other files go on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from checker.checks.check import check_file, check_text
from checker.checks.solving import mlp_params
from checker.language import counting

from .conftest import check_spec, does_not_hang
from .test_cli import budget_check

MLP = "model: {mlp: {input_dim: 8, hidden_dim: 16, hidden_layers: 2, output_dim: 8}}\n"

CASES = {
    "20,000-deep flow nesting": ("model: " + "[" * 20_000 + "]" * 20_000, "BC006"),
    "20,000-deep block sequences": ("model:\n" + "- " * 20_000 + "ReLU\n", "BC006"),
    "deep block mappings": ("model:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 300)), "BC006"),
    "a chain of 200 blocks": (
        "blocks:\n"
        + "".join(f"  b{i}:\n    body: [b{i + 1}]\n" for i in range(200))
        + "  b200:\n    body: [ReLU]\nmodel: [b0]\n",
        "BC006",
    ),
    "150,000 nodes without aliases": ("model: [" + ", ".join(["ReLU"] * 150_000) + "]\n", "BC004"),
    "a billion laughs": (
        "a0: &a0 [ReLU, ReLU, ReLU, ReLU, ReLU, ReLU, ReLU, ReLU, ReLU, ReLU]\n"
        + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9))
        + "model: *a8\n",
        "BC004",
    ),
    "a python tag": ("model: !!python/object/new:os.system [echo]\n", "BC003"),
    "10**10**10": ("model: [{Linear: [3, '10**10**10']}]\n", "BC021"),
    "a 2,000-character expression": ("model: [{Linear: [3, '" + "1+" * 1000 + "1']}]\n", "BC021"),
    "a 5,000-digit number": ("model: [{Linear: [3, " + "9" * 5000 + "]}]\n", "BC001"),
    "a block that uses itself": ("blocks:\n  a:\n    body: [a]\nmodel: [a]\n", "BC017"),
    "a size that grows each repeat": ("model: [{Conv2d: [3, 8, 1]}, {PixelUnshuffle: 2, repeat: 10**9}]\n", "BC009"),
}


@pytest.mark.parametrize("text, code", CASES.values(), ids=CASES.keys())
def test_hostile_text(text, code):
    with does_not_hang():
        result = check_text(text, "hostile.yaml")
    [spec] = result.specs
    assert [f.code for f in spec.findings] == [code]
    assert spec.findings[0].location.line >= 1


VALUE_CASES = {  # issue 9 items 11 and 20: each at its value, with its own rule, never BC008
    "an infinite budget": ("budget: .inf\n", "BC100", (2, 9)),
    "a nan budget": ("budget: .nan\n", "BC100", (2, 9)),
    "a 5,000-digit budget": ('budget: "' + "9" * 5_000 + '"\n', "BC100", (2, 9)),
    "a budget of 1e99999999": ("budget: 1e99999999\n", "BC100", (2, 9)),
    "a tolerance of 1e99999999%": ("budget: 552 ± 1e99999999%\n", "BC100", (2, 9)),
    "a list dtype": ("dtype: [float32]\n", "BC011", (2, 8)),
    "a mapping dtype": ("dtype: {a: 1}\n", "BC011", (2, 8)),
    "a list memory dtype": ("budget: {memory: {max: 1GiB, dtype: [int8]}}\n", "BC100", (2, 37)),
    "a reference of 0": ("vars: {d: 4}\nmatch: {reference: 0, vary: d}\n", "BC200", (3, 20)),
    "a match tolerance of 1e99999999%": (
        "vars: {d: 4}\nmatch: {reference: 5, vary: d, tolerance: 1e99999999%}\n",
        "BC200",
        (3, 43),
    ),
}


@pytest.mark.parametrize("text, code, line_column", VALUE_CASES.values(), ids=VALUE_CASES.keys())
def test_hostile_values_get_their_own_rule_at_the_value(text, code, line_column):
    with does_not_hang():
        [spec] = check_text(MLP + text, "hostile.yaml").specs
    assert [(f.code, (f.location.line, f.location.column)) for f in spec.findings] == [(code, line_column)]


def test_a_huge_tolerance_in_pyproject_is_a_configuration_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.budget-check]\ntolerance = "1e99999999%"\n')
    (tmp_path / "spec.yaml").write_text(MLP)
    with does_not_hang():
        run = budget_check("spec.yaml", cwd=tmp_path)
    assert run.returncode == 2
    assert "tolerance cannot be read" in run.stderr


def test_huge_counts_are_exact_and_bounded():
    with does_not_hang():
        [spec] = check_text("model:\n  - Linear: [4096, 4096]\n    repeat: 10**30\n", "big.yaml").specs
    assert spec.params == 10**30 * (4096 * 4096 + 4096)


@pytest.mark.parametrize("text, skipped", [("- a\n- list\n", 1), ("a scalar\n", 1), ("---\n---\n", 2), ("", 0)])
def test_documents_that_are_not_specs_are_skipped(text, skipped):
    result = check_text(text, "other.yaml")
    assert (result.specs, result.skipped) == ((), skipped)


def test_special_files(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (11 * 2**20))
    for path, message in [
        (fifo, "not a regular file"),
        (loop, "cannot read the file"),
        (big, "over 10 MiB"),
        (tmp_path, "not a regular file"),
    ]:
        [spec] = check_file(path, path.name).specs
        assert spec.findings[0].code == "BC007"
        assert message in spec.findings[0].message


def test_bad_files_do_not_stop_the_others(tmp_path):
    (tmp_path / "a-binary.yaml").write_bytes(b"\x00\x01\x02")
    (tmp_path / "b-bomb.yaml").write_text(CASES["a billion laughs"][0])
    (tmp_path / "c-good.yaml").write_text(MLP)
    run = budget_check(str(tmp_path), "--quiet")
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "3 specs checked: 1 passed, 0 failed, 2 invalid"


def test_nothing_is_written_without_fix(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(MLP + "budget: 100\n")
    before = spec.stat().st_mtime_ns
    for args in ([str(spec)], ["--format", "json", str(spec)], ["show", str(spec)]):
        budget_check(*args)
    assert spec.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def _reference_cases(tmp_path):
    """References a pull request could write, each to something outside or unsafe, with a secret inside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("name: SECRET-NAME\nmodel: [{Linear: [10, 10]}]\n")
    repository = tmp_path / "repository"
    (repository / ".git").mkdir(parents=True)
    (repository / "invalid.yaml").write_text("model: [{Linear: [10, SECRET-EXPRESSION]}]\n")
    os.mkfifo(repository / "pipe.yaml")
    (repository / "zero.yaml").symlink_to("/dev/zero")
    (repository / "away.yaml").symlink_to(outside / "secret.yaml")
    return repository, {
        "absolute": (str(outside / "secret.yaml"), "outside the repository"),
        "up-and-out": ("../../outside/secret.yaml", "outside the repository"),
        "link-out": ("../away.yaml", "outside the repository"),
        "link-to-dev-zero": ("../zero.yaml", "outside the repository"),
        "pipe": ("../pipe.yaml", "not a regular file"),
        "invalid": ("../invalid.yaml", "not a valid spec"),
    }


def test_match_reference_is_confined_and_never_echoes_the_other_file(tmp_path):
    repository, cases = _reference_cases(tmp_path)
    for name, (reference, _) in cases.items():
        (repository / "specs").mkdir(exist_ok=True)
        (repository / "specs" / f"{name}.yaml").write_text(
            MLP + f"vars: {{w: 16}}\nmatch: {{reference: '{reference}', vary: w}}\n"
        )
    run = budget_check("specs", "--format", "json", cwd=repository)
    assert "SECRET" not in run.stdout + run.stderr
    findings = {spec["name"]: spec["findings"] for spec in json.loads(run.stdout)["specs"]}
    for name, (_, reason) in cases.items():
        [finding] = findings[name]
        assert (finding["code"], reason in finding["message"]) == ("BC200", True), (name, finding)


def test_match_reference_outside_a_repository_stays_in_the_spec_folder(tmp_path):
    (tmp_path / "secret.yaml").write_text("model: [{Linear: [10, 10]}]\n")
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "spec.yaml").write_text(MLP + "vars: {w: 16}\nmatch: {reference: ../secret.yaml, vary: w}\n")
    [spec] = check_file(folder / "spec.yaml", "spec.yaml").specs
    assert [(f.code, f.message) for f in spec.findings] == [
        ("BC200", "match.reference ../secret.yaml: outside the spec folder")
    ]


def fan_out_of_blocks(body: str) -> str:
    """Ten levels of blocks, each using the next 4 times: 4^10 uses of the last (390 bytes)."""
    levels = "".join(f"  b{i}:\n    body: [b{i + 1}, b{i + 1}, b{i + 1}, b{i + 1}]\n" for i in range(10))
    return f"blocks:\n{levels}  b10:\n    body: [{body}]\nmodel: [b0]\n"


def fan_out_of_vars(body: str) -> str:
    """The same fan-out through vars that hold layers."""
    levels = "".join(f"  v{i}: [v{i - 1}, v{i - 1}, v{i - 1}, v{i - 1}]\n" for i in range(1, 11))
    return f"vars:\n  v0: [{body}]\n{levels}model: [v10]\n"


def nested_repeats(depth: int) -> str:
    """`repeat: 60` nested `depth` times around a layer that multiplies the size by 4."""
    node = "{PixelUnshuffle: 2, repeat: 60}"
    for _ in range(depth - 1):
        node = "{sequential: [" + node + "], repeat: 60}"
    return f"model: [{{Conv2d: [3, 8, 1]}}, {node}]\n"


def checked_within_a_deadline(tmp_path, text: str) -> str:
    """The text report of a check run in its own process: a hang fails the test, not the suite."""
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    command = [sys.executable, "-m", "checker", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout


def codes_within_a_deadline(tmp_path, text: str) -> list[str]:
    return re.findall(r"\bBC\d{3}\b", checked_within_a_deadline(tmp_path, text))


BOUNDED = {
    "blocks fanning out 4^10 times": (fan_out_of_blocks("{Linear: [4, 4]}"), ["BC009"]),
    "named layers fanning out 4^10 times": (fan_out_of_blocks("{Linear: [4, 4], name: x}"), ["BC009"]),
    "vars fanning out 4^10 times": (fan_out_of_vars("{Linear: [4, 4]}"), ["BC009"]),
    "three nested repeats of 60 that grow the size": (nested_repeats(3), ["BC009"]),
}


@pytest.mark.parametrize("text, codes", BOUNDED.values(), ids=BOUNDED.keys())
def test_expansion_is_bounded(tmp_path, text, codes):
    assert codes_within_a_deadline(tmp_path, text) == codes


@pytest.mark.parametrize(
    "args, message",
    [
        (("--torch-timeout", "inf"), "--torch-timeout: cannot read 'inf' as a number"),
        (("--torch-timeout", "nan"), "--torch-timeout: cannot read 'nan' as a number"),
        (("--torch-timeout", "1e400"), "--torch-timeout: a timeout is a number of seconds above 0 and at most 86,400"),
        (("--torch-timeout", "-1"), "--torch-timeout: a timeout is a number of seconds above 0"),
        (
            ("--torch-cpu-limit", "9" * 5000),
            "--torch-cpu-limit: '9999999999999999999999999999999999999...' is too large a number",
        ),
        (("init", "--margin", "1e5000%"), "'1e5000' is too large a number"),
        (("init", "--margin", "1e99999999%"), "'1e99999999' is too large a number"),
        (("init", "--margin=-5%"), "is not a percentage from 0% to 1,000%"),
        (("match", "--multiple-of", "-3"), "--multiple-of: '-3' is not a whole number above 0"),
        (("match", "--multiple-of", "-3", "--sweep", "hidden_layers=1..3"), "--multiple-of: '-3' is not a whole"),
        (("match", "--sweep", "hidden_layers=1..100000"), "--sweep gives at most 1,000 rows"),
        (
            ("match", "--set", f"hidden_layers={'9' * 5000}"),
            "--set hidden_layers: '9999999999999999999999999999999999999...' is too large",
        ),
    ],
)
def test_option_values_out_of_range_exit_2(args, message):
    command, rest = (args[0], args[1:]) if args[0] in ("init", "match") else ("check", args)
    run = budget_check(command, *rest, "examples/specs/mlp.yaml")  # its timeout fails a hang
    assert (run.returncode, run.stdout) == (2, "")
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_the_mlp_closed_form_is_exact_on_huge_budgets(tmp_path):
    output = checked_within_a_deadline(
        tmp_path,
        "vars: {w: 16}\nmodel: {mlp: {input_dim: 8, hidden_dim: w, hidden_layers: 2, output_dim: 8}}\n"
        f"budget: {{min: {10**60}}}\n",
    )
    [width] = re.findall(r"suggestion: w: (\d+)", output)
    assert mlp_params(8, 8, 2, int(width)) >= 10**60 > mlp_params(8, 8, 2, int(width) - 1)


def test_the_width_search_is_bounded_where_most_widths_are_refused(tmp_path):
    """300 layers, then a block that takes only multiples of 999: once 2,000 full counts, now a few dozen."""
    layers = "".join(f"  - Linear: [width, {i % 7 + 1} * width]\n" for i in range(300))
    text = (
        "vars: {width: 9990}\nblocks:\n  check:\n    params: [d]\n    require: ['d % 999 == 0']\n"
        f"    body: [Identity]\nmodel:\n{layers}  - check: width\nmatch: {{reference: {{width: 4995}}, vary: width}}\n"
    )
    output = checked_within_a_deadline(tmp_path, text)
    assert "the spec refuses 32 values of width in a row from 9,989" in output


@pytest.mark.parametrize(
    "leaf",
    [
        "{Linear: [4, 4], name: x}",
        "{Linear: [4, 4], name: x}, {Linear: [4, 4], tie: x}",
        "{Linear: [4, 4], name: x}, {from: x}",
        "{Linear: [4, 4], name: x}, {Linear: [4, 4], tie: x, frozen: true}",
    ],
)
def test_a_fan_out_of_names_ties_and_skips_counts_each_distinct_use_once(monkeypatch, leaf):
    """Found by the fuzzing at 10,000 examples: named layers were counted anew at every use, 2^12 times here."""
    made = []
    count_part = counting._Counter._made
    monkeypatch.setattr(counting._Counter, "_made", lambda self, at: (made.append(at), count_part(self, at))[1])
    levels = "".join(f"  v{i}: [v{i - 1}, v{i - 1}]\n" for i in range(1, 13))
    spec = check_spec(f"vars:\n  v0: [{leaf}]\n{levels}model: [v12]\n")
    assert (spec.params, spec.status) == (2**12 * 20, "pass")
    assert len(made) < 100
