"""The opt-in test call against the built-in simulator, over HTTP through boto3."""

from __future__ import annotations

from typing import Any

import pytest

from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.checks.voice_call import (
    check_destination_verified,
    pick_origination,
    send_test_call,
    validate_e164,
)
from pinpoint_sandbox.checks.voice_evidence import voice_evidence
from pinpoint_sandbox.core.errors import AwsError, PrerequisiteError, UsageError

ACCOUNT = "111122223333"
VERIFIED = "+14255550101"
UNVERIFIED = "+14255550199"
PENDING = "+14255550102"
ORIGIN = "+12065550100"
READY = {
    "phone_numbers": [
        {"number": "+12065550111", "capabilities": ["SMS"]},
        {"number": "+12065550122", "status": "PENDING"},
        ORIGIN,
    ],
    "verified_destinations": [VERIFIED, {"number": PENDING, "status": "PENDING"}],
}


def scenario(regions: dict[str, Any], faults: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": "test-call",
        "accounts": [{"account_id": ACCOUNT, "regions": regions}],
        "faults": faults or {},
    }


def sends(sim: Any) -> list[Any]:
    return [r for r in sim.requests if r.operation == "SendVoiceMessage"]


def one_line(exc: pytest.ExceptionInfo[Any]) -> str:
    message = str(exc.value.message)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("+14255550101", "+14255550101"), (" +44 20 7946 0958 ", "+442079460958")],
)
def test_validate_e164_normalises(raw: str, expected: str) -> None:
    assert validate_e164(raw) == expected


