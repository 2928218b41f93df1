"""How long `budget-check --torch` takes, and how much memory, on a 7-billion-parameter module.

    python benchmarks/torch_confirm.py [--runs 5]

Runs the command on the Llama-shaped module of the test project (built from
nn.Linear, 6,738,415,616 parameters) and prints the median wall time and the
peak memory of the processes it started (the torch worker included).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
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


if __name__ == "__main__":
    main()
