"""`budget-check show`: the model as a table, torchinfo-style, with totals and memory."""

from __future__ import annotations

from ..checks.check import OWN_FORMAT, SpecResult
from ..formats import OtherCount
from ..language.counting import Part
from ..language.units import dtype_bytes, format_bytes, format_count
from ..records import TYPE_CHECKING
from .escaping import quoted

if TYPE_CHECKING:
    from typing import Any

MEMORY_DTYPES = ("float32", "bfloat16", "int8")
_COLUMNS = ("Layer", "Kind", "Output", "Params", "Trainable", "Share")


def render(result: SpecResult, max_depth: int) -> str:
    tree = result.tree
    if tree is None:
        raise ValueError(f"{result.name} has no breakdown: it was not counted")
    rows: list[tuple[str, ...]] = []
    _rows(tree, 0, max_depth, tree.params, rows, per_copy=False)
    widths = [max(len(row[i]) for row in [*rows, _COLUMNS]) for i in range(len(_COLUMNS))]
    read_as = "" if result.format == OWN_FORMAT else f", format: {result.format}"
    lines = [f"{quoted(result.name)} ({quoted(result.file)}{read_as})", _line(_COLUMNS, widths)]
    rule = "─" * len(lines[-1])
    lines.append(rule)
    lines += [_line(row, widths) for row in rows]
    lines.append(rule)
    lines += _totals(tree, result.others)
    return "\n".join(lines) + "\n"


def _rows(part: Part, depth: int, max_depth: int, total: int, rows: list[tuple[str, ...]], per_copy: bool) -> None:
    label = "  " * depth + quoted(part.label) + (f" ×{part.copies}" if part.copies > 1 else "")
    tie = tie_text(part)
    note = f" (tied to {quoted(tie)})" if tie else ""
    if part.idle != part.copies * sum(child.idle for child in part.children):  # the routed node itself
        note += f" ({format_count(part.active)} active)"
    share = f"{100 * part.params / total:.1f}%" if total else "-"
    rows.append(
        (
            label + note,
            quoted(part.kind),
            str(part.output) if isinstance(part.output, int) else "?",
            format_count(part.params),
            format_count(part.trainable),
            share + (" each" if per_copy else ""),
        )
    )
    if depth + 1 >= max_depth or part.tied_to:
        return  # a tied part is one row: its children's own counts do not add up to it
    for child in part.children:
        # Inside a repeated part, the rows below stand for one copy.
        _rows(child, depth + 1, max_depth, total, rows, per_copy or part.copies > 1)


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    left, right = cells[:2], cells[2:]
    text = "  ".join(cell.ljust(width) for cell, width in zip(left, widths, strict=False))
    text += "  " + "  ".join(cell.rjust(width) for cell, width in zip(right, widths[2:], strict=False))
    return text.rstrip()


def _totals(tree: Part, others: tuple[tuple[OtherCount, int], ...]) -> list[str]:
    memory = "  ".join(f"{dtype} {format_bytes(dtype_bytes(tree.params, dtype))}" for dtype in MEMORY_DTYPES)
    rows = [
        ("Total params:", format_count(tree.params)),
        ("Trainable params:", format_count(tree.trainable)),
        ("Non-trainable params:", format_count(tree.params - tree.trainable)),
        *(
            [
                ("Embedding params:", format_count(tree.embedding)),
                ("Non-embedding params:", format_count(tree.non_embedding)),
            ]
            if tree.embedding
            else []
        ),
        *([("Active params:", format_count(tree.active))] if tree.idle else []),
        ("Buffers (not params):", format_count(tree.buffers)),
        *((f"{other.label}:", format_count(value)) for other, value in others),
    ]
    width = max(len(value) for _, value in rows)
    return [f"{label:<22} {value:>{width}}" for label, value in rows] + [f"Parameter memory:      {memory}"]


def tree_json(part: Part) -> dict[str, Any]:
    return {
        "name": part.label,
        "kind": part.kind,
        "output": part.output if isinstance(part.output, int) else None,
        "copies": part.copies,
        "params": part.params,
        "trainable": part.trainable,
        "embedding": part.embedding,
        "active": part.active,
        "buffers": part.buffers,
        "tied_to": tie_text(part),
        "children": [tree_json(child) for child in part.children],
    }


def tie_text(part: Part) -> str | None:
    """What the part is tied to, as `tie:` says it: a node's name, or NAME.PATH for one parameter."""
    if part.tied_to is None or part.tied_parameter is None:
        return part.tied_to
    return f"{part.tied_to}.{part.tied_parameter}"
