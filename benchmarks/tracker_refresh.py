"""`status` refresh over many filed targets against the simulator with injected latency (run by
hand).

    .venv/bin/python benchmarks/tracker_refresh.py [--regions 10] [--latency-ms 100]

Files SMS in N regions (Business plan: Service Quotas request + case), then prints the wall time
of one tracker refresh (tier, quota request, case, communications per target) with the thread
pool versus one worker, and the read calls per target.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp())
    os.environ["PINPOINT_SANDBOX_STATE_DIR"] = str(tmp)
    import contextlib
    import io

    from pinpoint_sandbox.aws import pool
    from pinpoint_sandbox.aws.regions import sms_voice_regions
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.cli import main as cli_main
    from pinpoint_sandbox.ledger.store import Ledger
    from pinpoint_sandbox.simulator import Simulator
    from pinpoint_sandbox.tracking import tracker

    scenario = {"name": "bench", "accounts": [
        {"account_id": "111122223333", "support_plan": "business"}]}
    regions = [r for r in sms_voice_regions() if not r.startswith(("us-gov", "eusc"))]
    regions = regions[: args.regions]
    ledger = tmp / "ledger.jsonl"
    answers = Path(__file__).parent.parent / "examples/sms-answers.yaml"
    with Simulator(scenario, state_file=tmp / "sim.json") as sim:
        os.environ.update(sim.env())
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                contextlib.suppress(SystemExit):
            cli_main(["request", "sms", "-a", str(answers), "-r", ",".join(regions), "--yes",
                      "--no-input", "--ledger", str(ledger), "--output", "json"])
        sim.state.scenario.faults.latency_ms = args.latency_ms
        for workers in (pool.DEFAULT_SIZE, 1):
            pool.set_size(workers)
            account = AwsAccount()
            targets = tracker.select([tracker.Scope(account, regions=[])],
                                     Ledger(ledger).histories(), include_ledger=False)
            before = len(sim.requests)
            started = time.perf_counter()
            rows = tracker.track(targets, ledger_file=ledger)
            elapsed = time.perf_counter() - started
            calls = (len(sim.requests) - before) / max(1, len(rows))
            states = tracker.summary(rows)
            print(f"workers={workers} targets={len(rows)} latency={args.latency_ms}ms "
                  f"wall={elapsed:.2f}s reads/target={calls:.1f} states={states}")


if __name__ == "__main__":
    main()
