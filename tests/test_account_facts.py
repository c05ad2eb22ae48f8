"""account_facts against the built-in simulator, over HTTP through boto3."""

from __future__ import annotations

from typing import Any

import pytest

from pinpoint_sandbox.aws.facts import (
    RegionFacts,
    SpendLimit,
    is_production,
    read_region_facts,
    read_tier,
    sandbox_limits,
)
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.core.errors import AwsError, UsageError

ACCOUNT = "111122223333"


def scenario(faults: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": "facts",
        "accounts": [
            {
                "account_id": ACCOUNT,
                "region_defaults": {"tier": "SANDBOX"},
                "regions": {
                    "eu-west-1": {
                        "tier": "PRODUCTION",
                        "spend_limits": {"text": 250, "voice": 40, "media": 250, "notify": 5},
                    },
                    "us-west-2": {
                        "verified_destinations": [
                            "+14255550101",
                            "+14255550102",
                            {"number": "+14255550103", "status": "PENDING"},
                        ],
                        "phone_numbers": [
                            "+12065550100",
                            {"number": "+12065550111", "capabilities": ["SMS"]},
                            {"number": "+12065550122", "status": "PENDING"},
                        ],
                    },
                },
            }
        ],
        "faults": faults or {},
    }


def test_sandbox_region_facts(simulator: Any) -> None:
    simulator(scenario())
    facts = read_region_facts(AwsAccount(), "us-west-2")

    assert isinstance(facts, RegionFacts)
    assert facts.tier == "SANDBOX"
    assert facts.in_production is False
    assert facts.problems == []
    # Only VERIFIED numbers count; the PENDING one does not.
    assert facts.verified_destinations == 2
    assert facts.verified_destinations_max == 10
    # Only ACTIVE numbers with VOICE capability count.
    assert facts.voice_numbers == 1
    by_name = {limit.name: limit for limit in facts.spend_limits}
    assert by_name["TEXT_MESSAGE_MONTHLY_SPEND_LIMIT"] == SpendLimit(
        "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT", 1, 1, False
    )


def test_production_region_facts_and_spend_limits(simulator: Any) -> None:
    simulator(scenario())
    facts = read_region_facts(AwsAccount(), "eu-west-1")

    assert facts.tier == "PRODUCTION"
    assert facts.in_production is True
    limits = {limit.name: limit.max for limit in facts.spend_limits}
    assert limits == {
        "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT": 250,
        "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT": 40,
        "MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT": 250,
        "NOTIFY_MESSAGE_MONTHLY_SPEND_LIMIT": 5,
    }
    assert facts.verified_destinations == 0
    assert facts.voice_numbers == 0


def test_read_tier(simulator: Any) -> None:
    simulator(scenario())
    account = AwsAccount()
    assert read_tier(account, "eu-west-1") == ("PRODUCTION", True)
    assert read_tier(account, "us-east-1") == ("SANDBOX", False)


def test_paginators_follow_next_token(simulator: Any) -> None:
    # The simulator pages by MaxResults; four spend limits over pages of one must all arrive.
    sim = simulator(scenario())
    account = AwsAccount()
    client = account.client("pinpoint-sms-voice-v2", "eu-west-1")
    pages = list(
        client.get_paginator("describe_spend_limits").paginate(PaginationConfig={"PageSize": 1})
    )
    assert len(pages) == 4
    facts = read_region_facts(account, "eu-west-1")
    assert len(facts.spend_limits) == 4
    assert any(r.operation == "DescribeSpendLimits" for r in sim.requests)


def test_failed_reads_become_problems_not_crashes(simulator: Any) -> None:
    # The simulator cannot answer AccessDenied; throttling on every try is the refusal it offers.
    simulator(
        scenario(
            {"throttle_rate": 1.0, "operations": ["DescribeSpendLimits", "DescribePhoneNumbers"]}
        )
    )
    facts = read_region_facts(AwsAccount(), "us-west-2")

    assert facts.tier == "SANDBOX"  # the reads that worked are still there
    assert facts.spend_limits == []
    assert facts.voice_numbers is None
    assert len(facts.problems) == 2
    assert facts.problems[0].startswith("DescribeSpendLimits: ThrottlingException")
    assert facts.problems[1].startswith("DescribePhoneNumbers: ThrottlingException")


def test_verified_count_falls_back_to_account_limit(simulator: Any) -> None:
    simulator(scenario({"error_rate": 1.0, "operations": ["DescribeVerifiedDestinationNumbers"]}))
    facts = read_region_facts(AwsAccount(), "us-west-2")

    # DescribeAccountLimits "Used" counts every added number, pending ones included.
    assert facts.verified_destinations == 3
    assert [p.split(":")[0] for p in facts.problems] == ["DescribeVerifiedDestinationNumbers"]


def test_read_tier_failure_is_one_aws_error(simulator: Any) -> None:
    simulator(scenario({"throttle_rate": 1.0, "operations": ["DescribeAccountAttributes"]}))
    with pytest.raises(AwsError) as caught:
        read_tier(AwsAccount(), "us-east-1")
    assert "account tier in us-east-1" in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.exit_code == 4


def test_is_production_is_case_insensitive() -> None:
    assert is_production("production")
    assert is_production(" PRODUCTION ")
    assert not is_production("SANDBOX")
    assert not is_production(None)


def test_sandbox_limits() -> None:
    sms = sandbox_limits("sms")
    voice = sandbox_limits("voice")
    assert any("$1" in line and "SMS" in line for line in sms)
    assert any("10" in line for line in sms)
    assert any("20" in line for line in voice)
    assert any("30 seconds" in line for line in voice)
    with pytest.raises(UsageError):
        sandbox_limits("fax")
