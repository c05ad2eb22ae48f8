"""After-approval readiness and the HTML report, measured by hand (not in the test suite).

    .venv/bin/python benchmarks/readiness.py [--regions 20] [--latency-ms 100] [--rows 2000]

Prints the wall time of `report.collect_readiness` (spend limits, spend quotas, phone numbers,
sender IDs and registrations per region, fanned out over a thread pool) against the simulator
with injected latency, and the time to render a report of --rows targets.
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
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp())
    os.environ["PINPOINT_SANDBOX_STATE_DIR"] = str(tmp)
    from pinpoint_sandbox.aws.regions import sms_voice_regions
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.simulator import Simulator
    from pinpoint_sandbox.tracking.readiness import collect_readiness
    from pinpoint_sandbox.tracking.report import ReportRow, render_report

    scenario = {"name": "bench", "accounts": [{"account_id": "111122223333"}],
                "faults": {"latency_ms": args.latency_ms}}
    regions = [r for r in sms_voice_regions() if not r.startswith(("us-gov", "eusc"))]
    regions = regions[: args.regions]
    with Simulator(scenario, state_file=tmp / "sim.json") as sim:
        os.environ.update(sim.env())
        account = AwsAccount()
        started = time.perf_counter()
        found = collect_readiness(account, regions, countries=["US", "GB", "IN"],
                                  wanted={"sms": 500})
        elapsed = time.perf_counter() - started
        print(f"readiness regions={len(found)} latency={args.latency_ms}ms "
              f"wall={elapsed:.2f}s requests={len(sim.requests)}")

    rows = [ReportRow(f"{100000000000 + i // 60:012d}", regions[i % len(regions)],
                      ("sms", "voice")[i % 2], "open", age_s=3600.0 * i, case_id=f"case-{i}",
                      next_steps=["wait for AWS's answer"])
            for i in range(args.rows)]
    started = time.perf_counter()
    html = render_report(rows)
    print(f"render rows={len(rows)} bytes={len(html)} "
          f"wall={time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
