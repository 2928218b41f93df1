"""A Hydra config built in the torch worker: composed, checked target by target, instantiated, counted.

Only the worker imports this (it imports Hydra, torch and the user's code).
The config is composed with Hydra's compose API, so that defaults lists,
experiments and overrides work as they do in training; the node asked for
is resolved (`${...}`) into plain values, and every `_target_` in it is
checked before anything runs, as a `torch.target` is: it must be the
repository's own code, a package in `torch-allow`, or a torch.nn module or
torch.optim class (a LightningModule's optimizer partials). What Hydra then
builds is counted; an object that is not a module is counted through the
modules it holds, and the answer names them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..records import TYPE_CHECKING
from .worker import _add_user_paths, _failure, _outside_the_project, _top_children

if TYPE_CHECKING:
    from typing import Any

TARGET_KEYS = ("_target_", "_component_")
HYDRA_PACKAGES = {"hydra": "hydra-core", "omegaconf": "omegaconf"}


def build_hydra(job: dict[str, Any]) -> dict[str, Any]:
    import torch
    from torch.nn.parameter import UninitializedParameter

    from .build import count_module

    try:
        from hydra import compose, initialize_config_dir
        from hydra.utils import get_object, instantiate
        from omegaconf import OmegaConf
    except (Exception, SystemExit) as error:  # noqa: BLE001 - not installed, or broken: a finding
        missing = getattr(error, "name", None) or "hydra"
        package = HYDRA_PACKAGES.get(missing.partition(".")[0], missing)
        return {"error": "import", "message": f"Hydra cannot be imported ({_described(error)}): pip install {package}"}
    roots = job["sys_path"]
    _add_user_paths(roots)
    logging.getLogger("hydra.utils").disabled = True  # it logs what get_object fails to find: the finding says it
    try:
        with initialize_config_dir(config_dir=job["config_dir"], version_base=None, job_name="budget-check"):
            config = compose(config_name=job["config_name"], overrides=job["overrides"])
        node = OmegaConf.select(config, job["node"]) if job["node"] else config
        if node is None:
            keys = ", ".join(str(key) for key in config) or "none"
            return {"error": "config", "message": f"the config has no node {job['node']!r} (its keys: {keys})"}
        plain = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
    except (Exception, SystemExit) as error:  # noqa: BLE001 - the config's problem (a missing group, plugin, key)
        return {"error": "config", "message": f"Hydra cannot compose it: {_composing_error(_innermost(error))}"}
    for target in _targets(plain):
        refusal = _refusal(target, roots, job["allow"])
        if refusal is None:
            try:
                refusal = _refusal_of_object(target, get_object(target), roots, job["allow"])
            except (Exception, SystemExit) as error:  # noqa: BLE001 - the user's code, importing: a finding
                return {**_failure("import", _innermost(error), roots), "target": target}
        if refusal is not None:
            return {"error": "not-allowed", "message": refusal, "target": str(target)}
    try:
        with torch.device("meta"):
            built, device = instantiate(plain), "meta"
    except (Exception, SystemExit) as meta_error:  # noqa: BLE001 - the user's code: any failure is a finding
        if job["cpu_bytes"] > job["cpu_limit"]:
            return {**_failure("build", _innermost(meta_error), roots), "meta_only": True}
        try:  # some modules need real tensors in __init__; the fork's memory limit caps this one
            built, device = instantiate(plain), "cpu"
        except (Exception, SystemExit) as error:  # noqa: BLE001 - as above
            return _failure("build", _innermost(error), roots)
    held = _modules_held(built, torch.nn.Module)
    if not held:
        message = f"it builds {_name_of(type(built))}, which is no torch.nn.Module and holds none"
        return {"error": "not-module", "message": message}
    module = held[0][1] if len(held) == 1 else torch.nn.ModuleDict(dict(held))
    lazy = [name for name, p in module.named_parameters() if isinstance(p, UninitializedParameter)]
    if lazy:
        return {"error": "uncountable", "message": ", ".join(lazy)}
    counts = count_module(module)
    return {
        "params": counts.params,
        "trainable": counts.trainable,
        "children": _top_children(module),
        "device": device,
        "built": _name_of(type(built)),
        "attributes": [name for name, _ in held if name],
    }


def _targets(config: Any) -> Iterator[Any]:
    """Every `_target_` (and torchtune's `_component_`) in a plain config, however deep."""
    if isinstance(config, Mapping):
        for key, value in config.items():
            if key in TARGET_KEYS:
                yield value
            else:
                yield from _targets(value)
    elif isinstance(config, list):
        for item in config:
            yield from _targets(item)


def _refusal(target: Any, roots: list[str], allow: list[str]) -> str | None:
    """Why a target may not even be imported: its package is not the repository's, nor allowed, nor torch."""
    if not isinstance(target, str) or "$" in target:
        return "a target must be a dotted name"
    package = target.partition(".")[0]
    if package in allow or package == "torch":
        return None
    if any((Path(root) / package).is_dir() or (Path(root) / f"{package}.py").is_file() for root in roots):
        return None
    return (
        f"{package!r} is not a package of this repository; --torch runs only the repository's own code, "
        f"and packages named in torch-allow in [tool.budget-check] (torch-allow = [{package!r}])"
    )


def _refusal_of_object(target: str, found: Any, roots: list[str], allow: list[str]) -> str | None:
    """Why what a target names may not run: torch may build its modules and optimizers only."""
    import torch

    if target.partition(".")[0] == "torch" and "torch" not in allow:
        kinds = (torch.nn.Module, torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler)
        if isinstance(found, type) and issubclass(found, kinds):
            return None
        return (
            "--torch builds only torch.nn modules and torch.optim classes of torch (torch-allow = ['torch'] for more)"
        )
    return _outside_the_project(found, roots, allow)


def _modules_held(built: Any, module_type: type) -> list[tuple[str, Any]]:
    """The module built, or the modules an object that is none holds, by attribute (a wrapper's `net`)."""
    if isinstance(built, module_type):
        return [("", built)]
    items = built.items() if isinstance(built, Mapping) else getattr(built, "__dict__", {}).items()
    return [(str(name), value) for name, value in items if isinstance(value, module_type)]


def _innermost(error: BaseException) -> BaseException:
    """Hydra wraps the user's exception (InstantiationException): the one that says what went wrong."""
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def _described(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, ModuleNotFoundError) and error.name:
        text += f" (the package {error.name.partition('.')[0]!r} is not installed where budget-check runs)"
    return text


def _composing_error(error: BaseException) -> str:
    """Hydra's message on one line, without the search path it lists; a missing plugin's config named as such."""
    text = f"{type(error).__name__}: "
    for line in str(error).splitlines():
        if line.startswith("Config search path"):
            break
        if line.strip():
            text += ("" if text.endswith(": ") else " " if text.endswith(":") else "; ") + line.strip()
    if "Could not find 'hydra/" in text:
        text += " (the config of a Hydra plugin: is the plugin installed where budget-check runs?)"
    return text


def _name_of(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"
