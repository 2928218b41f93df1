"""The stock modules' blocks, written in modules.yaml and read from its precompiled form, compiled_modules.py.

Every Ultralytics file counted needs some of these blocks, and loading all of
modules.yaml with the located loader was most of their cost on each run.
compiled_modules.py holds the same blocks as loaded (precompiled.py), and
every block's name with the blocks it uses, itself and through others. A run
builds and reads only the blocks its model uses: each block's data is a
function's body, made when it is called. It is a Python module rather than
JSON, for a run would otherwise import `json` (about 5 M instructions, more
than decoding the blocks) for this file alone; pip compiles it to bytecode
at install. The file is generated: after changing modules.yaml, rewrite it
with `python -m checker.formats.ultralytics.modules` (a test fails while it
is stale).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from ...language.loader import Location, YamlMapping, load_documents
from ...language.precompiled import as_python, from_json
from ...language.presets import PRESET_FILE_PREFIX
from ...language.spec import Block, parse_blocks
from ...records import TYPE_CHECKING
from . import compiled_modules

if TYPE_CHECKING:
    from typing import Any

SOURCE = Path(__file__).with_name("modules.yaml")
COMPILED = SOURCE.with_name("compiled_modules.py")
FILE = f"{PRESET_FILE_PREFIX}ultralytics>"
_GENERATED = "Generated from modules.yaml by `python -m checker.formats.ultralytics.modules`: do not edit."


@cache
def block_names() -> frozenset[str]:
    return frozenset(compiled_modules.USES)


def blocks(names: Iterable[str], fused: bool) -> Mapping[str, Block]:
    """The blocks named, and those they use, as counted before (`fused` false) or after model.fuse()."""
    uses = compiled_modules.USES
    return _parsed(frozenset(used for name in names for used in uses[name]), fused)


@cache
def param_names(name: str) -> tuple[str, ...]:
    """The params of block `name` in order, read from its definition alone: parsing blocks costs a set of them."""
    params = _definition(name)[0]["params"]
    return tuple(params)  # a list of names, or a mapping of names to defaults


def used_in(node: Any) -> set[str]:
    """The names of the blocks a model node uses directly."""
    return _named_in(node, block_names())


def _named_in(node: Any, known: Iterable[str]) -> set[str]:
    """The names in `known` that a model node writes as a mapping key or as text: what may name a block (a
    layer, an argument that holds a node). Texts that name none, such as expressions, are left out."""
    written: set[Any] = set()
    pending = [node]
    while pending:  # a loop, not a recursion: this runs for every scale's model
        value = pending.pop()
        if isinstance(value, str):
            written.add(value)
        elif isinstance(value, dict):
            written.update(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return written.intersection(known)


@cache
def _parsed(names: frozenset[str], fused: bool) -> Mapping[str, Block]:
    chosen = YamlMapping(Location._make(compiled_modules.BLOCKS_LOCATION))
    for name in compiled_modules.USES:  # in the order of the file: a block may extend one above it
        if name in names:
            chosen[name], chosen.key_locations[name], chosen.value_locations[name] = _definition(name)
    return parse_blocks(chosen, Location._make(compiled_modules.LOCATION), {"fused": fused}, FILE)


@cache
def _definition(name: str) -> tuple[Any, Location, Location]:
    """A block as loaded, and where its name and definition stand: made once, whatever blocks it is read with."""
    key_location, value_location, definition = compiled_modules.BLOCKS[name]()
    return from_json(definition), Location._make(key_location), Location._make(value_location)


def compiled_text() -> str:
    """What compiled_modules.py holds for the modules.yaml of this tree."""
    document = next(load_documents(SOURCE.read_text(encoding="utf-8")))
    written = document.value["blocks"]
    direct = {name: _named_in(definition, written) - {name} for name, definition in written.items()}
    uses = {name: sorted(_closure(name, direct)) for name in written}
    lines = [
        f"# {_GENERATED}",
        f"LOCATION = {list(document.location)!r}",
        f"BLOCKS_LOCATION = {list(written.location)!r}",
        "# Every block, in the order of the file, with the blocks it uses, itself and through others.",
        f"USES = {uses!r}",
        "# Every block as loaded, made when called: (where its name stands, where its definition stands, the",
        "# definition as precompiled.as_json writes it).",
        "BLOCKS = {",
        *(
            f"    {name!r}: lambda: ({list(written.key_locations[name])!r}, "
            f"{list(written.location_of(name))!r}, {as_python(definition)}),"
            for name, definition in written.items()
        ),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _closure(name: str, direct: Mapping[str, set[str]]) -> set[str]:
    """`name` and every block it uses, itself or through others."""
    found, pending = {name}, [name]
    while pending:
        for used in direct[pending.pop()] - found:
            found.add(used)
            pending.append(used)
    return found


if __name__ == "__main__":
    COMPILED.write_text(compiled_text(), encoding="utf-8")
    print(f"wrote {COMPILED}")
