"""Service Quotas reads shared by the backends and the checks: the production-access quota of
a channel, the quota catalogue, the request history and the open requests. Read-only.

AWS does not publish the quota's code or exact name, so it is discovered at run time: the
End User Messaging service in `ListServices`, then its quotas from `ListAWSDefaultServiceQuotas`
and `ListServiceQuotas`, matched case-insensitively on "production access" plus the channel word,
never on the spend quotas. `--quota-code` pins one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.errors import error_code, error_message
from pinpoint_sandbox.aws.session import SERVICE_QUOTAS, AwsAccount, Fact, Permission
from pinpoint_sandbox.core.errors import AwsError, UsageError
from pinpoint_sandbox.core.targets import Channel

if TYPE_CHECKING:
    from types_boto3_service_quotas.client import ServiceQuotasClient
    from types_boto3_service_quotas.type_defs import (
        RequestedServiceQuotaChangeTypeDef,
        ServiceInfoTypeDef,
        ServiceQuotaTypeDef,
    )

OPEN_STATUSES = ("PENDING", "CASE_OPENED")
# End User Messaging is `sms-voice`; older accounts may list its quotas under Pinpoint.
SERVICE_CODE_HINTS = ("sms-voice", "pinpoint")
SERVICE_NAME_HINTS = ("end user messaging", "pinpoint sms", "pinpoint voice")
CHANNEL_WORDS: tuple[Channel, ...] = ("sms", "voice")

# The service answers, but has no such API here: nothing can be open in it.
ABSENT_CODES = frozenset({"UnknownOperationException", "InvalidAction", "NoSuchResourceException"})


class ServiceQuotasAbsent(AwsError):
    """Service Quotas is not offered at this endpoint (as opposed to failing to answer)."""


@dataclass(frozen=True)
class Quota:
    service_code: str
    quota_code: str
    quota_name: str


# The catalogue: {(service code, quota code): the ServiceQuota item AWS listed}.
Catalogue = dict[tuple[str, str], "ServiceQuotaTypeDef"]


def _client(account: AwsAccount, region: str) -> ServiceQuotasClient:
    client: ServiceQuotasClient = account.client(SERVICE_QUOTAS, region)
    return client


def _quotas(client: ServiceQuotasClient, listing: str, code: str) -> list[ServiceQuotaTypeDef]:
    """Every page of ListAWSDefaultServiceQuotas or ListServiceQuotas for one service."""
    if listing == "list_aws_default_service_quotas":
        defaults = client.get_paginator("list_aws_default_service_quotas")
        return [q for page in defaults.paginate(ServiceCode=code) for q in page.get("Quotas", [])]
    applied = client.get_paginator("list_service_quotas")
    return [q for page in applied.paginate(ServiceCode=code) for q in page.get("Quotas", [])]


def _services(client: ServiceQuotasClient) -> list[ServiceInfoTypeDef]:
    return [s for page in client.get_paginator("list_services").paginate()
            for s in page.get("Services", [])]


def is_production_quota(name: str, channel: Channel) -> bool:
    lowered = name.lower()
    if "spend" in lowered:
        return False
    return "production access" in lowered and channel in lowered


def discover_quota(
    account: AwsAccount, region: str, channel: Channel, pinned_code: str | None = None
) -> Quota | None:
    """The production-access quota of `channel` in `region`, or None if Service Quotas has none."""
    quotas = quota_catalogue(account, region)
    if pinned_code:
        if not any(code == pinned_code for _, code in quotas):
            quotas = quota_catalogue(account, region, complete=True)  # every code's listing
        for (service_code, quota_code), name in quotas.items():
            if quota_code != pinned_code:
                continue
            if not is_production_quota(name, channel):
                raise UsageError(
                    f"--quota-code {pinned_code} is {name!r}, not the {channel} production-access "
                    "quota; drop --quota-code to let the tool find the right one."
                )
            return Quota(service_code, quota_code, name)
        raise UsageError(
            f"--quota-code {pinned_code} is not a quota of AWS End User Messaging in {region}; "
            "drop --quota-code to let the tool find the production-access quota."
        )
    matches = [
        Quota(service_code, quota_code, name)
        for (service_code, quota_code), name in sorted(quotas.items())
        if is_production_quota(name, channel)
    ]
    return matches[0] if matches else None


def quota_catalogue(
    account: AwsAccount, region: str, *, complete: bool = False
) -> dict[tuple[str, str], str]:
    """{(service code, quota code): quota name} of End User Messaging in `region` (cached per
    account); the spend readiness looks its spend quotas up by name here."""
    entries = catalogue_entries(account, region, complete=complete)
    return {key: str(item.get("QuotaName", "")) for key, item in entries.items()}


def catalogue_entries(account: AwsAccount, region: str, *, complete: bool = False) -> Catalogue:
    """The listed quota items, read once per account-region (the sms and voice targets share
    them, under a per-entry lock); the adjustability check reads its fields from here.
    `complete`: every matching service's listing (a pinned quota code not found otherwise)."""
    return account.read(QUOTA_CATALOGUE, region, complete)


