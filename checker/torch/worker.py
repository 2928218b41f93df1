"""The torch worker: the one process that imports torch and runs the user's code.

`budget-check --torch` starts it (see confirm.py) in a session of its own and
sends it jobs, one frame each (frames.py). The worker imports torch once,
then runs every job in a fresh fork of itself, so that:

- what one job's code changes (a monkeypatch, sys.modules, sys.path) is gone
  before the next job starts;
- a job that crashes costs that job: the worker reports how it ended;
- a job's memory is capped (an rlimit on the fork) without capping the worker.

Every answer carries its job's id; only the fork that ran the job may answer,
so a fork made by the user's code can never answer for it. Whatever the
user's code prints goes to stderr, so that the protocol (and the checker's
own output) stays clean.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import operator
import os
import pickle
import resource
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

from ..records import TYPE_CHECKING
from . import frames

if TYPE_CHECKING:
    from typing import Any

MEMORY_HEADROOM = 2**30  # beyond --torch-cpu-limit: the Python objects of a large module built on the meta device


def main() -> None:
    jobs, answers = os.dup(0), os.dup(1)
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)  # the user's code cannot read the jobs meant for the worker
    os.close(nothing)
    os.dup2(2, 1)  # nor print into the answers: its prints, C-level ones included, go to stderr
    sys.stdout = sys.stderr
    # torch warns at import when NumPy is missing (a pre-commit environment): not the user's concern here.
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    # Imported once, here, before the first job, so that jobs are timed without them and every fork has them:
    import torch
    import torch._dynamo  # noqa: F401 - the first weight init on the meta device imports it (seconds)

    from . import build  # noqa: F401

    frames.send(answers, json.dumps({"ready": True}).encode())
    while True:
        payload = frames.receive(jobs)
        if payload is None:
            return
        frames.send(answers, _run_in_a_fork(pickle.loads(payload), (jobs, answers)))


def _run_in_a_fork(job: dict[str, Any], worker_pipes: tuple[int, int]) -> bytes:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        for fd in worker_pipes:
            os.close(fd)
        _answer(job, write_end)  # never returns
    os.close(write_end)
    try:
        answer, garbage = frames.receive(read_end), None
    except frames.BrokenFrame as error:
        answer, garbage = None, f"it wrote into the worker's pipe ({error})"
    os.close(read_end)
    os.kill(pid, signal.SIGKILL)  # it has answered, or never will; forks it made die with the worker's session
    _, status = os.waitpid(pid, 0)
    if answer is not None:
        return answer
    message = garbage or _how_it_ended(status)
    return json.dumps({"id": job["id"], "error": "crashed", "message": message}).encode()


def _answer(job: dict[str, Any], write_end: int) -> None:
    """Run the job in this fork, answer, and exit: a fork never returns to the worker's loop."""
    pid = os.getpid()
    try:
        _limit_memory(job["memory_limit"])
        answer = JOBS[job["kind"]](job)
    except _Refused as refused:
        answer = refused.answer
    except BaseException as error:  # noqa: BLE001 - a job's own failures are answers; this is the last resort
        answer = {"error": "crashed", "message": f"{type(error).__name__}: {error}"}
    try:
        if os.getpid() == pid:  # a fork made by the user's code that returned here does not answer
            frames.send(write_end, json.dumps({**answer, "id": job["id"]}).encode())
    finally:
        os._exit(0)


