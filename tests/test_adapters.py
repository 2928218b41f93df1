"""LoRA adapters: adapter_config.json and a spec's `lora:` key, checked against peft itself.

peft builds the adapter on transformers' model, on the meta device, for
adapters and models that hypothesis draws; the published figures are met;
every option budget-check does not count is a finding.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.checks.check import check_file, check_text
from checker.language.adapters import EXPERT_TARGETS, pattern_repeats
from checker.language.adapting import iter_modules, output_head
from checker.language.presets import HF_FAMILIES
from checker.language.validation import Invalid
from tests.test_hf_oracle import FAMILIES, HEADS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::UserWarning")
ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
LLAMA_PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def transformers_model(config: dict):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    with torch.device("meta"):
        return getattr(transformers, config["architectures"][0])(transformers.AutoConfig.for_model(**config))


def peft_count(config: dict, lora: dict) -> tuple[int, int] | str:
    """(params, trainable) of get_peft_model on transformers' model, or the name of the error peft raises."""
    peft = pytest.importorskip("peft")
    torch = pytest.importorskip("torch")
    model = transformers_model(config)
    try:
        with torch.device("meta"):
            adapted = peft.get_peft_model(model, peft.LoraConfig(**json.loads(json.dumps(lora))))
    except (ValueError, TypeError, NotImplementedError, AttributeError) as error:
        return type(error).__name__
    parameters = list(adapted.parameters())
    return sum(p.numel() for p in parameters), sum(p.numel() for p in parameters if p.requires_grad)


def spec_result(config: dict, lora: dict):
    spec = {"model": {config["architectures"][0]: config}, "lora": lora}
    [result] = check_text(json.dumps(spec), "drawn/spec.yaml").specs
    return result


def budget_check_count(config: dict, lora: dict) -> tuple[int, int] | list[str]:
    result = spec_result(config, lora)
    if result.tree is None:
        return [finding.code for finding in result.findings]
    assert [f.code for f in result.findings] == [], [f.message for f in result.findings]
    return result.params, result.trainable


# ------------------------------------------------------------------ the oracle
def adaptable_classes():
    return [(family, HF_FAMILIES[family] + head) for family in sorted(FAMILIES) for head in HEADS[family]]


def module_paths(config: dict) -> list[tuple[str, str]]:
    """(path, kind) of every module of the model, as budget-check sees them."""
    [result] = check_text(json.dumps({"model": {config["architectures"][0]: config}}), "drawn/spec.yaml").specs
    assert result.tree is not None
    return sorted({(path, part.kind) for path, part in iter_modules(result.tree) if path})


def suffixes(path: str) -> list[str]:
    """The names peft matches a module by: its path's last one, two and three segments, and the whole path."""
    segments = path.split(".")
    return sorted({".".join(segments[-n:]) for n in (1, 2, 3)} | {path})


def as_regex(path: str) -> str:
    """A regular expression for the path with any number in its first layer: peft matches it on the whole path."""
    return re.sub(r"\\.\d+\\.", r"\\.\\d+\\.", re.escape(path), count=1)


