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

from pinpoint_sandbox.aws import SERVICE_QUOTAS, SUPPORT, AwsAccount, error_code, error_message
from pinpoint_sandbox.backends.base import (
    Backend,
    Existing,
    Filed,
    FilingContext,
    classify_write_error,
)
from pinpoint_sandbox.errors import AwsError, UsageError
from pinpoint_sandbox.ledger import Entry
from pinpoint_sandbox.lifecycle import AwsView
from pinpoint_sandbox.targets import Channel, RenderedCase

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


def _catalogue(account: AwsAccount, region: str) -> dict[tuple[str, str], str]:
    """{(service code, quota code): quota name} of End User Messaging in `region`, read once."""
    from botocore.exceptions import BotoCoreError, ClientError

    key = ("service-quotas", region)
    if key in account.cache:
        return dict(account.cache[key])
    client = account.client(SERVICE_QUOTAS, region)
    quotas: dict[tuple[str, str], str] = {}
    try:
        services = _paginate(client, "list_services", "Services")
        codes = [
            s["ServiceCode"]
            for s in services
            if s.get("ServiceCode") in SERVICE_CODE_HINTS
            or any(h in str(s.get("ServiceName", "")).lower() for h in SERVICE_NAME_HINTS)
        ]
        for code in codes:
            for op in ("list_aws_default_service_quotas", "list_service_quotas"):
                try:
                    for q in _paginate(client, op, "Quotas", ServiceCode=code):
                        quotas[(code, q["QuotaCode"])] = str(q.get("QuotaName", ""))
                except ClientError as exc:
                    if "NoSuchResource" not in str(exc):
                        raise
    except ClientError as exc:
        if error_code(exc) in ABSENT_CODES:
            raise ServiceQuotasAbsent(f"Service Quotas in {region}: {error_message(exc)}") from exc
        raise AwsError(f"Service Quotas in {region}: {error_message(exc)}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"Service Quotas in {region}: {error_message(exc)}") from exc
    account.cache[key] = quotas
    return dict(quotas)


class ServiceQuotasBackend(Backend):
    name = "service-quotas"

    def find_existing(self, ctx: FilingContext) -> Existing | None:
        from botocore.exceptions import BotoCoreError, ClientError

        quota: Quota | None = ctx.quota
        if quota is None:
            return None
        client = ctx.account.client(SERVICE_QUOTAS, ctx.target.region)
        try:
            # One listing (all statuses, 90 days), filtered here: fewer calls than one per status.
            found = _paginate(
                client,
                "list_requested_service_quota_change_history_by_quota",
                "RequestedQuotas",
                ServiceCode=quota.service_code,
                QuotaCode=quota.quota_code,
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(
                f"Service Quotas request history in {ctx.target.region}: {error_message(exc)}"
            ) from exc
        for req in found:
            if req.get("Status") in OPEN_STATUSES:
                return Existing(
                    "service-quotas", req.get("Id"), req.get("CaseId"), req.get("Status")
                )
        return None

    def file(self, ctx: FilingContext, case: RenderedCase) -> Filed:
        from botocore.exceptions import BotoCoreError, ClientError

        quota: Quota | None = ctx.quota
        if quota is None:
            raise AwsError(
                f"No production-access quota for {ctx.target.channel} in Service Quotas in "
                f"{ctx.target.region}; use --backend support or manual."
            )
        client = ctx.account.write_client(SERVICE_QUOTAS, ctx.target.region)
        try:
            response = client.request_service_quota_increase(
                ServiceCode=quota.service_code,
                QuotaCode=quota.quota_code,
                DesiredValue=1.0,
                SupportCaseAllowed=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify_write_error(exc, "RequestServiceQuotaIncrease") from exc
        requested = response.get("RequestedQuota", {})
        request_id, case_id = requested.get("Id"), requested.get("CaseId")
        note = self._attach_description(ctx, case, case_id)
        return Filed("filed", request_id=request_id, case_id=case_id, note=note)

    def _attach_description(
        self, ctx: FilingContext, case: RenderedCase, case_id: str | None
    ) -> str | None:
        """Add the rendered questionnaire to the quota's case, when the plan allows the API."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not case_id:
            saved = _save_for_user(ctx, case)
            return f"no case id yet: add the description saved in {saved} to the case when it opens"
        if ctx.support_plan != "business":
            saved = _save_for_user(ctx, case)
            return (
                f"Support API not available on this plan: paste the description saved in {saved} "
                f"into case {case_id} in the Support Center"
            )
        try:
            ctx.account.write_client(SUPPORT, "us-east-1").add_communication_to_case(
                caseId=case_id,
                communicationBody=case.description,
                **({"ccEmailAddresses": ctx.cc_emails} if ctx.cc_emails else {}),
            )
        except (ClientError, BotoCoreError) as exc:
            # The request itself is filed; only the attachment failed.
            saved = _save_for_user(ctx, case)
            return (
                f"request filed, but attaching the description to case {case_id} failed "
                f"({error_message(exc)}): paste {saved} into the case"
            )
        return None

    def refresh(self, ctx: FilingContext, entry: Entry) -> AwsView:
        """GetRequestedServiceQuotaChange; the quota's case when the status alone cannot say
        (open: has AWS asked something? CASE_CLOSED: what did the case conclude?)."""
        from botocore.exceptions import BotoCoreError, ClientError

        from pinpoint_sandbox.backends.support import follow_case, last_reply_time
        from pinpoint_sandbox.lifecycle import now_iso, state_from_quota

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
        if state in ("approved", "denied") or not case_id:
            return AwsView(state or "open", status, case_id, entry.request_id, read_at=now_iso())
        return follow_case(ctx.account, case_id, request_id=entry.request_id, quota_status=status,
                           replied_at=last_reply_time(entry))


def _save_for_user(ctx: FilingContext, case: RenderedCase) -> str:
    from pinpoint_sandbox.backends.manual import write_case_file

    return str(write_case_file(ctx.target, case))
