"""The result cache: the same output from it as without it, and nothing in the folder is trusted."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from checker import cli
from checker.formats.ultralytics import importing
from checker.project import cache

ROOT = Path(__file__).parent.parent
MLP = "model: {mlp: {input_dim: 8, hidden_dim: 16, hidden_layers: 2, output_dim: 8}}\n"
EXTRA_SPECS = {
    "two-documents.yaml": MLP + "budget: 1M\n---\nname: other\n" + MLP + "budget: 100\n---\njust: yaml\n",
    "budgets.yaml": MLP + "budget: {max: 1M, trainable: {min: 10}, memory: {max: 1MiB, dtype: bfloat16}}\n",
    "target.yaml": MLP + "budget: 600 ± 2%\n",
    "experts.yaml": "model:\n  - Linear: [4, 4]\n    repeat: 2\n    routed: {experts: 2, per_token: 1}\n"
    + "budget: {active: 10}\n",
    "binary.yaml": "model: \0\n",
    "match-count.yaml": "vars: {hidden_dim: 16}\n"
    + MLP.replace("hidden_dim: 16", "hidden_dim: hidden_dim")
    + "match: {reference: 700, vary: hidden_dim}\n",
    "match-file.yaml": "vars: {hidden_dim: 16}\n"
    + MLP.replace("hidden_dim: 16", "hidden_dim: hidden_dim")
    + "match: {reference: target.yaml, vary: hidden_dim}\n",
}


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with passing, failing and invalid specs, checked from its root."""
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "examples" / "specs", specs)
    shutil.copytree(ROOT / "examples" / "failing", specs / "failing")
    shutil.copytree(ROOT / "tests" / "fixtures" / "invalid", specs / "invalid")
    for name, text in EXTRA_SPECS.items():
        (specs / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'models'\n")
    monkeypatch.chdir(tmp_path)
    for variable in [name for name in os.environ if name.startswith("GITHUB_")]:
        monkeypatch.delenv(variable)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    output = io.StringIO()
    status = cli.main(list(args), output)
    return status, output.getvalue()


def computed(monkeypatch) -> list[str]:
    """The files that are checked afresh from now on (not read from the cache)."""
    files: list[str] = []
    check_bytes = cache.check_bytes

    def counting(data, file, *args):
        files.append(file)
        return check_bytes(data, file, *args)

    monkeypatch.setattr(cache, "check_bytes", counting)
    return files


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif"])
def test_a_second_check_prints_the_same_from_the_cache(project, monkeypatch, output_format):
    fresh = run("specs", "--format", output_format, "--no-cache")
    first = run("specs", "--format", output_format)
    files = computed(monkeypatch)
    second = run("specs", "--format", output_format)
    assert first == fresh
    assert second == fresh
    assert files == [str(Path("specs") / "match-file.yaml")]  # it reads another file: never cached


def test_other_counts_are_counted_and_kept_only_for_a_run_that_reports_them(project, monkeypatch):
    """Ultralytics' fused count costs a count: a text run neither counts nor keeps it; a JSON run then checks
    the file again to give it, and keeps the fuller entry, which serves both."""
    shutil.copyfile(ROOT / "examples" / "ultralytics" / "detector.yaml", project / "specs" / "detector.yaml")
    fresh = {form: run("specs/detector.yaml", "--format", form, "--no-cache") for form in ("text", "json")}
    fused: list[object] = []
    count_fused = importing.count_fused
    monkeypatch.setattr(importing, "count_fused", lambda *args: fused.append(args) or count_fused(*args))
    files = computed(monkeypatch)
    assert run("specs/detector.yaml") == fresh["text"]
    assert (files, fused) == (["specs/detector.yaml"], [])
    assert run("specs/detector.yaml", "--format", "json") == fresh["json"]
    assert run("specs/detector.yaml", "--format", "json") == fresh["json"]
    assert run("specs/detector.yaml") == fresh["text"]
    assert files == ["specs/detector.yaml"] * 2
    assert len(fused) == 2  # its two scales, once


def test_an_entry_without_other_counts_to_give_serves_a_json_run(project, monkeypatch):
    run("specs/mlp.yaml")
    files = computed(monkeypatch)
    assert run("specs/mlp.yaml", "--format", "json") == run("specs/mlp.yaml", "--format", "json", "--no-cache")
    assert files == []


def test_the_folder_is_ignored_by_git_and_readable_only_by_its_owner(project):
    run("specs")
    folder = project / cache.FOLDER
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    if hasattr(os, "getuid"):
        assert folder.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "args, config",
    [(["--no-cache"], ""), ([], "[tool.budget-check]\ncache = false\n"), (["--fix"], ""), (["--base", "HEAD"], "")],
    ids=["--no-cache", "config", "--fix", "--base"],
)
def test_no_cache_is_written_when_turned_off_or_off_the_default_path(project, args, config):
    if config:
        (project / "pyproject.toml").write_text(config)
    run("specs/mlp.yaml", *args)
    assert not (project / cache.FOLDER).exists()


