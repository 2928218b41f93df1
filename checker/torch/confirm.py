"""`--torch`: confirm every count with torch itself, the user's own module included.

For each counted spec, the torch worker (a separate process, see
worker.py) builds the spec with torch.nn and, where the spec names its
real module in `torch.target`, imports and builds that on the meta device.
All counts must agree. Nothing here imports torch: only the worker does.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import rules
from ..checks.check import FileResult, SpecResult, top_parts
from ..findings import Finding
from ..formats.hf import imported_config_job
from ..formats.hydra import hydra_job
from ..language.budgets import check_budget
from ..language.counting import Part, iter_parts
from ..language.loader import Location
from ..language.sizes import Unknown
from ..language.spec import HydraTarget, Spec, TorchTarget
from ..language.units import DEFAULT_DTYPE, dtype_bytes, format_bytes, format_count
from ..records import TYPE_CHECKING
from . import frames

if TYPE_CHECKING:
    from typing import IO, Any

# No release is on the package index yet: install the extra from the repository.
INSTALL_HINT = 'pip install "budget-check[torch] @ git+https://github.com/budget-check/budget-check@v0.1.0"'
PRE_COMMIT_HINT = (
    "add it to the hook's additional_dependencies in .pre-commit-config.yaml "
    '(additional_dependencies: ["torch==2.13.0"], with the version you train with)'
)
DEFAULT_CPU_LIMIT = 2**30
DEFAULT_TIMEOUT = 300.0
STARTUP_TIMEOUT = 600.0  # importing torch on a cold machine: slow, but not a build's fault

_ERROR_CODES = {
    "import": rules.IMPORT_FAILED,
    "build": rules.BUILD_FAILED,
    "not-module": rules.NOT_A_MODULE,
    "uncountable": rules.UNCOUNTABLE,
    "crashed": rules.TORCH_CRASHED,
    "not-allowed": rules.TARGET_NOT_ALLOWED,
    "config": rules.HYDRA_CONFIG,
}

# The rules of a library's count (a note) and of a disagreement with it, for the libraries with codes of their own.
_LIBRARY_RULES = {
    "transformers": (rules.TRANSFORMERS_COUNT, rules.TRANSFORMERS_MISMATCH),
    "peft": (rules.TRANSFORMERS_COUNT, rules.TRANSFORMERS_MISMATCH),
    "ultralytics": (rules.ULTRALYTICS_COUNTED, rules.ULTRALYTICS_MISMATCH),
}
# What a reader says when only the file's own library can count the model: under --torch, that count answers it.
_RESOLVED_BY_THE_LIBRARY = frozenset(
    {rules.NEEDS_TORCH, rules.UNKNOWN_FAMILY, rules.UNKNOWN_CLASS, rules.ADAPTER_NOT_COUNTED}
)
# Libraries that build on the CPU (ultralytics' stride probe needs real tensors): a model over the limit is not built.
_BUILT_ON_THE_CPU = frozenset(["ultralytics"])


class TorchMissing(Exception):
    """torch is not installed in this environment."""


@dataclass(frozen=True)
class TorchSettings:
    root: Path  # the project root, put on sys.path for the user's imports
    pythonpath: tuple[str, ...] = ()  # more folders, relative to the root
    cpu_limit: int = DEFAULT_CPU_LIMIT  # bytes a module may take when built on the CPU
    timeout: float = DEFAULT_TIMEOUT  # seconds per build
    allow: tuple[str, ...] = ()  # packages outside the project whose code a target may run (`torch-allow`)

    @property
    def sys_path(self) -> list[str]:
        return [str(self.root)] + [str(self.root / entry) for entry in self.pythonpath]


def require_torch() -> None:
    if importlib.util.find_spec("torch") is None:
        how = PRE_COMMIT_HINT if os.environ.get("PRE_COMMIT") == "1" else INSTALL_HINT  # pre-commit sets it for hooks
        raise TorchMissing(f"--torch needs torch, which is not installed here: {how}")


def confirm(files: list[FileResult], settings: TorchSettings) -> list[FileResult]:
    """Every counted spec with torch's count and any disagreement."""
    with _Worker(settings) as worker:
        return [
            file._replace(specs=tuple(_confirmed(result, worker, settings) for result in file.specs)) for file in files
        ]


def _confirmed(result: SpecResult, worker: _Worker, settings: TorchSettings) -> SpecResult:
    job = result.torch_job
    if job is not None and job["kind"] == "hydra":
        return _confirm_hydra(result, job, worker, settings)
    if job is not None:
        return _confirm_library(result, job, worker, settings)
    if result.tree is not None:
        return _confirm_spec(result, worker, settings)
    return result


