"""Simulator: spend overrides, sender IDs and registrations, as botocore models them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from helpers import account, scenario

REGION = {
    "tier": "PRODUCTION",
    "spend_limits": {"text": 100, "voice": 20, "media": 100, "notify": 1, "rcs": 10},
    "spend_overrides": {"text": 5},
    "phone_numbers": [{"number": "+18885550100", "number_type": "TEN_DLC",
                       "capabilities": ["SMS"], "registration_id": "registration-1"}],
    "sender_ids": [
        {"sender_id": "EXAMPLECO", "iso_country_code": "IN", "registered": True},
        {"sender_id": "EXAMPLECO", "iso_country_code": "GB"},
    ],
    "registrations": [
        {"registration_id": "registration-1", "status": "COMPLETE",
         "registration_type": "US_TEN_DLC_CAMPAIGN_REGISTRATION"},
        {"registration_id": "registration-2", "status": "AWS_REVIEWING",
         "registration_type": "US_TOLL_FREE_REGISTRATION"},
    ],
}


@pytest.fixture
def sms(simulator: Any, client: Any) -> Any:
    simulator(scenario([account(regions={"us-east-1": REGION})]))
    return client("pinpoint-sms-voice-v2", "us-east-1")


def _limits(sms: Any) -> dict[str, Any]:
    return {x["Name"]: x for x in sms.describe_spend_limits()["SpendLimits"]}


def test_spend_overrides_set_and_delete(sms: Any) -> None:
    text = _limits(sms)["TEXT_MESSAGE_MONTHLY_SPEND_LIMIT"]
    assert (text["EnforcedLimit"], text["MaxLimit"], text["Overridden"]) == (5, 100, True)
    assert _limits(sms)["RCS_MESSAGE_MONTHLY_SPEND_LIMIT"]["Overridden"] is False
    assert sms.set_voice_message_spend_limit_override(MonthlyLimit=7)["MonthlyLimit"] == 7
    voice = _limits(sms)["VOICE_MESSAGE_MONTHLY_SPEND_LIMIT"]
    assert (voice["EnforcedLimit"], voice["Overridden"]) == (7, True)
    assert sms.delete_text_message_spend_limit_override()["MonthlyLimit"] == 5
    text = _limits(sms)["TEXT_MESSAGE_MONTHLY_SPEND_LIMIT"]
    assert (text["EnforcedLimit"], text["Overridden"]) == (100, False)


def test_override_above_the_maximum_is_refused(sms: Any) -> None:
    with pytest.raises(ClientError) as info:
        sms.set_text_message_spend_limit_override(MonthlyLimit=101)
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert _limits(sms)["TEXT_MESSAGE_MONTHLY_SPEND_LIMIT"]["EnforcedLimit"] == 5


def test_sender_ids_with_filters(sms: Any) -> None:
    all_ids = sms.describe_sender_ids()["SenderIds"]
    assert {(s["IsoCountryCode"], s["Registered"]) for s in all_ids} == {("IN", True),
                                                                         ("GB", False)}
    assert all(s["SenderIdArn"].startswith("arn:aws:sms-voice:us-east-1:") for s in all_ids)
    registered = sms.describe_sender_ids(
        Filters=[{"Name": "registered", "Values": ["true"]}])["SenderIds"]
    assert [s["IsoCountryCode"] for s in registered] == ["IN"]


def test_registrations_and_numbers_carry_their_ids(sms: Any) -> None:
    found = sms.describe_registrations(
        Filters=[{"Name": "registration-status", "Values": ["COMPLETE"]}])["Registrations"]
    assert [r["RegistrationId"] for r in found] == ["registration-1"]
    assert found[0]["ApprovedVersionNumber"] == 1
    (number,) = sms.describe_phone_numbers()["PhoneNumbers"]
    assert number["RegistrationId"] == "registration-1" and number["NumberType"] == "TEN_DLC"
    with pytest.raises(ClientError) as info:
        sms.describe_registrations(RegistrationIds=["registration-9"])
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
