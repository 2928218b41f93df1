"""`--torch`: confirm every count with torch itself, the user's own module included.

For each counted spec, the torch worker (a separate process, see
worker.py) builds the spec with torch.nn and, where the spec names its
real module in `torch.target`, imports and builds that on the meta device.
All counts must agree. Nothing here imports torch: only the worker does.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .. import rules
from ..checks.check import FileResult, SpecResult, top_parts
from ..findings import Finding
from ..language.counting import Part, iter_parts
from ..language.spec import TorchTarget
from ..language.units import dtype_bytes, format_bytes, format_count

INSTALL_HINT = 'pip install "budget-check[torch]"'
DEFAULT_CPU_LIMIT = 2**30
DEFAULT_TIMEOUT = 300.0

_ERROR_CODES = {
    "import": rules.IMPORT_FAILED,
    "build": rules.BUILD_FAILED,
    "not-module": rules.NOT_A_MODULE,
    "uncountable": rules.UNCOUNTABLE,
    "crashed": rules.TORCH_CRASHED,
}


class TorchMissing(Exception):
    """torch is not installed in this environment."""


@dataclass(frozen=True)
class TorchSettings:
    root: Path  # the project root, put on sys.path for the user's imports
    pythonpath: tuple[str, ...] = ()  # more folders, relative to the root
    cpu_limit: int = DEFAULT_CPU_LIMIT  # bytes a module may take when built on the CPU
    timeout: float = DEFAULT_TIMEOUT  # seconds per build

    @property
    def sys_path(self) -> list[str]:
        return [str(self.root)] + [str(self.root / entry) for entry in self.pythonpath]


def require_torch() -> None:
    if importlib.util.find_spec("torch") is None:
        raise TorchMissing(f"--torch needs torch, which is not installed here: {INSTALL_HINT}")


def confirm(files: list[FileResult], settings: TorchSettings) -> None:
    """Add torch's counts and any disagreement to every counted spec."""
    with _Worker(settings.timeout) as worker:
        for file in files:
            for result in file.specs:
                if result.tree is not None:
                    _confirm_spec(result, worker, settings)


def _confirm_spec(result: SpecResult, worker: _Worker, settings: TorchSettings) -> None:
    spec, tree = result.spec, result.tree
    built = worker.ask({"kind": "spec", "tree": tree})
    if "error" in built:
        result.findings.append(
            Finding(
                rules.TORCH_NN_MISMATCH, f"torch.nn cannot build this spec: {built['message']}", spec.model_location
            )
        )
    else:
        result.torch_params = built["params"]
        if (built["params"], built["trainable"]) != (tree.params, tree.trainable):
            result.findings.append(
                Finding(
                    rules.TORCH_NN_MISMATCH,
                    f"torch.nn builds this spec with {format_count(built['params'])} params "
                    f"({format_count(built['trainable'])} trainable), budget-check counts {format_count(tree.params)} "
                    f"({format_count(tree.trainable)} trainable): please report this",
                    spec.model_location,
                )
            )
    if spec.torch is None:
        return
    target = spec.torch
    cpu_bytes = dtype_bytes(tree.params, spec.dtype)
    module = worker.ask(
        {
            "kind": "module",
            "module": target.module,
            "attribute": target.attribute,
            "args": list(target.args),
            "kwargs": dict(target.kwargs),
            "sys_path": settings.sys_path,
            "cpu_bytes": cpu_bytes,
            "cpu_limit": settings.cpu_limit,
        }
    )
    if "error" in module:
        result.findings.append(_failure_finding(target, module, cpu_bytes, settings))
        return
    result.torch_params = module["params"]
    finding = _mismatch(target, tree, module)
    if finding is not None:
        result.findings.append(finding)


def _failure_finding(
    torch_target: TorchTarget, answer: dict[str, Any], cpu_bytes: int, settings: TorchSettings
) -> Finding:
    target, kind, message = torch_target.target, answer["error"], answer["message"]
    frame = f" (at {answer['frame']})" if answer.get("frame") else ""
    if kind == "import":
        text = f"cannot import {target}: {message}{frame}"
    elif kind == "build":
        text = f"{target} raised {message}{frame}"
        if answer.get("meta_only"):
            text += (
                f"; it cannot be built on the meta device, and building it on the CPU would take "
                f"{format_bytes(cpu_bytes)}, "
                f"over the limit of {format_bytes(settings.cpu_limit)}"
            )
    elif kind == "not-module":
        text = f"{target}: {message}"
    elif kind == "uncountable":
        text = (
            f"{target} has parameters no count can size before a forward pass ({message}): lazy modules "
            "cannot be confirmed; give them their input size"
        )
    else:
        text = f"building {target} stopped the torch worker: {message}"
    return Finding(_ERROR_CODES[kind], text, torch_target.location)


