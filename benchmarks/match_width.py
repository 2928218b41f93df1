"""How long suggesting a matched width takes, for an MLP and a Llama-sized spec.

    python benchmarks/match_width.py [--runs 20]

Each case solves for the width that keeps the spec's count at a new depth,
as `budget-check match` does, and prints the median and the slowest run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from checker.checks.check import check_text
from checker.checks.solving import solve
from checker.language.spec import with_vars

CASES = {
    "mlp (closed form)": (
        (
            "vars: {width: 16, depth: 2}\n"
            "model: {mlp: {input_dim: 8, hidden_dim: width, hidden_layers: depth, output_dim: 8}}\n"
        ),
        {"depth": 4},
        "width",
        1,
    ),
    "gpt2 24 layers (search)": (
        "vars: {width: 768, depth: 12}\nmodel: {gpt2: {n_embd: width, n_layer: depth}}\n",
        {"depth": 24},
        "width",
        64,
    ),
    "llama-2-7b 64 layers (search)": (
        "vars: {width: 4096, depth: 32}\nmodel: {llama: {hidden_size: width, num_hidden_layers: depth}}\n",
        {"depth": 64},
        "width",
        128,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    print(f"{'case':32} {'median':>10} {'slowest':>10}  answer")
    for name, (text, changes, var, multiple_of) in CASES.items():
        [result] = check_text(text, "bench.yaml").specs
        deeper = with_vars(result.spec, changes)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            solution = solve(deeper, var, result.params, multiple_of=multiple_of)
            times.append(time.perf_counter() - started)
        answer = f"{var} = {solution.value} ({solution.error:+.2%})"
        print(f"{name:32} {statistics.median(times) * 1000:8.2f}ms {max(times) * 1000:8.2f}ms  {answer}")


if __name__ == "__main__":
    main()
