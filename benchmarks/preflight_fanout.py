"""Preflight fan-out across regions against the simulator with injected latency (run by hand).

    .venv/bin/python benchmarks/preflight_fanout.py [--regions 20] [--latency-ms 100]

Prints the wall time of `check sms` (read-only preflight: tier, plan probe, quota discovery and
open-request lookups per region) for the thread-pooled plan versus one worker.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp())
    os.environ["PINPOINT_SANDBOX_STATE_DIR"] = str(tmp)
    from pinpoint_sandbox.aws.regions import sms_voice_regions
    from pinpoint_sandbox.aws.session import AwsAccount, max_concurrency, set_max_concurrency
    from pinpoint_sandbox.filing.plan import Request, RunOptions, check
    from pinpoint_sandbox.simulator import Simulator

    scenario = {
        "name": "bench",
        "accounts": [{"account_id": "111122223333", "support_plan": "business"}],
        "faults": {"latency_ms": args.latency_ms},
    }
    regions = [r for r in sms_voice_regions() if not r.startswith(("us-gov", "eusc"))]
    regions = regions[: args.regions]
    with Simulator(scenario, state_file=tmp / "sim.json") as sim:
        os.environ.update(sim.env())
        for workers in (max_concurrency(), 1):
            set_max_concurrency(workers)
            account = AwsAccount()
            request = Request("sms", account, regions, None, "auto")
            started = time.perf_counter()
            plans = check([request], RunOptions(ledger=tmp / "ledger.jsonl"))
            elapsed = time.perf_counter() - started
            ready = sum(p.ready for p in plans)
            calls = len(sim.requests)
            print(f"workers={workers:2d} regions={len(regions)} latency={args.latency_ms}ms "
                  f"wall={elapsed:.2f}s ready={ready} requests_so_far={calls}")


if __name__ == "__main__":
    main()
