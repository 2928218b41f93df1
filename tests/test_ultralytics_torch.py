"""`--torch` for Ultralytics files without ultralytics: what is asked of the worker, and how answers read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checker.checks.check import check_text
from checker.torch.confirm import TorchSettings, _confirm_library

DETECTOR = Path(__file__).parent.parent / "examples" / "ultralytics" / "detector.yaml"


@dataclass
class FakeWorker:
    answer: dict

    def ask(self, job):
        self.job = job
        return self.answer


def _detector_s():
    return {spec.name: spec for spec in check_text(DETECTOR.read_text(), "detector.yaml").specs}["detector-s"]


def test_the_job_carries_the_plain_config_and_the_scale():
    result = _detector_s()
    job = result.torch_job
    assert (job["kind"], job["scale"], job["config"]["scales"]["s"]) == ("ultralytics", "s", [0.33, 0.5, 512])


def test_rows_that_differ_are_listed():
    result = _detector_s()
    rows = [part.params for part in result.tree.children]
    layers = [int(part.label.split()[0]) for part in result.tree.children]
    answer = [0] * 15
    for layer, params in zip(layers, rows, strict=False):
        answer[layer] = params
    answer[4] += 64
    worker = FakeWorker(
        {"params": result.params + 64, "trainable": result.trainable + 64, "class": "DetectionModel", "layers": answer}
    )
    result = _confirm_library(result, result.torch_job, worker, TorchSettings(Path(".")))
    [finding] = result.findings
    assert finding.code == "BC525"
    assert finding.notes == (f"layer 4 C2f: budget-check {answer[4] - 64:,}, ultralytics {answer[4]:,}",)
    assert result.torch_params == result.params + 64


def test_a_model_over_the_cpu_limit_is_not_built():
    result = _detector_s()
    worker = FakeWorker({})
    result = _confirm_library(result, result.torch_job, worker, TorchSettings(Path("."), cpu_limit=1000))
    assert [finding.code for finding in result.findings] == ["BC304"]
    assert not hasattr(worker, "job")


def test_a_file_budget_check_cannot_count_is_built_by_ultralytics_and_noted():
    text = DETECTOR.read_text().replace("[-1, 1, SPPF, [256, 5]]", "[-1, 1, MySPP, [256]]")
    [result] = check_text(text, "detector.yaml").specs
    assert [finding.code for finding in result.findings] == ["BC520"]
    assert result.torch_job["scale"] == "n"  # the first scale, as ultralytics loads a name without one
    result = _confirm_library(
        result,
        result.torch_job,
        FakeWorker({"params": 1234, "trainable": 1218, "class": "DetectionModel", "layers": []}),
        TorchSettings(Path(".")),
    )
    assert [finding.code for finding in result.findings] == ["BC520", "BC526"]
    assert result.torch_params == 1234
