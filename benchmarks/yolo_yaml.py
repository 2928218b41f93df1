"""Counting an Ultralytics model file: budget-check against the floor, and ultralytics itself for comparison.

    python benchmarks/yolo_yaml.py [--runs 11] [--ultralytics-python /path/to/python]

Times `budget-check` on examples/ultralytics/detector.yaml, and on yolov8.yaml and yolo11.yaml taken from an
installed ultralytics (every scale of each: five models), against `python -c "import yaml"`. With a Python that
has ultralytics, also times what users do today: import ultralytics and build yolov8n on the CPU. Each figure is
the median over fresh processes, as in run.py, with --no-cache (counting, not the result cache) unless said.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from run import ROOT, timed

BUILD_YOLOV8N = """
from ultralytics.nn.tasks import DetectionModel
model = DetectionModel("yolov8n.yaml", verbose=False)
print(sum(p.numel() for p in model.parameters()))
"""
FIND_SHIPPED = "import ultralytics, pathlib; print(pathlib.Path(ultralytics.__file__).parent / 'cfg' / 'models')"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--ultralytics-python", help="a Python with ultralytics installed")
    options = parser.parse_args()
    python = sys.executable
    command = shutil.which("budget-check", path=str(Path(python).parent))
    if command is None:
        sys.exit("install budget-check first: pip install .")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copyfile(ROOT / "examples" / "ultralytics" / "detector.yaml", work / "detector.yaml")
        floor = timed([python, "-c", "import yaml"], options.runs, work)
        print(f"python -c 'import yaml':      {floor * 1000:.0f} ms  (the floor)")
        detector = timed([command, "--no-cache", "detector.yaml"], options.runs, work)
        print(f"detector.yaml (2 scales):     {detector * 1000:.0f} ms  = {detector / floor:.2f}x the floor")
        cached = timed([command, "detector.yaml"], options.runs, work)
        print(f"  again, from the result cache: {cached * 1000:.0f} ms  = {cached / floor:.2f}x the floor")
        if options.ultralytics_python:
            shipped = (
                subprocess.run(
                    [options.ultralytics_python, "-c", FIND_SHIPPED], capture_output=True, text=True, check=True
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            for name in ("v8/yolov8.yaml", "11/yolo11.yaml"):
                shutil.copyfile(Path(shipped) / name, work / Path(name).name)
                seconds = timed([command, "--no-cache", Path(name).name], options.runs, work)
                print(f"{Path(name).name:<17} (5 scales): {seconds * 1000:.0f} ms  = {seconds / floor:.2f}x the floor")
            built = timed([options.ultralytics_python, "-c", BUILD_YOLOV8N], options.runs, work)
            print(f"ultralytics, build yolov8n:   {built * 1000:.0f} ms")


if __name__ == "__main__":
    main()
