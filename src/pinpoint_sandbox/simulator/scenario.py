"""Scenario files: the starting state of the simulated AWS accounts, validated with pydantic.

A scenario names accounts (profile, access key, support plan), per-region settings (defaults plus
overrides), existing quota requests and support cases, voice evidence for CloudWatch/CloudTrail,
and fault knobs. Built-in scenarios live next to this module in `scenarios/*.yaml`.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pinpoint_sandbox.core.errors import UsageError

DEFAULT_SCENARIO = "fresh-sandbox"

Tier = Literal["SANDBOX", "PRODUCTION"]
Capability = Literal["SMS", "VOICE", "MMS", "RCS"]
DEFAULT_CAPABILITIES: tuple[Capability, ...] = ("SMS", "VOICE")
SupportPlan = Literal["basic", "developer", "business", "enterprise"]
QuotaStatus = Literal[
    "PENDING", "CASE_OPENED", "APPROVED", "DENIED", "CASE_CLOSED", "NOT_APPROVED", "INVALID_REQUEST"
]
CaseStatus = Literal[
    "opened", "pending-customer-action", "reopened", "resolved", "unassigned", "work-in-progress",
    "customer-action-completed",
]

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class ScenarioError(UsageError):
    """A scenario (or simulator state file) could not be read or is invalid; the message is
    one line: file, key path, problem. A UsageError, so the CLI exits 2."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpendLimits(_Strict):
    """Account spend limits (MaxLimit, USD/month) per message type; the sandbox gives $1."""

    text: int = 1
    voice: int = 1
    media: int = 1
    notify: int = 1
    # Newer limit names appear only when set, as AWS adds them (e.g. RCS in 2026).
    rcs: int | None = None


# Scenario key → the SpendLimitName DescribeSpendLimits returns.
SPEND_LIMIT_NAMES = {
    "text": "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT",
    "voice": "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT",
    "media": "MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT",
    "notify": "NOTIFY_MESSAGE_MONTHLY_SPEND_LIMIT",
    "rcs": "RCS_MESSAGE_MONTHLY_SPEND_LIMIT",
}
SpendKey = Literal["text", "voice", "media", "notify", "rcs"]


def _check_e164(value: str) -> str:
    if not _E164.match(value):
        raise ValueError(f"{value!r} is not an E.164 phone number like +12065550100")
    return value


E164Number = Annotated[str, AfterValidator(_check_e164)]


class PhoneNumber(_Strict):
    number: E164Number
    capabilities: list[Capability] = Field(default_factory=lambda: list(DEFAULT_CAPABILITIES))
    status: Literal["PENDING", "ACTIVE", "ASSOCIATING", "DISASSOCIATING", "DELETED"] = "ACTIVE"
    number_type: Literal["SHORT_CODE", "LONG_CODE", "TOLL_FREE", "TEN_DLC", "SIMULATOR"] = (
        "LONG_CODE"
    )
    iso_country_code: str = "US"
    message_type: Literal["TRANSACTIONAL", "PROMOTIONAL"] = "TRANSACTIONAL"
    registration_id: str | None = None  # the registration (see `registrations`) it came from


MessageType = Literal["TRANSACTIONAL", "PROMOTIONAL"]
_TRANSACTIONAL: MessageType = "TRANSACTIONAL"
RegistrationStatus = Literal[
    "CREATED", "SUBMITTED", "AWS_REVIEWING", "REVIEWING", "REQUIRES_AUTHENTICATION",
    "PROVISIONING", "COMPLETE", "REQUIRES_UPDATES", "CLOSED", "DELETED",
]


class SenderIdSeed(_Strict):
    """A sender ID (DescribeSenderIds): alphanumeric, 1-11 characters, for one country."""

    sender_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,11}$")]
    iso_country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    registered: bool = False
    message_types: list[MessageType] = Field(default_factory=lambda: [_TRANSACTIONAL])
    registration_id: str | None = None


class RegistrationSeed(_Strict):
    """A registration (DescribeRegistrations), e.g. US_TOLL_FREE_REGISTRATION."""

    registration_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]
    registration_type: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$")]
    status: RegistrationStatus = "CREATED"
    days_ago: float = 1


class VerifiedDestination(_Strict):
    number: E164Number
    status: Literal["PENDING", "VERIFIED", "UNSUPPORTED"] = "VERIFIED"


class QuotaRequestSeed(_Strict):
    """An existing Service Quotas request (and its support case) in one region."""

    quota: Literal["sms", "voice", "text-spend", "voice-spend", "media-spend"]
    status: QuotaStatus = "CASE_OPENED"
    days_ago: float = 1
    desired_value: float = 1


