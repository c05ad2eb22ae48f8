"""Support API backend: `CreateCase` on the global endpoint, one case per target.

Service and category codes come from `DescribeServices` (AWS: "always use the codes it
returns"), never guessed. The subject carries `Target.tag`, so `find_existing` can recognise our
own cases with `DescribeCases`, which has no server-side filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pinpoint_sandbox.aws import SUPPORT, SUPPORT_REGION, AwsAccount, error_message
from pinpoint_sandbox.backends.base import (
    Backend,
    Existing,
    Filed,
    FilingContext,
    WriteRefused,
    classify_write_error,
)
from pinpoint_sandbox.errors import AwsError
from pinpoint_sandbox.ledger import Entry
from pinpoint_sandbox.lifecycle import AwsView
from pinpoint_sandbox.targets import Channel, RenderedCase, Target

LIMIT_SERVICE_CODE = "service-limit-increase"
ISSUE_TYPE = "service-limit-increase"  # what AWS-authored quota tooling sends
FALLBACK_ISSUE_TYPE = "customer-service"  # documented; the console's "Account and billing"
SEVERITY = "low"
CASES_PER_HOUR = 10
# Category codes seen in AWS-authored code; used only to pick among what DescribeServices returns.
CATEGORY_HINTS: dict[str, tuple[str, ...]] = {
    "sms": ("service-code-pinpoint-sms", "pinpoint-sms", "sms"),
    "voice": ("pinpoint-voice", "voice"),
}


@dataclass(frozen=True)
class CaseCodes:
    service_code: str
    category_code: str
    category_name: str


def support_plan(account: AwsAccount) -> str:
    """'business' when the Support API answers, 'basic' on SubscriptionRequiredException."""
    from botocore.exceptions import BotoCoreError, ClientError

    from pinpoint_sandbox.aws import error_code

    key = ("support", "plan")
    if key not in account.cache:  # account-wide: probed once per run
        try:
            account.client(SUPPORT, SUPPORT_REGION).describe_severity_levels(language="en")
            account.cache[key] = "business"
        except ClientError as exc:
            plan = "basic" if error_code(exc) == "SubscriptionRequiredException" else "unknown"
            account.cache[key] = plan
        except BotoCoreError:
            account.cache[key] = "unknown"
    return str(account.cache[key])


def is_case_for(target: Target, subject: str) -> bool:
    """Our tagged case, or a production-access case for the same channel and region that
    someone opened another way (the case Service Quotas opens, or one from the console)."""
    if target.tag in subject:
        return True
    lowered = subject.lower()
    return f"{target.channel} production access" in lowered and target.region in lowered


def open_cases(account: AwsAccount, *, refresh: bool = False) -> list[dict[str, Any]]:
    """The account's open Support cases, read once per run unless `refresh`.

    DescribeCases has no server-side filter, so one listing serves every target's tag lookup.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from pinpoint_sandbox.aws import error_code

    key = ("support", "open-cases")
    if not refresh and key in account.cache:
        return list(account.cache[key])
    cases: list[dict[str, Any]] = []
    try:
        pages = account.client(SUPPORT, SUPPORT_REGION).get_paginator("describe_cases").paginate(
            includeResolvedCases=False, includeCommunications=False
        )
        for page in pages:
            cases.extend(page.get("cases", []))
    except ClientError as exc:
        if error_code(exc) != "SubscriptionRequiredException":
            raise AwsError(f"Support DescribeCases: {error_message(exc)}") from exc
        # No Support API on this plan, hence no case filed through it.
    except BotoCoreError as exc:
        raise AwsError(f"Support DescribeCases: {error_message(exc)}") from exc
    account.cache[key] = cases
    return list(cases)


def pick_category(services: list[dict[str, Any]], channel: Channel) -> CaseCodes | None:
    """The End User Messaging category for `channel`, preferring the limit-increase service.

    Exact category codes first (those AWS's own quota cases use), then category names.
    """
    ordered = sorted(services, key=lambda svc: svc.get("code") != LIMIT_SERVICE_CODE)
    for matcher in (_exact_code, _fuzzy_code, _by_name):
        for service in ordered:
            for cat in service.get("categories", []):
                if matcher(str(cat.get("code", "")), str(cat.get("name", "")), channel):
                    return CaseCodes(str(service.get("code")), str(cat["code"]), str(cat["name"]))
    return None