@st.composite
def loras(draw, modules: list[tuple[str, str]]) -> dict:
    """An adapter on these modules: targets by names, dotted suffixes, whole paths or regexes, and every option
    that changes the count."""
    adaptable = [path for path, kind in modules if kind in ("Linear", "Embedding")]
    names = sorted({name for path in adaptable for name in suffixes(path)})
    lora: dict = {"r": draw(st.integers(1, 6))}
    targets = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    form = draw(st.sampled_from(["names", "alternatives", "paths", "all-linear"]))
    if form == "alternatives":  # a regex of names after any prefix
        targets = [name.rpartition(".")[2] for name in targets]
        lora["target_modules"] = r".*\.(" + "|".join(re.escape(name) for name in targets) + ")"
    elif form == "paths":
        paths = draw(st.lists(st.sampled_from(adaptable), min_size=1, max_size=3, unique=True))
        lora["target_modules"] = "|".join(as_regex(path) for path in paths)
    else:
        lora["target_modules"] = "all-linear" if form == "all-linear" else targets
    if draw(st.booleans()):
        keys = st.sampled_from(names) | st.sampled_from(adaptable).map(as_regex)
        lora["rank_pattern"] = draw(st.dictionaries(keys, st.integers(1, 6), min_size=1, max_size=2))
    if form == "names" and draw(st.booleans()):
        lora["layers_to_transform"] = draw(st.lists(st.integers(0, 2), min_size=1, max_size=2, unique=True))
        layered = sorted({m[1] for path in adaptable for m in re.finditer(r"(?:^|\.)([^.]+)\.\d+\.", path)})
        if layered and draw(st.booleans()):
            lora["layers_pattern"] = draw(st.sampled_from(layered) | st.lists(st.sampled_from(layered), min_size=1))
    if form != "paths" and draw(st.booleans()):
        lora["exclude_modules"] = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2))
    if draw(st.booleans()):
        saved = sorted({path.rpartition(".")[2] for path, _ in modules})
        lora["modules_to_save"] = draw(st.lists(st.sampled_from(saved), max_size=1))
    lora["task_type"] = draw(st.sampled_from([None, "CAUSAL_LM", "SEQ_CLS", "TOKEN_CLS", "FEATURE_EXTRACTION"]))
    lora["use_dora"] = draw(st.booleans())
    lora["bias"] = draw(st.sampled_from(["none", "all", "lora_only"]))
    lora["lora_bias"] = draw(st.booleans())
    return lora


@pytest.mark.parametrize(("model_type", "class_name"), adaptable_classes())
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_counts_what_peft_builds(model_type, class_name, data):
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    lora = data.draw(loras(module_paths(config)))
    theirs = peft_count(config, lora)
    ours = budget_check_count(config, lora)
    if ours == ["BC511"]:  # what budget-check does not count is said, never guessed
        message = spec_result(config, lora).findings[0].message
        assert (
            model_type in EXPERT_TARGETS
            or "inside the outer one's wrapper" in message
            or "peft's own wrappers" in message
        )
    elif isinstance(theirs, str):  # peft refuses it (a target it cannot adapt, none found): an error finding
        assert ours == ["BC512"], (ours, theirs)
    else:
        assert ours == theirs


@pytest.mark.parametrize(("model_type", "class_name"), adaptable_classes())
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_module_paths_are_transformers_own(model_type, class_name, data):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config = {"model_type": model_type, "architectures": [class_name], **data.draw(FAMILIES[model_type])}
    model = transformers_model(config)
    kinds = (torch.nn.Linear, torch.nn.Embedding, transformers.pytorch_utils.Conv1D)
    theirs = {name for name, module in model.named_modules() if isinstance(module, kinds)}
    [result] = check_text(json.dumps({"model": {class_name: config}}), "drawn/spec.yaml").specs
    ours = {path for path, part in iter_modules(result.tree) if part.kind in ("Linear", "Embedding")}
    assert ours == theirs
    head = model.get_output_embeddings()
    assert output_head(class_name) == next((name for name, module in model.named_modules() if module is head), None)


# ------------------------------------------------------------------ published figures
def adapter(folder: Path, base: str | None, **lora) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "lora_alpha": 32, "inference_mode": True, **lora}
    if base is not None:
        config["base_model_name_or_path"] = base
    path = folder / "adapter_config.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def test_llama_3_2_1b_with_r16_on_all_seven_projections():
    [result] = check_file(EXAMPLES / "peft/llama-3.2-1b-lora/adapter_config.json", "adapter_config.json").specs
    assert (result.params, result.trainable, list(result.findings)) == (1_247_086_592, 11_272_192, [])


