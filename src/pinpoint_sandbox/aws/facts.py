"""Read-only facts about one account in one region: tier, spend limits, verified destinations.

Everything here is a read through `pinpoint-sms-voice-v2`, each one `Fact` read once per
account-region (`account.read(TIER, region)`). `read_tier` is the one read the filing pipeline
cannot do without, so it raises AwsError; `read_region_facts` (for `status`) never raises for
an AWS refusal: each failed read becomes one line in `problems` and its fields stay `None`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.session import SMS_VOICE, AwsAccount, Fact, error_code, error_message
from pinpoint_sandbox.core.errors import AwsError, UsageError

if TYPE_CHECKING:
    from types_boto3_pinpoint_sms_voice_v2.type_defs import (
        PhoneNumberInformationTypeDef,
        SpendLimitTypeDef,
    )

# DescribeAccountAttributes returns a free string; only "PRODUCTION" is known to mean production.
PRODUCTION_TIER = "PRODUCTION"
TIER_ATTRIBUTE = "ACCOUNT_TIER"
VERIFIED_LIMIT_NAME = "VERIFIED_DESTINATION_NUMBERS"

# DESIGN.md "Sandbox limits": shown by `status` and the docs.
_SANDBOX_LIMITS: dict[str, tuple[str, ...]] = {
    "sms": (
        "SMS spend: at most $1 per month",
        "MMS spend: at most $1 per month",
        "Send only to verified destination numbers (at most 10)",
        "US traffic still needs a registered US origination number",
    ),
    "voice": (
        "At most 20 voice messages per day",
        "At most 5 messages to one recipient per 24 hours",
        "At most 5 calls per minute",
        "At most 30 seconds per message",
        "Call only verified destination numbers",
    ),
}


@dataclass
class SpendLimit:
    """One DescribeSpendLimits entry; amounts are whole US dollars per month."""

    name: str
    enforced: int
    max: int
    overridden: bool

    @property
    def effective(self) -> int:
        """What AWS enforces: the override only counts when `overridden` is set."""
        return self.enforced if self.overridden else self.max


@dataclass
class RegionFacts:
    region: str
    tier: str | None = None  # raw ACCOUNT_TIER value, None when unreadable
    in_production: bool = False
    spend_limits: list[SpendLimit] = field(default_factory=list)
    verified_destinations: int | None = None
    verified_destinations_max: int | None = None
    voice_numbers: int | None = None  # ACTIVE numbers with VOICE capability
    problems: list[str] = field(default_factory=list)


def sandbox_limits(channel: str) -> list[str]:
    """Human-readable sandbox limits of a channel (DESIGN.md, top)."""
    try:
        return list(_SANDBOX_LIMITS[channel])
    except KeyError:
        raise UsageError(f"Unknown channel {channel!r}; use sms or voice.") from None


def is_production(tier: str | None) -> bool:
    return tier is not None and tier.strip().upper() == PRODUCTION_TIER


def _read_tier(account: AwsAccount, region: str) -> tuple[str | None, bool]:
    client = account.client(SMS_VOICE, region)
    for page in client.get_paginator("describe_account_attributes").paginate():
        for attribute in page.get("AccountAttributes", []):
            if attribute.get("Name") == TIER_ATTRIBUTE:
                tier = str(attribute.get("Value"))
                return tier, is_production(tier)
    return None, False


# (raw ACCOUNT_TIER value, in production): one read per account-region for every reader of a
# run (preflight, the tracker's rows, `status`'s facts; `--watch` forgets it each poll).
TIER = Fact("tier", _read_tier, actions=("sms-voice:DescribeAccountAttributes",))


def read_tier(account: AwsAccount, region: str, *, fresh: bool = False) -> tuple[str | None, bool]:
    """`TIER` for the readers that cannot do without it: raises AwsError when unreadable.
    `fresh` reads it again (a denial is confirmed against a new read)."""
    try:
        return (account.reread if fresh else account.read)(TIER, region)
    except aws.AWS_ERRORS as exc:
        raise AwsError(
            region_refusal(account, region, exc)
            or f"Could not read the account tier in {region} (DescribeAccountAttributes): "
            f"{error_message(exc)}"
        ) from exc


def region_refusal(account: AwsAccount, region: str, exc: Exception) -> str | None:
    """The clear reason when AWS refused the region itself (an opt-in region the account has
    not enabled), else None. Only for the first regional call of a target."""
    from pinpoint_sandbox.aws.regions import opt_in_problem

    code = error_code(exc)
    if opt_in_problem(region, None, code) is None:
        return None
    try:
        account_id: str | None = account.account_id()  # known already: no call
    except Exception:
        account_id = None
    return opt_in_problem(region, account_id, code)


def _read_spend_limits(account: AwsAccount, region: str) -> list[SpendLimitTypeDef]:
    pages = account.client(SMS_VOICE, region).get_paginator("describe_spend_limits")
    return [item for page in pages.paginate() for item in page.get("SpendLimits", [])]


# The raw DescribeSpendLimits items of one region (status facts and spend readiness).
SPEND_LIMITS = Fact("spend-limits", _read_spend_limits,
                    actions=("sms-voice:DescribeSpendLimits",))


def _spend_limits(account: AwsAccount, region: str) -> list[SpendLimit]:
    return [
        SpendLimit(
            name=str(item.get("Name")),
            enforced=int(item.get("EnforcedLimit", 0)),
            max=int(item.get("MaxLimit", 0)),
            overridden=bool(item.get("Overridden", False)),
        )
        for item in account.read(SPEND_LIMITS, region)
    ]


def _read_verified_limit(account: AwsAccount, region: str) -> tuple[int | None, int | None]:
    pages = account.client(SMS_VOICE, region).get_paginator("describe_account_limits")
    for page in pages.paginate():
        for item in page.get("AccountLimits", []):
            if item.get("Name") == VERIFIED_LIMIT_NAME:
                return int(item.get("Used", 0)), int(item.get("Max", 0))
    return None, None


# (Used, Max) of VERIFIED_DESTINATION_NUMBERS from DescribeAccountLimits.
VERIFIED_LIMIT = Fact("verified-limit", _read_verified_limit,
                      actions=("sms-voice:DescribeAccountLimits",))


def _read_verified_count(account: AwsAccount, region: str) -> int:
    pages = account.client(SMS_VOICE, region).get_paginator(
        "describe_verified_destination_numbers").paginate(
        Filters=[{"Name": "status", "Values": ["VERIFIED"]}])
    # Filter again locally: a server that ignores Filters must not inflate the count.
    return sum(
        1
        for page in pages
        for item in page.get("VerifiedDestinationNumbers", [])
        if item.get("Status") == "VERIFIED"
    )


# How many destination numbers are VERIFIED.
VERIFIED_COUNT = Fact("verified-count", _read_verified_count,
                      actions=("sms-voice:DescribeVerifiedDestinationNumbers",))



def _read_voice_numbers(account: AwsAccount, region: str) -> list[PhoneNumberInformationTypeDef]:
    client = account.client(SMS_VOICE, region)
    pages = client.get_paginator("describe_phone_numbers").paginate(
        Filters=[
            {"Name": "number-capability", "Values": ["VOICE"]},
            {"Name": "status", "Values": ["ACTIVE"]},
        ]
    )
    return [
        item
        for page in pages
        for item in page.get("PhoneNumbers", [])
        if item.get("Status") == "ACTIVE" and "VOICE" in item.get("NumberCapabilities", [])
    ]


# ACTIVE phone numbers with VOICE capability (raw DescribePhoneNumbers items).
VOICE_NUMBERS = Fact("voice-numbers", _read_voice_numbers,
                     actions=("sms-voice:DescribePhoneNumbers",))


def read_region_facts(
    account: AwsAccount, region: str, *, phone_numbers: bool = True
) -> RegionFacts:
    """Everything `status` shows for one region; failed reads go to `problems`, never raise.
    `phone_numbers=False` skips DescribePhoneNumbers for callers that do not show them."""
    facts = RegionFacts(region=region)
    errors = aws.AWS_ERRORS

    def problem(operation: str, exc: Exception) -> None:
        facts.problems.append(f"{operation}: {error_message(exc)}")

    try:
        facts.tier, facts.in_production = account.read(TIER, region)
    except errors as exc:
        refused = region_refusal(account, region, exc)
        if refused:  # every other read would fail the same way: one line says it all
            facts.problems.append(refused)
            return facts
        problem("DescribeAccountAttributes", exc)

    try:
        facts.spend_limits = _spend_limits(account, region)
    except errors as exc:
        problem("DescribeSpendLimits", exc)

    used: int | None = None
    try:
        used, facts.verified_destinations_max = account.read(VERIFIED_LIMIT, region)
    except errors as exc:
        problem("DescribeAccountLimits", exc)

    try:  # "Used" counts every added number: none added, none verified (no second call)
        facts.verified_destinations = 0 if used == 0 else account.read(VERIFIED_COUNT, region)
    except errors as exc:
        problem("DescribeVerifiedDestinationNumbers", exc)
        # The account limit's "Used" also counts pending numbers, but it beats nothing.
        facts.verified_destinations = used

    if not phone_numbers:
        return facts
    try:
        facts.voice_numbers = len(account.read(VOICE_NUMBERS, region))
    except errors as exc:
        problem("DescribePhoneNumbers", exc)

    return facts
