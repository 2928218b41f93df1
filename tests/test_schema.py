"""The JSON Schema for editors: valid, shipped up to date, and agreeing with the checker."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from checker.formats import recognise
from checker.language import presets
from checker.language.catalogue import LAYERS
from checker.language.schema import schema_text, spec_schema

from .conftest import check_spec, spec_examples
from .test_docs import examples as doc_examples

EXAMPLES = spec_examples()
# yaml blocks of docs/*.md that start with `# expect:`, in the spec language (not an Ultralytics file's)
DOC_EXAMPLES = [param for param in doc_examples() if not recognise("spec.yaml", param.values[0]).formats]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(spec_schema())


def errors(validator: jsonschema.Draft7Validator, text: str) -> list[str]:
    [document] = yaml.safe_load_all(textwrap.dedent(text))
    return [error.message for error in validator.iter_errors(document)]


def test_schema_is_valid_draft_7():
    jsonschema.Draft7Validator.check_schema(spec_schema())


def test_shipped_schema_is_up_to_date():
    assert json.loads(schema_text()) == spec_schema(), (
        "checker/language/spec.schema.json is stale: run `python -m checker.language.schema`"
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_specs_validate(validator, path):
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        assert [error.message for error in validator.iter_errors(document)] == []


@pytest.mark.parametrize("text", [param.values[0] for param in DOC_EXAMPLES], ids=[param.id for param in DOC_EXAMPLES])
def test_doc_examples_validate(validator, text):
    for document in yaml.safe_load_all(text):
        assert [error.message for error in validator.iter_errors(document)] == []


@pytest.mark.parametrize("name", presets.files())
def test_preset_blocks_validate(validator, name):
    """The presets are written in the spec language, so their blocks are valid `blocks`."""
    text = (Path(presets.__file__).parent / f"{name}.yaml").read_text(encoding="utf-8")
    document = {**yaml.safe_load(text), "model": next(iter(yaml.safe_load(text)["blocks"]))}
    assert [error.message for error in validator.iter_errors(document)] == []


def test_every_layer_completes_its_argument_names():
    definitions = spec_schema()["$defs"]
    node_kinds = definitions["node-mapping"]["properties"]
    for name, layer in LAYERS.items():
        shared = node_kinds[name]["$ref"].removeprefix("#/$defs/")
        [by_name] = [form for form in definitions[shared]["anyOf"] if form.get("type") == "object"]
        assert list(by_name["properties"]) == [a.name for a in layer.signature if a.variadic != "**"]


def test_the_shipped_schema_is_small_and_writes_no_schema_twice():
    text = schema_text()
    assert len(text.encode("utf-8")) < 60_000
    definitions = json.loads(text)["$defs"].values()
    written = [json.dumps(d, sort_keys=True) for d in definitions if len(json.dumps(d)) > 100]
    assert len(written) == len(set(written))


VALID = {
    "modifiers": """
        vars: {n: 3}
        model:
          - Linear: [784, 256]
            name: fc
          - Linear: [784, 256]
            name: fc_again
            repeat: n - 1
            tie: fc
            frozen: true
            when: n > 1
        """,
    "blocks-and-layers-in-vars": """
        vars: {act: GELU, norm: {GroupNorm: [4, 8]}}
        blocks:
          my_block:
            params: [d]
            require: d > 0
            body: [Linear: [d, d], act, norm]
        model:
          - my_block: 8
          - my_block: [8]
            repeat: 2
          - ReLU:
          - parallel: [Identity, [Linear: [8, 8], ReLU]]
        """,
    "arguments-and-top-level": """
        vars: {width: 64}
        model:
          - Conv2d: [3, width, [3, 3]]
          - Conv2d: {out_channels: 64, kernel_size: 3, padding: same, padding_mode: reflect}
          - Upsample: {scale_factor: 2.5, mode: nearest-exact}
          - Parameter: 5
          - Identity: {anything: 1}
        budget: {max: 1M, trainable: 500k, memory: {max: 4MiB, dtype: int8}}
        match: {reference: {width: 32}, vary: width, tolerance: 2%, multiple_of: 8}
        torch: {target: "models.gpt:GPT.from_config", args: [1], kwargs: {n: 2}}
        dtype: bfloat16
        x-team: vision
        """,
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_specs_the_checker_counts_pass(validator, text):
    assert check_spec(text).status != "error"
    assert errors(validator, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "model: ReLU\nbudgets: 1M\n",  # unknown top-level key
        "model:\n  - Linear: {in_feature: 3, out_features: 4}\n",  # unknown argument name
        "model:\n  - Linear: [3, 4, true, null, null, 6]\n",  # too many positional arguments
        "model:\n  - GELU: {approximate: tan}\n",  # not one of the choices
        "model:\n  - Linear: [3, 4]\n    ReLU:\n",  # two kinds in one node
        "model:\n  - my_block: 1\n    other_block: 2\n    name: x\n",  # two kinds, neither built in
        "model:\n  - name: x\n    repeat: 2\n",  # modifiers without a kind
        "model: ReLU\ndtype: float31\n",  # unknown dtype
        "model: ReLU\nbudget: {tolerance: 1%}\n",  # a tolerance without a target
        "model: ReLU\ntorch: {target: models.nanogpt}\n",  # no callable
        "blocks:\n  Linear: {body: ReLU}\nmodel: ReLU\n",  # a block named like a layer
        "name: no model\n",
    ],
    ids=[
        "top-level-key",
        "argument-name",
        "positional-count",
        "choice",
        "two-kinds",
        "two-blocks",
        "no-kind",
        "dtype",
        "tolerance",
        "torch-target",
        "block-name",
        "no-model",
    ],
)
def test_invalid_specs_are_rejected(validator, text):
    assert errors(validator, text)