def _mismatch(torch_target: TorchTarget, tree: Part, module: dict[str, Any]) -> Finding | None:
    target, params, trainable = torch_target.target, module["params"], module["trainable"]
    if (params, trainable) == (tree.params, tree.trainable):
        return None
    if params == tree.params:
        message = (
            f"{target} has {format_count(trainable)} trainable params, the spec "
            f"{format_count(tree.trainable)}: the frozen parts differ"
        )
        return Finding(rules.MODULE_MISMATCH, message, torch_target.location)
    difference = tree.params - params
    message = (
        f"{target} has {format_count(params)} params, the spec {format_count(tree.params)} "
        f"(the spec has {difference:+,}, {difference / params:+.1%})"
        if params
        else f"{target} has no params, the spec {format_count(tree.params)}"
    )
    hint = _repeat_hint(tree, difference)
    if hint:
        message += f": {hint}"
    elif params < tree.params:
        message += (
            "; if the module creates parameters outside __init__ (in forward or a build step), "
            "they cannot be counted without a forward pass"
        )
    return Finding(rules.MODULE_MISMATCH, message, torch_target.location, notes=_side_by_side(tree, module["children"]))


def _repeat_hint(tree: Part, difference: int) -> str | None:
    """A repeated part whose copies explain the difference exactly: a depth that differs."""
    for _, part in iter_parts(tree):
        if part.copies > 1 and part.params:
            each = part.params // part.copies
            module_copies = part.copies - difference // each
            if difference % each == 0 and module_copies >= 0:
                return (
                    f"{part.label} ×{part.copies} in the spec ({format_count(each)} each) would match "
                    f"with ×{module_copies}: the {part.label} count differs"
                )
    return None


def _side_by_side(tree: Part, children: list[tuple[str, int]]) -> tuple[str, ...]:
    spec_rows = [(f"{p.label} ×{p.copies}" if p.copies > 1 else p.label, p.params) for p in top_parts(tree) if p.params]
    rows = max(len(spec_rows), len(children))
    spec_rows += [("", None)] * (rows - len(spec_rows))
    module_rows = list(children) + [("", None)] * (rows - len(children))
    width = max([len("spec")] + [len(name) for name, _ in spec_rows])
    lines = [f"{'spec':<{width}}  {'params':>14}    module"]
    for (spec_name, spec_count), (module_name, module_count) in zip(spec_rows, module_rows):
        left = f"{spec_name:<{width}}  {format_count(spec_count) if spec_count is not None else '':>14}"
        right = f"{module_name} {format_count(module_count)}" if module_count is not None else ""
        marker = (
            "   <- differs"
            if spec_count is not None and module_count is not None and spec_count != module_count
            else ""
        )
        lines.append(f"{left}    {right}{marker}".rstrip())
    return tuple(lines)


@dataclass
class _Worker:
    """The torch worker process, started on first use and again after a crash."""

    timeout: float
    process: subprocess.Popen | None = None
    jobs: Connection | None = None
    answers: Connection | None = None

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def ask(self, job: dict[str, Any]) -> dict[str, Any]:
        if self.process is None:
            self._start()
        try:
            self.jobs.send(job)
            if self.answers.poll(self.timeout):
                return self.answers.recv()
            answer = {"error": "crashed", "message": f"no answer after {self.timeout:g} s"}
        except (EOFError, OSError):
            self.process.wait(timeout=5)
            answer = {"error": "crashed", "message": f"the worker died (exit status {self.process.returncode})"}
        self._stop()
        return answer

    def _start(self) -> None:
        environment = dict(os.environ)
        package_parent = str(Path(__file__).resolve().parents[2])
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, environment.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "checker.torch.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
        )
        self.jobs = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.answers = Connection(os.dup(self.process.stdout.fileno()), writable=False)

    def _stop(self) -> None:
        if self.process is None:
            return
        for connection in (self.jobs, self.answers):
            connection.close()
        self.process.stdin.close()
        self.process.stdout.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process = None
