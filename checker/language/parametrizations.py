"""torch.nn.utils.parametrizations on one layer's parameter: what `parametrize:` does to its tensors.

`weight_norm` replaces the parameter by its direction v (`original1`, the
same shape) and its magnitude g (`original0`): the norm over every dim but
`dim`, so g keeps the size of `dim` and is 1 elsewhere; `dim: null` (torch's
-1) is one number for the whole tensor. `spectral_norm` keeps the parameter
as `original` and adds two buffers, not parameters: `_u` of the size of
`dim` and `_v` of the product of the others, when the tensor has two dims or more. Each
takes its options by torch's names and defaults; each entry below is a
signature in the catalogue's syntax.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace

from .catalogue import Layer, Tensor
from .symbolic import plain

Refusal = str
Change = tuple[tuple[Tensor, ...], tuple[Tensor, ...]]  # the layer's parameters and buffers afterwards


def _weight_norm(tensor: Tensor, options: SimpleNamespace, layer: str) -> Change | Refusal:
    shape, dim = tensor.shape, -1 if options.dim is None else plain(options.dim)  # it picks an axis
    if dim == -1:
        magnitude: tuple[int, ...] = ()
    elif -len(shape) <= dim < len(shape):
        kept = dim % len(shape)
        if shape[kept] == 0:  # torch views the tensor as (size of dim, -1), which no size fits
            return f"`{tensor.name}` has size 0 in dim {dim}"
        magnitude = tuple(size if axis == kept else 1 for axis, size in enumerate(shape))
    else:
        return f"dim {dim} is out of range for `{tensor.name}` of {len(shape)} dims"
    prefix = f"parametrizations.{tensor.name}."
    return (tensor._replace(name=prefix + "original0", shape=magnitude), tensor._replace(name=prefix + "original1")), ()


def _spectral_norm(tensor: Tensor, options: SimpleNamespace, layer: str) -> Change | Refusal:
    shape = tensor.shape
    dim = plain(options.dim) if options.dim is not None else 1 if layer.startswith("ConvTranspose") else 0
    if not -len(shape) <= dim < len(shape):
        return f"dim {dim} is out of range for `{tensor.name}` of {len(shape)} dims"
    prefix = f"parametrizations.{tensor.name}."
    original = (tensor._replace(name=prefix + "original"),)
    if len(shape) < 2:
        return original, ()
    kept = dim % len(shape)
    width = math.prod(size for axis, size in enumerate(shape) if axis != kept)
    return original, (Tensor(prefix + "0._u", (shape[kept],)), Tensor(prefix + "0._v", (width,)))


PARAMETRIZATIONS: dict[str, tuple[Layer, Callable[[Tensor, SimpleNamespace, str], Change | Refusal]]] = {
    "weight_norm": (Layer("weight_norm", "name: str = weight, dim: int? = 0"), _weight_norm),
    "spectral_norm": (
        Layer(
            "spectral_norm",
            "name: str = weight, n_power_iterations: positive = 1, eps: float = 1e-12, dim: int? = None",
        ),
        _spectral_norm,
    ),
}


def parametrize(
    kind: str, options: SimpleNamespace, layer: str, tensors: tuple[Tensor, ...], buffers: tuple[Tensor, ...]
) -> Change | Refusal:
    """The layer's parameters and buffers once `kind` parametrizes its parameter `options.name`,
    or why torch refuses."""
    target = next((tensor for tensor in tensors if tensor.name == options.name), None)
    if target is None or "." in options.name or target.copies != 1:
        own = ", ".join(t.name for t in tensors if "." not in t.name and t.copies == 1) or "none"
        return f"{layer} has no parameter {options.name!r} of its own (its own: {own})"
    change = PARAMETRIZATIONS[kind][1](target, options, layer)
    if isinstance(change, str):
        return change
    added, vectors = change
    return tuple(t for t in tensors if t is not target) + added, buffers + vectors
