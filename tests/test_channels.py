"""Channels are not conflated: ACCOUNT_TIER is SMS's evidence only; voice is approved by its own
request or case. `status` and `check` say which evidence they used (`production_evidence`)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import SMS_ANSWERS, VOICE_ANSWERS, cli
from pinpoint_sandbox.simulator.lifecycle import advance

ACCOUNT = "111122223333"
REGION = "us-east-1"


def scenario(*, tier: str = "SANDBOX", quotas: bool = True, **region: Any) -> dict[str, Any]:
    return {"name": "channels", "accounts": [{
        "account_id": ACCOUNT, "support_plan": "business", "production_access_quotas": quotas,
        "regions": {REGION: {"tier": tier, "voice_messages_sent_days_ago": [3], **region}},
    }]}


def rows(run: Any) -> dict[str, dict[str, Any]]:
    return {t["channel"]: t for t in run.json["targets"] if t["region"] == REGION}


def test_production_tier_approves_sms_not_voice(simulator: Any) -> None:
    simulator(scenario(tier="PRODUCTION"))
    status = cli("status", "-r", REGION, "-o", "json")
    found = rows(status)
    assert (found["sms"]["state"], found["sms"]["production_evidence"]) == ("approved", "tier")
    assert found["voice"]["state"] is None and found["voice"]["production_evidence"] is None
    assert "does not document that it covers voice" in found["voice"]["note"]
    text = cli("status", "-r", REGION)
    assert "tier" in text.stdout and "evidence" in text.stdout

    check = cli("check", "voice", "-r", REGION, "-o", "json")
    assert check.exit_code == 0, check
    [row] = check.json["checks"]
    assert row["ready"] is True and row["production_evidence"] is None
    assert "does not document that it covers voice" in row["backend_reason"]
    sms = cli("check", "sms", "-r", REGION, "-o", "json").json["checks"][0]
    assert (sms["status"], sms["production_evidence"]) == ("skipped", "tier")


def test_an_sms_approval_does_not_skip_or_approve_voice(simulator: Any) -> None:
    sim = simulator(scenario())
    assert cli("request", "sms", "-a", SMS_ANSWERS, "-r", REGION, "--yes").exit_code == 0
    advance(sim.state, ACCOUNT, REGION, "sms", "approve")  # ACCOUNT_TIER becomes PRODUCTION
    run = cli("request", "voice", "-a", VOICE_ANSWERS, "-r", REGION, "--yes", "-o", "json")
    assert run.exit_code == 0, run
    assert run.actions() == {REGION: "filed"}
    increases = [w for w in sim.write_calls() if w.operation == "RequestServiceQuotaIncrease"]
    assert len(increases) == 2
    found = rows(cli("status", "-r", REGION, "-o", "json"))
    assert (found["sms"]["state"], found["sms"]["production_evidence"]) == ("approved", "tier")
    assert (found["voice"]["state"], found["voice"]["production_evidence"]) == ("open", None)

    advance(sim.state, ACCOUNT, REGION, "voice", "approve")
    found = rows(cli("status", "-r", REGION, "-o", "json"))
    assert (found["voice"]["state"], found["voice"]["production_evidence"]) == (
        "approved", "request")


def test_voice_support_case_resolved_is_read_with_the_tier(simulator: Any) -> None:
    sim = simulator(scenario(quotas=False))
    run = cli("request", "voice", "-a", VOICE_ANSWERS, "-r", REGION, "--yes", "-o", "json")
    assert run.exit_code == 0 and run.results[0]["backend"] == "support", run
    advance(sim.state, ACCOUNT, REGION, "voice", "approve")  # resolves the case, tier moves
    voice = rows(cli("status", "-r", REGION, "-o", "json"))["voice"]
    assert (voice["state"], voice["production_evidence"]) == ("approved", "case")
    assert voice["note"] is None  # the tier was SANDBOX when filed: the case moved it


def test_voice_support_case_closed_without_the_tier_moving_is_read_by_the_user(
    simulator: Any
) -> None:
    sim = simulator(scenario(quotas=False))
    assert cli("request", "voice", "-a", VOICE_ANSWERS, "-r", REGION, "--yes").exit_code == 0
    advance(sim.state, ACCOUNT, REGION, "voice", "deny", "Not approved: no use case.")
    status = cli("status", "-r", REGION, "-o", "json")
    assert status.exit_code == 3
    voice = rows(status)["voice"]
    assert (voice["state"], voice["production_evidence"]) == ("denied", "case")
    assert "no API shows a voice decision" in voice["note"]
    assert voice["next_step"].startswith("read AWS's last message on case")
    assert "--refile" in voice["next_step"]


@pytest.mark.parametrize("decision", ["approve", "deny"])
def test_voice_case_closed_after_an_sms_approval_is_never_approved_by_the_tier(
    simulator: Any, decision: str
) -> None:
    sim = simulator(scenario(tier="PRODUCTION", quotas=False))
    run = cli("request", "voice", "-a", VOICE_ANSWERS, "-r", REGION, "--yes", "-o", "json")
    assert run.actions() == {REGION: "filed"}, run
    open_row = rows(cli("status", "-r", REGION, "-o", "json"))["voice"]
    assert open_row["state"] == "open"  # a PRODUCTION tier does not approve voice
    advance(sim.state, ACCOUNT, REGION, "voice", decision, f"Voice access: {decision}.")
    status = cli("status", "-r", REGION, "-o", "json")
    assert status.exit_code == 3  # the user reads AWS's answer: the tier cannot tell
    voice = rows(status)["voice"]
    assert (voice["state"], voice["production_evidence"]) == ("denied", "case")
    assert "no API shows a voice decision" in voice["note"]
    assert voice["last_message"] == f"Voice access: {decision}."
    assert voice["next_step"].startswith("read AWS's last message on case")


def test_an_approved_voice_request_skips_voice(simulator: Any) -> None:
    sim = simulator(scenario(tier="PRODUCTION",
                             quota_requests=[{"quota": "voice", "status": "APPROVED"}]))
    run = cli("check", "voice", "-r", REGION, "-o", "json")
    [row] = run.json["checks"]
    assert (row["status"], row["production_evidence"]) == ("skipped", "request")
    filed = cli("request", "voice", "-a", VOICE_ANSWERS, "-r", REGION, "--yes", "-o", "json")
    assert filed.actions() == {REGION: "skipped"}, filed
    assert sim.write_calls() == []
    voice = rows(cli("status", "-r", REGION, "-o", "json"))["voice"]
    assert (voice["state"], voice["production_evidence"]) == ("approved", "request")
