"""Build a counted spec with real torch.nn modules, and count modules as torch does.

Used by `--torch` (in the torch worker) and by the test suite. Each layer of
the counted tree becomes `torch.nn.<Kind>(**arguments)` on the meta device (no
memory), composites become containers, a repeated part is built once and
counted once per copy, `tie` shares the target's tensors by name, and
`frozen` calls requires_grad_(False) once every tie is made (so a frozen user
of a tied tensor freezes it for all). torch then counts, and shared
parameters are counted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..language.catalogue import LAYERS
from ..language.counting import Part
from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class TorchCount:
    params: int
    trainable: int
    buffers: int
    embedding: int = 0  # the parameters of lookup tables (nn.Embedding, nn.EmbeddingBag)


class Copies(nn.Module):
    """`copies` copies of one module in sequence, built once: they count `copies` times what one does.

    A spec's `repeat: 1000000000` is built as one copy, not a billion.
    """

    def __init__(self, module: nn.Module, copies: int):
        super().__init__()
        self.copy = module
        self.copies = copies


def count_module(module: nn.Module) -> TorchCount:
    """What torch counts: parameters() yields a shared parameter once; a parameter inside Copies counts
    once per copy (of the Copies around its first use)."""
    times = _copies_of_tensors(module)
    parameters, buffers = list(module.parameters()), list(module.buffers())
    lookup_tables = (nn.Embedding, nn.EmbeddingBag)
    tables = {id(p) for m in module.modules() if isinstance(m, lookup_tables) for p in m.parameters()}
    return TorchCount(
        params=sum(p.numel() * times[id(p)] for p in parameters),
        trainable=sum(p.numel() * times[id(p)] for p in parameters if p.requires_grad),
        buffers=sum(b.numel() * times[id(b)] for b in buffers),
        embedding=sum(p.numel() * times[id(p)] for p in parameters if id(p) in tables),
    )


def _copies_of_tensors(module: nn.Module, copies: int = 1, found: dict[int, int] | None = None) -> dict[int, int]:
    """How many copies of each tensor the model has, by its first use, in the order torch visits them."""
    found = {} if found is None else found
    copies *= module.copies if isinstance(module, Copies) else 1
    for tensor in [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
        found.setdefault(id(tensor), copies)
    for child in module.children():
        _copies_of_tensors(child, copies, found)
    return found


def build_spec(tree: Part) -> nn.Module:
    """The spec's model as torch.nn modules, on the meta device."""
    with torch.device("meta"):
        builder = _Builder()
        model = builder.build(tree)
    builder.freeze()
    return model


def build_layer(kind: str, arguments: dict[str, Any]) -> nn.Module:
    if kind == "Parameter":
        return _BareParameter(arguments["size"], arguments["requires_grad"])
    layer: type[nn.Module] = getattr(nn, kind)
    return layer(**arguments)


class _BareParameter(nn.Module):
    def __init__(self, size: tuple[int, ...], requires_grad: bool) -> None:
        super().__init__()
        self.param = nn.Parameter(torch.empty(tuple(size)), requires_grad=requires_grad)


class _Builder:
    def __init__(self) -> None:
        self.named: dict[str, nn.Module] = {}
        self.frozen: list[tuple[nn.Module, str | None]] = []  # (module, one parameter's name or None for all)

    def build(self, part: Part) -> nn.Module:
        module = self._one_copy(part)
        return module if part.copies == 1 else Copies(module, part.copies)

    def freeze(self) -> None:
        """`frozen`, applied once every tie is made: a tied tensor is frozen by any of its users, as in torch."""
        for module, name in self.frozen:
            (module.get_parameter(name) if name else module).requires_grad_(False)

    def _one_copy(self, part: Part) -> nn.Module:
        if part.kind in LAYERS and not part.children:
            arguments = {
                key: self.build(value) if isinstance(value, Part) else value for key, value in part.arguments.items()
            }
            module = build_layer(part.kind, arguments)
            if part.parametrization is not None:
                kind, options = part.parametrization
                getattr(nn.utils.parametrizations, kind)(module, **options)
            if part.frozen:
                self.frozen.append((module, None))
            self.frozen += [
                (module, tensor.name) for tensor in part.tensors if not tensor.trainable
            ]  # `frozen: [bias]`
        else:
            module = nn.Sequential()
            for index, child in enumerate(part.children):
                name = child.label if child.named and child.label not in module._modules else str(index)
                module.add_module(name.replace(".", "_"), self.build(child))
        if part.tied_to is not None:
            _tie(module, self.named[part.tied_to], part.tied_parameter)
        if part.named:
            self.named[part.label] = module
        return module


def _tie(module: nn.Module, target: nn.Module, only: str | None = None) -> None:
    """Share every parameter that both have under the same name and shape, as `a.weight = b.weight` does;
    with `only`, that one parameter of the target (a bare Parameter becomes it)."""
    shared = dict(target.named_parameters())
    if only is not None:
        shared = {"param" if isinstance(module, _BareParameter) else only: shared[only]}
    tied = 0
    for name, parameter in list(module.named_parameters()):
        if name in shared and shared[name].shape == parameter.shape:
            owner, _, attribute = name.rpartition(".")
            setattr(module.get_submodule(owner) if owner else module, attribute, shared[name])
            tied += 1
    if not tied:
        raise ValueError(f"a tie between {type(module).__name__} and {type(target).__name__} shares no parameter")
