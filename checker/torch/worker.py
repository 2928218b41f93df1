"""The torch worker: the one process that imports torch and runs the user's code.

`budget-check --torch` starts it as `python -m checker.torch.worker` and sends
it jobs over a pipe; a job that crashes or hangs the worker costs that job,
not the check. Whatever the user's code prints goes to stderr, so that the
protocol (and the checker's own output) stays clean.
"""

from __future__ import annotations

import importlib
import operator
import os
import sys
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


def main() -> None:
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # the user's prints, C-level ones included, go to stderr
    sys.stdout = sys.stderr
    jobs = Connection(os.dup(0), writable=False)
    import torch  # noqa: F401 - once, before the first job, so that jobs are timed without it

    while True:
        try:
            job = jobs.recv()
        except EOFError:
            return
        answers.send(_run(job))


def _run(job: dict[str, Any]) -> dict[str, Any]:
    from .build import build_spec, count_module

    if job["kind"] == "spec":
        try:
            counts = count_module(build_spec(job["tree"]))
        except Exception as error:  # noqa: BLE001 - reported as a finding
            return {"error": "build", "message": f"{type(error).__name__}: {error}"}
        return {"params": counts.params, "trainable": counts.trainable}
    return _build_target(job)


def _build_target(job: dict[str, Any]) -> dict[str, Any]:
    import torch
    from torch.nn.parameter import UninitializedParameter

    from .build import count_module

    for entry in reversed(job["sys_path"]):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    try:
        target = operator.attrgetter(job["attribute"])(importlib.import_module(job["module"]))
    except (Exception, SystemExit) as error:  # noqa: BLE001 - the user's code: any failure is a finding
        return _failure("import", error, job["sys_path"])
    try:
        with torch.device("meta"):
            model = target(*job["args"], **job["kwargs"])
        device = "meta"
    except (Exception, SystemExit) as meta_error:  # noqa: BLE001 - as above
        if job["cpu_bytes"] > job["cpu_limit"]:
            failure = _failure("build", meta_error, job["sys_path"])
            failure["meta_only"] = True
            return failure
        try:  # some modules need real tensors in __init__; this one fits the limit
            model = target(*job["args"], **job["kwargs"])
        except (Exception, SystemExit) as error:  # noqa: BLE001 - as above
            return _failure("build", error, job["sys_path"])
        device = "cpu"
    if not isinstance(model, torch.nn.Module):
        return {"error": "not-module", "message": f"it returned {type(model).__qualname__}, not a torch.nn.Module"}
    lazy = [name for name, p in model.named_parameters() if isinstance(p, UninitializedParameter)]
    if lazy:
        return {"error": "uncountable", "message": ", ".join(lazy)}
    counts = count_module(model)
    return {"params": counts.params, "trainable": counts.trainable, "children": _top_children(model), "device": device}


def _top_children(model: Any) -> list[tuple[str, int]]:
    """The module's parts with parameters, at the first level where it splits (like the spec's)."""
    prefix = ""
    while len(list(model.children())) == 1 and not list(model.parameters(recurse=False)):
        name, model = next(iter(model.named_children()))
        prefix += f"{name}."
    parts = [(prefix + name, sum(p.numel() for p in child.parameters())) for name, child in model.named_children()]
    own = sum(p.numel() for p in model.parameters(recurse=False))
    if own:
        parts.append((f"{prefix}(own parameters)", own))
    return [(name, count) for name, count in parts if count]


def _failure(kind: str, error: BaseException, roots: list[str]) -> dict[str, Any]:
    message = f"{type(error).__name__}: {error}"
    return {"error": kind, "message": message, "frame": _user_frame(error, roots)}


def _user_frame(error: BaseException, roots: list[str]) -> str | None:
    """Where in the user's own code it went wrong: the innermost frame under the project."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{_relative(error.filename, roots)}:{error.lineno}"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if any(_is_under(frame.filename, root) for root in roots) and "site-packages" not in frame.filename
    ]
    if not frames:
        return None
    frame = frames[-1]
    return f"{_relative(frame.filename, roots)}:{frame.lineno} in {frame.name}"


def _is_under(file: str, root: str) -> bool:
    try:
        Path(file).resolve().relative_to(Path(root).resolve())
    except ValueError:
        return False
    return True


def _relative(file: str, roots: list[str]) -> str:
    for root in roots:
        if _is_under(file, root):
            return str(Path(file).resolve().relative_to(Path(root).resolve()))
    return file


if __name__ == "__main__":
    main()
