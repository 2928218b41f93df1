"""budget-check's speed: a thousand specs, one spec against the floor, the peers, and torch.

    python benchmarks/run.py [--runs 7] [--only one|specs] [--instructions]

1. Writes 1,000 mixed specs to a temporary folder (hand-written ResNet-50 and
   VGG-16, GPT-2 written with blocks, the gpt2/bert/llama/mlp presets with
   varied sizes) and times `budget-check FOLDER`: cold (`--no-cache`) and warm
   (every result in the cache), and the peak memory of a cold run.
2. Times `budget-check` on one spec, cold and warm, against the floor of any
   Python YAML tool: `python -c "import yaml"`.
3. Times the peers a user would compare with on the same 1,000 files:
   yamllint, and check-jsonschema with budget-check's own schema. A peer that
   is not installed beside budget-check is skipped.
4. Times what users do today to count a model: import torch and build it on
   the meta device.
5. Writes 1,000 Hugging Face config.json files, one folder each (the configs of
   examples/hf, every family, in turn, each with a vocabulary of random size
   where it has one), and times `budget-check FOLDER` on them, cold, and on
   one config.json against the floor.

`--only one` times the floor, one spec and one config.json only: the start-up
figures, in a minute rather than ten. `--only specs` times the floor and the
1,000 specs only (cold, warm, and the peak memory). `--instructions` runs
budget-check's commands (not the peers or torch) once each under valgrind and
counts the instructions they execute, a figure that load does not change.

Each figure is the median of --runs runs of a fresh process: its wall time
(time.perf_counter around subprocess.run) and its CPU time (user + system,
from getrusage), which a busy machine does not inflate. The commands take
turns, run after run, so that load slows them all alike. It runs
the installed commands (`pip install .` first) from a folder outside the
repository, as a user's hook would.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
HAND_WRITTEN = [
    ROOT / "examples" / "specs" / "resnet50.yaml",
    ROOT / "examples" / "specs" / "vgg16.yaml",
    ROOT / "benchmarks" / "specs" / "gpt2-blocks.yaml",
]
SCHEMA = ROOT / "checker" / "language" / "spec.schema.json"
HF_EXAMPLES = ROOT / "examples" / "hf"

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


def write_configs(folder: Path, count: int) -> None:
    """`count` config.json files, each in a folder of its own: the example configs in turn, resized."""
    randomness = random.Random(0)
    examples = [json.loads(path.read_text()) for path in sorted(HF_EXAMPLES.glob("*/config.json"))]
    for index in range(count):
        config = dict(examples[index % len(examples)])
        if "vocab_size" in config:
            config["vocab_size"] = randomness.randint(1000, 256_000)
        (folder / f"model-{index:04d}").mkdir()
        (folder / f"model-{index:04d}" / "config.json").write_text(json.dumps(config, indent=2))


class Timing(NamedTuple):
    wall: float  # seconds, the median over the runs
    cpu: float  # user + system seconds of the process, the median: what a busy machine does not inflate


def timed(commands: dict[str, list[str]], runs: int, cwd: Path) -> dict[str, Timing]:
    """The median wall and CPU time of each command, the commands taking turns."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            cpu_before = _children_cpu()
            started = time.perf_counter()
            subprocess.run(command, cwd=cwd, check=False, capture_output=True)
            walls[name].append(time.perf_counter() - started)
            cpus[name].append(_children_cpu() - cpu_before)
    return {name: Timing(statistics.median(walls[name]), statistics.median(cpus[name])) for name in commands}


def instructions(commands: dict[str, list[str]], cwd: Path) -> dict[str, int]:
    """The instructions each command executes, counted by valgrind's cachegrind without its cache model.

    The count is the same on every run, however busy the machine, where time on a shared machine varies by
    a quarter from one minute to the next; it leaves out waiting on the disk and the cost of memory. A command
    runs about 50 times slower under valgrind, so each runs once."""
    counted = {}
    for name, command in commands.items():
        # Once as it is, first: a command that reads the result cache then finds it filled, as in the timed runs.
        subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        run = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *command],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        total = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
        if total is None:
            raise RuntimeError(f"valgrind counted nothing for {name}:\n{run.stderr[-2000:]}")
        counted[name] = int(total.group(1).replace(",", ""))
    return counted


