"""Kill the real console script after AWS accepted the write but before it heard back, then
rerun: the ledger's intent is reconciled against AWS and nothing is filed twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from helpers import SMS_ANSWERS, account, scenario
from pinpoint_sandbox.ledger import Ledger
from pinpoint_sandbox.targets import Target

SCRIPT = Path(sys.executable).with_name("pinpoint-sandbox")
ACCOUNT = "111122223333"


def _command(*extra: str) -> list[str]:
    return [str(SCRIPT), "request", "sms", "--answers", str(SMS_ANSWERS), "-r", "eu-west-1",
            "--yes", "--no-input", "--output", "json", *extra]


def test_killed_after_the_write_reconciles_instead_of_filing_again(
    simulator: Any, isolated_env: Path
) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)],
                             faults={"slow_response_ms": {"CreateCase": 5000}}))
    proc = subprocess.Popen(_command(), env=dict(os.environ), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not [r for r in sim.write_calls() if r.operation == "CreateCase"]:  # not dry runs
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "CreateCase never arrived"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # no cleanup, no outcome line: a real crash
    proc.wait(timeout=10)

    entry = Ledger(isolated_env / "ledger.jsonl").entry(Target(ACCOUNT, "eu-west-1", "sms"))
    assert entry is not None and entry.needs_reconcile
    assert len(sim.state.cases(ACCOUNT)) == 1

    rerun = subprocess.run(_command(), env=dict(os.environ), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    [result] = json.loads(rerun.stdout)["results"]
    assert result["action"] == "skipped"
    assert result["case_id"] == sim.state.cases(ACCOUNT)[0]["caseId"]
    assert "interrupted" in rerun.stderr
    assert len([r for r in sim.write_calls() if r.operation == "CreateCase"]) == 1
    assert len(sim.state.cases(ACCOUNT)) == 1
    entry = Ledger(isolated_env / "ledger.jsonl").entry(Target(ACCOUNT, "eu-west-1", "sms"))
    assert entry is not None and entry.done


def test_ctrl_c_during_filing_reports_every_target_and_the_rerun_resumes(
    simulator: Any, isolated_env: Path
) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)],
                             faults={"slow_response_ms": {"CreateCase": 4000}}))
    command = [str(SCRIPT), "request", "sms", "--answers", str(SMS_ANSWERS), "-r", "us-west-2",
               "-r", "us-west-1", "--yes", "--no-input", "--output", "json"]
    proc = subprocess.Popen(command, env=dict(os.environ), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not [r for r in sim.write_calls() if r.operation == "CreateCase"]:  # not dry runs
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "CreateCase never arrived"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    results = {r["region"]: r for r in json.loads(out)["results"]}
    assert results["us-west-2"]["action"] == "failed"
    assert "may have reached AWS" in results["us-west-2"]["reason"]
    assert results["us-west-1"]["reason"] == "not attempted: interrupted"

    rerun = subprocess.run(command, env=dict(os.environ), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
    actions = {r["region"]: r["action"] for r in json.loads(rerun.stdout)["results"]}
    assert actions == {"us-west-2": "skipped", "us-west-1": "filed"}, rerun.stderr
    assert len(sim.state.cases(ACCOUNT)) == 2