class CommunicationSeed(_Strict):
    """A message on a seeded case: from AWS Support (a question, a decision) or from us."""

    body: str
    by: Literal["aws", "customer"] = "aws"
    days_ago: float = 0


class CaseSeed(_Strict):
    """An existing support case; put `[pinpoint-sandbox <channel> <region> <account>]` in the
    subject to simulate one the tool filed earlier."""

    subject: str
    body: str = "Filed before the simulator started."
    status: CaseStatus = "opened"
    days_ago: float = 1
    service_code: str = "service-limit-increase"
    category_code: str = "service-code-pinpoint-sms"
    severity_code: str = "low"
    # Later messages on the case, after its opening body (oldest first).
    communications: list[CommunicationSeed] = Field(default_factory=list)


class RegionSettings(_Strict):
    tier: Tier = "SANDBOX"
    spend_limits: SpendLimits = Field(default_factory=SpendLimits)
    # Voice spend for this month is used up: SendVoiceMessage answers MONTHLY_SPEND_LIMIT_REACHED.
    voice_spend_limit_reached: bool = False
    voice_available: bool = True
    # Each item: "+E164" text or a mapping with `number` and more keys.
    verified_destinations: list[VerifiedDestination] = Field(default_factory=list)
    phone_numbers: list[PhoneNumber] = Field(default_factory=list)
    # Voice evidence: days ago a voice message was sent. `voice_messages_sent_days_ago` feeds both
    # CloudWatch (VoiceMessageMonthlySpend, 15 months) and CloudTrail (SendVoiceMessage, 90 days);
    # the two specific lists feed only one of them.
    voice_messages_sent_days_ago: list[float] = Field(default_factory=list)
    cloudwatch_voice_spend_days_ago: list[float] = Field(default_factory=list)
    cloudtrail_voice_sends_days_ago: list[float] = Field(default_factory=list)
    # Dry-run SendVoiceMessage calls CloudTrail logged (nothing sent, no CloudWatch datapoint).
    cloudtrail_voice_dry_runs_days_ago: list[float] = Field(default_factory=list)
    cloudwatch_text_spend_days_ago: list[float] = Field(default_factory=list)
    # The dimensions the AWS/SMSVoice metrics are published with (default: none), e.g.
    # [{Name: Channel, Value: VOICE}]: a query without them then finds nothing.
    cloudwatch_metric_dimensions: list[dict[str, str]] = Field(default_factory=list)
    quota_requests: list[QuotaRequestSeed] = Field(default_factory=list)
    # Enforced limits below the maximum (Set*SpendLimitOverride already called), e.g. {text: 5}.
    spend_overrides: dict[SpendKey, int] = Field(default_factory=dict)
    sender_ids: list[SenderIdSeed] = Field(default_factory=list)
    registrations: list[RegistrationSeed] = Field(default_factory=list)

    @field_validator("verified_destinations", "phone_numbers", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"number": item} if isinstance(item, str) else item for item in value]
        return value


class RegionOverride(RegionSettings):
    """Same keys as `region_defaults`; only the keys given replace the defaults."""


