"""Built-in blocks (`mlp`, `gpt2`, `bert`, `llama`), written in the spec language.

Preset NAME lives in NAME.yaml in this folder, as `blocks:` whose helper
blocks its body may use. A preset file loads on first use and is cached.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..loader import load_documents
from ..spec import Block, parse_blocks

PRESET_FILE_PREFIX = "<preset "
# The param of each preset that sets its width: what a matched width varies.
WIDTH_PARAMS = {"mlp": "hidden_dim", "gpt2": "n_embd", "bert": "hidden_size", "llama": "hidden_size"}


FOLDER = Path(__file__).parent


@cache
def names() -> list[str]:
    return sorted(path.stem for path in FOLDER.glob("*.yaml"))


def find(name: str) -> Block | None:
    if name not in names():
        return None
    return _load(name).get(name)


@cache
def _load(name: str) -> dict[str, Block]:
    text = (FOLDER / f"{name}.yaml").read_text(encoding="utf-8")
    document = next(load_documents(text)).value
    return parse_blocks(document["blocks"], document.location, {}, f"{PRESET_FILE_PREFIX}{name}>")