def _confirm_library(
    result: SpecResult, job: Mapping[str, Any], worker: _Worker, settings: TorchSettings
) -> SpecResult:
    """A model built by its file's own library (transformers, peft, timm, LitGPT, ultralytics): its count must
    be budget-check's, and so must each layer's and the non-embedding count where the library gives them; where
    budget-check cannot count the model, the library's count stands in for it, as a note."""
    library, where, tree = job["kind"], result.location, result.tree
    counted_rule, mismatch_rule = _LIBRARY_RULES.get(library, (rules.LIBRARY_COUNT, rules.LIBRARY_MISMATCH))
    cpu_bytes = 0 if tree is None or result.spec is None else dtype_bytes(tree.params, result.spec.dtype)
    if library in _BUILT_ON_THE_CPU and cpu_bytes > settings.cpu_limit:
        message = (
            f"{library} builds on the CPU, which would take {format_bytes(cpu_bytes)}, over the limit of "
            f"{format_bytes(settings.cpu_limit)} (--torch-cpu-limit)"
        )
        return result.with_findings(Finding(rules.BUILD_FAILED, message, where))
    built = worker.ask(job)
    if "error" in built:
        rule = {"import": rules.IMPORT_FAILED, "crashed": rules.TORCH_CRASHED}.get(built["error"], rules.BUILD_FAILED)
        return result.with_findings(Finding(rule, f"{library} cannot build this model: {built['message']}", where))
    counted = result._replace(torch_params=built["params"])
    builds = (
        f"{library} builds {built['class']} with {format_count(built['params'])} params "
        f"({format_count(built['trainable'])} trainable)"
    )
    if tree is None:  # budget-check cannot count it: the library's count stands in, and the budget applies to it
        answered = counted._replace(
            findings=tuple(f for f in counted.findings if f.rule not in _RESOLVED_BY_THE_LIBRARY)
        )
        note = Finding(counted_rule, builds, where)
        return _standing_in(answered, built["class"], library, built["params"], built["trainable"], DEFAULT_DTYPE, note)
    differences = _layers_that_differ(tree, built.get("layers", []), library) + _non_embedding_differs(
        tree, built.get("non_embedding"), library
    )
    if differences or (built["params"], built["trainable"]) != (tree.params, tree.trainable):
        message = (
            f"{builds}, budget-check counts {format_count(tree.params)} ({format_count(tree.trainable)} trainable): "
            "please report this"
        )
        return counted.with_findings(Finding(mismatch_rule, message, where, notes=differences))
    return counted


def _non_embedding_differs(tree: Part, theirs: int | None, library: str) -> tuple[str, ...]:
    """The non-embedding count, where the library gives one (transformers), when it is not budget-check's."""
    if theirs is None or theirs == tree.non_embedding:
        return ()
    return (f"non-embedding: budget-check {format_count(tree.non_embedding)}, {library} {format_count(theirs)}",)


def _layers_that_differ(tree: Part, layers: list[int], library: str) -> tuple[str, ...]:
    """Each layer whose count the library gives and budget-check's differs, where the tree's top parts are
    the library's numbered layers (`4 C2f`, as an Ultralytics file's rows)."""
    ours = {int(part.label.split()[0]): part for part in tree.children} if layers else {}
    return tuple(
        f"layer {index} {ours[index].label.split()[1] if index in ours else ''}: budget-check "
        f"{format_count(ours[index].params if index in ours else 0)}, {library} {format_count(theirs)}"
        for index, theirs in enumerate(layers)
        if theirs != (ours[index].params if index in ours else 0)
    )


def _confirm_spec(result: SpecResult, worker: _Worker, settings: TorchSettings) -> SpecResult:
    spec, tree = result.spec, result.tree
    if spec is None or tree is None:  # only counted specs are confirmed
        return result
    imported = imported_config_job(spec)  # the config a spec imports is built by transformers, from the same keys
    if imported is None:
        result = _confirm_with_torch_nn(result, spec, tree, worker)
    else:
        result = _confirm_library(result, imported, worker, settings)
    if spec.torch is None:
        return result
    target = spec.torch
    refusal = _outside_the_project(target, settings, Path(spec.file).parent)
    if refusal is not None:
        return result.with_findings(Finding(rules.TARGET_NOT_ALLOWED, refusal, target.location))
    cpu_bytes = dtype_bytes(tree.params, spec.dtype)
    module = worker.ask({**_module_job(target, spec.file, settings), "cpu_bytes": cpu_bytes})
    if "error" in module:
        named = module.get("target", target.target)
        return result.with_findings(_failure_finding(named, target.location, module, cpu_bytes, settings))
    confirmed = result._replace(torch_params=module["params"])
    finding = _mismatch(target, tree, module)
    return confirmed if finding is None else confirmed.with_findings(finding)


