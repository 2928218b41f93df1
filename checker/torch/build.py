"""Build a counted spec with real torch.nn modules, and count modules as torch does.

Used by `--torch` (in the torch worker) and by the test suite. Each layer of
the counted tree becomes `torch.nn.<Kind>(**arguments)` on the meta device (no
memory), composites become containers, repeats become copies, `tie` shares
the target's parameters by name, `frozen` clears requires_grad. torch then
counts, and shared parameters are counted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..language.catalogue import LAYERS
from ..language.counting import Part


@dataclass(frozen=True)
class TorchCount:
    params: int
    trainable: int
    buffers: int


def count_module(module: nn.Module) -> TorchCount:
    """What torch counts: parameters() yields a shared parameter once."""
    return TorchCount(
        params=sum(p.numel() for p in module.parameters()),
        trainable=sum(p.numel() for p in module.parameters() if p.requires_grad),
        buffers=sum(b.numel() for b in module.buffers()),
    )


def build_spec(tree: Part) -> nn.Module:
    """The spec's model as torch.nn modules, on the meta device."""
    with torch.device("meta"):
        return _Builder().build(tree)


def build_layer(kind: str, arguments: dict) -> nn.Module:
    if kind == "Parameter":
        return _BareParameter(arguments["size"], arguments["requires_grad"])
    return getattr(nn, kind)(**arguments)


class _BareParameter(nn.Module):
    def __init__(self, size, requires_grad):
        super().__init__()
        self.param = nn.Parameter(torch.empty(tuple(size)), requires_grad=requires_grad)


class _Builder:
    def __init__(self):
        self.named: dict[str, nn.Module] = {}

    def build(self, part: Part) -> nn.Module:
        copies = [self._one_copy(part) for _ in range(part.copies)]
        return copies[0] if len(copies) == 1 else nn.Sequential(*copies)

    def _one_copy(self, part: Part) -> nn.Module:
        if part.kind in LAYERS and not part.children:
            arguments = {
                key: self.build(value) if isinstance(value, Part) else value for key, value in part.arguments.items()
            }
            module = build_layer(part.kind, arguments)
            if part.frozen:
                module.requires_grad_(False)
            for tensor in part.tensors:
                if not tensor.trainable:  # `frozen: [bias]`
                    module.get_parameter(tensor.name).requires_grad_(False)
        else:
            module = nn.Sequential()
            for index, child in enumerate(part.children):
                name = child.label if child.named and child.label not in module._modules else str(index)
                module.add_module(name.replace(".", "_"), self.build(child))
        if part.tied_to is not None:
            _tie(module, self.named[part.tied_to])
        if part.named:
            self.named[part.label] = module
        return module


def _tie(module: nn.Module, target: nn.Module) -> None:
    """Share every parameter that both have under the same name and shape."""
    shared = dict(target.named_parameters())
    for name, parameter in list(module.named_parameters()):
        if name in shared and shared[name].shape == parameter.shape:
            owner, _, attribute = name.rpartition(".")
            setattr(module.get_submodule(owner) if owner else module, attribute, shared[name])