def _exact_code(code: str, name: str, channel: Channel) -> bool:
    return code == CATEGORY_HINTS[channel][0]


def _fuzzy_code(code: str, name: str, channel: Channel) -> bool:
    return any(hint in code.lower() for hint in CATEGORY_HINTS[channel][:2])


def _by_name(code: str, name: str, channel: Channel) -> bool:
    lowered = name.lower()
    return channel in lowered and ("pinpoint" in lowered or "end user messaging" in lowered)


class SupportBackend(Backend):
    name = "support"

    def case_codes(self, account: AwsAccount, channel: Channel) -> CaseCodes:
        from botocore.exceptions import BotoCoreError, ClientError

        key = ("support-codes", channel)
        if key in account.cache:
            return account.cache[key]
        client = account.client(SUPPORT, SUPPORT_REGION)
        try:
            services = client.describe_services(
                serviceCodeList=[LIMIT_SERVICE_CODE], language="en"
            )["services"]
            codes = pick_category(services, channel)
            if codes is None:  # look through every service before giving up
                codes = pick_category(client.describe_services(language="en")["services"], channel)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"Support DescribeServices: {error_message(exc)}") from exc
        if codes is None:
            raise AwsError(
                f"Support DescribeServices lists no End User Messaging {channel} category under "
                f"{LIMIT_SERVICE_CODE!r}; use --backend manual and file in the console."
            )
        account.cache[key] = codes
        return codes

    def find_existing(self, ctx: FilingContext) -> Existing | None:
        for found in open_cases(ctx.account, refresh=ctx.fresh_reads):
            if is_case_for(ctx.target, str(found.get("subject", ""))):
                return Existing("support", None, found.get("caseId"), found.get("status"))
        return None

    def file(self, ctx: FilingContext, case: RenderedCase) -> Filed:
        from botocore.exceptions import BotoCoreError, ClientError

        from pinpoint_sandbox.aws import error_code

        codes = self.case_codes(ctx.account, ctx.target.channel)
        params: dict[str, Any] = {
            "subject": case.subject,
            "communicationBody": case.description,
            "serviceCode": codes.service_code,
            "categoryCode": codes.category_code,
            "severityCode": SEVERITY,
            "issueType": ISSUE_TYPE,
            "language": ctx.contact_language,
        }
        if ctx.cc_emails:
            params["ccEmailAddresses"] = ctx.cc_emails
        # Look once more, fresh, right before the write: narrows the window in which another
        # run (another machine, another ledger) could have filed the same target.
        ctx.fresh_reads = True
        if self.find_existing(ctx) is not None:
            raise WriteRefused(
                "a case for this target was opened meanwhile", code="ResourceAlreadyExistsException"
            )
        client = ctx.account.write_client(SUPPORT, SUPPORT_REGION)
        try:
            try:
                response = client.create_case(**params)
            except ClientError as exc:
                if not _issue_type_refused(exc):
                    raise
                # Refused before anything was created: file as the documented Account and
                # billing type instead of the console's limit-increase type.
                response = client.create_case(**{**params, "issueType": FALLBACK_ISSUE_TYPE})
        except ClientError as exc:
            if error_code(exc) == "CaseCreationLimitExceeded":
                raise WriteRefused(
                    "Support API limit of 10 new cases per hour reached",
                    code="CaseCreationLimitExceeded",
                    retry_after=3600.0,
                ) from exc
            raise classify_write_error(exc, "CreateCase") from exc
        except BotoCoreError as exc:
            raise classify_write_error(exc, "CreateCase") from exc
        return Filed("filed", case_id=response.get("caseId"))

    def refresh(self, ctx: FilingContext, entry: Entry) -> AwsView:
        """DescribeCases + DescribeCommunications on the case this target's request opened."""
        from pinpoint_sandbox.lifecycle import now_iso

        if not entry.case_id:
            return AwsView("filed", read_at=now_iso(), note="no case id was recorded")
        return follow_case(ctx.account, entry.case_id, replied_at=last_reply_time(entry))