class Account(_Strict):
    account_id: str
    profile: str | None = None
    access_key_id: str | None = None  # default AKIASIM<account_id>
    secret_access_key: str | None = None
    support_plan: SupportPlan = "basic"
    # Whether Service Quotas lists "SMS production access" / "Voice production access".
    production_access_quotas: bool = True
    # What GetServiceQuota says of them: adjustable for the account, or not at all.
    production_access_adjustable: bool = True
    # The quota listings leave out Adjustable/QuotaAppliedAtLevel: only GetServiceQuota says.
    quota_listings_omit_adjustability: bool = False
    # A new quota request answers PENDING with no CaseId (as AWS's first answer does); this many
    # reads of it (GetRequestedServiceQuotaChange, the history listings) still see it PENDING
    # before AWS opens its case, whose display id (numeric) then becomes the request's CaseId.
    quota_case_opens_after_reads: int = Field(default=0, ge=0)
    # CreateCase issueType values accepted; empty = any (the API documents only
    # technical and customer-service, AWS's own quota tooling sends service-limit-increase).
    support_issue_types: list[str] = Field(default_factory=list)
    # CreateCase issueType values refused with a 400 (dry runs too), e.g.
    # [service-limit-increase]: what AWS may answer, since its API documents only two types.
    support_refuses_issue_types: list[str] = Field(default_factory=list)
    # Role names AssumeRole accepts for this account; "*" = any.
    assumable_roles: list[str] = Field(default_factory=lambda: ["*"])
    # When set, the profile is written as an assume-role profile sourced from this other profile.
    source_profile: str | None = None
    role_name: str = "OrganizationAccountAccessRole"
    # AWS Organizations (when the scenario has an `organization`): name, state, OU, tags.
    name: str | None = None
    state: Literal["ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED"] = "ACTIVE"
    ou: str | None = None  # an OU id of `organization.ous`; None = directly under the root
    tags: dict[str, str] = Field(default_factory=dict)
    # No role to assume in this account: AssumeRole answers AccessDenied, as AWS does.
    role_missing: bool = False
    region_defaults: RegionSettings = Field(default_factory=RegionSettings)
    regions: dict[str, RegionOverride] = Field(default_factory=dict)
    support_cases: list[CaseSeed] = Field(default_factory=list)
    # The account's partition (its ARNs say so); regions of other partitions refuse its keys.
    partition: Literal["aws", "aws-us-gov", "aws-cn", "aws-eusc"] = "aws"
    # IAM actions the caller's policy does not allow (e.g. cloudtrail:LookupEvents): AWS
    # answers AccessDenied(Exception) naming the action.
    denied_actions: list[str] = Field(default_factory=list)
    # Opt-in regions the account has not enabled: every call signed for one is refused as AWS
    # refuses it (UnrecognizedClientException / InvalidClientTokenId).
    disabled_regions: list[str] = Field(default_factory=list)

    @field_validator("disabled_regions")
    @classmethod
    def _opt_in_only(cls, value: list[str]) -> list[str]:
        from pinpoint_sandbox.aws.regions import is_opt_in

        for region in value:
            if not is_opt_in(region):
                raise ValueError(f"{region!r} is not an opt-in region (it cannot be disabled)")
        return value

    @field_validator("account_id", mode="before")
    @classmethod
    def _twelve_digits(cls, value: Any) -> Any:
        text = str(value)
        if not _ACCOUNT_ID.match(text):
            raise ValueError(f"{value!r} is not a 12-digit AWS account id")
        return text

    @property
    def access_key(self) -> str:
        return self.access_key_id or f"AKIASIM{self.account_id}"

    @property
    def secret_key(self) -> str:
        return self.secret_access_key or f"simulator-secret-{self.account_id}"

    def region_settings(self, region: str) -> RegionSettings:
        base = self.region_defaults.model_dump(exclude_unset=True)
        override = self.regions.get(region)
        if override is not None:
            base.update(override.model_dump(exclude_unset=True))
        return RegionSettings.model_validate(base)


class Faults(_Strict):
    latency_ms: int = Field(default=0, ge=0, le=60_000)
    throttle_rate: float = Field(default=0.0, ge=0, le=1)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    seed: int | None = None
    # Limit latency/throttle/error faults to these operation names (all when empty).
    operations: list[str] = Field(default_factory=list)
    # Perform the operation, then answer HTTP 500 for the next N calls of it (a lost response).
    lose_response: dict[str, int] = Field(default_factory=dict)
    # Perform the operation, log it, then wait this many ms before answering (crash windows).
    slow_response_ms: dict[str, int] = Field(default_factory=dict)
    # Answer the first N calls of these operations with a throttling error (nothing is done).
    throttle_first: dict[str, int] = Field(default_factory=dict)
    # Answer these as AWS answers an operation it does not have (an endpoint without the API).
    unsupported_operations: list[str] = Field(default_factory=list)


class Listings(_Strict):
    """How listings come back where AWS documents no order or page size (the tool must cope
    with any): DescribeCommunications' order and the most items a page holds."""

    communications_order: Literal["newest_first", "oldest_first", "shuffled"] = "newest_first"
    communications_page_size: int | None = Field(default=None, ge=1, le=100)


class OrganizationSpec(_Strict):
    """An AWS Organization over the scenario's accounts; the management account lists it."""

    id: str = "o-simulator01"
    root_id: str = "r-sim0"
    management_account: str | None = None  # default: the scenario's default account
    # Member accounts registered as delegated administrators: they may list the organization.
    delegated_administrators: list[str] = Field(default_factory=list)
    # OU id → parent id (the root or another OU); accounts name their OU with `ou`.
    ous: dict[str, str] = Field(default_factory=dict)
    ou_names: dict[str, str] = Field(default_factory=dict)


class TimelineEvent(_Strict):
    """AWS's answer, played by the simulator on its own: `after_s` seconds after the target's
    newest request was created (each event once), so `status --watch` can be watched."""

    target: str  # ACCOUNT/REGION/CHANNEL, or REGION/CHANNEL for the default account
    action: Literal["approve", "deny", "ask"]
    after_s: float = Field(default=0, ge=0)
    message: str | None = None

    @field_validator("target")
    @classmethod
    def _target_shape(cls, value: str) -> str:
        parts = value.split("/")
        if len(parts) not in (2, 3) or parts[-1] not in ("sms", "voice"):
            raise ValueError(f"{value!r}: use ACCOUNT/REGION/CHANNEL or REGION/CHANNEL")
        return value