def test_a_changed_file_is_checked_again(project, monkeypatch):
    run("specs")
    spec = project / "specs" / "target.yaml"
    spec.write_text(spec.read_text().replace("600", "500"))
    files = computed(monkeypatch)
    status, output = run("specs/target.yaml")
    assert (status, files) == (1, ["specs/target.yaml"])
    assert "BC103" in output


def test_a_spec_that_imports_a_config_is_checked_again_when_the_config_changes(project, monkeypatch):
    (project / "specs" / "imports.yaml").write_text("model: {hf_config: ckpt/config.json}\n")
    status, output = run("specs/imports.yaml")  # the config is missing: an error, not kept
    assert (status, "BC501" in output) == (1, True), output
    (project / "specs" / "ckpt").mkdir()
    shutil.copyfile(
        ROOT / "examples" / "hf" / "llama-3.2-1b" / "config.json", project / "specs" / "ckpt" / "config.json"
    )
    files = computed(monkeypatch)
    status, output = run("specs/imports.yaml")
    assert (status, files) == (0, ["specs/imports.yaml"]), output
    assert "1,235,814,400 params" in output


def test_a_new_version_does_not_trust_the_old_entries(project, monkeypatch):
    run("specs/mlp.yaml")
    monkeypatch.setattr(cache, "__version__", "99.0")
    files = computed(monkeypatch)
    run("specs/mlp.yaml")
    assert files == ["specs/mlp.yaml"]


@pytest.mark.parametrize(
    ("change", "trusted"),
    [
        (lambda code: (code / "language" / "counting.py").write_text("return 2 * count"), False),
        (lambda code: os.utime(code / "language" / "counting.py", ns=(1, 10**18)), False),  # same size
        (lambda code: (code / "language" / "new.py").write_text(""), False),
        (lambda code: (code / "language" / "counting.py").unlink(), False),
        (lambda code: (code / "__pycache__" / "counting.cpython-311.pyc").write_bytes(b"\0"), True),
    ],
    ids=["edited", "touched", "file-added", "file-removed", "bytecode-written"],
)
def test_other_code_under_the_same_version_does_not_trust_the_old_entries(project, monkeypatch, change, trusted):
    """A pre-commit hook pinned to another commit, or an edited checkout: the same version, other code."""
    code = project / "installed" / "checker"
    (code / "language").mkdir(parents=True)
    (code / "__pycache__").mkdir()
    (code / "language" / "counting.py").write_text("return count")
    monkeypatch.setattr(cache, "PACKAGE", code)
    run("specs/mlp.yaml")
    change(code)
    files = computed(monkeypatch)
    run("specs/mlp.yaml")
    assert files == ([] if trusted else ["specs/mlp.yaml"])


def test_another_tolerance_does_not_use_the_entries_of_the_first(project, monkeypatch):
    run("specs/match-count.yaml")
    (project / "pyproject.toml").write_text('[tool.budget-check]\ntolerance = "50%"\n')
    files = computed(monkeypatch)
    run("specs/match-count.yaml")
    assert files == ["specs/match-count.yaml"]


def entry_files(project: Path) -> list[Path]:
    """The cache's entries, one file each, oldest first (by the time of the entry itself, not of a link's target)."""
    folder = project / cache.FOLDER
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if len(p.name) == 64), key=lambda p: p.lstat().st_mtime_ns)


