"""Service Quotas backend: `RequestServiceQuotaIncrease(DesiredValue=1)` on the channel's
production-access quota, in the target region.

AWS does not publish the quota's code or exact name, so it is discovered at run time: the
End User Messaging service in `ListServices`, then its quotas from `ListAWSDefaultServiceQuotas`
and `ListServiceQuotas`, matched case-insensitively on "production access" plus the channel word,
never on the spend quotas. `--quota-code` pins one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.session import (
    SERVICE_QUOTAS,
    AwsAccount,
    Fact,
    error_code,
    error_message,
)
from pinpoint_sandbox.backends.base import (
    AlreadyExists,
    Backend,
    Existing,
    Filed,
    FilingContext,
    Validation,
    classify_write_error,
)
from pinpoint_sandbox.backends.manual import write_case_file
from pinpoint_sandbox.core.errors import AwsError, UsageError
from pinpoint_sandbox.core.targets import Channel, RenderedCase
from pinpoint_sandbox.ledger.lifecycle import AwsView
from pinpoint_sandbox.ledger.store import Entry

OPEN_STATUSES = ("PENDING", "CASE_OPENED")
# End User Messaging is `sms-voice`; older accounts may list its quotas under Pinpoint.
SERVICE_CODE_HINTS = ("sms-voice", "pinpoint")
SERVICE_NAME_HINTS = ("end user messaging", "pinpoint sms", "pinpoint voice")


# The service answers, but has no such API here: nothing can be open in it.
ABSENT_CODES = frozenset({"UnknownOperationException", "InvalidAction", "NoSuchResourceException"})


class ServiceQuotasAbsent(AwsError):
    """Service Quotas is not offered at this endpoint (as opposed to failing to answer)."""


@dataclass(frozen=True)
class Quota:
    service_code: str
    quota_code: str
    quota_name: str


def _paginate(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key, []))
    return items


def _is_production_quota(name: str, channel: Channel) -> bool:
    lowered = name.lower()
    if "spend" in lowered:
        return False
    return "production access" in lowered and channel in lowered


def discover_quota(
    account: AwsAccount, region: str, channel: Channel, pinned_code: str | None = None
) -> Quota | None:
    """The production-access quota of `channel` in `region`, or None if Service Quotas has none."""
    quotas = _catalogue(account, region)
    if pinned_code:
        if not any(code == pinned_code for _, code in quotas):
            quotas = _catalogue(account, region, complete=True)  # every code's listing
        for (service_code, quota_code), name in quotas.items():
            if quota_code != pinned_code:
                continue
            if not _is_production_quota(name, channel):
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
        if _is_production_quota(name, channel)
    ]
    return matches[0] if matches else None


# The catalogue: {(service code, quota code): the ServiceQuota item AWS listed}.
Catalogue = dict[tuple[str, str], dict[str, Any]]


def _catalogue(
    account: AwsAccount, region: str, *, complete: bool = False
) -> dict[tuple[str, str], str]:
    """{(service code, quota code): quota name} of End User Messaging in `region`."""
    entries = _entries(account, region, complete=complete)
    return {key: str(item.get("QuotaName", "")) for key, item in entries.items()}


def _entries(account: AwsAccount, region: str, *, complete: bool = False) -> Catalogue:
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
        items = _paginate(account.client(SERVICE_QUOTAS, region),
                          "list_aws_default_service_quotas", "Quotas", ServiceCode=code)
    except aws.AWS_ERRORS:
        return {}  # the full discovery says what is wrong
    return {(code, q["QuotaCode"]): q for q in items}


DEFAULT_QUOTAS = Fact("default-quotas", _read_defaults, aws_wide=True,
                      actions=("servicequotas:ListAWSDefaultServiceQuotas",))


def _names_both(catalogue: Catalogue) -> bool:
    names = [str(q.get("QuotaName", "")) for q in catalogue.values()]
    return all(any(_is_production_quota(n, ch) for n in names) for ch in ("sms", "voice"))


def _read_catalogue(account: AwsAccount, region: str, complete: bool = False) -> Catalogue:
    known: Catalogue = {}
    if not complete:
        # AWS's default catalogue of End User Messaging (one call; in an organization run one
        # per region for all accounts) is enough when it names both production-access quotas:
        # the account's applied values do not change a quota's code, name or adjustability.
        known = _defaults(account, region)
        if _names_both(known):
            return known
    client = account.client(SERVICE_QUOTAS, region)
    quotas: Catalogue = {}
    try:
        services = _paginate(client, "list_services", "Services")
        codes = [
            s["ServiceCode"]
            for s in services
            if s.get("ServiceCode") in SERVICE_CODE_HINTS
            or any(h in str(s.get("ServiceName", "")).lower() for h in SERVICE_NAME_HINTS)
        ]
        # End User Messaging's own code first; the older Pinpoint listing only when it
        # does not name both production-access quotas (each listing is two serial calls).
        hints = list(SERVICE_CODE_HINTS)
        codes.sort(key=lambda c: hints.index(c) if c in hints else len(hints))
        for code in codes:
            if not complete and _names_both(quotas):
                break
            # The account's applied items (read second) replace AWS's defaults.
            for op in ("list_aws_default_service_quotas", "list_service_quotas"):
                if op == "list_aws_default_service_quotas" and code == SERVICE_CODE_HINTS[0] \
                        and known:
                    quotas.update(known)  # read just above: not asked twice
                    continue
                try:
                    for q in _paginate(client, op, "Quotas", ServiceCode=code):
                        quotas[(code, q["QuotaCode"])] = q
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
) -> list[dict[str, Any]]:
    """The service's quota requests of the last 90 days (all statuses), read once per
    account-region and shared by the channels; `refresh` reads again."""
    return (account.reread if refresh else account.read)(QUOTA_HISTORY, region, service_code)


def _read_history(account: AwsAccount, region: str, service_code: str) -> list[dict[str, Any]]:
    client = account.client(SERVICE_QUOTAS, region)
    try:
        return _paginate(client, "list_requested_service_quota_change_history",
                         "RequestedQuotas", ServiceCode=service_code)
    except aws.AWS_ERRORS as exc:
        raise aws.aws_failure(f"Service Quotas request history in {region}", exc) from exc


QUOTA_HISTORY = Fact("quota-history", _read_history,
                     actions=("servicequotas:ListRequestedServiceQuotaChangeHistory",))


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


def quota_details(account: AwsAccount, region: str, quota: Quota) -> dict[str, Any]:
    """The quota's ServiceQuota item: the one the catalogue listing returned when it carries
    `Adjustable` (the same shape GetServiceQuota returns), else GetServiceQuota (the applied
    value), else GetAWSDefaultServiceQuota: AWS documents that a quota without an applied
    value is "not retrieved" by the first."""
    listed = _entries(account, region).get((quota.service_code, quota.quota_code))
    if listed is not None and "Adjustable" in listed:
        return dict(listed)
    client = account.client(SERVICE_QUOTAS, region)
    codes = {"ServiceCode": quota.service_code, "QuotaCode": quota.quota_code}
    try:
        try:
            return dict(client.get_service_quota(**codes)["Quota"])
        except aws.AWS_ERRORS as exc:
            if error_code(exc) != "NoSuchResourceException":
                raise
            return dict(client.get_aws_default_service_quota(**codes)["Quota"])
    except aws.AWS_ERRORS as exc:
        raise aws.aws_failure(f"Service Quotas GetServiceQuota in {region}", exc) from exc


def adjustable_problem(details: dict[str, Any]) -> str | None:
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


class ServiceQuotasBackend(Backend):
    name = "service-quotas"
    summary = (
        "`RequestServiceQuotaIncrease(DesiredValue=1)` on the channel's production-access quota "
        "(discovered at run time), after GetServiceQuota shows it adjustable for the account"
    )
    iam_statements = (
        ("PinpointSandboxServiceQuotas",
         ("servicequotas:RequestServiceQuotaIncrease",
          "servicequotas:GetServiceQuota",
          "servicequotas:GetAWSDefaultServiceQuota",
          # The rendered description is added to the case Service Quotas opens (found by its
          # display id), after reading it for our text when an earlier attempt was cut off.
          "support:AddCommunicationToCase", "support:DescribeCases",
          "support:DescribeCommunications")),
        # Service Quotas creates its service-linked role on the first request in an account.
        {
            "Sid": "PinpointSandboxServiceQuotasLinkedRole",
            "Effect": "Allow",
            "Action": ["iam:CreateServiceLinkedRole"],
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:AWSServiceName": "servicequotas.amazonaws.com"}},
        },
    )
    # Every backend reads the quota history: a request opened in the console shows up there.
    iam_read_actions = (
        "servicequotas:ListServices",
        "servicequotas:ListAWSDefaultServiceQuotas",
        "servicequotas:ListServiceQuotas",
        "servicequotas:ListRequestedServiceQuotaChangeHistory",
        "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota",
    )
    # AWS refuses a second open request on a quota (ResourceAlreadyExistsException).
    guards_duplicates = True
    if_unavailable = "use --backend auto, support or manual"
    chosen_because = "production-access quota found in Service Quotas"

    def prepare(self, ctx: FilingContext) -> None:
        """Discover the quota. Looked up whatever the backend: its request history is where an
        open request for this target shows up, even if it was filed in the console."""
        target = ctx.target
        try:
            ctx.quota = discover_quota(ctx.account, target.region, target.channel, ctx.quota_code)
        except ServiceQuotasAbsent as exc:
            if ctx.requested_backend == self.name:
                raise
            # Not offered here at all, so no request can be open in it: others may file.
            ctx.notes.append(f"Service Quotas not usable: {exc.message}")
        except AwsError as exc:
            if ctx.requested_backend == self.name:
                raise
            # Unreadable is not absent: an open request could hide behind the failure.
            raise AwsError(
                f"could not check Service Quotas for an open request ({exc.message}); "
                "nothing filed, rerun when it answers"
            ) from exc

    def unavailable_reason(self, ctx: FilingContext) -> str | None:
        if ctx.quota is None:
            return (
                f"Service Quotas lists no {ctx.target.channel} production-access quota in "
                f"{ctx.target.region}"
            )
        # Listed is not enough: AWS refuses an increase of a quota not adjustable for the
        # account, so `auto` passes on to the next backend and says why.
        problem = adjustable_problem(quota_details(ctx.account, ctx.target.region, ctx.quota))
        if problem:
            return f"{ctx.quota.quota_name} is listed in {ctx.target.region}, but {problem}"
        return None

    def find_existing(self, ctx: FilingContext) -> Existing | None:
        quota: Quota | None = ctx.quota
        if quota is None:
            if ctx.fresh_reads:  # reconciling a request made on a quota that has gone
                raise AwsError("the production-access quota is no longer listed")
            return None
        # One listing per region (all statuses, 90 days) for both channels, filtered here.
        history = request_history(ctx.account, ctx.target.region, quota.service_code,
                                  refresh=ctx.fresh_reads)
        return next(
            (Existing(self.name, req.get("Id"), req.get("CaseId"), req.get("Status"))
             for req in history
             if req.get("QuotaCode") == quota.quota_code and req.get("Status") in OPEN_STATUSES),
            None,
        )

    def validate(self, ctx: FilingContext, case: RenderedCase) -> Validation:
        """The quota is adjustable for the account, and no request for it is open."""
        quota: Quota | None = ctx.quota
        if quota is None:
            return Validation(False, f"{self.unavailable_reason(ctx)}; {self.if_unavailable}")
        problem = adjustable_problem(quota_details(ctx.account, ctx.target.region, quota))
        if problem:
            return Validation(False, f"{quota.quota_name}: {problem}; use --backend support "
                              "or manual")
        try:
            found = self.find_existing(ctx)
        except AwsError:
            found = None  # AWS's own guard refuses a second open request; filing handles it
        if found:
            return Validation(False, found.describe())
        return Validation(True, f"{quota.quota_name} is adjustable for this account and no "
                          "request is open")

    def file(self, ctx: FilingContext, case: RenderedCase) -> Filed:
        quota: Quota | None = ctx.quota
        if quota is None:
            raise AwsError(f"{self.unavailable_reason(ctx)}; {self.if_unavailable}")
        client = ctx.account.write_client(SERVICE_QUOTAS, ctx.target.region)
        try:
            response = client.request_service_quota_increase(
                ServiceCode=quota.service_code,
                QuotaCode=quota.quota_code,
                DesiredValue=1.0,
                SupportCaseAllowed=True,
            )
        except aws.AWS_ERRORS as exc:
            if error_code(exc) == "ResourceAlreadyExistsException":
                # One open request per quota: not ours to file again.
                raise AlreadyExists(f"RequestServiceQuotaIncrease: {error_message(exc)}") from exc
            raise classify_write_error(exc, "RequestServiceQuotaIncrease") from exc
        requested = response.get("RequestedQuota", {})
        request_id, case_id = requested.get("Id"), requested.get("CaseId")
        # The description goes to the case with its own tracked write (delivery.py), once AWS
        # has opened it: the ledger keeps the text until then.
        extra: dict[str, Any] = {"description": case.description, "plan": ctx.support_plan}
        if ctx.cc_emails:  # copied on the case with the description, as CreateCase would
            extra["cc"] = list(ctx.cc_emails)
        note = None
        if ctx.support_plan == "basic":
            saved = write_case_file(ctx.target, case)
            extra["case_file"] = str(saved)
            note = (f"Support API not available on this plan: paste the description saved in "
                    f"{saved} into the case AWS opens for request {request_id}")
        return Filed("filed", request_id=request_id, case_id=case_id, note=note, extra=extra)

    def refresh(self, ctx: FilingContext, entry: Entry) -> AwsView:
        """GetRequestedServiceQuotaChange; the quota's case when the status alone cannot say
        (open: has AWS asked something? CASE_CLOSED: what did the case conclude?)."""
        from botocore.exceptions import BotoCoreError, ClientError

        from pinpoint_sandbox.backends.support import follow_case, last_reply_time
        from pinpoint_sandbox.ledger.lifecycle import now_iso, state_from_quota

        if not entry.request_id:
            if entry.case_id:
                return follow_case(ctx.account, entry.case_id, replied_at=last_reply_time(entry))
            return AwsView("filed", read_at=now_iso(), note="no request id was recorded")
        client = ctx.account.client(SERVICE_QUOTAS, ctx.target.region)
        try:
            quota = client.get_requested_service_quota_change(RequestId=entry.request_id)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(
                f"Service Quotas request {entry.request_id} in {ctx.target.region}: "
                f"{error_message(exc)}"
            ) from exc
        requested = quota.get("RequestedQuota", {})
        status = requested.get("Status")
        case_id = requested.get("CaseId") or entry.case_id
        state = state_from_quota(status)
        if state == "denied" and case_id:
            # The quota says no; the case says why: AWS's newest message on it.
            return AwsView(state, status, case_id, entry.request_id,
                           _denial_reason(ctx, case_id), read_at=now_iso())
        if state in ("approved", "denied") or not case_id:
            return AwsView(state or "open", status, case_id, entry.request_id, read_at=now_iso())
        return follow_case(ctx.account, case_id, request_id=entry.request_id, quota_status=status,
                           replied_at=last_reply_time(entry))


def _denial_reason(ctx: FilingContext, case_id: str) -> str | None:
    """AWS's newest message on a denied request's case; None when the case cannot be read
    (a Basic plan has no Support API: the denial stands without its reason)."""
    from pinpoint_sandbox.backends.support import CaseUnreadable, read_case
    from pinpoint_sandbox.ledger.lifecycle import clip_message, last_aws_message

    try:
        _status, communications, more = read_case(ctx.account, case_id)
    except (CaseUnreadable, AwsError):  # the denial is the quota's word; the reason is extra
        return None
    found = last_aws_message(communications)
    if found is None and (more or len(communications) > 1):
        # No submitter reads as AWS's: the newest entry after the opening one is the answer.
        found = clip_message(str(communications[0].get("body") or "")) or None
    return found


def quota_catalogue(account: AwsAccount, region: str) -> dict[tuple[str, str], str]:
    """{(service code, quota code): quota name} of End User Messaging in `region` (cached per
    account); the spend readiness looks its spend quotas up by name here."""
    return _catalogue(account, region)


def open_quota_request(account: AwsAccount, region: str, quota: Quota) -> Existing | None:
    """The open (PENDING / CASE_OPENED) request on any quota of ours, e.g. a spend quota."""
    client = account.client(SERVICE_QUOTAS, region)
    try:
        found = _paginate(
            client, "list_requested_service_quota_change_history_by_quota", "RequestedQuotas",
            ServiceCode=quota.service_code, QuotaCode=quota.quota_code,
        )
    except aws.AWS_ERRORS as exc:
        raise aws.aws_failure(f"Service Quotas request history in {region}", exc) from exc
    return next(
        (Existing("service-quotas", req.get("Id"), req.get("CaseId"), req.get("Status"))
         for req in found if req.get("Status") in OPEN_STATUSES),
        None,
    )