def _defaults(account: AwsAccount, region: str) -> Catalogue:
    """AWS's default quotas of `sms-voice`: the same for every account, so the accounts of
    an organization run share one read per region (a single account keeps its own). Empty
    when they cannot be read this way."""
    return account.read(DEFAULT_QUOTAS, region)


def _read_defaults(account: AwsAccount, region: str) -> Catalogue:
    code = SERVICE_CODE_HINTS[0]
    try:
        items = _quotas(_client(account, region), "list_aws_default_service_quotas", code)
    except aws.AWS_ERRORS:
        return {}  # the full discovery says what is wrong
    return {(code, str(q.get("QuotaCode"))): q for q in items}


DEFAULT_QUOTAS = Fact("default-quotas", _read_defaults, aws_wide=True,
                      actions=("servicequotas:ListAWSDefaultServiceQuotas",))


def _names_both(catalogue: Catalogue) -> bool:
    names = [str(q.get("QuotaName", "")) for q in catalogue.values()]
    return all(any(is_production_quota(n, ch) for n in names) for ch in CHANNEL_WORDS)


def _service_codes(client: ServiceQuotasClient) -> list[str]:
    """End User Messaging's service codes, its own first (the older Pinpoint listing is read
    only when the first does not name both production-access quotas)."""
    codes = [
        str(s.get("ServiceCode"))
        for s in _services(client)
        if s.get("ServiceCode") in SERVICE_CODE_HINTS
        or any(h in str(s.get("ServiceName", "")).lower() for h in SERVICE_NAME_HINTS)
    ]
    hints = list(SERVICE_CODE_HINTS)
    codes.sort(key=lambda c: hints.index(c) if c in hints else len(hints))
    return codes


def _read_catalogue(account: AwsAccount, region: str, complete: bool = False) -> Catalogue:
    known: Catalogue = {}
    if not complete:
        # AWS's default catalogue of End User Messaging (one call; in an organization run one
        # per region for all accounts) is enough when it names both production-access quotas:
        # the account's applied values do not change a quota's code, name or adjustability.
        known = _defaults(account, region)
        if _names_both(known):
            return known
    client = _client(account, region)
    quotas: Catalogue = {}
    try:
        for code in _service_codes(client):
            if not complete and _names_both(quotas):
                break
            # The account's applied items (read second) replace AWS's defaults.
            for op in ("list_aws_default_service_quotas", "list_service_quotas"):
                if op == "list_aws_default_service_quotas" and code == SERVICE_CODE_HINTS[0] \
                        and known:
                    quotas.update(known)  # read just above: not asked twice
                    continue
                try:
                    for q in _quotas(client, op, code):
                        quotas[(code, str(q.get("QuotaCode")))] = q
                except aws.AWS_ERRORS as exc:
                    if "NoSuchResource" not in str(exc):
                        raise
    except aws.AWS_ERRORS as exc:
        if error_code(exc) in ABSENT_CODES:
            raise ServiceQuotasAbsent(f"Service Quotas in {region}: {error_message(exc)}") from exc
        raise aws.aws_failure(f"Service Quotas in {region}", exc) from exc
    return quotas


# {(service code, quota code): item} of End User Messaging in a region (`complete`: every
# matching service's listing, for a pinned quota code not found otherwise).
QUOTA_CATALOGUE = Fact("quota-catalogue", _read_catalogue,
                       actions=("servicequotas:ListServices",
                                "servicequotas:ListAWSDefaultServiceQuotas",
                                "servicequotas:ListServiceQuotas"))


def request_history(
    account: AwsAccount, region: str, service_code: str, *, refresh: bool = False
) -> list[RequestedServiceQuotaChangeTypeDef]:
    """The service's quota requests of the last 90 days (all statuses), read once per
    account-region and shared by the channels; `refresh` reads again."""
    return (account.reread if refresh else account.read)(QUOTA_HISTORY, region, service_code)


def _read_history(account: AwsAccount, region: str,
                  service_code: str) -> list[RequestedServiceQuotaChangeTypeDef]:
    client = _client(account, region)
    try:
        pages = client.get_paginator(
            "list_requested_service_quota_change_history").paginate(ServiceCode=service_code)
        return [r for page in pages for r in page.get("RequestedQuotas", [])]
    except aws.AWS_ERRORS as exc:
        raise aws.aws_failure(f"Service Quotas request history in {region}", exc) from exc


