"""Destination readiness: can this account, in this region, reach each destination country?

Leaving the sandbox does not make every country reachable: the US needs a registered toll-free
number or 10DLC campaign, Canada a Canadian number, India and many others a registered sender
ID. The rules are data (`country_rules.yaml`, each row naming its AWS source page); the
account's identities come from DescribePhoneNumbers, DescribeSenderIds and
DescribeRegistrations, each read only when a requested country's rule needs it, once per
account-region. Reads never raise: an unreadable identity list makes the answer unknown
(`ready: None`), never a guess.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.session import SMS_VOICE, AwsAccount, Fact, error_message
from pinpoint_sandbox.core.errors import PinpointSandboxError, UsageError
from pinpoint_sandbox.core.targets import Target

if TYPE_CHECKING:
    from types_boto3_pinpoint_sms_voice_v2.client import PinpointSMSVoiceV2Client

# One item of DescribePhoneNumbers, DescribeSenderIds or DescribeRegistrations, as AWS listed it.
Item = Mapping[str, object]

CONSOLE_PATH = "sms-voice/home?region={region}#/{section}"
COUNTRY_TABLE = (
    "https://docs.aws.amazon.com/sms-voice/latest/userguide/phone-numbers-sms-by-country.html"
)
# Registrations still on their way (RegistrationStatus values that may yet become COMPLETE).
IN_PROGRESS = frozenset({"CREATED", "SUBMITTED", "AWS_REVIEWING", "REVIEWING",
                         "REQUIRES_AUTHENTICATION", "PROVISIONING", "REQUIRES_UPDATES"})


class CountryRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    rule: Literal["registered_number", "registered_sender_id"]
    number_types: tuple[str, ...] = ()
    next_step: str
    console: Literal["phone-numbers", "sender-ids", "registrations"]
    source: str
    note: str | None = None


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    countries: dict[str, CountryRule]


@functools.cache
def country_rules() -> dict[str, CountryRule]:
    import yaml

    text = files("pinpoint_sandbox.checks").joinpath("country_rules.yaml").read_text("utf-8")
    return _Table.model_validate(yaml.safe_load(text)).countries


@dataclass
class DestinationStatus:
    country: str
    ready: bool | None  # None: the account's identities could not be read
    reason: str
    next_step: str | None = None
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Identities:
    """What one region of the account can send from (raw API items)."""

    numbers: list[Item] = field(default_factory=list)
    sender_ids: list[Item] = field(default_factory=list)
    registrations: dict[str, Item] = field(default_factory=dict)  # by id
    unreadable: dict[str, str] = field(default_factory=dict)  # operation → why

    @property
    def problems(self) -> list[str]:
        return [f"{op}: {why}" for op, why in self.unreadable.items()]


def _items(client: PinpointSMSVoiceV2Client, label: str) -> list[Item]:
    """Every page of one identity list (by its operation's name)."""
    if label == "DescribePhoneNumbers":
        numbers = client.get_paginator("describe_phone_numbers").paginate()
        return [dict(n) for page in numbers for n in page.get("PhoneNumbers", [])]
    if label == "DescribeSenderIds":
        sender_ids = client.get_paginator("describe_sender_ids").paginate()
        return [dict(s) for page in sender_ids for s in page.get("SenderIds", [])]
    registrations = client.get_paginator("describe_registrations").paginate()
    return [dict(r) for page in registrations for r in page.get("Registrations", [])]


_READS = ("DescribePhoneNumbers", "DescribeSenderIds", "DescribeRegistrations")


def _read(account: AwsAccount, region: str, label: str) -> tuple[list[Item], str | None]:
    """One identity list of one region, read once per account-region whoever asks (the
    targets of both channels, the report): (items, None) or ([], why it is unreadable)."""
    return account.read(IDENTITIES, region, label)


def _read_identities(account: AwsAccount, region: str,
                     label: str) -> tuple[list[Item], str | None]:
    readable_errors: tuple[type[Exception], ...] = (*aws.AWS_ERRORS, PinpointSandboxError)
    try:
        client: PinpointSMSVoiceV2Client = account.client(SMS_VOICE, region)
        return _items(client, label), None
    except readable_errors as exc:
        return [], error_message(exc)


IDENTITIES = Fact("origination-identities", _read_identities,
                  actions=tuple(f"sms-voice:{label}" for label in _READS))


def reads_needed(countries: list[str]) -> list[str]:
    """The identity lists the rules of these countries look at (none for countries
    without a rule): numbers for number rules, sender IDs (and numbers when the rule also
    accepts some number types) for sender-ID rules."""
    rules = country_rules()
    needed: set[str] = set()
    for country in countries:
        rule = rules.get(country)
        if rule is None:
            continue
        if rule.rule == "registered_number" or rule.number_types:
            needed.add("DescribePhoneNumbers")
        if rule.rule == "registered_sender_id":
            needed.add("DescribeSenderIds")
    return [label for label in _READS if label in needed]


def read_identities(account: AwsAccount, region: str, countries: list[str]) -> Identities:
    """The identities the rules of `countries` need in one region; registrations only when
    one of the identities read names one (whether it is COMPLETE decides if it counts)."""
    found = Identities()
    for label in reads_needed(countries):
        items, why = _read(account, region, label)
        if why is not None:
            found.unreadable[label] = why
        elif label == "DescribePhoneNumbers":
            found.numbers = items
        else:
            found.sender_ids = items
    wanted = set(countries)
    if any(i.get("RegistrationId") and i.get("IsoCountryCode") in wanted
           for i in (*found.numbers, *found.sender_ids)):
        items, why = _read(account, region, "DescribeRegistrations")
        if why is not None:
            found.unreadable["DescribeRegistrations"] = why
        found.registrations = {str(r.get("RegistrationId")): r for r in items}
    return found


def _registration_ok(item: Item, ids: Identities) -> bool:
    """An identity that names a registration counts once that registration is COMPLETE."""
    reg_id = item.get("RegistrationId")
    if not reg_id or str(reg_id) not in ids.registrations:
        return True  # no registration named, or one this account cannot see: AWS says ACTIVE
    return ids.registrations[str(reg_id)].get("RegistrationStatus") == "COMPLETE"


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _usable_numbers(country: str, rule: CountryRule, ids: Identities) -> list[Item]:
    return [
        n for n in ids.numbers
        if n.get("IsoCountryCode") == country
        and n.get("Status") == "ACTIVE"
        and "SMS" in _listed(n.get("NumberCapabilities"))
        and n.get("NumberType") != "SIMULATOR"
        and (not rule.number_types or n.get("NumberType") in rule.number_types)
        and _registration_ok(n, ids)
    ]


def _usable_sender_ids(country: str, ids: Identities) -> list[Item]:
    return [s for s in ids.sender_ids
            if s.get("IsoCountryCode") == country and s.get("Registered") is True
            and _registration_ok(s, ids)]


def _pending(country: str, ids: Identities) -> list[str]:
    """Registrations of this country still in review (types are prefixed by the ISO code)."""
    return [
        f"{r.get('RegistrationType')} {reg_id} is {r.get('RegistrationStatus')}"
        for reg_id, r in ids.registrations.items()
        if str(r.get("RegistrationType", "")).startswith(f"{country}_")
        and r.get("RegistrationStatus") in IN_PROGRESS
    ]


def judge_country(country: str, region: str, ids: Identities) -> DestinationStatus:
    rule = country_rules().get(country)
    if rule is None:
        return DestinationStatus(country, True, "no registration rule for this country in the "
                                 f"shipped table (see {COUNTRY_TABLE})")
    if rule.rule == "registered_number" or rule.number_types:
        numbers = _usable_numbers(country, rule, ids)
        if numbers:
            note = f"; {rule.note}" if rule.note else ""
            return DestinationStatus(country, True, f"{numbers[0].get('NumberType')} "
                                     f"{numbers[0].get('PhoneNumber')} is ACTIVE{note}",
                                     source=rule.source)
    if rule.rule == "registered_sender_id":
        senders = _usable_sender_ids(country, ids)
        if senders:
            note = f"; {rule.note}" if rule.note else ""
            return DestinationStatus(country, True, f"sender ID {senders[0].get('SenderId')} is "
                                     f"registered{note}", source=rule.source)
    # Unknown beats a guess: "none" needs every read this rule looks at to have answered.
    looked_at = ["DescribePhoneNumbers"] if rule.rule == "registered_number" else \
        ["DescribeSenderIds", *(["DescribePhoneNumbers"] if rule.number_types else [])]
    missing = [f"{op}: {ids.unreadable[op]}" for op in looked_at if op in ids.unreadable]
    if missing:
        return DestinationStatus(country, None, "could not read the origination identities: "
                                 + "; ".join(missing), source=rule.source)
    needed = ("an ACTIVE SMS number of type " + " or ".join(rule.number_types)
              if rule.rule == "registered_number" else "a registered sender ID")
    pending = _pending(country, ids)
    reason = f"{rule.name} needs {needed} in {region}; the account has none"
    if pending:
        reason += " yet (" + "; ".join(pending) + ")"
    from pinpoint_sandbox.aws.regions import console_url, partition_of

    link = console_url(partition_of(region), CONSOLE_PATH.format(region=region,
                                                                 section=rule.console))
    step = f"wait for the registration to complete: {link}" if pending else \
        f"{rule.next_step}: {link}"
    return DestinationStatus(country, False, reason, step, rule.source)


def destination_readiness(
    account: AwsAccount, region: str, countries: list[str]
) -> list[DestinationStatus]:
    """One status per country (ISO 3166-1 alpha-2, any case), in the order given."""
    wanted = list(dict.fromkeys(c.strip().upper() for c in countries if c and c.strip()))
    bad = [c for c in wanted if len(c) != 2 or not c.isalpha()]
    if bad:
        raise UsageError(f"destination country {bad[0]!r} is not an ISO 3166-1 alpha-2 code "
                         "such as US or GB.")
    if not wanted:
        return []
    ids = read_identities(account, region, wanted)
    return [judge_country(country, region, ids) for country in wanted]


# Which destinations a Region sends to, by the first digit of the country calling code
# (ITU zones: 1 North America, 2 Africa, 3-4 Europe, 5 Latin America, 6 Oceania and South-East
# Asia, 7 Russia and Kazakhstan, 8 East Asia, 9 South and West Asia).
REGION_ZONES = {"us": "15", "ca": "15", "mx": "15", "sa": "5", "eu": "347", "il": "29",
                "me": "29", "af": "2", "ap": "689"}


def _zone(country: str) -> str | None:
    import phonenumbers

    code = phonenumbers.country_code_for_region(country.upper())
    return str(code)[0] if code else None


def implied_countries(countries: list[str], region: str, regions: list[str]) -> list[str]:
    """The destination countries `region` is meant for when the answers name several regions:
    a country goes with the regions of its own part of the world (IE with eu-west-1, not
    us-east-1); a country no region of the answers is near goes with every region (the answers
    do not say)."""
    zones = {r: REGION_ZONES.get(r.split("-")[0], "") for r in regions}
    if len(regions) < 2 or region not in zones:
        return countries
    mine = []
    for country in countries:
        zone = _zone(country)
        near = [r for r, covered in zones.items() if zone and zone in covered]
        if not near or region in near:
            mine.append(country)
    return mine


def countries_of(answers: object) -> list[str]:
    """destination_countries of SMS answers (a model, a namespace or a dict); [] otherwise."""
    value = answers.get("destination_countries") if isinstance(answers, dict) else \
        getattr(answers, "destination_countries", None)
    return [str(c) for c in value] if isinstance(value, list | tuple) else []


class DestinationsPlan(Protocol):
    """What the preflight hook reads of a target's plan, and the list it fills."""

    destinations: list[DestinationStatus]

    @property
    def target(self) -> Target: ...
    @property
    def account(self) -> AwsAccount: ...
    @property
    def answers(self) -> object: ...
    @property
    def decided(self) -> str | None: ...
    @property
    def tier(self) -> str | None: ...


def attach_destinations(plan: DestinationsPlan, regions: list[str] | None = None) -> None:
    """Preflight hook: fill `plan.destinations` for an SMS target whose answers name countries.

    Reads only; never raises for AWS (unreadable → ready None), so it cannot fail a target.
    """
    if plan.target.channel != "sms" or (plan.decided == "failed" and plan.tier is None):
        return  # an account that could not even be asked its tier has nothing more to say
    countries = countries_of(plan.answers)
    # `regions`: every region this run files the channel in for the account (default: its own)
    countries = implied_countries(countries, plan.target.region, regions or [])
    if countries:
        plan.destinations = destination_readiness(plan.account, plan.target.region, countries)


def not_ready(statuses: list[DestinationStatus]) -> list[DestinationStatus]:
    return [s for s in statuses if s.ready is not True]
