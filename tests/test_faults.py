"""Faults never strand a target: each failure stays with its target, is reported, and the next
run resumes. Driven over HTTP through botocore with the simulator's fault knobs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.core.paths import ledger_path, manual_cases_dir
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.ledger.store import Ledger
from pinpoint_sandbox.simulator.scenario import Faults

ACCOUNT = "111122223333"
FOUR = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]


def sms(regions: list[str], *extra: str) -> Any:
    args = [a for r in regions for a in ("-r", r)]
    return cli("request", "sms", "--answers", SMS_ANSWERS, *args, "--output", "json", *extra)


def support_account(**kw: Any) -> dict[str, Any]:
    """Business plan, no Service Quotas quota: `auto` files through the Support API."""
    return account(plan="business", quotas=False, **kw)


def real_creates(sim: Any) -> list[Any]:
    return [r for r in sim.write_calls() if r.operation == "CreateCase"]


def test_unknown_support_plan_fails_the_target_and_the_next_run_files_it(simulator: Any) -> None:
    sim = simulator(scenario([support_account()], faults={
        "throttle_rate": 1.0, "operations": ["DescribeSeverityLevels"]}))
    first = sms(["eu-west-1"], "--yes")
    assert first.exit_code == 4, first
    [result] = first.results
    assert result["action"] == "failed"
    assert "DescribeSeverityLevels" in result["reason"] and "Throttling" in result["reason"]
    assert real_creates(sim) == []
    assert Ledger(ledger_path()).entry(_target("eu-west-1")) is None  # never "awaiting you"
    assert not manual_cases_dir().exists() or not list(manual_cases_dir().iterdir())

    sim.state.scenario.faults = Faults()  # the probe answers again
    second = sms(["eu-west-1"], "--yes")
    assert second.exit_code == 0, second
    assert second.actions() == {"eu-west-1": "filed"}
    assert second.results[0]["backend"] == "support"
    assert len(real_creates(sim)) == 1
    done = Ledger(ledger_path()).entry(_target("eu-west-1"))
    assert done is not None and done.status == "filed"


def test_unknown_plan_is_never_basic_in_check(simulator: Any) -> None:
    simulator(scenario([support_account()], faults={
        "throttle_rate": 1.0, "operations": ["DescribeSeverityLevels"]}))
    run = cli("check", "sms", "-r", "eu-west-1", "--output", "json")
    assert run.exit_code == 4, run
    [row] = run.json["checks"]
    assert row["support_plan"] == "unknown" and row["status"] == "failed"
    assert row["backend"] is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_throttled_describe_cases_is_confined_to_its_target(
    simulator: Any, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setenv("PINPOINT_SANDBOX_MAX_ATTEMPTS", "1")
    sim = simulator(scenario([support_account()], faults={
        "throttle_rate": 0.5, "operations": ["DescribeCases"], "seed": seed}))
    filed: set[str] = set()
    for _ in range(20):
        run = sms(FOUR, "--yes")
        assert run.exit_code in (0, 4, 5), run
        assert sorted(r["region"] for r in run.results) == sorted(FOUR), run
        for r in run.results:
            assert r["action"] in ("filed", "skipped", "failed"), r
            if r["action"] == "failed":
                assert r["reason"], r
        filed |= {r["region"] for r in run.results if r["action"] == "filed"}
        if filed == set(FOUR):
            break
    assert filed == set(FOUR)
    subjects = [c["subject"] for c in sim.state.cases(ACCOUNT)]
    assert len(subjects) == len(set(subjects)) == 4  # one case per target, never two


def test_a_throttled_write_is_retried_with_backoff(simulator: Any) -> None:
    sim = simulator(scenario([account()], faults={
        "throttle_first": {"RequestServiceQuotaIncrease": 1}}))
    run = sms(["eu-west-1"], "--yes")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "filed"}
    writes = [r for r in sim.write_calls() if r.operation == "RequestServiceQuotaIncrease"]
    assert [w.error_code for w in writes] == ["TooManyRequestsException", None]
    assert len(sim.state.quota_requests(ACCOUNT)) == 1
    statuses = [line.get("status") for line in Ledger(ledger_path()).lines()
                if line["type"] == "outcome"]
    assert statuses == ["refused", "filed"]  # one ledger line per outcome


def test_a_write_throttled_past_its_attempts_is_reported_and_resumable(simulator: Any) -> None:
    sim = simulator(scenario([account()], faults={
        "throttle_first": {"RequestServiceQuotaIncrease": 2}}))  # 2 attempts per call in tests
    run = sms(["eu-west-1", "us-west-2"], "--yes")
    assert run.exit_code == 5, run
    actions = run.actions()
    assert sorted(actions.values()) == ["failed", "filed"]
    failed = next(r for r in run.results if r["action"] == "failed")
    assert "throttled" in failed["reason"] and "nothing was created" in failed["reason"]
    again = sms(["eu-west-1", "us-west-2"], "--yes")
    assert again.exit_code == 0, again
    assert len(sim.state.quota_requests(ACCOUNT)) == 2


def test_a_lost_answer_is_never_retried_blind(simulator: Any) -> None:
    sim = simulator(scenario([support_account()], faults={"lose_response": {"CreateCase": 1}}))
    run = sms(["eu-west-1"], "--yes")
    assert run.actions() == {"eu-west-1": "filed"}, run  # found at AWS by the lookup
    assert len(real_creates(sim)) == 1


def test_ledger_held_by_another_run_waits_then_exits_4(
    simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINPOINT_SANDBOX_LOCK_WAIT", "0.3")
    sim = simulator("fresh-sandbox")
    with Ledger(ledger_path()).locked():
        run = sms(["eu-west-1"], "--yes")
    assert run.exit_code == 4, run
    assert "waiting up to 0.3 s" in run.stderr
    document = json.loads(run.stdout)
    assert "Another pinpoint-sandbox run" in document["error"]["message"]
    assert sim.write_calls() == []


def _target(region: str) -> Target:
    return Target(ACCOUNT, region, "sms")


def test_unknown_plan_only_stops_what_needs_the_plan(simulator: Any) -> None:
    sim = simulator(scenario([support_account()], faults={
        "throttle_rate": 1.0, "operations": ["DescribeSeverityLevels"]}))
    support = sms(["eu-west-1"], "--yes", "--backend", "support")
    assert support.exit_code == 4, support
    assert "DescribeSeverityLevels" in support.results[0]["reason"]
    manual = sms(["us-west-2"], "--yes", "--backend", "manual")  # needs no Support API
    assert manual.exit_code == 0, manual
    assert manual.actions() == {"us-west-2": "filed"}
    assert real_creates(sim) == []
