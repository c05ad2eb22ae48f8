from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

ORIGIN = "+12065550123"
VERIFIED = "+12065550199"


def _code(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str | None]:
    response: Any = info.value.response
    return response["Error"]["Code"], response.get("Reason")


def test_account_tier_per_region(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    tiers = {
        region: client("pinpoint-sms-voice-v2", region).describe_account_attributes()[
            "AccountAttributes"
        ]
        for region in ("us-east-1", "eu-west-1", "ap-south-1")
    }
    assert tiers["us-east-1"] == [{"Name": "ACCOUNT_TIER", "Value": "PRODUCTION"}]
    assert tiers["eu-west-1"] == [{"Name": "ACCOUNT_TIER", "Value": "SANDBOX"}]
    assert tiers["ap-south-1"] == [{"Name": "ACCOUNT_TIER", "Value": "SANDBOX"}]


def test_spend_limits_and_account_limits(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    sandbox = client("pinpoint-sms-voice-v2", "eu-west-1")
    limits = {x["Name"]: x for x in sandbox.describe_spend_limits()["SpendLimits"]}
    assert set(limits) == {
        "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT",
        "MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT", "NOTIFY_MESSAGE_MONTHLY_SPEND_LIMIT",
    }
    assert limits["TEXT_MESSAGE_MONTHLY_SPEND_LIMIT"]["MaxLimit"] == 1
    prod = client("pinpoint-sms-voice-v2", "us-east-1").describe_spend_limits()["SpendLimits"]
    assert {x["Name"]: x["MaxLimit"] for x in prod}["VOICE_MESSAGE_MONTHLY_SPEND_LIMIT"] == 500
    account = {x["Name"]: x for x in sandbox.describe_account_limits()["AccountLimits"]}
    assert account["VERIFIED_DESTINATION_NUMBERS"] == {
        "Name": "VERIFIED_DESTINATION_NUMBERS", "Used": 1, "Max": 10}


def test_verified_destinations_filters(simulator: Any, client: Any) -> None:
    simulator("voice-ready")
    sms = client("pinpoint-sms-voice-v2", "us-east-1")
    every = sms.describe_verified_destination_numbers()["VerifiedDestinationNumbers"]
    assert {d["DestinationPhoneNumber"]: d["Status"] for d in every} == {
        VERIFIED: "VERIFIED", "+12065550198": "PENDING"}
    verified = sms.describe_verified_destination_numbers(
        Filters=[{"Name": "status", "Values": ["VERIFIED"]}])["VerifiedDestinationNumbers"]
    assert [d["DestinationPhoneNumber"] for d in verified] == [VERIFIED]
    by_number = sms.describe_verified_destination_numbers(
        DestinationPhoneNumbers=["+12065550198"])["VerifiedDestinationNumbers"]
    assert [d["Status"] for d in by_number] == ["PENDING"]
    with pytest.raises(ClientError) as info:
        sms.describe_verified_destination_numbers(Filters=[{"Name": "nope", "Values": ["x"]}])
    assert _code(info)[0] == "ValidationException"


def test_phone_numbers_filters(simulator: Any, client: Any) -> None:
    simulator("voice-ready")
    sms = client("pinpoint-sms-voice-v2", "us-east-1")
    numbers = sms.describe_phone_numbers()["PhoneNumbers"]
    assert len(numbers) == 2
    voice = sms.describe_phone_numbers(Filters=[
        {"Name": "status", "Values": ["ACTIVE"]},
        {"Name": "number-capability", "Values": ["VOICE"]},
    ])["PhoneNumbers"]
    assert [(n["PhoneNumber"], n["Status"]) for n in voice] == [(ORIGIN, "ACTIVE")]
    assert "VOICE" in voice[0]["NumberCapabilities"]
    assert client("pinpoint-sms-voice-v2", "us-east-1").describe_phone_numbers(
        Filters=[{"Name": "number-type", "Values": ["SHORT_CODE"]}])["PhoneNumbers"] == []


def test_send_voice_message_leaves_evidence(simulator: Any, client: Any) -> None:
    sim = simulator("voice-ready")
    sms = client("pinpoint-sms-voice-v2", "eu-west-1")
    message_id = sms.send_voice_message(
        DestinationPhoneNumber=VERIFIED, OriginationIdentity=ORIGIN, MessageBody="hello")[
        "MessageId"]
    assert message_id
    assert [s["message_id"] for s in sim.state.voice_sends("777788889999", "eu-west-1")] == [
        message_id]
    events = client("cloudtrail", "eu-west-1").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "SendVoiceMessage"}]
    )["Events"]
    assert len(events) == 1
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    points = client("cloudwatch", "eu-west-1").get_metric_statistics(
        Namespace="AWS/SMSVoice", MetricName="VoiceMessageMonthlySpend",
        StartTime=now - datetime.timedelta(days=1), EndTime=now + datetime.timedelta(hours=1),
        Period=86400, Statistics=["Maximum"])["Datapoints"]
    assert len(points) == 1 and points[0]["Maximum"] > 0
    assert [r.operation for r in sim.write_calls()] == ["SendVoiceMessage"]


