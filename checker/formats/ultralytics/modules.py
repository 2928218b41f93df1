"""The stock modules' blocks, written in modules.yaml and read from its precompiled form, modules.json.

Every Ultralytics file counted needs these blocks, and loading modules.yaml
with the located loader was most of their cost on each run. modules.json holds
the same document as loaded (precompiled.py), so a run decodes JSON instead.
It is generated: after changing modules.yaml, rewrite it with
`python -m checker.formats.ultralytics.modules` (a test fails while it is stale).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ...language.loader import Location, load_documents
from ...language.precompiled import as_json, from_json
from ...language.presets import PRESET_FILE_PREFIX
from ...language.spec import Block, parse_blocks

SOURCE = Path(__file__).with_name("modules.yaml")
COMPILED = SOURCE.with_suffix(".json")


@cache
def blocks(fused: bool) -> Mapping[str, Block]:
    """The blocks as counted before (`fused` false) or after model.fuse()."""
    document, location = _document()
    return parse_blocks(document["blocks"], location, {"fused": fused}, f"{PRESET_FILE_PREFIX}ultralytics>")


@cache
def _document() -> tuple[Any, Location]:
    compiled = json.loads(COMPILED.read_text(encoding="utf-8"))
    return from_json(compiled["document"]), Location._make(compiled["location"])


def compiled_text() -> str:
    """What modules.json holds for the modules.yaml of this tree."""
    document = next(load_documents(SOURCE.read_text(encoding="utf-8")))
    compiled = {
        "generated_from": f"{SOURCE.name}: do not edit; run `python -m checker.formats.ultralytics.modules`",
        "location": document.location,
        "document": as_json(document.value),
    }
    return json.dumps(compiled, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    COMPILED.write_text(compiled_text(), encoding="utf-8")
    print(f"wrote {COMPILED}")
