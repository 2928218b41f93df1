"""The stock modules' blocks, read from compiled_modules.py, the precompiled form of modules.yaml."""

from __future__ import annotations

import pytest

from checker.formats.ultralytics.modules import COMPILED, block_names, blocks, compiled_text, param_names, used_in
from checker.language.loader import Location, located


def test_the_shipped_compiled_modules_are_up_to_date():
    assert COMPILED.read_text(encoding="utf-8") == compiled_text(), (
        "checker/formats/ultralytics/compiled_modules.py is stale: run `python -m checker.formats.ultralytics.modules`"
    )


@pytest.mark.parametrize(
    ("names", "read"),
    [
        (["conv_bn"], {"conv_bn"}),
        (["C2f"], {"C2f", "Bottleneck", "Conv", "conv_bn", "csp_ends"}),
        (["SPPF", "Conv"], {"SPPF", "Conv"}),
        (["Bottleneck"], {"Bottleneck", "conv_bn"}),
    ],
)
def test_a_module_is_read_with_the_blocks_it_uses_and_no_others(names, read):
    assert set(blocks(names, fused=False)) == read


def test_a_blocks_param_names_read_from_its_definition_are_those_it_is_parsed_with():
    parsed = blocks(block_names(), fused=False)
    assert {name: param_names(name) for name in parsed} == {
        name: tuple(param.name for param in block.params) for name, block in parsed.items()
    }


def test_the_blocks_a_node_uses_are_found_at_any_depth():
    node = located(
        [{"Conv": [3, 16, 3]}, {"sequential": [{"detect_level": {"x": 16}}, "DFL", {"Conv2d": [1, 2]}]}], Location(1, 1)
    )
    assert used_in(node) == {"Conv", "detect_level", "DFL"}


def test_the_fused_blocks_are_the_same_blocks_seeing_fused_true():
    unfused, fused = blocks(block_names(), fused=False), blocks(block_names(), fused=True)
    assert set(unfused) == set(fused) == block_names()
    assert all(block.file_vars == {"fused": False} for block in unfused.values())
    assert all(block.file_vars == {"fused": True} for block in fused.values())