QUOTA_HISTORY = Fact("quota-history", _read_history,
                     actions=("servicequotas:ListRequestedServiceQuotaChangeHistory",))


def end_user_messaging_history(
    account: AwsAccount, region: str
) -> list[RequestedServiceQuotaChangeTypeDef]:
    """The request history of End User Messaging's own service code (what `status` shows)."""
    return request_history(account, region, SERVICE_CODE_HINTS[0])


def approved_request(account: AwsAccount, region: str, quota: Quota) -> str | None:
    """The id of an APPROVED request on this production-access quota (the request history,
    read once per account-region), or None. Unreadable: None (the open-request lookup that
    follows reads the same history and stops the target)."""
    try:
        history = request_history(account, region, quota.service_code)
    except AwsError:
        return None
    return next((str(r.get("Id")) for r in history
                 if r.get("QuotaCode") == quota.quota_code and r.get("Status") == "APPROVED"),
                None)


def open_request_in(history: Iterable[RequestedServiceQuotaChangeTypeDef],
                    quota_code: str | None) -> RequestedServiceQuotaChangeTypeDef | None:
    """The open (PENDING / CASE_OPENED) request on `quota_code` (None: any) in a history."""
    return next(
        (req for req in history
         if (quota_code is None or req.get("QuotaCode") == quota_code)
         and req.get("Status") in OPEN_STATUSES),
        None,
    )


def quota_details(account: AwsAccount, region: str, quota: Quota) -> ServiceQuotaTypeDef:
    """The quota's ServiceQuota item: the one the catalogue listing returned when it carries
    `Adjustable` (the same shape GetServiceQuota returns), else GetServiceQuota (the applied
    value), else GetAWSDefaultServiceQuota: AWS documents that a quota without an applied
    value is "not retrieved" by the first."""
    listed = catalogue_entries(account, region).get((quota.service_code, quota.quota_code))
    if listed is not None and "Adjustable" in listed:
        return listed
    client = _client(account, region)
    try:
        try:
            return client.get_service_quota(
                ServiceCode=quota.service_code, QuotaCode=quota.quota_code)["Quota"]
        except aws.AWS_ERRORS as exc:
            if error_code(exc) != "NoSuchResourceException":
                raise
            return client.get_aws_default_service_quota(
                ServiceCode=quota.service_code, QuotaCode=quota.quota_code)["Quota"]
    except aws.AWS_ERRORS as exc:
        raise aws.aws_failure(f"Service Quotas GetServiceQuota in {region}", exc) from exc


def adjustable_problem(details: ServiceQuotaTypeDef) -> str | None:
    """Why an increase of this quota cannot be requested for the account, or None."""
    if details.get("Adjustable") is False:
        return "AWS says this quota is not adjustable"
    context = details.get("QuotaContext") or {}
    level = context.get("AdjustableAtLevel")
    if level not in (None, "ACCOUNT", "ALL"):
        return f"this quota is adjustable only per resource ({level}), not for the account"
    applied = details.get("QuotaAppliedAtLevel")
    if applied not in (None, "ACCOUNT", "ALL"):
        return f"this quota applies at the {applied} level, not to the account"
    return None


def open_quota_request(account: AwsAccount, region: str,
                       quota: Quota) -> RequestedServiceQuotaChangeTypeDef | None:
    """The open (PENDING / CASE_OPENED) request on any quota of ours, e.g. a spend quota."""
    client = _client(account, region)
    try:
        pages = client.get_paginator(
            "list_requested_service_quota_change_history_by_quota").paginate(
            ServiceCode=quota.service_code, QuotaCode=quota.quota_code)
        found = [r for page in pages for r in page.get("RequestedQuotas", [])]
    except aws.AWS_ERRORS as exc:
        raise aws.aws_failure(f"Service Quotas request history in {region}", exc) from exc
    return open_request_in(found, None)


# Read fresh each time (a request's status changes), so not a `Fact`: the tracker follows it.
REQUEST_STATUS_READ = Permission("PinpointSandboxTracker",
                                 ("servicequotas:GetRequestedServiceQuotaChange",))


def requested_change(account: AwsAccount, region: str,
                     request_id: str) -> RequestedServiceQuotaChangeTypeDef:
    """GetRequestedServiceQuotaChange: a request's status and its case, once AWS opened one."""
    try:
        return _client(account, region).get_requested_service_quota_change(
            RequestId=request_id).get("RequestedQuota", {})
    except aws.AWS_ERRORS as exc:
        raise AwsError(
            f"Service Quotas request {request_id} in {region}: {error_message(exc)}") from exc