@pytest.mark.parametrize("raw", ["4255550101", "+1425", "+1 000 000 0000", "call me", ""])
def test_validate_e164_rejects(raw: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate_e164(raw)
    assert "E.164" in one_line(caught)


def test_invalid_number_sends_nothing(simulator: Any) -> None:
    sim = simulator(scenario({"us-east-1": READY}))
    with pytest.raises(UsageError):
        send_test_call(AwsAccount(), "us-east-1", "12345")
    assert sim.requests == []  # not even a read


def test_success_returns_message_id_and_evidence_follows(simulator: Any) -> None:
    sim = simulator(scenario({"us-east-1": READY}))
    account = AwsAccount()
    assert voice_evidence(account, "us-east-1").found is False

    message_id = send_test_call(account, "us-east-1", "+1 425 555 0101")

    assert message_id
    [send] = sends(sim)
    assert send.status == 200
    assert send.params["DestinationPhoneNumber"] == VERIFIED
    assert send.params["OriginationIdentity"] == ORIGIN  # the ACTIVE VOICE one
    assert not send.params.get("DryRun")
    evidence = voice_evidence(account, "us-east-1")
    assert evidence.found is True
    assert evidence.source == "cloudwatch"


def test_no_voice_number_is_a_prerequisite(simulator: Any) -> None:
    sim = simulator(
        scenario({"us-east-1": {"phone_numbers": [{"number": ORIGIN, "capabilities": ["SMS"]}]}})
    )
    with pytest.raises(PrerequisiteError) as caught:
        send_test_call(AwsAccount(), "us-east-1", VERIFIED)
    message = one_line(caught)
    assert "No ACTIVE phone number with voice capability in us-east-1" in message
    assert "RequestPhoneNumber" in message
    assert caught.value.exit_code == 3
    assert sends(sim) == []


def test_pick_origination_prefers_destination_country(simulator: Any) -> None:
    simulator(
        scenario(
            {
                "eu-west-2": {
                    "phone_numbers": [ORIGIN, {"number": "+442079460000", "iso_country_code": "GB"}]
                }
            }
        )
    )
    account = AwsAccount()
    assert pick_origination(account, "eu-west-2", destination="+442079460958") == "+442079460000"
    assert pick_origination(account, "eu-west-2") == ORIGIN


def test_unverified_destination_is_caught_before_sending(simulator: Any) -> None:
    sim = simulator(scenario({"us-east-1": READY}))
    with pytest.raises(PrerequisiteError) as caught:
        send_test_call(AwsAccount(), "us-east-1", UNVERIFIED)
    message = one_line(caught)
    assert f"{UNVERIFIED} is not a verified destination number in us-east-1" in message
    assert sends(sim) == []


def test_pending_destination_says_enter_the_code(simulator: Any) -> None:
    simulator(scenario({"us-east-1": READY}))
    with pytest.raises(PrerequisiteError) as caught:
        check_destination_verified(AwsAccount(), "us-east-1", PENDING)
    assert "pending verification" in one_line(caught)


def test_unverified_refused_by_aws_is_one_line(simulator: Any) -> None:
    # Told it is in production, the tool skips its own check: AWS's ConflictException is mapped.
    sim = simulator(scenario({"us-east-1": READY}))
    with pytest.raises(PrerequisiteError) as caught:
        send_test_call(AwsAccount(), "us-east-1", UNVERIFIED, tier_in_production=True)
    assert f"{UNVERIFIED} is not a verified destination number" in one_line(caught)
    [send] = sends(sim)
    assert send.error_code == "ConflictException"


def test_production_skips_the_verified_check(simulator: Any) -> None:
    sim = simulator(scenario({"us-east-1": {**READY, "tier": "PRODUCTION"}}))
    assert send_test_call(AwsAccount(), "us-east-1", UNVERIFIED)
    assert not any(r.operation == "DescribeVerifiedDestinationNumbers" for r in sim.requests)


def test_daily_limit(simulator: Any) -> None:
    sim = simulator(scenario({"us-east-1": READY}))
    account = AwsAccount()
    for _ in range(5):  # the sandbox allows 5 calls to one recipient per 24 hours
        send_test_call(account, "us-east-1", VERIFIED)
    with pytest.raises(PrerequisiteError) as caught:
        send_test_call(account, "us-east-1", VERIFIED)
    assert "daily voice limit in us-east-1 is used up" in one_line(caught)
    assert len(sends(sim)) == 6  # the refused call was made once, never retried


def test_monthly_spend_limit(simulator: Any) -> None:
    simulator(scenario({"us-east-1": {**READY, "voice_spend_limit_reached": True}}))
    with pytest.raises(PrerequisiteError) as caught:
        send_test_call(AwsAccount(), "us-east-1", VERIFIED)
    assert "monthly voice spend limit in us-east-1 is reached" in one_line(caught)


def test_voice_unavailable_region(simulator: Any) -> None:
    sim = simulator(scenario({"us-east-1": {**READY, "voice_available": False}}))
    with pytest.raises(PrerequisiteError) as caught:
        send_test_call(AwsAccount(), "us-east-1", VERIFIED)
    assert "Voice messaging is not available in us-east-1" in one_line(caught)
    assert len(sends(sim)) == 1


def test_unknown_origination(simulator: Any) -> None:
    simulator(scenario({"us-east-1": READY}))
    with pytest.raises(PrerequisiteError) as caught:
        send_test_call(AwsAccount(), "us-east-1", VERIFIED, origination="+12065550999")
    assert "+12065550999 was not found in us-east-1" in one_line(caught)


def test_server_error_is_not_retried(simulator: Any) -> None:
    # Every SendVoiceMessage answers 500: the read client would retry, the send must not.
    sim = simulator(
        scenario(
            {"us-east-1": READY}, faults={"error_rate": 1.0, "operations": ["SendVoiceMessage"]}
        )
    )
    with pytest.raises(AwsError) as caught:
        send_test_call(AwsAccount(), "us-east-1", VERIFIED)
    assert "SendVoiceMessage failed in us-east-1" in one_line(caught)
    assert caught.value.exit_code == 4
    assert len(sends(sim)) == 1


def test_throttled_send_is_not_retried(simulator: Any) -> None:
    sim = simulator(
        scenario(
            {"us-east-1": READY}, faults={"throttle_rate": 1.0, "operations": ["SendVoiceMessage"]}
        )
    )
    with pytest.raises(AwsError) as caught:
        send_test_call(AwsAccount(), "us-east-1", VERIFIED)
    assert "ThrottlingException" in one_line(caught)
    assert len(sends(sim)) == 1


def test_lost_response_is_reported_not_resent(simulator: Any) -> None:
    sim = simulator(
        scenario({"us-east-1": READY}, faults={"lose_response": {"SendVoiceMessage": 1}})
    )
    account = AwsAccount()
    with pytest.raises(AwsError) as caught:
        send_test_call(account, "us-east-1", VERIFIED)
    assert "may or may not have been placed" in one_line(caught)
    assert len(sends(sim)) == 1
    # The call did go out: the evidence shows it, so a rerun of the request needs no new call.
    assert voice_evidence(account, "us-east-1").found is True