def print_instructions(counted: dict[str, int], width: int) -> None:
    """One line per command: its instructions, and their ratio to the first command's (the floor)."""
    floor = next(iter(counted.values()))
    for name, count in counted.items():
        print(f"{name:<{width}} {count / 1e6:8.1f} M instructions ({count / floor:4.2f}x the floor)")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_memory(command: list[str], cwd: Path) -> float:
    """The peak resident memory of `command`, in MiB (Linux reports KiB, macOS bytes)."""
    measure = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], capture_output=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    output = subprocess.run([sys.executable, "-c", measure, *command], cwd=cwd, capture_output=True, text=True)
    peak = int(output.stdout)
    return peak / 2**20 if platform.system() == "Darwin" else peak / 2**10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--only",
        choices=["one", "specs"],
        help="time only the floor and one spec and one config.json (one), or the 1,000 specs (specs)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count the instructions of budget-check's commands with valgrind instead of timing every command",
    )
    arguments = parser.parse_args()
    runs, only = arguments.runs, arguments.only
    everything, one, thousand_specs = only is None, only != "specs", only != "one"
    python = sys.executable
    installed = str(Path(python).parent)
    command = shutil.which("budget-check", path=installed)
    if command is None:
        sys.exit("install budget-check first: pip install .")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"median of {runs} runs"
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        specs = work / "specs"
        specs.mkdir()
        write_specs(specs, 1000)
        configs = work / "configs"
        configs.mkdir()
        write_configs(configs, 1000)
        shutil.copyfile(HF_EXAMPLES / "llama-3.2-1b" / "config.json", work / "config.json")
        files = sorted(str(path.relative_to(work)) for path in specs.iterdir())
        shutil.copyfile(ROOT / "examples" / "specs" / "gpt2-small.yaml", work / "gpt2-small.yaml")
        checks = [["gpt2-small.yaml"], ["config.json"]] if one else []
        if thousand_specs:
            checks += [["specs", "-q"]]
        if everything:
            checks += [["configs", "-q"]]
        for args in checks:  # fill the cache, see them pass
            run = subprocess.run([command, *args], cwd=work, capture_output=True, text=True, check=False)
            if run.returncode != 0:
                sys.exit(f"budget-check {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
            print(f"  ({' '.join(args)}: {run.stdout.strip().splitlines()[-1]})")
        commands = {"floor": [python, "-c", "import yaml"]}
        if one:
            commands |= {
                "one spec, cold": [command, "gpt2-small.yaml", "--no-cache"],
                "one spec, warm": [command, "gpt2-small.yaml"],
                "one config.json, cold": [command, "config.json", "--no-cache"],
            }
        if thousand_specs:
            commands |= {
                "1,000 specs, cold": [command, "specs", "-q", "--no-cache"],
                "1,000 specs, warm": [command, "specs", "-q"],
            }
        if everything:
            commands["1,000 config.json, cold"] = [command, "configs", "-q", "--no-cache"]
        peers = {
            "yamllint": ["yamllint", "-f", "parsable", "specs"],
            "check-jsonschema": ["check-jsonschema", "--schemafile", str(SCHEMA), *files],
        }
        for name, peer in peers.items() if everything else ():
            executable = shutil.which(peer[0], path=installed)
            if executable is None:
                print(f"  ({name} is not installed beside budget-check: skipped)")
            else:
                commands[name] = [executable, *peer[1:]]
        torch_installed = subprocess.run([python, "-c", "import torch"], capture_output=True).returncode == 0
        if everything and torch_installed:
            commands["torch"] = [python, "-c", TORCH_GPT2]
        elif everything:
            print("  (torch is not installed beside budget-check: skipped)")
        if arguments.instructions:
            budget_check = {name: command for name, command in commands.items() if name not in (*peers, "torch")}
            print_instructions(instructions(budget_check, work), 31)
            return
        times = timed(commands, runs, work)
        peak = peak_memory([command, "specs", "-q", "--no-cache"], work) if thousand_specs else None
    floor = times["floor"]

    def row(name: str, timing: Timing, against: Timing | None = None, what: str = "") -> None:
        ratio = (
            "" if against is None else f"  = {timing.wall / against.wall:.2f}x / {timing.cpu / against.cpu:.2f}x {what}"
        )
        print(f"{name:<32}{timing.wall * 1000:>8.0f} ms wall {timing.cpu * 1000:>8.0f} ms CPU{ratio}")

    row("python -c 'import yaml' (floor)", floor)
    if one:
        row("one spec, cold (gpt2-small)", times["one spec, cold"], floor, "the floor (target 2x)")
        row("one spec, warm (gpt2-small)", times["one spec, warm"], floor, "the floor")
        row("one config.json, cold (Llama)", times["one config.json, cold"], floor, "the floor (target 2x)")
    if thousand_specs:
        thousand = times["1,000 specs, cold"]
        row("1,000 specs, cold", thousand, None)
        row("1,000 specs, warm", times["1,000 specs, warm"], thousand, "cold")
        print(f"{'peak memory, 1,000 specs cold':<32}{peak:>8.0f} MiB (target < 60 MiB)")
    if not everything:
        return
    row("1,000 config.json, cold", times["1,000 config.json, cold"], None)
    for name in peers:
        if name in times:
            row(f"{name}, 1,000 specs", times[name], thousand, "budget-check cold")
    if "torch" in times:
        row("torch, GPT-2 small on meta", times["torch"], times["one spec, cold"], "one spec cold")


if __name__ == "__main__":
    main()
