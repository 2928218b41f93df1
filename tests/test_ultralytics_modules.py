"""The stock modules' blocks, read from modules.json, the precompiled form of modules.yaml."""

from __future__ import annotations

import json

from checker.formats.ultralytics.modules import COMPILED, blocks, compiled_text


def test_the_shipped_modules_json_is_up_to_date():
    assert json.loads(COMPILED.read_text(encoding="utf-8")) == json.loads(compiled_text()), (
        "checker/formats/ultralytics/modules.json is stale: run `python -m checker.formats.ultralytics.modules`"
    )


def test_the_fused_blocks_are_the_same_blocks_seeing_fused_true():
    unfused, fused = blocks(False), blocks(True)
    assert list(unfused) == list(fused)
    assert all(block.file_vars == {"fused": False} for block in unfused.values())
    assert all(block.file_vars == {"fused": True} for block in fused.values())
