"""`status --all-regions` against the floor: a bare boto3 fan-out of one call per region.

    .venv/bin/python benchmarks/status_all_regions.py [--runs 7] [--latency-ms 50]

Each runs as its own process against the same simulator with the same latency, alternating
(status, floor, view, status, floor, view...), so a machine loaded by other work slows all
alike. Prints the medians, the ratio and the calls per region of `status`; exits 1 when
`status` takes more than --max-seconds or more than --max-ratio times the floor.

A third process, shown beside them and not part of the limits, makes the reads `status` shows
(5 per region) with bare boto3: what is left above it is this tool's own cost.

The floor builds its clients before the fan-out. Built inside the threads instead, the floor
is slower and far noisier (1.1-2.4 s against 0.54 s on the same machine): a flattering floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "pinpoint_sandbox"]

# The floor: what any tool pays to ask every region one question (import boto3, one client
# per region, built first: botocore's loader is not meant for threads building clients at once,
# which only makes the floor slower and noisier; then one call each, all at once).
FLOOR = """
import sys
from concurrent.futures import ThreadPoolExecutor
import boto3

regions = sys.argv[1].split(",")
session = boto3.session.Session()
clients = [session.client("pinpoint-sms-voice-v2", region_name=r) for r in regions]

with ThreadPoolExecutor(len(regions)) as pool:
    list(pool.map(lambda c: c.describe_account_attributes()["AccountAttributes"], clients))
"""

# Not the goal's floor, shown beside it: bare boto3 making the reads `status` shows, the same
# way (who am I and the Support plan, then per region the tier, spend limits, account limits,
# request history and quota catalogue, 64 at a time). What is left above it is this tool's own.
VIEW_FLOOR = """
import sys
from concurrent.futures import ThreadPoolExecutor
import boto3

regions = sys.argv[1].split(",")
session = boto3.session.Session()
sts = session.client("sts", region_name="us-east-1")
support = session.client("support", region_name="us-east-1")
sms = {r: session.client("pinpoint-sms-voice-v2", region_name=r) for r in regions}
quotas = {r: session.client("service-quotas", region_name=r) for r in regions}
calls = [sts.get_caller_identity, lambda: support.describe_severity_levels(language="en")]
for r in regions:
    calls += [sms[r].describe_account_attributes, sms[r].describe_spend_limits,
              sms[r].describe_account_limits,
              lambda q=quotas[r]: q.list_requested_service_quota_change_history(
                  ServiceCode="sms-voice"),
              lambda q=quotas[r]: q.list_aws_default_service_quotas(ServiceCode="sms-voice")]

def call(fn):
    try:
        return fn()
    except Exception as exc:  # e.g. no Support plan: answered, like status reads it
        return exc

with ThreadPoolExecutor(64) as pool:
    list(pool.map(call, calls))
"""


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{command[:4]} failed ({done.returncode}): {done.stderr[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=1.2)
    parser.add_argument("--max-ratio", type=float, default=1.5)
    args = parser.parse_args()

    from pinpoint_sandbox.aws.regions import partition_regions
    from pinpoint_sandbox.simulator import Simulator

    tmp = Path(tempfile.mkdtemp())
    scenario = {"name": "bench", "accounts": [{"account_id": "111122223333"}],
                "faults": {"latency_ms": args.latency_ms}}
    regions = list(partition_regions("aws"))
    with Simulator(scenario, state_file=tmp / "sim.json") as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env |= sim.env() | {"PINPOINT_SANDBOX_STATE_DIR": str(tmp), "NO_COLOR": "1"}
        status = [*CLI, "status", "--all-regions", "--output", "json"]
        floor = [sys.executable, "-c", FLOOR, ",".join(regions)]
        view = [sys.executable, "-c", VIEW_FLOOR, ",".join(regions)]
        for warm_up in (status, floor, view):  # the disk caches, not measured
            _timed(warm_up, env)
        before = len(sim.requests)
        _timed(status, env)
        calls = Counter(r.region for r in sim.requests[before:])
        times: dict[str, list[float]] = {"status": [], "floor": [], "view": []}
        for _ in range(args.runs):
            times["status"].append(_timed(status, env))
            times["floor"].append(_timed(floor, env))
            times["view"].append(_timed(view, env))
    mine, base = statistics.median(times["status"]), statistics.median(times["floor"])
    ratio = mine / base
    per_region = max(count for region, count in calls.items() if region in regions)
    print(f"regions={len(regions)} latency={args.latency_ms}ms runs={args.runs}")
    print(f"status --all-regions: median {mine:.2f}s  calls={sum(calls.values())} "
          f"(at most {per_region} per region)")
    print(f"bare boto3 fan-out:   median {base:.2f}s  calls={len(regions)}")
    view = statistics.median(times["view"])
    print(f"bare boto3, status's reads: median {view:.2f}s  calls={2 + 5 * len(regions)} "
          f"(status at {mine / view:.2f} x this)")
    print(f"ratio {ratio:.2f} (limit {args.max_ratio}); status limit {args.max_seconds}s")
    return 1 if mine > args.max_seconds or ratio > args.max_ratio else 0


if __name__ == "__main__":
    sys.exit(main())
