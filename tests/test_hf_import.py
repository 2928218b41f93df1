"""A spec that imports a Hugging Face config: `model: {hf_config: path, set: {...}}`.

The count is transformers' for the config with `set:` applied; the config's
keys are vars that match varies, --fix writes under `set:`, and --base reads
the config as it was at the revision.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.checks.check import check_text
from checker.project.fixing import edit_vars

from .test_cli import budget_check
from .test_hf import LLAMA_3_2_1B
from .test_hf_oracle import FAMILIES, HEADS, transformers_count

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

SMALL_LLAMA = {  # no head_dim: the head size is the width over the heads
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 1000,
    "rms_norm_eps": 1e-05,
}


def check_spec(text: str, config: dict, file: str = "spec.yaml"):
    """Check a spec whose hf_config reads `config`, whatever its path."""
    [spec] = check_text(text, file, Path("."), read_config=lambda path, at: config).specs
    return spec


def spec_text(overrides: dict | None = None, **top) -> str:
    model = {"hf_config": "config.json", **({"set": overrides} if overrides is not None else {})}
    return yaml.safe_dump({"model": model, **top}, sort_keys=False)


def transformers_params(config: dict) -> int:
    return transformers_count(json.dumps(config, sort_keys=True))[0]


def codes(spec) -> list[str]:
    return [finding.code for finding in spec.findings]


# ------------------------------------------------------------------ counts, against transformers
@pytest.mark.parametrize("model_type", sorted(FAMILIES))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_counts_what_transformers_builds_from_the_config_with_set_applied(model_type, data):
    from checker.language.presets import HF_FAMILIES

    head = data.draw(st.sampled_from(HEADS[model_type]))
    written = data.draw(FAMILIES[model_type])  # what the config with `set:` applied says
    elsewise = data.draw(FAMILIES[model_type])  # what the file says of the keys that `set:` sets
    overridden = data.draw(st.sets(st.sampled_from(sorted(written))))
    config = {"model_type": model_type, "architectures": [HF_FAMILIES[model_type] + head]}
    config.update({key: value for key, value in written.items() if key not in overridden})
    config.update({key: elsewise[key] for key in overridden if key in elsewise})
    spec = check_spec(spec_text({key: written[key] for key in overridden}), config)
    assert spec.tree is not None and codes(spec) == [], [f.message for f in spec.findings]
    expected = {**config, **written}
    counts = (spec.params, spec.trainable, spec.tree.embedding, spec.tree.active)
    assert counts == transformers_count(json.dumps(expected, sort_keys=True))


def test_set_values_are_computed_with_the_vars_and_the_config_keys():
    text = spec_text({"num_hidden_layers": "layers", "intermediate_size": "3 * hidden_size"}, vars={"layers": 3})
    spec = check_spec(text, SMALL_LLAMA)
    expected = {**SMALL_LLAMA, "num_hidden_layers": 3, "intermediate_size": 192}
    assert spec.params == transformers_params(expected)
    assert (spec.spec.vars["num_hidden_layers"], spec.spec.vars["intermediate_size"]) == (3, 192)


def test_the_config_counts_as_the_config_json_itself_and_takes_its_dtype():
    spec = check_spec(spec_text(), LLAMA_3_2_1B)
    assert (spec.params, spec.status, spec.spec.dtype) == (1_235_814_400, "pass", "bfloat16")


def test_set_may_choose_another_class():
    text = spec_text({"architectures": ["LlamaForSequenceClassification"], "num_labels": 3})
    expected = {**SMALL_LLAMA, "architectures": ["LlamaForSequenceClassification"], "num_labels": 3}
    assert check_spec(text, SMALL_LLAMA).params == transformers_params(expected)


# ------------------------------------------------------------------ never silently wrong
@pytest.mark.parametrize(
    ("overrides", "top", "expected"),
    [
        ({"frobnicate": 3, "zap": "x"}, {}, [("BC500", 4, "frobnicate, zap")]),  # as unknown config keys are
        ({"hidden_size": "widht"}, {}, [("BC021", 4, "unknown name 'widht'")]),
        ({}, {"vars": {"hidden_size": 32}}, [("BC022", 5, "'hidden_size' is also a key of the config")]),
        ({"architectures": ["LlamaForPony"]}, {}, [("BC503", 5, "LlamaForPony is not a llama class")]),
        ({"model_type": "pony"}, {}, [("BC502", 4, "'pony' is not a family")]),
    ],
)
def test_problems_are_located_in_the_spec(overrides, top, expected):
    spec = check_spec(spec_text(overrides, **top), SMALL_LLAMA)
    found = [(f.code, f.location.line, f.message) for f in spec.findings]
    assert [(code, line) for code, line, _ in found] == [(code, line) for code, line, _ in expected], found
    assert all(part in message for (_, _, message), (_, _, part) in zip(found, expected, strict=True))


def test_the_config_s_values_are_json_while_set_holds_expressions():
    """In the config, "64" is text, which LlamaConfig refuses for hidden_size; under `set:` it is an
    expression, and a value."""
    quoted = {**SMALL_LLAMA, "hidden_size": "64"}
    spec = check_spec(spec_text(), quoted)
    assert [(f.code, f.location.line) for f in spec.findings] == [("BC011", 2)]
    assert "`hidden_size`: LlamaForCausalLM's config takes a whole number here, not '64'" in spec.findings[0].message
    assert check_spec(spec_text({"hidden_size": "64"}), quoted).params == transformers_params(SMALL_LLAMA)


def test_a_pad_token_id_set_past_the_vocabulary_is_refused_at_its_line():
    spec = check_spec(spec_text({"pad_token_id": 5000}), SMALL_LLAMA)
    assert [(f.code, f.location.line) for f in spec.findings] == [("BC018", 4)]
    assert "pad_token_id 5000 is outside the vocab_size of 1000 rows" in spec.findings[0].message


def test_without_architectures_the_base_model_is_counted_with_a_note():
    config = {key: value for key, value in SMALL_LLAMA.items() if key != "architectures"}
    spec = check_spec(spec_text(), config)
    assert codes(spec) == ["BC504"] and spec.status == "pass"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ({"hf_config": "config.json", "repeat": 2}, "unknown model key 'repeat'"),
        ({"hf_config": "config.yaml"}, "model.hf_config must be the path of a config.json"),
        ({"hf_config": "config.json", "set": [1]}, "model.set must be a mapping of config keys to values"),
    ],
)
def test_the_import_is_checked_against_its_table(model, expected):
    spec = check_spec(yaml.safe_dump({"model": model}), SMALL_LLAMA)
    assert spec.tree is None and [expected in finding.message for finding in spec.findings] == [True]


@pytest.fixture
def repository(tmp_path):
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "config.json").write_text(json.dumps(SMALL_LLAMA, indent=2))
    return tmp_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("../outside/config.json", "hf_config ../outside/config.json: outside the repository"),
        ("/etc/config.json", "outside the repository"),
        ("link/config.json", "outside the repository"),  # a link out of the repository is followed, then refused
        ("missing/config.json", "cannot read the file"),
        ("not-json/config.json", "not valid JSON"),
        ("other/config.json", "not a Hugging Face config"),
    ],
)
def test_the_config_is_read_inside_the_repository_only(repository, tmp_path_factory, path, expected):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "config.json").write_text(json.dumps(SMALL_LLAMA))
    (repository / "link").symlink_to(outside)
    for folder, text in (("not-json", "{"), ("other", '{"name": "x"}')):
        (repository / folder).mkdir()
        (repository / folder / "config.json").write_text(text)
    (repository / "specs").mkdir()
    spec_file = repository / "specs" / "spec.yaml"
    spec_file.write_text(yaml.safe_dump({"model": {"hf_config": f"../{path}" if path[0] != "/" else path}}))
    [spec] = check_text(spec_file.read_text(), str(spec_file), spec_file.parent).specs
    assert codes(spec) == ["BC501"] and expected.split(": ")[-1] in spec.findings[0].message
    assert str(outside) not in spec.findings[0].message


# ------------------------------------------------------------------ match, --fix, --base
def test_a_matched_width_keeps_the_heads_dividing_it():
    spec = check_spec(
        spec_text({}, match={"vary": "hidden_size", "reference": 400_000, "tolerance": "5%"}), SMALL_LLAMA
    )
    [drift] = spec.findings
    suggestion = drift.suggestion
    assert (drift.code, suggestion.value % 8, spec.spec.match.multiple_of) == ("BC201", 0, 8)  # even head sizes
    matched = {**SMALL_LLAMA, "hidden_size": suggestion.value}
    assert suggestion.params == transformers_params(matched)


def test_a_config_with_a_head_size_of_its_own_keeps_it():
    config = {**SMALL_LLAMA, "head_dim": 16}
    spec = check_spec(spec_text({}, match={"vary": "hidden_size", "reference": 400_000, "tolerance": "5%"}), config)
    suggestion = spec.findings[0].suggestion
    assert (spec.spec.match.multiple_of, suggestion.value % 4) == (4, 0)
    matched = {**config, "hidden_size": suggestion.value}
    assert suggestion.params == transformers_params(matched)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("model: {hf_config: c.json, set: {a: 1}}\n", "model: {hf_config: c.json, set: {hidden_size: 96, a: 1}}\n"),
        ("model: {hf_config: c.json, set: {}}\n", "model: {hf_config: c.json, set: {hidden_size: 96}}\n"),
        ("model: {hf_config: c.json}\n", "model: {set: {hidden_size: 96}, hf_config: c.json}\n"),
        (
            "model:\n  hf_config: c.json\n  set:\n    a: 1  # kept\n",
            "model:\n  hf_config: c.json\n  set:\n    hidden_size: 96\n    a: 1  # kept\n",
        ),
        ("model:\n  hf_config: c.json\n", "model:\n  set: {hidden_size: 96}\n  hf_config: c.json\n"),
        (
            "model: {hf_config: c.json, set: {hidden_size: 64}}  # x\n",
            "model: {hf_config: c.json, set: {hidden_size: 96}}  # x\n",
        ),
    ],
)
def test_fix_writes_a_config_key_under_set(model, expected):
    text, [edit] = edit_vars(model, 1, {"hidden_size": 96})
    assert (text, edit.var, edit.new) == (expected, "hidden_size", "96")


def test_fix_through_the_command_writes_the_spec_and_never_the_config(repository):
    config = repository / "ckpt" / "config.json"
    before = config.read_bytes()
    spec_file = repository / "spec.yaml"
    spec_file.write_text(
        "model:\n  hf_config: ckpt/config.json\n  set: {num_hidden_layers: 4}\nbudget: 500k ± 1%\n"
        "match: {vary: hidden_size}\n"
    )
    result = budget_check("spec.yaml", "--fix", cwd=repository)
    assert "fixed hidden_size" in result.stdout, result.stdout + result.stderr
    assert config.read_bytes() == before
    assert "set: {hidden_size: " in spec_file.read_text()
    after = budget_check("spec.yaml", "--format", "json", cwd=repository)
    [checked] = json.loads(after.stdout)["specs"]
    assert checked["status"] == "pass"
    width = yaml.safe_load(spec_file.read_text())["model"]["set"]["hidden_size"]
    expected = {**SMALL_LLAMA, "num_hidden_layers": 4, "hidden_size": width}
    assert (width % 4, checked["params"]) == (0, transformers_params(expected))


def test_base_reads_the_config_as_it_was_at_the_revision(repository):
    def git(*args):
        subprocess.run(["git", "-c", "user.email=t@e", "-c", "user.name=t", *args], cwd=repository, check=True)

    (repository / "spec.yaml").write_text(
        "model: {hf_config: ckpt/config.json}\nmatch: {vary: hidden_size}\nbudget: 1M\n"
    )
    git("add", ".")
    git("commit", "-q", "-m", "first")
    config = repository / "ckpt" / "config.json"
    config.write_text(json.dumps({**SMALL_LLAMA, "num_hidden_layers": 3}))
    result = budget_check("spec.yaml", "--base", "main", "--format", "json", cwd=repository)
    [checked] = json.loads(result.stdout)["specs"]
    before, now = (transformers_params(c) for c in (SMALL_LLAMA, json.loads(config.read_text())))
    assert (checked["base_params"], checked["params"]) == (before, now)
    [note] = [finding for finding in checked["findings"] if finding["code"] == "BC202"]
    assert "num_hidden_layers 2 → 3" in note["message"] and note["suggestion"]["var"] == "hidden_size"


def test_the_command_counts_an_imported_config_end_to_end(repository):
    (repository / "spec.yaml").write_text("model: {hf_config: ckpt/config.json, set: {vocab_size: 500}}\n")
    result = budget_check("spec.yaml", cwd=repository)
    expected = transformers_params({**SMALL_LLAMA, "vocab_size": 500})
    assert f"spec.yaml: spec: {expected:,} params" in result.stdout, result.stdout + result.stderr


def test_the_match_command_keeps_the_family_s_step_for_a_config_key(repository):
    (repository / "spec.yaml").write_text("model: {hf_config: ckpt/config.json}\n")
    result = budget_check(
        "match",
        "spec.yaml",
        "--vary",
        "hidden_size",
        "--set",
        "num_hidden_layers=3",
        "--format",
        "json",
        cwd=repository,
    )
    report = json.loads(result.stdout)
    assert (report["value"] % 8, report["reference"]) == (0, transformers_params(SMALL_LLAMA))
    assert report["params"] == transformers_params(
        {**SMALL_LLAMA, "num_hidden_layers": 3, "hidden_size": report["value"]}
    )
