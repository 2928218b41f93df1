"""The example specs against torchvision's own models: the count, and the trainable and buffer counts.

torchvision does not load beside the pinned CPU torch, so these tests run in the
same separate environment as the Ultralytics oracle (see .ci/run); elsewhere
they are skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.checks.check import check_file

torch = pytest.importorskip("torch")
models = pytest.importorskip("torchvision.models")

EXAMPLES = Path(__file__).parent.parent.parent / "examples" / "specs"
BUILDS = {
    "resnet50": lambda: models.resnet50(),
    "vgg16": lambda: models.vgg16(),
    "densenet121": lambda: models.densenet121(),
    "googlenet": lambda: models.googlenet(aux_logits=False, init_weights=False),
    "inception_v3": lambda: models.inception_v3(init_weights=False),
    "efficientnet_b0": lambda: models.efficientnet_b0(),
    "convnext_tiny": lambda: models.convnext_tiny(),
}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_example_counts_what_torchvision_builds(name):
    [spec] = check_file(EXAMPLES / f"{name}.yaml", f"{name}.yaml").specs
    assert spec.tree is not None, [finding.message for finding in spec.findings]
    with torch.device("meta"):
        model = BUILDS[name]()
    expected = (
        sum(p.numel() for p in model.parameters()),
        sum(p.numel() for p in model.parameters() if p.requires_grad),
        sum(b.numel() for b in model.buffers()),
    )
    assert (spec.params, spec.trainable, spec.tree.buffers) == expected