class Scenario(_Strict):
    name: str
    description: str = ""
    default_account: str | None = None
    default_region: str = "us-east-1"
    accounts: list[Account] = Field(min_length=1)
    faults: Faults = Field(default_factory=Faults)
    listings: Listings = Field(default_factory=Listings)
    organization: OrganizationSpec | None = None
    timeline: list[TimelineEvent] = Field(default_factory=list)

    @field_validator("default_account", mode="before")
    @classmethod
    def _account_text(cls, value: Any) -> Any:
        return None if value is None else str(value)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        ids = [a.account_id for a in self.accounts]
        if len(set(ids)) != len(ids):
            raise ValueError("accounts: an account_id appears twice")
        profiles = [a.profile for a in self.accounts if a.profile]
        if len(set(profiles)) != len(profiles):
            raise ValueError("accounts: a profile name appears twice")
        keys = [a.access_key for a in self.accounts]
        if len(set(keys)) != len(keys):
            raise ValueError("accounts: an access_key_id appears twice")
        if self.default_account is None:
            self.default_account = ids[0]
        elif self.default_account not in ids:
            raise ValueError(f"default_account: {self.default_account} is not in accounts")
        for account in self.accounts:
            if account.source_profile and account.source_profile not in profiles:
                raise ValueError(
                    f"accounts: source_profile {account.source_profile!r} of "
                    f"{account.account_id} is not a profile of another account"
                )
        self._check_organization()
        return self

    def _check_organization(self) -> None:
        org = self.organization
        if org is None:
            return
        if org.management_account is None:
            org.management_account = self.default_account
        elif org.management_account not in {a.account_id for a in self.accounts}:
            raise ValueError(f"organization.management_account: {org.management_account} is "
                             "not in accounts")
        known = {org.root_id, *org.ous}
        for ou, parent in org.ous.items():
            if parent not in known:
                raise ValueError(f"organization.ous: parent {parent!r} of {ou} is unknown")
        for account in self.accounts:
            if account.ou is not None and account.ou not in org.ous:
                raise ValueError(f"accounts: ou {account.ou!r} of {account.account_id} is not "
                                 "in organization.ous")

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)


def builtin_dir() -> Path:
    return Path(str(files("pinpoint_sandbox.simulator") / "scenarios"))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def _read_yaml(path: Path) -> Any:
    """Bounded reading (yamlio): missing, binary, non-UTF-8, huge or alias-bomb files are one
    line, never their contents."""
    from pinpoint_sandbox.core.yamlio import read_yaml_file

    try:
        return read_yaml_file(path, "scenario file")
    except ScenarioError:
        raise
    except UsageError as exc:
        message = exc.message
        if message.startswith(f"{path.name}:"):  # name the file as the user gave it
            message = f"{path}{message[len(path.name):]}"
        raise ScenarioError(message) from None


def _describe(error: ValidationError) -> str:
    """Every problem, `location: message`, joined with "; " so the error stays one line."""
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (not allowed)"
        problems.append(f"{location}: {message}")
    return "; ".join(dict.fromkeys(problems))


def parse_scenario(source: str | Path | dict[str, Any] | None) -> Scenario:
    """Resolve and validate a scenario: None, a built-in name, a YAML path, or a parsed dict."""
    origin: str
    if source is None:
        source = DEFAULT_SCENARIO
    if isinstance(source, dict):
        data: Any = source
        origin = "scenario"
    else:
        path = Path(source)
        text = str(source)
        if isinstance(source, str) and not text.endswith((".yaml", ".yml")) and "/" not in text:
            candidate = builtin_dir() / f"{text}.yaml"
            if not candidate.exists():
                raise ScenarioError(
                    f"{text}: no such built-in scenario; choose one of "
                    f"{', '.join(builtin_names())} or give a YAML file path."
                )
            path = candidate
        elif not path.exists():
            raise ScenarioError(f"{path}: scenario file not found.")
        data = _read_yaml(path)
        origin = str(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{origin}: a scenario must be a YAML mapping with name and accounts.")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{origin}: {_describe(exc)}") from exc


def load_scenario(source: str | Path | dict[str, Any] | None) -> dict[str, Any]:
    """The validated scenario as a plain dict. Keys the file left out stay out, so per-region
    overrides stay partial when the dict is validated again (e.g. from a state file)."""
    scenario = parse_scenario(source)
    data = scenario.model_dump(mode="json", exclude_unset=True)
    data["default_account"] = scenario.default_account
    data["default_region"] = scenario.default_region
    return data
