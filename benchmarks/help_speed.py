"""`pinpoint-sandbox --help` against `aws --version`, side by side (issue #20: ≤ 0.4 ×).

Both run alternately, so a busy machine slows both alike; the medians are compared. Also
shown (not judged): `request sms --help` and `status --help`, which build one command.

    .venv/bin/python benchmarks/help_speed.py [--runs 21] [--limit 0.4]

Exits 1 when `--help` takes more than `--limit` × `aws --version`, 2 when `aws` is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOL = str(Path(sys.executable).with_name("pinpoint-sandbox"))


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env={**os.environ, "COLUMNS": "100"})
    return time.perf_counter() - start


def measure(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """The median wall time of each command, run in turn (one warm-up each first)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():
        _seconds(command)
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(_seconds(command))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--limit", type=float, default=0.4)
    args = parser.parse_args()
    aws = shutil.which("aws")
    if aws is None:
        print("aws (the AWS CLI) is not on PATH: nothing to compare with.", file=sys.stderr)
        return 2
    medians = measure({
        "aws --version": [aws, "--version"],
        "--help": [TOOL, "--help"],
        "request sms --help": [TOOL, "request", "sms", "--help"],
        "status --help": [TOOL, "status", "--help"],
    }, args.runs)
    floor = medians["aws --version"]
    for name, seconds in medians.items():
        print(f"{name:<22} {seconds * 1000:7.1f} ms  {seconds / floor:5.2f} ×")
    ratio = medians["--help"] / floor
    verdict = "ok" if ratio <= args.limit else "over"
    print(f"--help / aws --version = {ratio:.2f} (limit {args.limit}): {verdict}")
    return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
