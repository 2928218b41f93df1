"""How long `budget-check --torch` takes, and how much memory, on a 7-billion-parameter module;
and what each further spec costs.

    python benchmarks/torch_confirm.py [--runs 5]

Runs the command on the Llama-shaped module of the test project (built from
nn.Linear, 6,738,415,616 parameters) and prints the median wall time and the
peak memory of the processes it started (the torch worker included).

Then it times one run over 1 spec and one over 21 copies of it (each naming the
test project's MLP module): the difference per spec is what building a spec
in a fresh fork of the worker costs (the worker resets between specs that way),
beside what starting a fresh worker would cost instead (importing torch).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_project"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    command = [sys.executable, "-m", "checker", "--torch", "specs/llama-7b.yaml"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=PROJECT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(
        f"budget-check --torch on a 6.7B-parameter module: median {statistics.median(times):.2f} s "
        f"(slowest {max(times):.2f} s over {runs} runs), peak memory {peak_kib / 1024:.0f} MiB"
    )
    per_spec = statistics.median(_per_spec_cost() for _ in range(runs))
    start = statistics.median(_timed([sys.executable, "-c", "import torch, torch._dynamo"]) for _ in range(runs))
    print(
        f"each further spec with a torch target: {per_spec * 1000:.0f} ms (a fresh fork of the worker); "
        f"a fresh worker instead: {start * 1000:.0f} ms (importing torch)"
    )


def _per_spec_cost() -> float:
    with tempfile.TemporaryDirectory() as folder:
        one, many = Path(folder, "one"), Path(folder, "many")
        one.mkdir()
        many.mkdir()
        shutil.copyfile(PROJECT / "specs" / "mlp.yaml", one / "mlp.yaml")
        for index in range(21):
            shutil.copyfile(PROJECT / "specs" / "mlp.yaml", many / f"mlp{index}.yaml")
        command = [sys.executable, "-m", "checker", "--torch", "--no-cache"]
        return (_timed([*command, str(many)]) - _timed([*command, str(one)])) / 20


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT, check=True, capture_output=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
