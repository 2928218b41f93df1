"""budget-check's speed: a thousand specs, one spec against the floor, and torch for comparison.

    python benchmarks/run.py [--runs 7]

1. Writes 1,000 mixed specs to a temporary folder (hand-written ResNet-50 and
   VGG-16, GPT-2 written with blocks, the gpt2/bert/llama/mlp presets with
   varied sizes) and times `budget-check FOLDER`.
2. Times `budget-check` on one spec against the floor of any Python YAML
   tool: `python -c "import yaml"`.
3. Times what users do today to count a model: import torch and build it on
   the meta device.

Each figure is the median of --runs runs of a fresh process (wall time, via
time.perf_counter around subprocess.run). It runs the installed `budget-check`
command (`pip install .` first) from a folder outside the repository, as a
user's hook would.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAND_WRITTEN = [
    ROOT / "examples" / "specs" / "resnet50.yaml",
    ROOT / "examples" / "specs" / "vgg16.yaml",
    ROOT / "benchmarks" / "specs" / "gpt2-blocks.yaml",
]

TORCH_GPT2 = """
import torch
from torch import nn
with torch.device("meta"):
    d, vocab = 768, 50257
    layers = [nn.ModuleList([nn.LayerNorm(d), nn.Linear(d, 3 * d), nn.Linear(d, d), nn.LayerNorm(d),
                             nn.Linear(d, 4 * d), nn.Linear(4 * d, d)]) for _ in range(12)]
    model = nn.ModuleList([nn.Embedding(vocab, d), nn.Embedding(1024, d), *layers, nn.LayerNorm(d)])
print(sum(p.numel() for p in model.parameters()))
"""


def preset_spec(randomness: random.Random, index: int) -> str:
    kind = randomness.choice(["gpt2", "bert", "llama", "mlp"])
    if kind == "gpt2":
        heads = randomness.choice([8, 12, 16])
        model = f"gpt2: {{n_embd: {heads * 64}, n_head: {heads}, n_layer: {randomness.randint(4, 48)}}}"
    elif kind == "bert":
        heads = randomness.choice([8, 12, 16])
        model = (
            f"bert: {{hidden_size: {heads * 64}, num_attention_heads: {heads}, "
            f"num_hidden_layers: {randomness.randint(4, 24)}}}"
        )
    elif kind == "llama":
        model = (
            f"llama: {{hidden_size: {randomness.choice([2048, 4096, 5120])}, "
            f"num_hidden_layers: {randomness.randint(16, 80)}, num_key_value_heads: 8}}"
        )
    else:
        model = (
            f"mlp: {{input_dim: {randomness.randint(2, 512)}, hidden_dim: width, "
            f"hidden_layers: {randomness.randint(1, 8)}, output_dim: {randomness.randint(2, 100)}}}"
        )
    return f"name: {kind}-{index}\nvars: {{width: {randomness.randint(8, 1024)}}}\nmodel: {{{model}}}\nbudget: 1T\n"


def write_specs(folder: Path, count: int) -> None:
    randomness = random.Random(0)
    for index in range(count):
        if index % 4 == 0:  # a quarter hand-written, the rest presets
            source = HAND_WRITTEN[(index // 4) % len(HAND_WRITTEN)]
            text = source.read_text().replace(f"name: {source.stem}", f"name: {source.stem}-{index}")
        else:
            text = preset_spec(randomness, index)
        (folder / f"spec-{index:04d}.yaml").write_text(text)


def timed(command: list[str], runs: int, cwd: Path) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=False, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    python = sys.executable
    command = shutil.which("budget-check", path=str(Path(python).parent))
    if command is None:
        sys.exit("install budget-check first: pip install .")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"median of {runs} runs"
    )
    with tempfile.TemporaryDirectory() as folder:
        specs = Path(folder) / "specs"
        specs.mkdir()
        write_specs(specs, 1000)
        shutil.copyfile(ROOT / "examples" / "specs" / "gpt2-small.yaml", Path(folder) / "gpt2-small.yaml")
        run = subprocess.run([command, "specs", "-q"], cwd=folder, capture_output=True, text=True, check=False)
        print(f"  ({run.stdout.strip().splitlines()[-1]})")
        thousand = timed([command, "specs", "-q"], runs, folder)
        floor = timed([python, "-c", "import yaml"], runs, folder)
        one = timed([command, "gpt2-small.yaml"], runs, folder)
        with_torch = timed([python, "-c", TORCH_GPT2], runs, folder)
    print(f"1,000 specs:                    {thousand:.3f} s   (target < 2 s)")
    print(f"python -c 'import yaml':        {floor * 1000:.0f} ms  (the floor)")
    print(f"one spec (gpt2-small):          {one * 1000:.0f} ms  = {one / floor:.2f}x the floor (target < 4x)")
    print(f"torch, GPT-2 small on meta:     {with_torch * 1000:.0f} ms  = {with_torch / one:.1f}x one spec")


if __name__ == "__main__":
    main()