def _limit_memory(limit: int) -> None:
    """Cap this fork's memory at what it holds now, plus `limit` for tensors and MEMORY_HEADROOM for the
    modules' own objects: a build that runs away fails with an out-of-memory error, as a finding.

    RLIMIT_DATA covers malloc and private mappings on Linux; elsewhere there is no cap.
    """
    held = _data_bytes()
    if held is None:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = held + limit + MEMORY_HEADROOM
    resource.setrlimit(resource.RLIMIT_DATA, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _data_bytes() -> int | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmData:"))
    return int(kilobytes) * 1024


def _how_it_ended(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code == -signal.SIGKILL:
        return "it closed the worker's pipe, or was killed, without answering"
    if code < 0:
        return f"the worker died ({signal.Signals(-code).name})"
    return f"the worker died (exit status {code})"


# ------------------------------------------------------------ jobs
def _count_spec(job: dict[str, Any]) -> dict[str, Any]:
    """The counted spec, built with torch.nn and counted by torch."""
    from .build import build_spec, count_module

    try:
        counts = count_module(build_spec(job["tree"]))
    except Exception as error:  # noqa: BLE001 - reported as a finding
        return {"error": "build", "message": f"{type(error).__name__}: {error}"}
    return {"params": counts.params, "trainable": counts.trainable}


def _build_target(job: dict[str, Any]) -> dict[str, Any]:
    """The user's own module, `torch.target`, built with the spec's arguments."""
    import torch
    from torch.nn.parameter import UninitializedParameter

    from .build import count_module

    _add_user_paths(job["sys_path"])
    try:
        target = operator.attrgetter(job["attribute"])(importlib.import_module(job["module"]))
    except (Exception, SystemExit) as error:  # noqa: BLE001 - the user's code: any failure is a finding
        return _failure("import", error, job["sys_path"])
    refusal = _outside_the_project(target, job["sys_path"], job["allow"])
    if refusal is not None:
        return {"error": "not-allowed", "message": refusal}
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


def ultralytics_model_class(tasks: Any, config: dict[str, Any]) -> Any:
    """The class ultralytics builds a model config with: its family's own (RT-DETR, YOLO-World, YOLOE), else
    its task's. `tasks` is ultralytics.nn.tasks; KeyError when neither is known."""
    families = {
        "RTDETRDecoder": tasks.RTDETRDetectionModel,
        "WorldDetect": tasks.WorldModel,
        "YOLOEDetect": tasks.YOLOEModel,
        "YOLOESegment": tasks.YOLOESegModel,
        "YOLOESegment26": tasks.YOLOESegModel,
    }
    by_task = {
        "detect": tasks.DetectionModel,
        "segment": tasks.SegmentationModel,
        "pose": tasks.PoseModel,
        "obb": tasks.OBBModel,
        "classify": tasks.ClassificationModel,
        "semantic": tasks.SemanticSegmentationModel,
        "depth": tasks.DepthModel,
    }
    head = config.get("head")
    last = head[-1] if isinstance(head, list) and head else None
    module = last[2] if isinstance(last, list) and len(last) == 4 else None
    return (
        families[module] if isinstance(module, str) and module in families else by_task[tasks.guess_model_task(config)]
    )


def _build_ultralytics(job: dict[str, Any]) -> dict[str, Any]:
    """An Ultralytics model config built by ultralytics itself, on the CPU (its stride probe needs real tensors)."""
    from .build import count_module

    tasks = _library("ultralytics.nn.tasks")
    config = job["config"]
    if job["scale"]:
        config["scale"] = job["scale"]
    model = _built(lambda: ultralytics_model_class(tasks, config)(config, verbose=False), on_meta=False)
    return {**_counted(model), "layers": [count_module(layer).params for layer in model.model]}


def _build_transformers(job: dict[str, Any]) -> dict[str, Any]:
    """A Hugging Face config's class (`architectures[0]`, else the base model) built by transformers on meta,
    with transformers' own count of what is not an Embedding's (a tied head counted once, as budget-check does)."""
    model = _transformers_model(job["config"])
    return {**_counted(model), "non_embedding": model.num_parameters(exclude_embeddings=True)}


def _build_peft(job: dict[str, Any]) -> dict[str, Any]:
    """A PEFT adapter on its base config's class, as peft's get_peft_model builds it on meta."""
    peft = _library("peft")
    model = _transformers_model(job["config"])
    # Counted as it trains, as budget-check counts it: an adapter is saved for inference, its weights frozen.
    adapter = {**job["adapter"], "inference_mode": False}
    if "init_lora_weights" in adapter:  # how the weights start changes no count, and on meta they hold no values
        adapter["init_lora_weights"] = True  # to start from: CorDA, LoftQ and PiSSA compute them from the base's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peft's notes on saving and loading: nothing this count is about
        adapted = _built(lambda: peft.get_peft_model(model, peft.get_peft_config(adapter)))
    return {**_counted(adapted), "class": f"{type(model).__name__} and its {adapter.get('peft_type')} adapter"}


def _transformers_model(config: dict[str, Any]) -> Any:
    """The config's class (`architectures[0]`, else the base model) built by transformers on meta."""
    transformers = _library("transformers")
    architectures = config.get("architectures") or [None]
    class_name = architectures[0]
    model_class = getattr(transformers, class_name, None) if isinstance(class_name, str) else None
    # Only a model class of transformers: a name in the file must not call anything else.
    if class_name is not None and not (
        isinstance(model_class, type) and issubclass(model_class, transformers.PreTrainedModel)
    ):
        raise _Refused("build", f"transformers has no model class {class_name!r}")
    build = transformers.AutoModel.from_config if model_class is None else model_class
    return _built(lambda: build(transformers.AutoConfig.for_model(**config)))


# create_model's own options: they load files or download, which a config's model_args may not ask for.
_TIMM_OPTIONS = frozenset(
    ["pretrained", "pretrained_cfg", "pretrained_cfg_overlay", "checkpoint_path", "cache_dir", "features_only"]
)


def _build_timm(job: dict[str, Any]) -> dict[str, Any]:
    """A timm config.json's model, as timm builds it from the file (create_model("local-dir:...")) on meta; never
    with pretrained weights. The file is written afresh into a folder of its own, which holds nothing else."""
    timm = _library("timm")
    config = job["config"]
    architecture, model_args = config.get("architecture"), config.get("model_args")
    # Only a registered architecture: a name such as `hf-hub:...` or `local-dir:...` would fetch a config.
    if not isinstance(architecture, str) or not timm.is_model(architecture.partition(".")[0]) or ":" in architecture:
        raise _Refused("build", f"timm has no architecture {architecture!r}")
    options = sorted(_TIMM_OPTIONS.intersection(model_args if isinstance(model_args, dict) else {}))
    if options:
        raise _Refused("build", f"model_args may not set create_model's {', '.join(options)}")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "config.json").write_text(json.dumps(config))
        return _counted(_built(lambda: timm.create_model(f"local-dir:{folder}", pretrained=False)))


def _build_litgpt(job: dict[str, Any]) -> dict[str, Any]:
    """A LitGPT model as litgpt builds it on meta: named by `model_name` (with `config`'s keys set over the named
    config's, as `litgpt finetune_lora` sets its LoRA settings), else made of `config`'s keys. A LoRA model is
    litgpt.lora's GPT, with only LoRA's weights trainable, as `finetune_lora` leaves it."""
    library = _library("litgpt.lora" if job["lora"] else "litgpt")

    def build() -> Any:
        name, keys = job["model_name"], job["config"]
        model = library.GPT(library.Config.from_name(name, **keys) if name else library.Config(**keys))
        if job["lora"]:
            library.mark_only_lora_as_trainable(model)
        return model

    return _counted(_built(build))


class _Refused(Exception):
    """A library job that cannot be done: the answer says why."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.answer = {"error": error, "message": message}


def _library(name: str) -> Any:
    """The library module a job builds with; refused when it is not installed, or broken."""
    try:
        return importlib.import_module(name)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - its own failure: a finding
        library = name.partition(".")[0]
        raise _Refused("import", f"{library} cannot be imported ({type(error).__name__}: {error})") from None


def _built(build: Callable[[], Any], on_meta: bool = True) -> Any:
    """What `build` returns, on the meta device (shapes only) unless the library needs real tensors; refused
    when the library refuses the file's config."""
    import torch

    try:
        with torch.device("meta") if on_meta else contextlib.nullcontext():
            return build()
    except (Exception, SystemExit) as error:  # noqa: BLE001 - the file's problem: a finding
        raise _Refused("build", f"{type(error).__name__}: {error}") from None


def _counted(model: Any) -> dict[str, Any]:
    """A library's model counted: its params, trainable params and class."""
    from .build import count_module

    counts = count_module(model)
    return {"params": counts.params, "trainable": counts.trainable, "class": type(model).__name__}


def _build_hydra(job: dict[str, Any]) -> dict[str, Any]:
    """A Hydra config's node, composed and instantiated by Hydra (see hydra_build.py)."""
    from .hydra_build import build_hydra

    return build_hydra(job)


JOBS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "spec": _count_spec,
    "module": _build_target,
    "ultralytics": _build_ultralytics,
    "transformers": _build_transformers,
    "peft": _build_peft,
    "timm": _build_timm,
    "litgpt": _build_litgpt,
    "hydra": _build_hydra,
}


