"""Which format reads a file: recognised by its marks, or pinned by a `# budget-check: format=...` line."""

from __future__ import annotations

import pytest

from checker import rules
from checker.checks.check import check_text
from checker.formats import FORMATS, HYDRA, LITGPT, ULTRALYTICS, recognise

# A Hydra primary config that also holds an inline LitGPT model config: both formats' marks.
BOTH = """\
defaults:
  - _self_
model_config:
  n_layer: 2
  n_embd: 64
  n_head: 4
  vocab_size: 100
  padding_multiple: 64
"""


def test_each_format_has_its_own_pin():
    assert len({f.pin for f in FORMATS}) == len(FORMATS)


@pytest.mark.parametrize(
    ("text", "formats", "codes"),
    [
        ("backbone: []\nhead: []\n", (ULTRALYTICS,), []),
        (BOTH, (HYDRA, LITGPT), []),
        ("# budget-check: format=litgpt\n" + BOTH, (LITGPT,), []),
        ("# budget-check: format=spec\nbackbone: []\nhead: []\n", (), []),
        ("# budget-check:format = hydra\n" + BOTH, (HYDRA,), []),
        ("# budget-check: format=yolo\nbackbone: []\nhead: []\n", (ULTRALYTICS,), [rules.UNKNOWN_FORMAT]),
    ],
)
def test_a_file_may_be_the_format_it_pins_else_each_whose_marks_it_has(text, formats, codes):
    recognition = recognise("model.yaml", text)
    assert recognition.formats == formats
    assert [finding.rule for finding in recognition.findings] == codes


def test_the_first_format_that_finds_a_model_reads_it_and_a_note_names_the_other():
    [ambiguous] = check_text(BOTH, "pretrain.yaml").specs  # Hydra finds no _target_ at its root: LitGPT reads it
    [note] = ambiguous.findings
    assert (note.rule, ambiguous.format, ambiguous.status) == (rules.AMBIGUOUS_FORMAT, "LitGPT config", "pass")
    assert "(Hydra config, LitGPT config): it is read as LitGPT config" in note.message
    assert "# budget-check: format=litgpt" in note.message


def test_a_pinned_format_is_read_without_a_note():
    [pinned] = check_text("# budget-check: format=litgpt\n" + BOTH, "pretrain.yaml").specs
    [unpinned] = check_text(BOTH, "pretrain.yaml").specs
    assert (pinned.format, pinned.findings, pinned.params) == ("LitGPT config", (), unpinned.params)
    assert check_text("# budget-check: format=hydra\n" + BOTH, "pretrain.yaml").skipped == 1


def test_an_unknown_pin_is_an_error_at_its_line_even_where_the_file_holds_no_model():
    [result] = check_text("# a comment\n# budget-check: format=yml\nx: 1\n", "notes.yaml").specs
    [finding] = result.findings
    assert (finding.rule, finding.location.line, result.status) == (rules.UNKNOWN_FORMAT, 2, "error")
    assert all(
        f"{pin}," in finding.message or f"{pin})" in finding.message for pin in ["spec", *(f.pin for f in FORMATS)]
    )