def _confirm_with_torch_nn(result: SpecResult, spec: Spec, tree: Part, worker: _Worker) -> SpecResult:
    """The spec built with torch.nn's layers: torch's count must be budget-check's."""
    built = worker.ask({"kind": "spec", "tree": tree})
    if built.get("error") == "crashed":
        message = f"building this spec stopped the torch worker: {built['message']}"
        return result.with_findings(Finding(rules.TORCH_CRASHED, message, spec.model_location))
    if "error" in built:
        message = f"torch.nn cannot build this spec: {built['message']}"
        return result.with_findings(Finding(rules.TORCH_NN_MISMATCH, message, spec.model_location))
    result = result._replace(torch_params=built["params"])
    if (built["params"], built["trainable"]) == (tree.params, tree.trainable):
        return result
    message = (
        f"torch.nn builds this spec with {format_count(built['params'])} params "
        f"({format_count(built['trainable'])} trainable), budget-check counts {format_count(tree.params)} "
        f"({format_count(tree.trainable)} trainable): please report this"
    )
    return result.with_findings(Finding(rules.TORCH_NN_MISMATCH, message, spec.model_location))


def _confirm_hydra(result: SpecResult, job: Mapping[str, Any], worker: _Worker, settings: TorchSettings) -> SpecResult:
    """A Hydra config composed and built by Hydra: its count must be budget-check's, or stands in for it
    (the budget then applies to Hydra's count)."""
    tree, where = result.tree, result.location
    dtype = DEFAULT_DTYPE if result.spec is None else result.spec.dtype
    cpu_bytes = 0 if tree is None else dtype_bytes(tree.params, dtype)
    built = worker.ask({**_hydra_worker_job(job, settings), "cpu_bytes": cpu_bytes})
    answered = result._replace(findings=tuple(f for f in result.findings if f.rule is not rules.NEEDS_TORCH))
    if built.get("error") == "not-module" and tree is None and not job["node"]:  # a data module's config, say
        message = f"{built['message']}: not a model, nothing to count"
        return answered.with_findings(Finding(rules.NOT_A_MODEL, message, where))
    if "error" in built:
        failure = _failure_finding(built.get("target", _hydra_config_named(job)), where, built, 0, settings)
        return answered.with_findings(failure)
    params, trainable = built["params"], built["trainable"]
    counts = f"{format_count(params)} params ({format_count(trainable)} trainable)"
    held = ", ".join(f"`{name}`" for name in built["attributes"])
    counted = (
        f", which is no torch.nn.Module: counted the module{'s' * (len(built['attributes']) > 1)} it holds in {held}"
    )
    built_text = f"Hydra builds {built['built']}{counted if held else ''}"
    if tree is not None:
        if (params, trainable) == (tree.params, tree.trainable):
            return result._replace(torch_params=params)
        message = (
            f"{built_text}, with {counts}; budget-check counts {format_count(tree.params)} "
            f"({format_count(tree.trainable)} trainable): please report this"
        )
        return answered._replace(torch_params=params).with_findings(Finding(rules.HYDRA_MISMATCH, message, where))
    note = Finding(rules.HYDRA_COUNT, f"{built_text}: {counts}, on the {built['device']} device", where)
    kind = built["built"].rpartition(".")[2]
    return _standing_in(answered._replace(torch_params=params), kind, "Hydra", params, trainable, dtype, note)


def _standing_in(
    result: SpecResult, kind: str, builder: str, params: int, trainable: int, dtype: str, note: Finding
) -> SpecResult:
    """A model only a library could count: its count is the result's, said by `note`, and the budget applies."""
    tree = Part(result.name, kind, result.location, Unknown(f"built by {builder}"), params, trainable, 0)
    budget = [] if result.budget is None else check_budget(result.budget, params, trainable, dtype)
    return result._replace(tree=tree).with_findings(note, *budget)


def _hydra_worker_job(job: Mapping[str, Any], settings: TorchSettings) -> dict[str, Any]:
    """A Hydra job with what the worker needs besides: where targets import from, what else may run."""
    folders = _hydra_sys_path(Path(job["config_dir"]), settings)
    return {**job, "sys_path": folders, "allow": list(settings.allow), "cpu_limit": settings.cpu_limit}