def test_dry_run_sends_nothing(simulator: Any, client: Any) -> None:
    sim = simulator("voice-ready")
    sms = client("pinpoint-sms-voice-v2", "eu-west-1")
    assert sms.send_voice_message(DestinationPhoneNumber=VERIFIED, OriginationIdentity=ORIGIN,
                                  DryRun=True)["MessageId"]
    assert sim.state.voice_sends("777788889999", "eu-west-1") == []
    assert sim.requests[-1].operation == "SendVoiceMessage"
    assert sim.write_calls() == []  # a dry run writes nothing


@pytest.mark.parametrize(
    ("region", "origin", "destination", "code", "reason"),
    [
        ("ap-southeast-2", ORIGIN, VERIFIED, "ValidationException",
         "VOICE_CAPABILITY_NOT_AVAILABLE"),
        ("eu-west-1", "+12065550000", VERIFIED, "ResourceNotFoundException", None),
        ("eu-west-1", "+12065550124", VERIFIED, "ValidationException", "INVALID_PARAMETER"),
        ("eu-west-1", ORIGIN, "+12065550198", "ConflictException",
         "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"),
        ("eu-west-1", ORIGIN, "+12065550777", "ConflictException",
         "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"),
        ("eu-west-1", ORIGIN, "not-a-number", "ValidationException", "INVALID_PARAMETER"),
    ],
)
def test_send_voice_message_errors(simulator: Any, client: Any, region: str, origin: str,
                                   destination: str, code: str, reason: str | None) -> None:
    sim = simulator("voice-ready")
    with pytest.raises(ClientError) as info:
        client("pinpoint-sms-voice-v2", region).send_voice_message(
            DestinationPhoneNumber=destination, OriginationIdentity=origin)
    assert _code(info) == (code, reason)
    assert sim.state.voice_sends("777788889999", region) == []


def test_inactive_origination_number(simulator: Any, client: Any) -> None:
    scenario = {"name": "t", "accounts": [{"account_id": "123412341234", "region_defaults": {
        "phone_numbers": [{"number": ORIGIN, "status": "PENDING"}],
        "verified_destinations": [VERIFIED]}}]}
    simulator(scenario)
    with pytest.raises(ClientError) as info:
        client("pinpoint-sms-voice-v2").send_voice_message(
            DestinationPhoneNumber=VERIFIED, OriginationIdentity=ORIGIN)
    assert _code(info) == ("ValidationException", "RESOURCE_NOT_ACCESSIBLE")


def test_daily_limits(simulator: Any, client: Any) -> None:
    destinations = [f"+1206555{n:04d}" for n in range(5)]
    scenario = {"name": "t", "accounts": [{"account_id": "123412341234", "region_defaults": {
        "phone_numbers": [ORIGIN], "verified_destinations": destinations}}]}
    simulator(scenario)
    sms = client("pinpoint-sms-voice-v2")
    for _ in range(5):
        sms.send_voice_message(DestinationPhoneNumber=destinations[0], OriginationIdentity=ORIGIN)
    with pytest.raises(ClientError) as info:  # 6th call to one recipient within 24 h
        sms.send_voice_message(DestinationPhoneNumber=destinations[0], OriginationIdentity=ORIGIN)
    assert _code(info) == ("ServiceQuotaExceededException", "DAILY_DESTINATION_CALL_LIMIT")
    for dest in destinations[1:4]:
        for _ in range(5):
            sms.send_voice_message(DestinationPhoneNumber=dest, OriginationIdentity=ORIGIN)
    # 4 recipients x 5 = 20 sends today: the sandbox's daily cap holds even for a new recipient.
    with pytest.raises(ClientError) as info:
        sms.send_voice_message(DestinationPhoneNumber=destinations[4], OriginationIdentity=ORIGIN)
    assert _code(info) == ("ServiceQuotaExceededException", "DAILY_DESTINATION_CALL_LIMIT")


def test_monthly_spend_limit_reached(simulator: Any, client: Any) -> None:
    scenario = {"name": "t", "accounts": [{"account_id": "123412341234", "region_defaults": {
        "phone_numbers": [ORIGIN], "verified_destinations": [VERIFIED],
        "voice_spend_limit_reached": True}}]}
    simulator(scenario)
    with pytest.raises(ClientError) as info:
        client("pinpoint-sms-voice-v2").send_voice_message(
            DestinationPhoneNumber=VERIFIED, OriginationIdentity=ORIGIN)
    assert _code(info) == ("ServiceQuotaExceededException",
                           "MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE")


def test_production_needs_no_verified_destination(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    sms = client("pinpoint-sms-voice-v2", "us-east-1")
    assert sms.send_voice_message(DestinationPhoneNumber="+12065550777",
                                  OriginationIdentity="+12065550100")["MessageId"]
