"""Checking whole files: names, several documents, skipped documents, bad files."""

from __future__ import annotations

import os

import pytest

from checker.checks.check import check_file, check_text

MLP = "model: {mlp: {input_dim: 8, hidden_dim: 16, hidden_layers: 2, output_dim: 8}}\n"


def test_name_defaults_to_the_file_stem():
    [spec] = check_text(MLP, "specs/seed-mlp.yaml").specs
    assert (spec.name, spec.params, spec.status) == ("seed-mlp", 552, "pass")


def test_several_documents_are_numbered_and_others_skipped():
    text = MLP + "---\nname: named\n" + MLP + "---\njust: config\n---\n- a list\n"
    result = check_text(text, "many.yaml")
    assert [spec.name for spec in result.specs] == ["many#1", "named"]
    assert result.skipped == 2


def test_a_broken_document_does_not_hide_the_ones_before_it():
    result = check_text(MLP + "---\nmodel: [Linear: [1, 2]\n", "two.yaml")
    assert [(s.name, s.status) for s in result.specs] == [("two#1", "pass"), ("two#2", "error")]


def test_several_findings_in_one_spec():
    spec = check_text("model: [ReLU]\nbudgets: 1\nx-notes: mine\ndtype: float99\nbudget: 5Q\n", "s.yaml").specs[0]
    assert [f.code for f in spec.findings] == ["BC010", "BC011", "BC100"]  # in the order of the file


def test_binary_file(tmp_path):
    path = tmp_path / "weights.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    [spec] = check_file(path, "weights.yaml").specs
    assert [(f.code, f.message) for f in spec.findings] == [("BC005", "this is a binary file, not YAML text")]


@pytest.mark.parametrize("start", [b"", b"\xef\xbb\xbf"], ids=["plain", "after a byte order mark"])
def test_not_utf8(tmp_path, start):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(start + "model:\n  - Linear: [3, 4]  # caf\u00e9\n".encode("latin-1"))
    [spec] = check_file(path, "latin1.yaml").specs
    [finding] = spec.findings
    assert (finding.code, finding.location.line, finding.location.column) == ("BC005", 2, 26)
    assert finding.message == "the file is not UTF-8 text (byte 0xe9)"


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MLP.encode())
    assert check_file(path, "bom.yaml").specs[0].params == 552


def test_empty_file_has_no_specs(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    result = check_file(path, "empty.yaml")
    assert (result.specs, result.skipped) == ((), 0)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text(MLP)
    path.chmod(0)
    assert check_file(path, "secret.yaml").specs[0].findings[0].code == "BC007"


def test_dangling_symlink(tmp_path):
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "nowhere.yaml")
    assert check_file(link, "gone.yaml").specs[0].findings[0].code == "BC007"


def test_an_internal_error_becomes_a_finding(monkeypatch):
    import checker.checks.check

    def broken(spec):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(checker.checks.check, "count_with_warnings", broken)
    [spec] = check_text(MLP, "x.yaml").specs
    assert [(f.code, f.message) for f in spec.findings] == [("BC008", "internal error: ZeroDivisionError: oops")]
