"""Counting an Ultralytics model file: budget-check against the floor, and ultralytics itself for comparison.

    python benchmarks/yolo_yaml.py [--runs 11] [--ultralytics-python /path/to/python] [--before SOURCE_TREE]
                                   [--instructions]

Times `budget-check` on examples/ultralytics/detector.yaml (and a plain spec, gpt2-small.yaml, for the start-up
every file shares), and on yolov8.yaml, yolo11.yaml (every scale of each: five models) and rtdetr-l.yaml taken
from an installed ultralytics, against `python -c "import yaml"`.
With a Python that has ultralytics, also times what users do today: import ultralytics and build yolov8n on the
CPU. Each figure is the median over fresh processes, the commands taking turns, as in run.py, wall and CPU time,
with --no-cache (counting, not the result cache) unless said; yolo11.yaml is also timed on the default path
with the result cache emptied before each run, as on the first run after an edit. With --before, a source tree
of budget-check (`git archive COMMIT | tar -x -C FOLDER`) is timed on the same files too, taking turns with the
installed one. With --instructions, each command (but ultralytics' own build) is run once under valgrind and
the instructions it executes are counted instead: the same on every run, where times on a shared machine drift.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from run import ROOT, instructions, print_instructions, timed

BUILD_YOLOV8N = """
from ultralytics.nn.tasks import DetectionModel
model = DetectionModel("yolov8n.yaml", verbose=False)
print(sum(p.numel() for p in model.parameters()))
"""
# The command, run with another source tree first on the path, as `python -m checker` runs it (the entry point
# moved from checker.cli to checker.__main__, so an older tree's is reached this way).
RUN_FROM = "import runpy, sys; sys.path.insert(0, {tree!r}); runpy.run_module('checker', run_name='__main__')"
# The default path on a file the result cache does not hold yet (as after an edit): the cache's entries go first.
# It runs in a folder of its own, whose cache is its own: the other commands' cache stays as they left it.
UNCACHED = (
    "import os\nos.chdir('not-cached')\n"
    "for entry in os.scandir('.budget-check-cache') if os.path.isdir('.budget-check-cache') else ():\n"
    "    if len(entry.name) == 64:\n        os.remove(entry.path)\n"
)
RUN = "import sys; from checker.__main__ import start; sys.exit(start())"
FIND_SHIPPED = "import ultralytics, pathlib; print(pathlib.Path(ultralytics.__file__).parent / 'cfg' / 'models')"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--ultralytics-python", help="a Python with ultralytics installed")
    parser.add_argument("--before", type=Path, help="a budget-check source tree to compare with the installed one")
    parser.add_argument("--instructions", action="store_true", help="count instructions with valgrind, not time")
    options = parser.parse_args()
    python = sys.executable
    command = shutil.which("budget-check", path=str(Path(python).parent))
    if command is None:
        sys.exit("install budget-check first: pip install .")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copyfile(ROOT / "examples" / "ultralytics" / "detector.yaml", work / "detector.yaml")
        shutil.copyfile(ROOT / "examples" / "specs" / "gpt2-small.yaml", work / "gpt2-small.yaml")
        commands = {
            "python -c 'import yaml' (the floor)": [python, "-c", "import yaml"],
            "gpt2-small.yaml, a plain spec": [command, "--no-cache", "gpt2-small.yaml"],
            "detector.yaml (2 scales)": [command, "--no-cache", "detector.yaml"],
            "  again, from the result cache": [command, "detector.yaml"],
        }
        if options.ultralytics_python:
            found = subprocess.run(
                [options.ultralytics_python, "-c", FIND_SHIPPED], capture_output=True, text=True, check=True
            )
            shipped = Path(found.stdout.strip().splitlines()[-1])
            for name in ("v8/yolov8.yaml", "11/yolo11.yaml", "rt-detr/rtdetr-l.yaml"):
                shutil.copyfile(shipped / name, work / Path(name).name)
                scales = "5 scales" if "yolo" in name else "1 scale"
                commands[f"{Path(name).name} ({scales})"] = [command, "--no-cache", Path(name).name]
            (work / "not-cached").mkdir()
            shutil.copyfile(work / "yolo11.yaml", work / "not-cached" / "yolo11.yaml")
            commands["  yolo11.yaml, not cached yet"] = [python, "-c", UNCACHED + RUN, "yolo11.yaml"]
            commands["ultralytics, build yolov8n"] = [options.ultralytics_python, "-c", BUILD_YOLOV8N]
        if options.before:
            run_before = [python, "-c", RUN_FROM.format(tree=str(options.before.resolve()))]
            commands |= {
                f"  before: {label.strip()}": [*run_before, *arguments[1:]]
                for label, arguments in commands.items()
                if arguments[0] == command and "--no-cache" in arguments  # the two would share one result cache
            }
            if options.ultralytics_python:
                uncached = UNCACHED + RUN_FROM.format(tree=str(options.before.resolve()))
                commands["  before: yolo11.yaml, not cached yet"] = [python, "-c", uncached, "yolo11.yaml"]
        if options.instructions:
            commands.pop("ultralytics, build yolov8n", None)  # minutes under valgrind, and not budget-check
            print_instructions(instructions(commands, work), 40)
            return
        timings = timed(commands, options.runs, work)
        floor = next(iter(timings.values()))
        for label, timing in timings.items():
            print(
                f"{label:<40} {timing.wall * 1000:6.0f} ms wall ({timing.wall / floor.wall:4.2f}x the floor), "
                f"{timing.cpu * 1000:6.0f} ms CPU ({timing.cpu / floor.cpu:4.2f}x)"
            )


if __name__ == "__main__":
    main()
