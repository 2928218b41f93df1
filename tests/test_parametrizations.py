"""`parametrize:` against torch.nn.utils.parametrizations, on layers and dims hypothesis draws."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import check_spec

torch = pytest.importorskip("torch")
from checker.torch.build import build_spec, count_module  # noqa: E402 - after the skip

# A layer as a spec writes it, the same built by torch, and the names of its own parameters.
LAYERS = {
    "Linear": ("Linear: [{a}, {b}]", lambda a, b: torch.nn.Linear(a, b), ("weight", "bias")),
    "Bilinear": ("Bilinear: [{a}, {b}, 2]", lambda a, b: torch.nn.Bilinear(a, b, 2), ("weight",)),
    "Conv1d": ("Conv1d: [{a}, {b}, 3]", lambda a, b: torch.nn.Conv1d(a, b, 3), ("weight", "bias")),
    "Conv2d": ("Conv2d: [{a}, {b}, [2, 3]]", lambda a, b: torch.nn.Conv2d(a, b, (2, 3)), ("weight",)),
    "Conv3d": ("Conv3d: [{a}, {b}, 2]", lambda a, b: torch.nn.Conv3d(a, b, 2), ("weight",)),
    "ConvTranspose1d": ("ConvTranspose1d: [{a}, {b}, 2]", lambda a, b: torch.nn.ConvTranspose1d(a, b, 2), ("weight",)),
    "ConvTranspose2d": (
        "ConvTranspose2d: [{a}, {b}, [3, 2]]",
        lambda a, b: torch.nn.ConvTranspose2d(a, b, (3, 2)),
        ("weight", "bias"),
    ),
    "Embedding": ("Embedding: [{a}, {b}]", lambda a, b: torch.nn.Embedding(a, b), ("weight",)),
    "LayerNorm": ("LayerNorm: {a}", lambda a, b: torch.nn.LayerNorm(a), ("weight", "bias")),
    "LSTM": ("LSTM: [{a}, {b}]", lambda a, b: torch.nn.LSTM(a, b), ("weight_ih_l0", "weight_hh_l0", "bias_hh_l0")),
    "PReLU": ("PReLU: {a}", lambda a, b: torch.nn.PReLU(a), ("weight",)),
}


def torch_count(module: torch.nn.Module) -> tuple[int, int, int]:
    parameters = list(module.parameters())
    trainable = sum(p.numel() for p in parameters if p.requires_grad)
    return sum(p.numel() for p in parameters), trainable, sum(b.numel() for b in module.buffers())


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_parametrize_counts_as_torch_does(data):
    layer = data.draw(st.sampled_from(sorted(LAYERS)))
    written, build, names = LAYERS[layer]
    a, b = data.draw(st.integers(0, 5)), data.draw(st.integers(0, 5))
    kind = data.draw(st.sampled_from(["weight_norm", "spectral_norm"]))
    options = {"name": data.draw(st.sampled_from(names)), "dim": data.draw(st.one_of(st.none(), st.integers(-6, 5)))}
    if kind == "spectral_norm":
        options["n_power_iterations"] = data.draw(st.integers(1, 3))
    frozen = data.draw(st.booleans())
    shown = ", ".join(f"{key}: {'null' if value is None else value}" for key, value in options.items())
    spec = check_spec(
        f"model:\n  - {written.format(a=a, b=b)}\n    parametrize: {{{kind}: {{{shown}}}}}\n"
        f"    frozen: {'true' if frozen else 'false'}\n"
    )
    try:
        with torch.device("meta"):
            module = getattr(torch.nn.utils.parametrizations, kind)(build(a, b), **options)
    except (IndexError, ValueError, RuntimeError) as refusal:
        assert spec.status == "error" and {f.code for f in spec.findings} <= {"BC011", "BC016"}, refusal
        return
    module.requires_grad_(not frozen)
    assert spec.tree is not None, [f.message for f in spec.findings]
    assert (spec.tree.params, spec.tree.trainable, spec.tree.buffers) == torch_count(module)
    rebuilt = count_module(build_spec(spec.tree))  # what --torch builds from the spec
    assert (rebuilt.params, rebuilt.trainable, rebuilt.buffers) == torch_count(module)
    assert {t.name for t in spec.tree.children[0].tensors} == {name for name, _ in module.named_parameters()}


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ("- Linear: [3, 4]\n    parametrize: batch_norm", "takes weight_norm or spectral_norm"),
        ("- Linear: [3, 4]\n    parametrize: {weight_norm: {name: gain}}", "Linear has no parameter 'gain'"),
        ("- sequential: [Linear: [3, 4]]\n    parametrize: weight_norm", "applies to one torch.nn layer"),
        ("- Linear: [3, 4]\n    parametrize: {weight_norm: {dims: 1}}", "weight_norm has no argument 'dims'"),
    ],
)
def test_parametrize_refuses_what_torch_cannot_do(node, message):
    [finding] = check_spec(f"model:\n  {node}\n").findings
    assert message in finding.message, finding.message