def _issue_type_refused(exc: Exception) -> bool:
    from pinpoint_sandbox.aws import error_code

    status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    code = error_code(exc) or ""
    return (
        status == 400
        and ("Validation" in code or "InvalidParameter" in code)
        and "issuetype" in str(exc).lower()
    )


class CaseUnreadable(AwsError):
    """The Support API cannot be used by this account (Basic/Developer plan)."""


BASIC_PLAN_NOTE = (
    "the Basic support plan cannot read cases through the API: read case {case} in the "
    "Support Center"
)
COMMUNICATIONS_PAGE = 10  # DescribeCommunications maxResults: 10..100; the newest are enough


def read_case(account: AwsAccount, case_id: str) -> tuple[str | None, list[dict[str, Any]], bool]:
    """(case status, newest communications first, more pages exist). Read-only."""
    from botocore.exceptions import BotoCoreError, ClientError

    from pinpoint_sandbox.aws import error_code

    client = account.client(SUPPORT, SUPPORT_REGION)
    try:
        # A number is the console's display id (what a user copies from the Support Center).
        which = {"displayId": case_id} if case_id.isdigit() else {"caseIdList": [case_id]}
        cases = client.describe_cases(
            **which, includeResolvedCases=True, includeCommunications=True
        ).get("cases", [])
        real_id = str(cases[0].get("caseId") or case_id) if cases else case_id
        page = _communications(client, real_id, cases[0] if cases else {})
    except ClientError as exc:
        if error_code(exc) == "SubscriptionRequiredException":
            raise CaseUnreadable(BASIC_PLAN_NOTE.format(case=case_id)) from exc
        raise AwsError(f"Support case {case_id}: {error_message(exc)}") from exc
    except BotoCoreError as exc:
        raise AwsError(f"Support case {case_id}: {error_message(exc)}") from exc
    status = cases[0].get("status") if cases else None
    communications = sorted(
        page.get("communications", []), key=lambda c: str(c.get("timeCreated", "")), reverse=True
    )
    return status, communications, bool(page.get("nextToken"))


def _communications(client: Any, case_id: str, case: dict[str, Any]) -> dict[str, Any]:
    """DescribeCommunications' first page (newest first); the case's five recent ones when it
    fails for another reason than the plan (which DescribeCases would have shown already)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return dict(client.describe_communications(caseId=case_id, maxResults=COMMUNICATIONS_PAGE))
    except (ClientError, BotoCoreError):
        recent = case.get("recentCommunications") or {}
        return {"communications": list(recent.get("communications") or []),
                "nextToken": recent.get("nextToken")}


def follow_case(
    account: AwsAccount, case_id: str, *, request_id: str | None = None,
    quota_status: str | None = None, replied_at: str | None = None,
) -> AwsView:
    """A case's state while the tier is sandbox; a Basic plan gets `open` and a note."""
    from pinpoint_sandbox.lifecycle import now_iso, question_text, state_from_case

    try:
        status, communications, more = read_case(account, case_id)
    except CaseUnreadable as exc:
        closed = str(quota_status or "").upper() == "CASE_CLOSED"
        return AwsView("denied" if closed else "open", quota_status, case_id, request_id,
                       read_at=now_iso(), note=exc.message)
    return AwsView(
        state_from_case(status, communications, more=more, replied_at=replied_at),
        quota_status or status, case_id, request_id,
        question_text(status, communications, replied_at), read_at=now_iso(),
    )


def last_reply_time(entry: Entry) -> str | None:
    """When we last answered on the case (ledger), so a case still marked
    `pending-customer-action` after our reply reads as AWS's turn."""
    times = [str(r.get("time")) for r in entry.replies if r.get("delivered") and r.get("time")]
    return max(times) if times else None