def test_llama_3_8b_with_r8_on_q_v_o_and_the_mlp(tmp_path):
    (tmp_path / ".git").mkdir()
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text((EXAMPLES / "hf/llama-3.1-8b/config.json").read_text())  # Llama-3's shapes
    targets = ["q_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    path = adapter(tmp_path / "ft", "../base", r=8, target_modules=targets)
    [result] = check_file(path, "adapter_config.json").specs
    assert (result.trainable, result.params - result.trainable) == (19_660_800, 8_030_261_248)


# ------------------------------------------------------------------ findings
def test_a_base_model_that_is_not_in_the_repository_is_a_finding_never_a_download(tmp_path):
    (tmp_path / ".git").mkdir()
    outside = tmp_path.parent / "outside-base"
    outside.mkdir(exist_ok=True)
    (outside / "config.json").write_text((EXAMPLES / "hf/llama-3.2-1b/config.json").read_text())
    for named in ("meta-llama/Llama-3.2-1B", "../../outside-base", None):
        path = adapter(tmp_path / "ft", named, target_modules=["q_proj"])
        [result] = check_file(path, "ft/adapter_config.json").specs
        assert [f.code for f in result.findings] == ["BC510"]
        assert "never downloads" in result.findings[0].message
    (tmp_path / "ft" / "config.json").symlink_to(outside / "config.json")  # beside it, but a link out
    [result] = check_file(tmp_path / "ft" / "adapter_config.json", "ft/adapter_config.json").specs
    assert [f.code for f in result.findings] == ["BC510"]


LLAMA = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "vocab_size": 32,
    "hidden_size": 16,
    "intermediate_size": 24,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
}


@pytest.mark.parametrize(
    ("lora", "code"),
    [
        ({"target_modules": ["q_proj"], "layer_replication": [[0, 2]]}, "BC511"),
        ({"target_modules": ["q_proj"], "use_qalora": True}, "BC511"),
        ({"target_modules": ["q_proj"], "peft_type": "IA3"}, "BC511"),
        ({"target_modules": ["q_proj"], "task_type": "QUESTION_ANS"}, "BC511"),
        ({"target_modules": ["nothing_here"]}, "BC512"),
        ({"target_modules": []}, "BC512"),  # names none, so matches none
        ({"target_modules": ["input_layernorm"]}, "BC512"),
        ({"target_modules": ["self_attn"]}, "BC511"),
        ({"target_modules": ["q_proj"], "lora_bias": True, "use_dora": True}, "BC512"),
        ({"target_modules": ".*q_proj", "layers_to_transform": [0]}, "BC512"),
        ({"target_modules": ["q_proj"], "layers_pattern": "layers"}, "BC512"),
        (
            {"target_modules": ["q_proj", "score"], "task_type": "TOKEN_CLS", "class": "LlamaForTokenClassification"},
            "BC512",
        ),
        ({"target_modules": ["q_proj"], "task_type": "CAUSAL_LM", "class": "LlamaModel"}, "BC512"),
        ({"target_modules": ["q_proj"], "modules_to_save": ["attn"]}, "BC511"),  # self_attn, which holds q_proj
        ({"target_modules": ["q_proj"], "modules_to_save": ["layers"]}, "BC512"),
        ({"target_modules": ["q_proj"], "modules_to_save": ["model"]}, "BC511"),  # base_model.model: all of it
        ({"target_modules": ["q_proj"], "modules_to_save": ["_model"]}, "BC511"),  # base_model, as text
        ({"target_modules": ["q_proj", "layers"]}, "BC512"),
        ({"target_modules": "(a+)+b"}, "BC011"),
        ({"target_modules": ["q_proj"], "r": 0}, "BC011"),
        ({"target_modules": ["q_proj"], "bias": "some"}, "BC011"),
    ],
)
def test_what_budget_check_does_not_count_or_peft_refuses_is_an_error(lora, code):
    class_name = lora.pop("class", LLAMA["architectures"][0])
    config = {**LLAMA, "architectures": [class_name]}
    result = spec_result(config, lora)
    assert result.tree is None
    assert code in [finding.code for finding in result.findings]
    if code == "BC512":
        assert isinstance(peft_count(config, lora), str)  # peft refuses it too


def test_peft_default_targets_when_the_adapter_names_none():
    assert budget_check_count(LLAMA, {"r": 2}) == peft_count(LLAMA, {"r": 2})
    assert budget_check_count({**LLAMA, "model_type": "phi3", "architectures": ["Phi3ForCausalLM"]}, {}) == ["BC512"]


def test_an_unknown_key_is_one_warning_and_the_count_stands():
    result = spec_result(LLAMA, {"target_modules": ["q_proj"], "frobnicate": 1, "wibble": 2})
    assert [f.code for f in result.findings] == ["BC500"]
    assert "frobnicate" in result.findings[0].message and "wibble" in result.findings[0].message
    assert (result.params, result.trainable) == peft_count(LLAMA, {"target_modules": ["q_proj"]})


