"""Kill the real console script after AWS accepted the write but before it heard back, then
rerun: the ledger's intent is reconciled against AWS and nothing is filed twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from helpers import SMS_ANSWERS, account, scenario
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.ledger.store import Ledger

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


def _kill_in_flight(sim: Any, command: list[str], operation: str) -> None:
    """Start `command`, SIGKILL it while AWS's answer to `operation` is in flight."""
    proc = subprocess.Popen(command, env=dict(os.environ), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not [r for r in sim.requests if r.operation == operation]:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{operation} never arrived"
        time.sleep(0.05)
    time.sleep(random.uniform(0, 0.5))  # somewhere in the slow answer
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


def _sq_case(sim: Any) -> dict[str, Any]:
    [request] = sim.state.quota_requests(ACCOUNT)
    return next(c for c in sim.state.cases(ACCOUNT) if c["displayId"] == request["CaseId"])


def _copies(case: dict[str, Any], text: str) -> int:
    return sum(c["body"].strip() == text.strip() for c in case["communications"])


def test_reply_killed_with_the_answer_in_flight_is_on_the_case_once(
    simulator: Any, isolated_env: Path
) -> None:
    sim = simulator(scenario([account(plan="business")],
                             faults={"slow_response_ms": {"AddCommunicationToCase": 3000}}))
    filed = subprocess.run(_command("--backend", "service-quotas"), env=dict(os.environ),
                           capture_output=True, text=True, timeout=60)
    assert filed.returncode == 0, filed.stderr
    description_sent = len([r for r in sim.write_calls()
                            if r.operation == "AddCommunicationToCase"])
    assert description_sent == 1  # the case opened on the first read: delivered by the filing
    text = "Opt-in happens on https://example.com/optin (screenshot attached to the site)."
    reply = [str(SCRIPT), "reply", f"{ACCOUNT}/eu-west-1/sms", "--message", text,
             "--output", "json"]
    proc = subprocess.Popen(reply, env=dict(os.environ), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while len([r for r in sim.write_calls() if r.operation == "AddCommunicationToCase"]) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the reply never arrived"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert _copies(_sq_case(sim), text) == 1  # AWS has it; the run never heard back

    rerun = subprocess.run(reply, env=dict(os.environ), capture_output=True, text=True,
                           timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["results"][0]["outcome"] == "found"
    assert _copies(_sq_case(sim), text) == 1
    assert len([r for r in sim.write_calls() if r.operation == "AddCommunicationToCase"]) == 2


def test_delivery_killed_at_random_points_lands_once(
    simulator: Any, isolated_env: Path, monkeypatch: Any
) -> None:
    """The description's delivery by `status`, killed at random points, then rerun."""
    monkeypatch.setenv("PINPOINT_SANDBOX_CASE_WAIT", "0")
    sim = simulator(scenario([account(plan="business", quota_case_opens_after_reads=1)],
                             faults={"slow_response_ms": {"AddCommunicationToCase": 1500}}))
    filed = subprocess.run(_command("--backend", "service-quotas"), env=dict(os.environ),
                           capture_output=True, text=True, timeout=60)
    assert filed.returncode == 0, filed.stderr
    status = [str(SCRIPT), "status", "-r", "eu-west-1", "--output", "json"]
    for _ in range(3):
        proc = subprocess.Popen(status, env=dict(os.environ), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    for _ in range(2):
        done = subprocess.run(status, env=dict(os.environ), capture_output=True, text=True,
                              timeout=60)
        row = next(t for t in json.loads(done.stdout)["targets"] if t["channel"] == "sms")
        assert row["description"] == "delivered", row
    sends = [r for r in sim.write_calls() if r.operation == "AddCommunicationToCase"]
    bodies = [c["body"] for c in _sq_case(sim)["communications"]]
    assert len(sends) == 1, bodies
    assert sum("Production Access request" in b for b in bodies) == 1


def test_raise_spend_killed_in_flight_writes_once_and_the_ledger_says_so(
    simulator: Any, isolated_env: Path
) -> None:
    region = {"tier": "PRODUCTION", "spend_limits": {"text": 1000}, "spend_overrides": {"text": 5}}
    sim = simulator(scenario(
        [account(regions={"us-east-1": region})],
        faults={"slow_response_ms": {"SetTextMessageSpendLimitOverride": 3000,
                                     "RequestServiceQuotaIncrease": 3000}}))
    raise_to = [str(SCRIPT), "raise-spend", "-r", "us-east-1", "--yes", "-o", "json"]
    _kill_in_flight(sim, raise_to, "SetTextMessageSpendLimitOverride")
    steps = Ledger(isolated_env / "ledger.jsonl").steps()
    [spend] = [s for s in steps.values() if s.step == "spend"]
    assert spend.needs_reconcile  # the intent was fsynced before the call; no outcome
    rerun = subprocess.run(raise_to, env=dict(os.environ), capture_output=True, text=True,
                           timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["results"][0]["action"] in ("unchanged", "raised")
    sets = [r for r in sim.requests if r.operation == "SetTextMessageSpendLimitOverride"]
    assert len(sets) == 1
    [spend] = [s for s in Ledger(isolated_env / "ledger.jsonl").steps().values()
               if s.step == "spend"]
    assert spend.done  # the rerun read the limit and settled the cut-off write

    ask = [str(SCRIPT), "raise-spend", "-r", "us-east-1", "--request-quota", "2000", "--yes",
           "-o", "json"]
    _kill_in_flight(sim, ask, "RequestServiceQuotaIncrease")
    again = subprocess.run(ask, env=dict(os.environ), capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 0, again.stderr
    assert len([r for r in sim.write_calls()
                if r.operation == "RequestServiceQuotaIncrease"]) == 1


def test_quota_filing_killed_in_flight_still_delivers_its_description_once(
    simulator: Any, isolated_env: Path
) -> None:
    sim = simulator(scenario([account(plan="business")],
                             faults={"slow_response_ms": {"RequestServiceQuotaIncrease": 3000}}))
    command = _command("--backend", "service-quotas")
    _kill_in_flight(sim, command, "RequestServiceQuotaIncrease")
    rerun = subprocess.run(command, env=dict(os.environ), capture_output=True, text=True,
                           timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    [result] = json.loads(rerun.stdout)["results"]
    assert result["action"] == "skipped" and result["description_state"] == "delivered"
    assert len([r for r in sim.write_calls() if r.operation == "RequestServiceQuotaIncrease"]) == 1
    bodies = [c["body"] for c in _sq_case(sim)["communications"]]
    assert sum("Production Access request" in b for b in bodies) == 1
    again = subprocess.run(command, env=dict(os.environ), capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 0, again.stderr
    assert len([r for r in sim.write_calls() if r.operation == "AddCommunicationToCase"]) == 1


def test_refile_killed_in_flight_files_one_new_case(simulator: Any, isolated_env: Path) -> None:
    from pinpoint_sandbox.simulator.lifecycle import advance

    sim = simulator(scenario([account(plan="business", quotas=False)],
                             faults={"slow_response_ms": {"CreateCase": 3000}}))
    sim.state.scenario.faults.slow_response_ms.clear()  # the first filing answers at once
    first = subprocess.run(_command(), env=dict(os.environ), capture_output=True, text=True,
                           timeout=60)
    assert first.returncode == 0, first.stderr
    advance(sim.state, ACCOUNT, "eu-west-1", "sms", "deny")
    sim.state.scenario.faults.slow_response_ms["CreateCase"] = 3000
    before = len([r for r in sim.write_calls() if r.operation == "CreateCase"])
    refile = _command("--refile")
    proc = subprocess.Popen(refile, env=dict(os.environ), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while len([r for r in sim.write_calls() if r.operation == "CreateCase"]) == before:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the refile never arrived"
        time.sleep(0.05)
    time.sleep(random.uniform(0, 0.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    rerun = subprocess.run(refile, env=dict(os.environ), capture_output=True, text=True,
                           timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert len([r for r in sim.write_calls() if r.operation == "CreateCase"]) == before + 1
    open_cases = [c for c in sim.state.cases(ACCOUNT) if c["status"] != "resolved"]
    assert len(open_cases) == 1