def forge(project: Path, key: bytes) -> None:
    """What an attacker commits: entries that say the failing specs pass, signed with `key`."""
    run("specs/failing")
    for path in entry_files(project):
        entry = json.loads(path.read_bytes().partition(b"\n")[2])
        for spec in entry["specs"]:
            spec["findings"] = []
        body = json.dumps(entry).encode()
        path.write_bytes(cache._sign(path.name.encode() + b"\n" + body, key).encode() + b"\n" + body)


def test_entries_signed_with_another_key_are_not_trusted(project):
    forge(project, b"0" * 64)
    assert run("specs/failing")[0] == 1


def test_entries_signed_with_this_users_key_are_trusted(project, user_cache_folder):
    # The same forgery with the real key passes: the key is what keeps committed entries out.
    forge(project, (user_cache_folder / "key").read_bytes())
    assert run("specs/failing")[0] == 0


@pytest.mark.parametrize("hostile", ["a link to a folder", "a file", "links as the entries", "garbage entries"])
def test_a_hostile_cache_folder_is_treated_as_absent(project, tmp_path_factory, hostile):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    folder = project / cache.FOLDER
    expected = run("specs", "--no-cache")
    if hostile == "a link to a folder":
        folder.symlink_to(elsewhere, target_is_directory=True)
    elif hostile == "a file":
        folder.write_text("not a folder")
    else:
        run("specs")  # the entries of every file, whose names an attacker can work out
        for index, path in enumerate(entry_files(project)):
            path.unlink()
            if hostile == "links as the entries":
                path.symlink_to(elsewhere / f"target{index}")
                (elsewhere / f"target{index}").write_text("untouched")
            elif hostile == "garbage entries":
                path.write_bytes(b"\xff" * 100)
    planted = {path: os.readlink(path) if path.is_symlink() else path.read_bytes() for path in entry_files(project)}
    assert run("specs") == expected
    assert run("specs") == expected
    assert all(target.read_text() == "untouched" for target in elsewhere.iterdir())
    # What a pull request planted stays as it was: never replaced, never removed.
    assert {path: os.readlink(path) if path.is_symlink() else path.read_bytes() for path in planted} == planted


def test_the_cache_keeps_the_entries_written_last(project, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    for name in ("mlp.yaml", "vgg16.yaml", "gpt2-small.yaml"):
        run(f"specs/{name}")
        os.utime(entry_files(project)[-1], ns=(0, 10**18 + len(name)))  # written in that order, whatever the clock
    kept = [json.loads(path.read_bytes().partition(b"\n")[2])["path"] for path in entry_files(project)]
    assert kept == ["specs/vgg16.yaml", "specs/gpt2-small.yaml"]


def test_forgetting_the_oldest_removes_only_entries_we_wrote(project, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 1)
    folder = project / cache.FOLDER
    run("specs/mlp.yaml")
    planted = folder / ("0" * 64)
    planted.write_text("committed by a pull request")
    os.utime(planted, ns=(0, 0))  # the oldest of all
    run("specs/vgg16.yaml")
    run("specs/gpt2-small.yaml")
    assert planted.read_text() == "committed by a pull request"
    ours = [path for path in entry_files(project) if path != planted]
    assert [json.loads(path.read_bytes().partition(b"\n")[2])["path"] for path in ours] == ["specs/gpt2-small.yaml"]


def test_an_entry_moved_to_another_name_is_not_trusted(project):
    """A signature covers the entry's name: an entry of the failing spec renamed as the passing one's is refused."""
    (project / "specs" / "one.yaml").write_text("model: {Linear: [2, 2]}\nbudget: 1\n")
    run("specs/one.yaml")
    [failing] = entry_files(project)
    (project / "specs" / "one.yaml").write_text("model: {Linear: [2, 2]}\nbudget: 10\n")
    run("specs/one.yaml")
    [passing] = [path for path in entry_files(project) if path != failing]
    os.replace(failing, passing)
    assert run("specs/one.yaml")[0] == 0


def test_the_digests_are_hashlib_s_without_loading_it():
    """The cache hashes with CPython's own SHA-256 and BLAKE2: the same digests as hashlib's."""
    from checker.project import cache

    data, key = b"model:\n  - Linear: [4, 4]\n", bytes(range(32))
    assert cache.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    signed = cache.blake2b(data, key=key, digest_size=32).hexdigest()
    assert signed == hashlib.blake2b(data, key=key, digest_size=32).hexdigest()