def _hydra_sys_path(config_dir: Path, settings: TorchSettings) -> list[str]:
    """Where a Hydra config's targets import from: the configured folders, then the project that holds the
    config (its nearest pyproject.toml or .git) when that is a project inside this one, as in a monorepo."""
    root, config_dir = settings.root.resolve(), config_dir.resolve()
    inside = [folder for folder in (config_dir, *config_dir.parents) if folder.is_relative_to(root)]
    own = next((f for f in inside if (f / "pyproject.toml").is_file() or (f / ".git").exists()), root)
    return settings.sys_path + [str(own)] * (str(own) not in settings.sys_path)


def _hydra_config_named(job: Mapping[str, Any]) -> str:
    """`model.net` of train.yaml with experiment=example: what a Hydra job builds, for messages."""
    named = HydraTarget(job["config_dir"], job["config_name"], tuple(job["overrides"]), job["node"], Location(1, 1))
    return named.target


def _module_job(target: TorchTarget | HydraTarget, spec_file: str, settings: TorchSettings) -> dict[str, Any]:
    """What the worker builds for a spec's `torch:` key: the user's callable, or a node of a Hydra config."""
    if isinstance(target, HydraTarget):
        folder = Path(spec_file).parent / target.config_dir
        return _hydra_worker_job(hydra_job(folder, target.config_name, target.overrides, target.node), settings)
    return {
        "kind": "module",
        "module": target.module,
        "attribute": target.attribute,
        "args": list(target.args),
        "kwargs": dict(target.kwargs),
        "sys_path": settings.sys_path,
        "allow": list(settings.allow),
        "cpu_limit": settings.cpu_limit,
    }


def _outside_the_project(target: TorchTarget | HydraTarget, settings: TorchSettings, spec_folder: Path) -> str | None:
    """Why --torch will not run this target: its package is not the project's, nor allowed. None if it may.

    A Hydra config's targets are checked in the worker, one by one; its folder must be the project's."""
    if isinstance(target, HydraTarget):
        if (spec_folder / target.config_dir).resolve().is_relative_to(settings.root.resolve()):
            return None
        return f"{target.config_dir}: the Hydra config folder is outside the project; --torch builds only its configs"
    package = target.module.partition(".")[0]
    roots = [Path(root) for root in settings.sys_path]
    if package in settings.allow or any(
        (root / package).is_dir() or (root / f"{package}.py").is_file() for root in roots
    ):
        return None
    return (
        f"{target.target}: {package!r} is not a package of this repository; --torch runs only the repository's "
        f"own code, and packages named in torch-allow in [tool.budget-check] (torch-allow = [{package!r}])"
    )


def _failure_finding(
    target: str, where: Location, answer: dict[str, Any], cpu_bytes: int, settings: TorchSettings
) -> Finding:
    kind, message = answer["error"], answer["message"]
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
    elif kind in ("not-module", "not-allowed", "config"):
        text = f"{target}: {message}"
    elif kind == "uncountable":
        text = (
            f"{target} has parameters no count can size before a forward pass ({message}): lazy modules "
            "cannot be confirmed; give them their input size"
        )
    else:
        text = f"building {target} stopped the torch worker: {message}"
    return Finding(_ERROR_CODES[kind], text, where)


def _mismatch(torch_target: TorchTarget | HydraTarget, tree: Part, module: dict[str, Any]) -> Finding | None:
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
    """The spec's parts beside the module's, paired by name, and by order where names do not pair."""
    spec_rows = [
        (p.label if p.named else None, f"{p.label} ×{p.copies}" if p.copies > 1 else p.label, p.params)
        for p in _spec_parts(tree, len(children))
    ]
    pairs = _pair_by_name([name for name, _, _ in spec_rows], [name for name, _ in children])
    width = max([len("spec")] + [len(label) for _, label, _ in spec_rows])
    lines = [f"{'spec':<{width}}  {'params':>14}    module"]
    for spec_index, module_index in pairs:
        _, label, spec_count = spec_rows[spec_index] if spec_index is not None else (None, "", None)
        module_name, module_count = children[module_index] if module_index is not None else ("", None)
        left = f"{label:<{width}}  {format_count(spec_count) if spec_count is not None else '':>14}"
        right = f"{module_name} {format_count(module_count)}" if module_count is not None else ""
        differs = spec_count is not None and module_count is not None and spec_count != module_count
        lines.append(f"{left}    {right}{'   <- differs' if differs else ''}".rstrip())
    return tuple(lines)


