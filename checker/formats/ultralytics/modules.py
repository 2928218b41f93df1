"""The stock modules' blocks, written in modules.yaml and read from its precompiled form, modules.json.

Every Ultralytics file counted needs some of these blocks, and loading all of
modules.yaml with the located loader was most of their cost on each run.
modules.json holds the same blocks as loaded (precompiled.py), one line each,
after a first line that names every block and the blocks each one uses, itself
and through others. A run decodes and reads only the blocks its model uses.
The file is generated: after changing modules.yaml, rewrite it with
`python -m checker.formats.ultralytics.modules` (a test fails while it is stale).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path

from ...language.loader import Location, YamlMapping, load_documents
from ...language.precompiled import as_json, from_json
from ...language.presets import PRESET_FILE_PREFIX
from ...language.spec import Block, parse_blocks
from ...records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

SOURCE = Path(__file__).with_name("modules.yaml")
COMPILED = SOURCE.with_suffix(".json")
FILE = f"{PRESET_FILE_PREFIX}ultralytics>"


@cache
def block_names() -> frozenset[str]:
    return frozenset(_compiled()[0]["uses"])


def blocks(names: Iterable[str], fused: bool) -> Mapping[str, Block]:
    """The blocks named, and those they use, as counted before (`fused` false) or after model.fuse()."""
    uses = _compiled()[0]["uses"]
    return _parsed(frozenset(used for name in names for used in uses[name]), fused)


@cache
def param_names(name: str) -> tuple[str, ...]:
    """The params of block `name` in order, read from its definition alone: parsing blocks costs a set of them."""
    params = _definition(_compiled()[1][name])[0]["params"]
    return tuple(params)  # a list of names, or a mapping of names to defaults


def used_in(node: Any) -> set[str]:
    """The names of the blocks a model node uses directly."""
    return _named_in(node, block_names())


def _named_in(node: Any, known: Iterable[str]) -> set[str]:
    return set(_names(node)).intersection(known)


def _names(node: Any) -> Iterator[Any]:
    """Every mapping key and every text in a model node: what may name a block (a layer, an argument that
    holds a node). Texts that name none, such as expressions, are left out by the caller."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _names(item)
    elif isinstance(node, str):
        yield node


@cache
def _parsed(names: frozenset[str], fused: bool) -> Mapping[str, Block]:
    header, lines = _compiled()
    chosen = YamlMapping(Location._make(header["blocks_location"]))
    for name in header["uses"]:  # in the order of the file: a block may extend one above it
        if name in names:
            chosen[name], chosen.key_locations[name], chosen.value_locations[name] = _definition(lines[name])
    return parse_blocks(chosen, Location._make(header["location"]), {"fused": fused}, FILE)


@cache
def _definition(line: str) -> tuple[Any, Location, Location]:
    """A block as loaded, and where its name and definition stand: decoded once, whatever blocks it is read with."""
    _, key_location, value_location, definition = json.loads(line)
    return from_json(definition), Location._make(key_location), Location._make(value_location)


@cache
def _compiled() -> tuple[dict[str, Any], dict[str, str]]:
    """The first line of modules.json, decoded, and each block's line, by name."""
    first, *lines = COMPILED.read_text(encoding="utf-8").splitlines()
    header = json.loads(first)
    return header, dict(zip(header["uses"], lines, strict=True))


def compiled_text() -> str:
    """What modules.json holds for the modules.yaml of this tree."""
    document = next(load_documents(SOURCE.read_text(encoding="utf-8")))
    written = document.value["blocks"]
    direct = {name: _named_in(definition, written) - {name} for name, definition in written.items()}
    header = {
        "generated_from": f"{SOURCE.name}: do not edit; run `python -m checker.formats.ultralytics.modules`",
        "location": document.location,
        "blocks_location": written.location,
        "uses": {name: sorted(_closure(name, direct)) for name in written},
    }
    lines = [
        [name, written.key_locations[name], written.location_of(name), as_json(definition)]
        for name, definition in written.items()
    ]
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in [header, *lines])


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