def test_a_repeat_of_a_user_spec_is_numbered_as_torch_numbers_it():
    spec = {
        "model": [{"Linear": [4, 4], "repeat": 3, "name": "layers"}, {"Linear": [4, 2], "name": "head"}],
        "lora": {"r": 1, "target_modules": r"layers\.\d+", "rank_pattern": {r"layers\.2": 2}},
    }
    [result] = check_text(json.dumps(spec), "spec.yaml").specs
    assert [f.code for f in result.findings] == []
    # layers.0 and layers.1 at rank 1 (8 each), layers.2 at rank 2 (16); the base is frozen.
    assert (result.params, result.trainable) == (3 * 20 + 10 + 32, 32)


def test_the_adapted_tree_builds_in_torch_with_the_same_count():
    pytest.importorskip("torch")
    from checker.torch.build import build_spec, count_module

    lora = {"target_modules": "all-linear", "use_dora": True, "modules_to_save": ["lm_head"], "bias": "all"}
    result = spec_result({**LLAMA, "tie_word_embeddings": True}, lora)
    counted = count_module(build_spec(result.tree))
    assert (counted.params, counted.trainable) == (result.params, result.trainable)


def test_an_adapter_result_is_not_cached_since_it_reads_another_file(tmp_path):
    from checker.project.cache import cacheable

    (tmp_path / ".git").mkdir()
    path = adapter(tmp_path / "ft", None, target_modules=["q_proj"])
    assert not cacheable(check_file(path, "ft/adapter_config.json"), path.read_bytes())
    (tmp_path / "ft/config.json").write_text(json.dumps(LLAMA))
    assert not cacheable(check_file(path, "ft/adapter_config.json"), path.read_bytes())


def test_the_command_line_counts_an_adapter():
    command = [
        sys.executable,
        "-m",
        "checker",
        "examples/peft/llama-3.2-1b-lora/adapter_config.json",
        "--format",
        "json",
    ]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    [spec] = json.loads(output)["specs"]
    assert (spec["params"], spec["trainable"], spec["file"]) == (
        1_247_086_592,
        11_272_192,
        "examples/peft/llama-3.2-1b-lora/adapter_config.json",
    )


# ------------------------------------------------------------------ patterns
PATTERN_PIECES = ["a", ".", r"\.", r"\d", "[a-z]", "[]a]", r"[\]*]", "(", ")", "(?:", "(?P<n>", "(?=", "|", "*", "+"]
PATTERN_PIECES += ["?", "*?", "{2}", "{1,}", "{,3}", "{,}", "{}", "{x", r"\1", "(?P=n)", "^", "$", "(?i)", r"\("]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PATTERN_PIECES), min_size=1, max_size=8).map("".join))
def test_patterns_are_read_as_python_reads_them(pattern):
    """The repeats budget-check finds in a pattern are those of Python's own parser (the oracle, in the tests)."""
    parser = pytest.importorskip("re._parser")
    constants = pytest.importorskip("re._constants")
    try:
        parsed = parser.parse(pattern)
    except re.error:
        return

    def repeats(nodes, depth):  # (depth, unbounded) of each repeat; a back reference raises
        for op, argument in nodes:
            if op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT):
                yield depth, argument[1] == constants.MAXREPEAT
                yield from repeats(argument[2], depth + 1)
            elif op in (constants.GROUPREF, constants.GROUPREF_EXISTS):
                raise Invalid("refers back")
            elif op in (constants.SUBPATTERN, constants.ASSERT, constants.ASSERT_NOT):
                yield from repeats(argument[-1], depth)
            elif op == constants.BRANCH:
                for branch in argument[1]:
                    yield from repeats(branch, depth)

    try:
        found = list(repeats(parsed, 0))
        expected: tuple | str = (any(depth for depth, _ in found), sum(open_ for _, open_ in found))
    except Invalid:
        expected = "refers back"
    try:
        assert pattern_repeats(pattern) == expected
    except Invalid:
        assert expected == "refers back"
