"""The process of the `budget-check` command (and of `python -m checker`), from its first import."""

import gc
import sys


def start() -> int:
    # Importing the checker makes some 60,000 objects, and they live as long as the process: the cycle
    # collector, walking them every 700 new ones as they come, cost a passing check about 4 ms of its 60.
    # cli.run turns it back on once they are made, walking only what the run makes after.
    gc.disable()
    from .cli import run

    return run()


if __name__ == "__main__":
    sys.exit(start())