def _outside_the_project(target: Any, roots: list[str], allow: list[str]) -> str | None:
    """Why the callable may not run: it is defined outside the project (`models.mlp:os.system`), and
    its package is not allowed. None if it may run."""
    module_name = getattr(target, "__module__", None) or ""
    if module_name.partition(".")[0] in allow:
        return None
    file = getattr(sys.modules.get(module_name), "__file__", None) or ""
    if file and "site-packages" not in file and any(_is_under(file, root) for root in roots):
        return None
    name = f"{module_name or '?'}.{getattr(target, '__qualname__', type(target).__qualname__)}"
    return (
        f"it is {name}, not the repository's own code; --torch runs only that, and packages named in "
        f"torch-allow in [tool.budget-check]"
    )


def _add_user_paths(entries: list[str]) -> None:
    """The user's folders go after site-packages: a project's torch.py or checker/ shadows nothing."""
    for entry in entries:
        if entry not in sys.path:
            sys.path.append(entry)


def _top_children(model: Any) -> list[tuple[str, int]]:
    """The module's parts with parameters, at the first level where it splits (like the spec's)."""
    prefix = ""
    while len(list(model.children())) == 1 and not list(model.parameters(recurse=False)):
        name, model = next(iter(model.named_children()))
        prefix += f"{name}."
    parts = [(prefix + name, sum(p.numel() for p in child.parameters())) for name, child in model.named_children()]
    parts += [(prefix + name, parameter.numel()) for name, parameter in model.named_parameters(recurse=False)]
    return [(name, count) for name, count in parts if count]


def _failure(kind: str, error: BaseException, roots: list[str]) -> dict[str, Any]:
    message = f"{type(error).__name__}: {error}"
    return {"error": kind, "message": message, "frame": _user_frame(error, roots)}


def _user_frame(error: BaseException, roots: list[str]) -> str | None:
    """Where in the user's own code it went wrong: the innermost frame under the project."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{_relative(error.filename, roots)}:{error.lineno}"
    frames_here = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if any(_is_under(frame.filename, root) for root in roots) and "site-packages" not in frame.filename
    ]
    if not frames_here:
        return None
    frame = frames_here[-1]
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
