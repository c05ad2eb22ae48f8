"""Spend readiness after approval, and `raise-spend`.

Every limit `DescribeSpendLimits` returns is read by the name AWS gives it (SMS, MMS, voice, RCS
today; a new name needs no code). Its setter is derived from the name —
`TEXT_MESSAGE_MONTHLY_SPEND_LIMIT` → `SetTextMessageSpendLimitOverride` — and used only when the
client's service model has that operation; a name without one is shown read-only. The matching
Service Quotas spend quota (`TextMessageMonthlySpend`) is discovered by name, as the
production-access quota is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.facts import SPEND_LIMITS
from pinpoint_sandbox.aws.quota_reads import Quota, open_quota_request, quota_catalogue
from pinpoint_sandbox.aws.session import (
    SERVICE_QUOTAS,
    SMS_VOICE,
    AwsAccount,
    Permission,
    error_message,
)
from pinpoint_sandbox.core.errors import AwsError, PinpointSandboxError, UsageError

if TYPE_CHECKING:
    from pinpoint_sandbox.ledger.store import Ledger
    from pinpoint_sandbox.ledger.writes import Fields

LIMIT_SUFFIX = "_MONTHLY_SPEND_LIMIT"
# AWS's documented sandbox maximum: $1 per month per message type.
SANDBOX_SPEND_MAX = 1
# `--channel` words → the stem of the limit names AWS returns.
CHANNEL_STEMS: dict[str, str] = {
    "sms": "TEXT_MESSAGE",
    "mms": "MEDIA_MESSAGE",
    "voice": "VOICE_MESSAGE",
    "rcs": "RCS_MESSAGE",
}
_RAW_NAME = re.compile(r"^[A-Z][A-Z0-9_]*_MONTHLY_SPEND_LIMIT$")

SpendState = Literal["ok", "raise", "quota", "read_only"]


def _stem(name: str) -> str:
    return name.removesuffix(LIMIT_SUFFIX)


def camel_stem(name: str) -> str:
    """TEXT_MESSAGE_MONTHLY_SPEND_LIMIT → TextMessage (the form AWS's operation names use)."""
    return "".join(part.capitalize() for part in _stem(name).split("_") if part)


def setter_operation(name: str, operation_names: Iterable[str]) -> str | None:
    """The Set…SpendLimitOverride operation of a limit name, if the service model has it."""
    if not name.endswith(LIMIT_SUFFIX):
        return None
    candidate = f"Set{camel_stem(name)}SpendLimitOverride"
    return candidate if candidate in set(operation_names) else None


def spend_quota_name(name: str) -> str:
    """TEXT_MESSAGE_MONTHLY_SPEND_LIMIT → TextMessageMonthlySpend (the Service Quotas name)."""
    return f"{camel_stem(name)}MonthlySpend"


def channel_of(name: str) -> str:
    """sms, mms, voice, rcs — or, for a name we have no word for, the stem in lower case."""
    stem = _stem(name)
    for channel, known in CHANNEL_STEMS.items():
        if known == stem:
            return channel
    return stem.removesuffix("_MESSAGE").lower()


def limit_name_for(channel: str) -> str:
    """`--channel` value → limit name; raises UsageError for anything else (before any call)."""
    word = channel.strip()
    if word.lower() in CHANNEL_STEMS:
        return CHANNEL_STEMS[word.lower()] + LIMIT_SUFFIX
    if _RAW_NAME.match(word.upper()):
        return word.upper()
    raise UsageError(
        f"--channel {channel!r} is not a spend channel: use sms, mms, voice, rcs or a limit name "
        "such as TEXT_MESSAGE_MONTHLY_SPEND_LIMIT."
    )


@dataclass
class SpendStatus:
    """One limit of one region: enforced against maximum, and what to do about it."""

    name: str
    channel: str
    enforced: int
    max: int
    overridden: bool
    setter: str | None
    state: SpendState = "ok"
    next_steps: list[str] = field(default_factory=list)
    quota_code: str | None = None

    def summary(self) -> str:
        return f"{self.channel} ${self.enforced}/${self.max}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RegionSpend:
    account_id: str
    region: str
    limits: list[SpendStatus] = field(default_factory=list)
    problem: str | None = None

    def limit(self, name: str) -> SpendStatus | None:
        return next((s for s in self.limits if s.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "region": self.region, "problem": self.problem,
                "limits": [s.to_json() for s in self.limits]}


def read_limits(account: AwsAccount, region: str, *, shared: bool = False) -> list[SpendStatus]:
    """Every DescribeSpendLimits entry, unjudged. Raises AwsError when it cannot be read.
    `shared`: the read `status` also shows, made once per account-region (not before a
    write: raise-spend reads afresh)."""
    client = account.client(SMS_VOICE, region)
    operations = client.meta.service_model.operation_names
    limits: list[SpendStatus] = []
    try:
        # Not before a write: raise-spend reads afresh (and later readers see that read).
        items = (account.read if shared else account.reread)(SPEND_LIMITS, region)
        for item in items:
            name = str(item.get("Name"))
            limits.append(SpendStatus(
                name=name,
                channel=channel_of(name),
                enforced=int(item.get("EnforcedLimit", 0)),
                max=int(item.get("MaxLimit", 0)),
                overridden=bool(item.get("Overridden", False)),
                setter=setter_operation(name, operations),
            ))
    except aws.AWS_ERRORS as exc:
        raise AwsError(
            f"Could not read the spend limits in {region} (DescribeSpendLimits): "
            f"{error_message(exc)}"
        ) from exc
    return limits


def _spend_quotas(account: AwsAccount, region: str) -> dict[str, str]:
    """{normalised quota name: quota code} of End User Messaging; {} when unreadable."""
    try:
        catalogue = quota_catalogue(account, region)
    except AwsError:
        return {}
    return {re.sub(r"[^a-z0-9]", "", name.lower()): code
            for (_service, code), name in catalogue.items()}


def judge(
    limit: SpendStatus, region: str, *, wanted_usd: float | None, quotas: dict[str, str]
) -> None:
    """Set `state` and `next_steps`: raise the override, or ask AWS for a higher maximum."""
    from pinpoint_sandbox.core.paths import simulate_flag

    world = simulate_flag()  # a simulated run's commands stay in the simulated world
    steps: list[str] = []
    if limit.enforced < limit.max:
        if limit.setter:
            limit.state = "raise"
            steps.append(
                f"enforced ${limit.enforced} is below the maximum ${limit.max}: "
                f"`pinpoint-sandbox raise-spend -r {region} --channel {limit.channel}{world}`"
            )
        else:
            limit.state = "read_only"
            steps.append(f"enforced ${limit.enforced} is below the maximum ${limit.max}, but "
                         f"the API has no setter for {limit.name}: change it in the console")
    why = None
    if limit.max <= SANDBOX_SPEND_MAX:
        why = f"the maximum is still the sandbox default (${limit.max})"
    elif wanted_usd is not None and limit.max < wanted_usd:
        why = f"the maximum ${limit.max} is below spend_limit_usd ${wanted_usd:g}"
    if why:
        if limit.state == "ok":
            limit.state = "quota"
        quota = spend_quota_name(limit.name)
        limit.quota_code = quotas.get(quota.lower())
        amount = f"${wanted_usd:g}" if wanted_usd is not None else "the monthly spend you need"
        if limit.quota_code:
            steps.append(f"{why}: request {quota} = {amount} in Service Quotas (quota "
                         f"{limit.quota_code}, {region}): `pinpoint-sandbox raise-spend -r "
                         f"{region} --channel {limit.channel} --request-quota USD{world}`")
        else:
            steps.append(f"{why}: ask for {quota} = {amount} in the production-access case "
                         "(set spend_limit_usd in the answers; the case text carries it)")
    limit.next_steps = steps


def read_spend(
    account: AwsAccount, region: str, *, wanted: dict[str, float] | None = None
) -> RegionSpend:
    """Spend readiness of one region; never raises for an AWS refusal (goes to `problem`).

    `wanted` maps a channel to the answers' monthly amount (`{"sms": spend_limit_usd}`).
    """
    try:
        account_id = account.account_id(region)
        limits = read_limits(account, region, shared=True)
    except AwsError as exc:
        return RegionSpend(account.expected_account_id() or "?", region, problem=exc.message)
    wanted = wanted or {}
    needs_quota = any(
        s.max <= SANDBOX_SPEND_MAX or s.max < wanted.get(s.channel, 0) for s in limits
    )
    quotas = _spend_quotas(account, region) if needs_quota else {}
    for limit in limits:
        judge(limit, region, wanted_usd=wanted.get(limit.channel), quotas=quotas)
    return RegionSpend(account_id, region, limits)


RaiseAction = Literal["previewed", "raised", "unchanged", "requested", "skipped", "failed"]


@dataclass
class RaiseResult:
    """One region's `raise-spend` outcome (also its --output json row)."""

    account_id: str
    region: str
    channel: str
    limit: str
    action: RaiseAction
    enforced_before: int | None = None
    max: int | None = None
    target: int | None = None
    operation: str | None = None
    enforced_after: int | None = None
    reason: str | None = None
    request_id: str | None = None
    case_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def plan_raise(account: AwsAccount, region: str, name: str, to: int | None) -> RaiseResult:
    """Read the limit and decide the new enforced value. Bad input raises UsageError (exit 2)
    before anything is written: `--to` above the maximum, a name AWS does not return here, a
    limit the API cannot set."""
    account_id = account.account_id(region)
    limits = read_limits(account, region)
    limit = next((s for s in limits if s.name == name), None)
    if limit is None:
        names = ", ".join(s.name for s in limits) or "none"
        raise UsageError(f"AWS returns no {name} in {region} (it returns: {names}); "
                         "pick one of those with --channel.")
    if limit.setter is None:
        raise UsageError(f"{name} has no Set…SpendLimitOverride operation in this AWS API "
                         "version: change it in the console.")
    target = limit.max if to is None else to
    if target > limit.max:
        raise UsageError(
            f"--to {target} is above the maximum ${limit.max} for {name} in {region}: "
            f"use --to {limit.max} or less, or ask for a higher maximum with --request-quota."
        )
    result = RaiseResult(account_id, region, limit.channel, name, "previewed",
                         enforced_before=limit.enforced, max=limit.max, target=target,
                         operation=limit.setter)
    if target < limit.enforced:
        raise UsageError(f"--to {target} is below the enforced ${limit.enforced} in {region}: "
                         "raise-spend only raises.")
    if target == limit.enforced:
        result.action, result.operation = "unchanged", None
        result.reason = f"already enforcing ${limit.enforced} (maximum ${limit.max})"
    return result


def _tracked(ledger: Ledger, result: RaiseResult, step: str, key: str,
             send: Callable[[], Fields], find: Callable[[], Fields | None],
             ) -> Fields | None:
    """One spend write through the ledger (writes.once): its fields, or None when it failed
    (the reason is on the result)."""
    from pinpoint_sandbox.core.targets import Target
    from pinpoint_sandbox.ledger.writes import TrackedWrite, once, settle

    # A ledger target is sms or voice; the key and fields name the exact limit (MMS, RCS…).
    target = Target(result.account_id, result.region,
                    "voice" if result.channel == "voice" else "sms")
    write = TrackedWrite(step, key, target, send=send, find=find, skip_done=False,
                         label=f"{step} {result.limit}",
                         fields={"limit": result.limit, "target": result.target})
    try:
        with ledger.locked():
            if result.action != "previewed":  # nothing to send: settle a cut-off attempt only
                settle(ledger, write)
                return None
            done = once(ledger, write)
    except PinpointSandboxError as exc:
        result.action, result.reason = "failed", exc.message
        return None
    if done.how == "found":
        result.reason = "an earlier run made this change before it was cut off"
    return done.fields


# `apply_raise`'s write, for every limit name AWS returns today (the setter is derived from the
# name; a test checks this list against botocore's SpendLimitName). `--request-quota` also
# needs servicequotas:RequestServiceQuotaIncrease, granted with the service-quotas backend.
SPEND_WRITES = Permission("PinpointSandboxRaiseSpend", (
    "sms-voice:SetTextMessageSpendLimitOverride",
    "sms-voice:SetMediaMessageSpendLimitOverride",
    "sms-voice:SetVoiceMessageSpendLimitOverride",
    "sms-voice:SetRcsMessageSpendLimitOverride",
    "sms-voice:SetNotifyMessageSpendLimitOverride",
))


def apply_raise(account: AwsAccount, result: RaiseResult, ledger: Ledger) -> None:
    """The one write: Set…SpendLimitOverride(MonthlyLimit=target), never above the maximum;
    an intent line before it, an outcome after, and a read of the limit after an unknown."""
    from botocore import xform_name

    from pinpoint_sandbox.backends.base import classify_write_error

    if result.action not in ("previewed", "unchanged") or result.target is None:
        return
    if result.max is None or result.target > result.max:  # plan_raise already refused this
        raise UsageError(f"refusing to set {result.limit} above its maximum")
    operation, wanted = result.operation or "", result.target

    def send() -> Fields:
        client = account.client(SMS_VOICE, result.region)  # idempotent: retries are safe
        try:
            answer = getattr(client, xform_name(operation))(MonthlyLimit=wanted)
        except aws.AWS_ERRORS as exc:
            raise classify_write_error(exc, operation) from exc
        return {"enforced_after": int(answer.get("MonthlyLimit", wanted))}

    def find() -> Fields | None:
        now = next((s for s in read_limits(account, result.region)
                    if s.name == result.limit), None)
        return {"enforced_after": wanted} if now is not None and now.enforced == wanted else None

    key = f"spend:{result.account_id}:{result.region}:{result.limit}"
    fields = _tracked(ledger, result, "spend", key, send, find)
    if fields is not None and result.action == "previewed":
        result.action = "raised"
        after = fields.get("enforced_after", wanted)  # an int, as `send` or `find` said
        result.enforced_after = int(after) if isinstance(after, int | float | str) else wanted


def plan_quota_request(
    account: AwsAccount, region: str, name: str, usd: float
) -> tuple[RaiseResult, Quota | None]:
    """A Service Quotas request for a higher maximum: (row, quota) — skipped when one is open
    already (AWS allows one open request per quota) or when the quota is not listed."""
    account_id = account.account_id(region)
    result = RaiseResult(account_id, region, channel_of(name), name, "previewed",
                         target=int(usd), operation="RequestServiceQuotaIncrease")
    wanted = spend_quota_name(name).lower()
    for (service, code), quota_name in quota_catalogue(account, region).items():
        if re.sub(r"[^a-z0-9]", "", quota_name.lower()) == wanted:
            quota = Quota(service, code, quota_name)
            found = open_quota_request(account, region, quota)
            if found is not None:
                result.action, result.operation = "skipped", None
                result.request_id, result.case_id = found.get("Id"), found.get("CaseId")
                result.reason = (f"a {quota_name} request is already open "
                                 f"({found.get('Status')})")
            return result, quota
    result.action, result.operation = "skipped", None
    result.reason = (f"Service Quotas lists no {spend_quota_name(name)} quota in {region}: "
                     "set spend_limit_usd in the answers so the production-access case asks")
    return result, None


def apply_quota_request(account: AwsAccount, result: RaiseResult, quota: Quota | None,
                        ledger: Ledger) -> None:
    """RequestServiceQuotaIncrease for a higher maximum, once: after an unknown outcome the
    open request is looked for before anything is sent again."""
    from pinpoint_sandbox.backends.base import classify_write_error

    if result.action not in ("previewed", "skipped") or quota is None or result.target is None:
        return
    wanted = float(result.target)

    def send() -> Fields:
        client = account.write_client(SERVICE_QUOTAS, result.region)  # not idempotent
        try:
            answer = client.request_service_quota_increase(
                ServiceCode=quota.service_code, QuotaCode=quota.quota_code, DesiredValue=wanted)
        except aws.AWS_ERRORS as exc:
            raise classify_write_error(exc, "RequestServiceQuotaIncrease") from exc
        requested = answer.get("RequestedQuota", {})
        return {"request_id": requested.get("Id"), "case_id": requested.get("CaseId")}

    def find() -> Fields | None:
        found = open_quota_request(account, result.region, quota)
        return None if found is None else {"request_id": found.get("Id"),
                                           "case_id": found.get("CaseId")}

    key = f"spend-quota:{result.account_id}:{result.region}:{quota.quota_code}"
    fields = _tracked(ledger, result, "spend-quota", key, send, find)
    if fields is not None and result.action == "previewed":
        result.action = "requested"
        request_id, case_id = fields.get("request_id"), fields.get("case_id")
        result.request_id = request_id if isinstance(request_id, str) else None
        result.case_id = case_id if isinstance(case_id, str) else None
