"""`check` words a target that already has a request as the tracker does (`status`): its
state and next step come from `track_one`, never from filing's own lookup, and a target
without a request costs no more AWS calls than before."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from helpers import SMS_ANSWERS, VOICE_ANSWERS, cli

ACCOUNT = "444455556666"  # business-mixed's account
OPEN_REGION = "eu-west-1"  # business-mixed: an SMS quota request with its case, open at AWS
PRODUCTION_REGION = "us-east-1"  # business-mixed: ACCOUNT_TIER is PRODUCTION
PLAIN_REGION = "eu-central-1"  # business-mixed: a sandbox region nothing was requested in


def _check(channel: str, region: str) -> dict[str, Any]:
    run = cli("check", channel, "-r", region, "-o", "json")
    assert run.exit_code == 0, run
    [row] = run.json["checks"]
    return dict(row)


def _status_target(region: str, channel: str) -> dict[str, Any]:
    run = cli("status", "-r", region, "-o", "json")
    assert run.exit_code in (0, 3), run
    [target] = [t for t in run.json["targets"]
                if (t["region"], t["channel"]) == (region, channel)]
    return dict(target)


def _commands(step: str | None) -> list[str]:
    from pinpoint_sandbox.tracking.next_steps import commands_in

    assert step is not None
    return commands_in(step)


def test_an_open_request_found_at_aws_reads_open_then_needs_reply(
    simulator: Any,
) -> None:
    sim = simulator("business-mixed")
    row = _check("sms", OPEN_REGION)
    assert (row["status"], row["state"]) == ("skipped", "open")
    # The existing keys keep their meaning: filing's lookup still says what it found.
    assert row["open_request"] and row["open_request"].startswith(
        "already requested via service-quotas")
    assert row["reason"] == row["open_request"]
    assert row["next_step"] == _status_target(OPEN_REGION, "sms")["next_step"]
    assert row["next_step"].startswith("nothing: wait")

    asked = cli("simulator", "advance", "ask", "sms", "-r", OPEN_REGION, "--state",
                str(sim.state_file), "-m", "Which website collects the opt-in?")
    assert asked.exit_code == 0, asked
    row = _check("sms", OPEN_REGION)
    status = _status_target(OPEN_REGION, "sms")
    assert (row["state"], status["state"]) == ("needs_reply", "needs_reply")
    commands = _commands(row["next_step"])
    assert commands == status["next_commands"]
    assert any(c.startswith(f"pinpoint-sandbox reply {ACCOUNT}/{OPEN_REGION}/sms")
               for c in commands), commands
    assert row["status"] == "skipped"  # exit codes and filing's verdict are unchanged

    table = cli("check", "sms", "-r", OPEN_REGION)
    assert table.exit_code == 0, table
    assert f"{OPEN_REGION} sms ({ACCOUNT}): needs_reply" in table.stdout
    assert "AWS: Which website collects the opt-in?" in table.stdout
    for command in commands:  # each on its own lines, as `status` prints it
        assert command in " ".join(table.stdout.split()), table.stdout
    assert "CASE_OPENED" not in table.stdout


def test_a_request_in_the_ledger_reads_from_the_tracker_and_check_writes_nothing(
    simulator: Any, isolated_env: Path,
) -> None:
    sim = simulator("fresh-sandbox")
    filed = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "-o", "json")
    assert filed.actions() == {"eu-west-1": "filed"}, filed
    ledger = isolated_env / "ledger.jsonl"
    before, writes = ledger.read_bytes(), len(sim.write_calls())
    row = _check("sms", "eu-west-1")
    assert len(sim.write_calls()) == writes  # no description delivered: check only looks
    assert ledger.read_bytes() == before  # nor a state line cached (`status` caches it)
    assert row["status"] == "skipped" and row["open_request"].startswith(
        "already requested via ledger")
    status = _status_target("eu-west-1", "sms")
    assert row["state"] == status["state"] == "open"
    assert row["next_step"] == status["next_step"]


def test_a_region_in_production_is_approved(simulator: Any) -> None:
    simulator("business-mixed")
    row = _check("sms", PRODUCTION_REGION)
    assert (row["status"], row["production_evidence"]) == ("skipped", "tier")
    assert row["state"] == "approved"
    assert row["next_step"] == "nothing: production access granted"
    table = cli("check", "sms", "-r", PRODUCTION_REGION).stdout
    assert f"{PRODUCTION_REGION} sms ({ACCOUNT}): approved (tier)" in table


def test_voice_approved_by_its_own_request_is_approved(simulator: Any) -> None:
    sim = simulator("voice-ready")
    filed = cli("request", "voice", "-a", VOICE_ANSWERS, "-r", "us-east-1", "--yes",
                "-o", "json")
    assert filed.actions() == {"us-east-1": "filed"}, filed
    assert _check("voice", "us-east-1")["state"] == "open"
    approved = cli("simulator", "advance", "approve", "voice", "-r", "us-east-1", "--state",
                   str(sim.state_file))
    assert approved.exit_code == 0, approved
    row = _check("voice", "us-east-1")
    assert row["state"] == _status_target("us-east-1", "voice")["state"] == "approved"


def test_a_target_without_a_request_keeps_its_row(simulator: Any) -> None:
    simulator("business-mixed")
    row = _check("sms", PLAIN_REGION)
    assert row.pop("state") is None and row.pop("next_step") is None
    assert row == {
        "account_id": ACCOUNT, "region": PLAIN_REGION, "channel": "sms", "ready": True,
        "status": "ready", "reason": None, "tier": "SANDBOX", "production_evidence": None,
        "voice_evidence": None, "open_request": None, "support_plan": "business",
        "backend": "service-quotas",
        "backend_reason": "production-access quota found in Service Quotas",
        "validation": {"accepted": True, "detail": "SMS production access is adjustable for "
                       "this account and no request is open"},
        "destinations": [],
        "case_note": "case rendered from the example answers: pass --answers to have yours "
                     "checked",
    }
    table = cli("check", "sms", "-r", PLAIN_REGION).stdout
    assert "production-access quota found in Service Quotas" in table


def test_a_target_without_a_request_costs_no_more_aws_calls(simulator: Any) -> None:
    """The tracker is asked only about targets with a request: the report adds no call, and
    the command makes exactly the calls of the prerequisite checks alone."""
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.filing.plan import Request, RunOptions, check, check_report

    sim = simulator("business-mixed")

    def calls_since(start: int) -> Counter[tuple[str, str | None]]:
        return Counter((r.service, r.operation) for r in sim.requests[start:])

    for channel in ("sms", "voice"):
        start = len(sim.requests)
        plans = check([Request(channel, AwsAccount(), [PLAIN_REGION], None)], RunOptions())
        checks_alone = calls_since(start)
        assert checks_alone  # the checks did read AWS
        middle = len(sim.requests)
        report = check_report(plans)
        assert calls_since(middle) == Counter()
        assert [row["state"] for row in report.rows] == [None]
        assert report.tracked == [None]

        start = len(sim.requests)
        cli("check", channel, "-r", PLAIN_REGION, "-o", "json")
        assert calls_since(start) == checks_alone, channel


def test_a_target_with_a_request_is_read_once_per_fact(simulator: Any) -> None:
    """The tracker reuses what the checks read (tier, plan, quota, history): each AWS call of
    the command is made once."""
    sim = simulator("business-mixed")
    start = len(sim.requests)
    _check("sms", OPEN_REGION)
    calls = Counter((r.service, r.operation) for r in sim.requests[start:])
    assert calls[("service-quotas", "GetRequestedServiceQuotaChange")] == 1  # the tracker's
    assert set(calls.values()) == {1}, calls


def test_the_tracker_lines_fit_a_narrow_terminal(
    simulator: Any, monkeypatch: Any,
) -> None:
    sim = simulator("business-mixed")
    asked = cli("simulator", "advance", "ask", "sms", "-r", OPEN_REGION, "--state",
                str(sim.state_file), "-m", "Please describe how recipients opt in " * 3)
    assert asked.exit_code == 0, asked
    monkeypatch.setenv("COLUMNS", "60")
    run = cli("check", "sms", "-r", f"{OPEN_REGION},{PRODUCTION_REGION}")
    assert run.exit_code == 0, run
    lines = run.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 60, run.stdout
    assert any("needs_reply" in line for line in lines)
    assert any(line.strip().startswith("(2) pinpoint-sandbox reply") for line in lines)
