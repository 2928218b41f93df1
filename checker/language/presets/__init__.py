"""Built-in blocks, written in the spec language: read them in this folder's *.yaml.

Preset NAME lives in NAME.yaml, as `blocks:` whose helper blocks its body may
use. A Hugging Face family's file (llama.yaml for model_type `llama`) also
holds one block per transformers class it counts (`LlamaForCausalLM`), named
as the class is. Any block of a preset file can be used from elsewhere as
`FILE.BLOCK` (`llama.llama_layer`): families reuse each other's layers so.
A preset file loads on first use and is cached.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..loader import load_documents
from ..spec import Block, parse_blocks

PRESET_FILE_PREFIX = "<preset "
# The param of each preset that sets its width: what a matched width varies.
WIDTH_PARAMS = {"mlp": "hidden_dim", "gpt2": "n_embd", "bert": "hidden_size", "llama": "hidden_size"}
# Hugging Face families: each model_type and the prefix of its class names.
HF_FAMILIES = {
    "llama": "Llama",
    "mistral": "Mistral",
    "mixtral": "Mixtral",
    "qwen2": "Qwen2",
    "qwen2_moe": "Qwen2Moe",
    "qwen3": "Qwen3",
    "qwen3_moe": "Qwen3Moe",
    "gemma": "Gemma",
    "gemma2": "Gemma2",
    "phi3": "Phi3",
    "olmo": "Olmo",
    "olmo2": "Olmo2",
    "gpt2": "GPT2",
    "gpt_neox": "GPTNeoX",
    "opt": "OPT",
    "bert": "Bert",
    "roberta": "Roberta",
    "distilbert": "DistilBert",
    "bart": "Bart",
    "whisper": "Whisper",
    "vit": "ViT",
    "clip": "CLIP",
    "t5": "T5",
}
# A class name is its family's prefix and then one of these (BertModel, GPT2LMHeadModel).
_CLASS_SUFFIX_STARTS = ("Model", "For", "LMHead", "Text", "Vision", "Encoder")

FOLDER = Path(__file__).parent


@cache
def files() -> list[str]:
    return sorted(path.stem for path in FOLDER.glob("*.yaml"))


@cache
def names() -> list[str]:
    """Every preset a spec may name: one per file named as its block, and every class block."""
    found = [name for name in files() if name in _load(name)]
    for family in HF_FAMILIES:
        if family in files():
            found += [name for name in _load(family) if family_of_class(name) == family]
    return sorted(set(found))


@cache  # every layer of every spec asks (it is looked up before the torch.nn table)
def find(name: str) -> Block | None:
    """The block a spec means by `name`: a preset, a class (`BertModel`) or `FILE.BLOCK`."""
    head, dot, block = name.partition(".")
    file: str | None = head
    if not dot:
        file = name if name in files() else family_of_class(name)
        block = name
    if file is None or file not in files():
        return None
    return _load(file).get(block)


def family_of_class(name: str) -> str | None:
    """The model_type whose file holds class `name` (the longest prefix wins: Qwen2Moe over Qwen2)."""
    best = None
    for family, prefix in HF_FAMILIES.items():
        rest = name[len(prefix) :]
        longer = best is None or len(prefix) > len(HF_FAMILIES[best])
        if name.startswith(prefix) and rest.startswith(_CLASS_SUFFIX_STARTS) and longer:
            best = family
    return best


@cache
def _load(name: str) -> dict[str, Block]:
    text = (FOLDER / f"{name}.yaml").read_text(encoding="utf-8")
    document = next(load_documents(text)).value
    return parse_blocks(document["blocks"], document.location, {}, f"{PRESET_FILE_PREFIX}{name}>")
