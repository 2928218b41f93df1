"""How long suggesting a matched width takes, for an MLP, GPT-2, a Llama-sized spec and a spec that is slow to count.

    python benchmarks/match_width.py [--runs 20]

Each case solves for the width that keeps the spec's count at a new depth,
as `budget-check match` does, and prints the median and the slowest run, the
counts the search took, and how long one count takes. Counting remembers
layers and preset blocks for the whole process, so each run starts from
nothing, as a fresh `budget-check match` does: the memories are emptied, the
spec is counted once (the check before the search), and then the search is
timed.
"""

from __future__ import annotations

import argparse
import statistics
import time

from checker.checks import solving
from checker.checks.check import check_text
from checker.checks.solving import solve
from checker.language import counting
from checker.language.counting import count_model
from checker.language.spec import with_vars


def slow_to_count(layers: int) -> str:
    """A hand-written spec of `layers` distinct layer pairs: nothing to share, so one count takes long
    (about a second for 600 on a quiet machine)."""
    rows = "".join(
        f"  - {{sequential: [{{Linear: {{out_features: width, bias: {str(i % 2 == 1).lower()}}}}}, "
        f"{{LayerNorm: {{normalized_shape: width, eps: {1e-5 + i * 1e-9}}}}}], repeat: depth, name: l{i}}}\n"
        for i in range(layers)
    )
    return f"vars: {{width: 256, depth: 2}}\nmodel:\n  - Linear: [64, width]\n{rows}"


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
    "gpt2 24 layers, any width (search)": (
        "vars: {width: 768, depth: 12}\nmodel: {gpt2: {n_embd: width, n_layer: depth}}\n",
        {"depth": 24},
        "width",
        1,
    ),
    "600 distinct layers (search)": (slow_to_count(600), {"depth": 3}, "width", 1),
    "llama-2-7b 64 layers (search)": (
        "vars: {width: 4096, depth: 32}\nmodel: {llama: {hidden_size: width, num_hidden_layers: depth}}\n",
        {"depth": 64},
        "width",
        128,
    ),
}


def forget_counts() -> None:
    """Empty what counting remembers across counts, as a new process starts."""
    counting._LAYER_COUNTS.clear()
    counting._PRESET_USES.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    print(f"{'case':36} {'median':>10} {'slowest':>10} {'counts':>6} {'symbolic':>8} {'one count':>10}  answer")
    counts: list[bool] = []  # one per count the solve took: True for a symbolic one

    def counted(spec, remember=True):
        counts.append(not remember)
        return count_model(spec, remember)

    solving.count_model = counted  # the search's counts, counted
    for name, (text, changes, var, multiple_of) in CASES.items():
        [result] = check_text(text, "bench.yaml").specs
        deeper = with_vars(result.spec, changes)
        times, one_counts = [], []
        for _ in range(runs):
            forget_counts()
            started = time.perf_counter()
            count_model(result.spec)
            one_counts.append(time.perf_counter() - started)
            counts.clear()
            started = time.perf_counter()
            solution = solve(deeper, var, result.params, multiple_of=multiple_of)
            times.append(time.perf_counter() - started)
        one_count = statistics.median(one_counts)
        answer = f"{var} = {solution.value} ({solution.error:+.2%})"
        print(
            f"{name:36} {statistics.median(times) * 1000:8.1f}ms {max(times) * 1000:8.1f}ms {len(counts):6} "
            f"{sum(counts):8} {one_count * 1000:8.1f}ms  {answer}"
        )


if __name__ == "__main__":
    main()