def _spec_parts(tree: Part, module_rows: int) -> list[Part]:
    """The spec's parts to set beside the module's: its top parts, with its unnamed blocks opened into their
    layers while the module lists more rows (a spec's `hidden` blocks beside a flat nn.Sequential's layers,
    as a Hydra `_args_` list builds it), so that each row pairs with its own layer."""

    def opens(part: Part) -> bool:
        return bool(part.children) and part.copies == 1 and not part.named and part.tied_to is None

    parts = [part for part in top_parts(tree) if part.params]
    while len(parts) < module_rows and any(opens(part) for part in parts):
        parts = [inner for part in parts for inner in (part.children if opens(part) else (part,)) if inner.params]
    return parts


def _pair_by_name(spec_names: list[str | None], module_names: list[str]) -> list[tuple[int | None, int | None]]:
    """(spec row, module row) pairs, in the spec's order, then the module's rows left over.

    A named spec part pairs with the module part of that name (`head` with `head`, or `model.head`
    where the module's parts sit under one child); the rest pair in order.
    """
    left = list(range(len(module_names)))
    by_name: dict[int, int] = {}
    for spec_index, name in enumerate(spec_names):
        match = next((i for i in left if name and module_names[i].rpartition(".")[2] == name), None)
        if match is not None:
            by_name[spec_index] = match
            left.remove(match)
    in_order = iter(left)
    pairs = [(s, by_name[s] if s in by_name else next(in_order, None)) for s in range(len(spec_names))]
    return pairs + [(None, module_index) for module_index in in_order]


@dataclass
class _Worker:
    """The torch worker process, started on first use and again after a timeout.

    Start-up (importing torch: seconds on a cold machine) has its own limit;
    `timeout` counts from the moment a job is sent. Every read has a deadline,
    and an answer counts only if it carries the id of the job just sent.
    """

    settings: TorchSettings
    process: subprocess.Popen[bytes] | None = None
    last_id: int = 0
    cannot_start: str | None = None  # why the worker did not start: the same for every later job

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def ask(self, job: Mapping[str, Any]) -> dict[str, Any]:
        if self.process is None and self.cannot_start is None:
            self._start()
        if self.cannot_start is not None:
            return {"error": "crashed", "message": self.cannot_start}
        self.last_id += 1
        deadline = time.monotonic() + self.settings.timeout
        try:
            tagged = {**job, "id": self.last_id, "memory_limit": self.settings.cpu_limit}
            frames.send(self._pipes()[0].fileno(), pickle.dumps(tagged))
            return self._answer_to(self.last_id, deadline)
        except TimeoutError:
            message = f"no answer after {self.settings.timeout:g} s"
        except (OSError, EOFError, frames.BrokenFrame, ValueError) as error:
            message = f"the torch worker stopped ({error or type(error).__name__})"
        self._stop()
        return {"error": "crashed", "message": message}

    def _answer_to(self, job_id: int, deadline: float) -> dict[str, Any]:
        while True:
            payload = frames.receive(self._pipes()[1].fileno(), deadline)
            if payload is None:
                raise EOFError("it closed its pipe")
            answer = json.loads(payload)
            if isinstance(answer, dict) and answer.get("id") == job_id:
                return answer
            # Anything else is stray (an answer to an earlier job): never taken for this one.

    def _start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _START_WORKER, json.dumps(_worker_sys_path(self.settings))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a process group of its own: whatever the user's code forks dies with it
        )
        try:
            ready = frames.receive(self._pipes()[1].fileno(), time.monotonic() + STARTUP_TIMEOUT)
        except TimeoutError:
            ready, problem = None, f"it did not start within {STARTUP_TIMEOUT:g} s"
        except frames.BrokenFrame as error:
            ready, problem = None, str(error)
        else:
            problem = "it exited while importing torch (its error is above)"
        if ready is None:
            self._stop()
            self.cannot_start = f"the torch worker cannot start: {problem}"

    def _stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for pipe in self._pipes():
            pipe.close()
        self.process.wait()
        self.process = None

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        """The worker's stdin and stdout, which _start always opens."""
        process = self.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        return process.stdin, process.stdout


# The worker imports nothing from the folder it runs in: sys.path is exactly the one given.
_START_WORKER = "import json, sys; sys.path[:] = json.loads(sys.argv[1]); from checker.torch.worker import main; main()"


def _worker_sys_path(settings: TorchSettings) -> list[str]:
    """This process's sys.path, budget-check's own folder first, without the user's folders.

    The worker adds those (settings.sys_path) after site-packages, for each job.
    """
    users = {_resolved(entry) for entry in [os.getcwd(), *settings.sys_path]}
    own = str(Path(__file__).resolve().parents[2])
    return [own] + [entry for entry in sys.path if entry and _resolved(entry) not in users and entry != own]


def _resolved(entry: str) -> str:
    return str(Path(entry).resolve())
