"""Hugging Face config.json: read as the class its `architectures` names, counted by its family's preset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.checks.check import check_text
from checker.project.config import load_config
from checker.project.discovery import spec_files

from .test_cli import budget_check

LLAMA_3_2_1B = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "num_hidden_layers": 16,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "head_dim": 64,
    "vocab_size": 128256,
    "tie_word_embeddings": True,
    "rope_scaling": {"factor": 32.0, "rope_type": "llama3"},
    "rope_theta": 500000.0,
    "rms_norm_eps": 1e-05,
    "torch_dtype": "bfloat16",
}


def check_config(config: dict, file: str = "llama/config.json"):
    [spec] = check_text(json.dumps(config, indent=2), file).specs
    return spec


def test_a_config_counts_as_its_class():
    spec = check_config(LLAMA_3_2_1B)
    assert (spec.params, spec.name, spec.status, spec.findings) == (1_235_814_400, "llama", "pass", ())
    assert spec.spec.dtype == "bfloat16"


def test_unknown_keys_are_one_warning_listing_them_all():
    spec = check_config({**LLAMA_3_2_1B, "frobnicate": 3, "zap": "x"})
    [warning] = spec.findings
    assert (warning.code, warning.severity, warning.location.line) == ("BC500", "warning", 21)
    assert "frobnicate, zap" in warning.message and "--torch" in warning.message
    assert spec.params == 1_235_814_400


def test_without_architectures_the_base_model_is_counted_with_a_note():
    config = {key: value for key, value in LLAMA_3_2_1B.items() if key != "architectures"}
    spec = check_config(config)
    assert [(f.code, f.severity) for f in spec.findings] == [("BC504", "note")]
    assert "LlamaModel" in spec.findings[0].message
    assert spec.params == 1_235_814_400  # tied: the head adds nothing


@pytest.mark.parametrize(
    ("change", "code", "named"),
    [
        ({"model_type": "frobformer"}, "BC502", ["llama", "--torch"]),
        ({"architectures": ["LlamaForPoetry"]}, "BC503", ["LlamaForCausalLM", "--torch"]),
        ({"architectures": ["BertModel"]}, "BC503", ["LlamaModel"]),
    ],
)
def test_unknown_families_and_classes_are_errors_naming_what_is_known(change, code, named):
    spec = check_config({**LLAMA_3_2_1B, **change})
    [error] = spec.findings
    assert (error.code, spec.status) == (code, "error")
    assert all(name in error.message for name in named)


def test_invalid_json_is_a_located_finding():
    [spec] = check_text('{\n  "model_type": "llama",\n  "hidden_size": ,\n}', "x/config.json").specs
    [error] = spec.findings
    assert (error.code, error.location.line, error.location.column) == ("BC501", 3, 18)


def test_a_json_file_of_another_tool_is_skipped():
    result = check_text('{"compilerOptions": {"model_type": 1}}', "tsconfig/config.json")
    assert (result.specs, result.skipped) == ((), 1)


def test_folders_discover_config_json_files(tmp_path):
    (tmp_path / "llama").mkdir()
    (tmp_path / "llama" / "config.json").write_text(json.dumps(LLAMA_3_2_1B))
    (tmp_path / "other.json").write_text("{}")
    assert spec_files([str(tmp_path)]) == [tmp_path / "llama" / "config.json"]


def test_budgets_come_from_pyproject(tmp_path):
    for name in ("small", "large"):
        (tmp_path / "checkpoints" / name).mkdir(parents=True)
        (tmp_path / "checkpoints" / name / "config.json").write_text(json.dumps(LLAMA_3_2_1B))
    (tmp_path / "pyproject.toml").write_text(
        "[tool.budget-check]\n"
        'paths = ["checkpoints"]\n'
        "[tool.budget-check.budgets]\n"
        '"checkpoints/small/config.json" = "1B"\n'
        '"checkpoints/*/config.json" = { max = "1.3B", memory = { max = "3GiB", dtype = "bfloat16" } }\n'
    )
    config = load_config(tmp_path)
    assert config.budget_for(tmp_path / "checkpoints" / "small" / "config.json").params.max == 1_000_000_000
    run = budget_check("--format", "json", cwd=tmp_path)
    results = {spec["name"]: spec for spec in json.loads(run.stdout)["specs"]}
    assert (results["small"]["status"], results["large"]["status"]) == ("fail", "pass")
    assert results["small"]["file"] == "checkpoints/small/config.json"


def test_a_config_without_a_budget_is_counted(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(LLAMA_3_2_1B))
    run = budget_check("config.json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1,235,814,400 params" in run.stdout


def test_show_takes_a_config(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(LLAMA_3_2_1B))
    run = budget_check("show", "config.json", cwd=tmp_path)
    assert "LlamaForCausalLM" in run.stdout and "1,235,814,400" in run.stdout


def test_active_and_non_embedding_budgets_come_from_pyproject(tmp_path):
    (tmp_path / "mixtral").mkdir()
    mixtral = Path(__file__).parent.parent / "examples" / "hf" / "mixtral-8x7b" / "config.json"
    (tmp_path / "mixtral" / "config.json").write_text(mixtral.read_text())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.budget-check.budgets]\n"*/config.json" = { active = "12B", non_embedding = { max = "47B" } }\n'
    )
    run = budget_check("--format", "json", "mixtral/config.json", cwd=tmp_path)
    [spec] = json.loads(run.stdout)["specs"]
    assert spec["non_embedding"] < 47e9 and spec["active"] > 12e9
    assert [
        (f["code"], "active params is over the budget of 12,000,000,000" in f["message"]) for f in spec["findings"]
    ] == [("BC107", True)]


@pytest.mark.parametrize("model_type", ["mixtral", "qwen2_moe", "qwen3_moe"])
def test_a_mixture_of_experts_layer_gives_the_hidden_size_so_the_layers_are_one_row(model_type):
    prefix = {"mixtral": "Mixtral", "qwen2_moe": "Qwen2Moe", "qwen3_moe": "Qwen3Moe"}[model_type]
    config = {
        "architectures": [f"{prefix}ForCausalLM"],
        "model_type": model_type,
        "hidden_size": 64,
        "intermediate_size": 128,
        "moe_intermediate_size": 32,
        "shared_expert_intermediate_size": 48,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "num_local_experts": 4,
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "vocab_size": 100,
    }
    spec = check_config(config, f"{model_type}/config.json")
    [layers] = [part for part in spec.tree.children[0].children if part.label == "layers"]
    assert (layers.output, layers.copies) == (64, 3)
    assert all(child.label != "layers" for child in layers.children)  # not split into a first copy and the rest


def test_a_t5_dense_act_fn_written_replaces_the_activation_feed_forward_proj_names():
    """T5Config sets a written dense_act_fn after deriving it: xIELU's parameters are then never built, and
    only feed_forward_proj's `gated-` still counts."""
    small = {"model_type": "t5", "architectures": ["T5Model"], "d_model": 8, "d_kv": 2, "d_ff": 6, "num_layers": 1}
    written = check_config({**small, "feed_forward_proj": "gated-xielu", "dense_act_fn": "relu"}, "t5/config.json")
    assert written.findings == ()
    assert written.params == check_config({**small, "feed_forward_proj": "gated-relu"}, "t5/config.json").params
    assert [f.code for f in check_config({**small, "feed_forward_proj": "xielu"}, "t5/config.json").findings] == [
        "BC507"
    ]


def test_a_null_key_beside_an_activation_leaves_its_check_in_place():
    """A key written as `null:` (YAML) is an unknown key; it must not read as the key that replaces another's
    activation, which would let xIELU or PReLU be counted without their parameters."""
    [spec] = check_text(
        "model:\n  LlamaModel: {hidden_size: 64, num_attention_heads: 4, intermediate_size: 32, "
        "num_hidden_layers: 1, vocab_size: 10, hidden_act: prelu, null: 3}\n",
        "spec.yaml",
    ).specs
    assert "BC507" in [f.code for f in spec.findings]
