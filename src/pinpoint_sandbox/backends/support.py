"""Support API backend: `CreateCase` on the global endpoint, one case per target.

Service and category codes come from `DescribeServices` (AWS: "always use the codes it
returns"), never guessed. The subject carries `Target.tag`, so `find_existing` can recognise our
own cases with `DescribeCases`, which has no server-side filter.

Every case is proven before it is filed: `validate` sends the exact `CreateCase` with
`dryRun=True` (botocore >= 1.43.84); AWS answers `DryRunOperationException` when it would accept
it, and creates nothing. When AWS refuses the console's `service-limit-increase` issue type, the
documented `customer-service` type is dry-run next, and the case is filed with the one that
passed: a real `CreateCase` is never sent only to learn that it is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.session import (
    SUPPORT,
    SUPPORT_REGION,
    AwsAccount,
    Fact,
    error_code,
    error_message,
)
from pinpoint_sandbox.backends.base import (
    Backend,
    Existing,
    Filed,
    FilingContext,
    RateLimited,
    Validation,
    WriteRefused,
    classify_write_error,
)
from pinpoint_sandbox.core.errors import AwsError
from pinpoint_sandbox.core.targets import Channel, RenderedCase, Target
from pinpoint_sandbox.ledger.lifecycle import AwsView
from pinpoint_sandbox.ledger.store import Entry

if TYPE_CHECKING:
    from types_boto3_support.client import SupportClient
    from types_boto3_support.type_defs import (
        CaseDetailsTypeDef,
        CommunicationTypeDef,
        ServiceTypeDef,
    )

    from pinpoint_sandbox.ledger.store import Ledger

LIMIT_SERVICE_CODE = "service-limit-increase"
ISSUE_TYPE = "service-limit-increase"  # what AWS-authored quota tooling sends
FALLBACK_ISSUE_TYPE = "customer-service"  # documented; the console's "Account and billing"
ISSUE_TYPES = (ISSUE_TYPE, FALLBACK_ISSUE_TYPE)  # dry-run in this order; file the first accepted
SEVERITY = "low"
CASES_PER_HOUR = 10
LIMIT_RETRY_SECONDS = 300.0  # AWS said "limit reached" without saying until when
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


ACCEPTED = "AWS accepted a dry run of this case"
# Refusals about the account, not the case: no other issue type would pass.
ACCOUNT_REFUSALS = frozenset({"SubscriptionRequiredException", "CaseCreationLimitExceeded"})
PLAN_NEEDED = "the Support API needs a Business, Enterprise On-Ramp or Enterprise support plan"


def probe_plan(account: AwsAccount) -> tuple[str, str | None]:
    """('business' | 'basic' | 'unknown', the probe's error when unknown); once per run.

    'basic' only on SubscriptionRequiredException: a probe that failed (throttled, 5xx,
    timeout) says nothing about the plan, and is never taken for Basic."""

    # Account-wide: probed once per run, however many targets ask at the same time.
    return account.read(SUPPORT_PLAN)


def _probe_plan(account: AwsAccount) -> tuple[str, str | None]:
    try:
        account.client(SUPPORT, SUPPORT_REGION).describe_severity_levels(language="en")
        return "business", None
    except aws.AWS_ERRORS as exc:
        if error_code(exc) == "SubscriptionRequiredException":
            return "basic", None
        return "unknown", f"DescribeSeverityLevels: {error_message(exc)}"


SUPPORT_PLAN = Fact("support-plan", _probe_plan, actions=("support:DescribeSeverityLevels",))


def support_plan(account: AwsAccount) -> str:
    """'business' when the Support API answers, 'basic' on SubscriptionRequiredException,
    'unknown' when the probe failed."""
    return probe_plan(account)[0]


def is_case_for(target: Target, subject: str) -> bool:
    """Our tagged case, or a production-access case for the same channel and region that
    someone opened another way (the case Service Quotas opens, or one from the console)."""
    if target.tag in subject:
        return True
    lowered = subject.lower()
    return f"{target.channel} production access" in lowered and target.region in lowered


def open_cases(account: AwsAccount, *, refresh: bool = False) -> list[CaseDetailsTypeDef]:
    """The account's open Support cases, read once per run unless `refresh`.

    DescribeCases has no server-side filter, so one listing serves every target's tag lookup.
    """
    # One listing per account (per-entry lock: concurrent targets do not each read it).
    return list((account.reread if refresh else account.read)(OPEN_CASES))


def _read_open_cases(account: AwsAccount) -> list[CaseDetailsTypeDef]:
    cases: list[CaseDetailsTypeDef] = []
    try:
        pages = account.client(SUPPORT, SUPPORT_REGION).get_paginator(
            "describe_cases"
        ).paginate(includeResolvedCases=False, includeCommunications=False)
        for page in pages:
            cases.extend(page.get("cases", []))
    except aws.AWS_ERRORS as exc:
        if error_code(exc) != "SubscriptionRequiredException":
            raise aws.aws_failure("Support DescribeCases", exc) from exc
        # No Support API on this plan, hence no case filed through it.
    return cases


OPEN_CASES = Fact("support-open-cases", _read_open_cases, actions=("support:DescribeCases",))


def pick_category(services: list[ServiceTypeDef], channel: Channel) -> CaseCodes | None:
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


def case_codes(account: AwsAccount, channel: Channel) -> CaseCodes:
    """The service and category codes for `channel`, from DescribeServices; once per run."""
    return account.read(CASE_CODES, channel)


def _read_case_codes(account: AwsAccount, channel: Channel) -> CaseCodes:
    client = account.client(SUPPORT, SUPPORT_REGION)
    try:
        services = client.describe_services(serviceCodeList=[LIMIT_SERVICE_CODE], language="en")
        codes = pick_category(services["services"], channel)
        if codes is None:  # look through every service before giving up
            codes = pick_category(client.describe_services(language="en")["services"], channel)
    except aws.AWS_ERRORS as exc:
        raise aws.aws_failure("Support DescribeServices", exc) from exc
    if codes is None:
        raise AwsError(
            f"Support DescribeServices lists no End User Messaging {channel} category under "
            f"{LIMIT_SERVICE_CODE!r}; use --backend manual and file in the console."
        )
    return codes


CASE_CODES = Fact("support-case-codes", _read_case_codes, actions=("support:DescribeServices",),
                  granted_with="support")


class SupportBackend(Backend):
    name = "support"
    summary = (
        "`CreateCase` through the Support API (Business, Enterprise On-Ramp or Enterprise plan), "
        "after AWS accepted a dry run of the exact case"
    )
    iam_statements = (
        ("PinpointSandboxSupportCases",
         ("support:DescribeServices", "support:CreateCase", "support:AddCommunicationToCase")),
    )
    # Open cases for the same target, and the support-plan probe (every backend).
    iam_read_actions = ("support:DescribeCases", "support:DescribeSeverityLevels")
    chosen_because = "Support API available"
    if_unavailable = "use --backend manual"
    rate_limit = f"Support API limit of {CASES_PER_HOUR} new cases per hour"

    def prepare(self, ctx: FilingContext) -> None:
        ctx.support_plan, ctx.plan_error = probe_plan(ctx.account)

    def unavailable_reason(self, ctx: FilingContext) -> str | None:
        if ctx.support_plan == "basic":
            return PLAN_NEEDED
        if ctx.support_plan == "unknown":
            raise AwsError(
                f"could not tell whether the Support API is available ({ctx.plan_error}); "
                "nothing filed, rerun when it answers"
            )
        return None

    def find_existing(self, ctx: FilingContext) -> Existing | None:
        if ctx.support_plan == "basic":
            return None  # no Support API, hence no case filed through it
        for found in open_cases(ctx.account, refresh=ctx.fresh_reads):
            if is_case_for(ctx.target, str(found.get("subject", ""))):
                return Existing(self.name, None, found.get("caseId"), found.get("status"))
        return None

    def case_params(self, ctx: FilingContext, case: RenderedCase) -> dict[str, Any]:
        """The exact CreateCase parameters (without issueType) for this target."""
        codes = case_codes(ctx.account, ctx.target.channel)
        params: dict[str, Any] = {
            "subject": case.subject,
            "communicationBody": case.description,
            "serviceCode": codes.service_code,
            "categoryCode": codes.category_code,
            "severityCode": SEVERITY,
            "language": ctx.contact_language,
        }
        if ctx.cc_emails:
            params["ccEmailAddresses"] = list(ctx.cc_emails)
        return params

    def validate(self, ctx: FilingContext, case: RenderedCase) -> Validation:
        """Dry-run the exact CreateCase; keep the parameters AWS accepted for `file`.

        Any refusal of the console's issue type (AWS's wording varies) leads to a dry run of the
        documented one: a dry run creates nothing, so trying it costs nothing."""
        params = self.case_params(ctx, case)
        client = ctx.account.client(SUPPORT, SUPPORT_REGION)  # a dry run creates nothing
        refusals: list[str] = []
        for issue_type in ISSUE_TYPES:
            attempt = {**params, "issueType": issue_type}
            try:
                answer = aws.create_case_dry_run(client, attempt)
            except aws.AWS_ERRORS as exc:
                verdict = self._dry_run_verdict(exc, issue_type)
                if verdict is None:
                    ctx.prepared[self.name] = attempt
                    suffix = "" if issue_type == ISSUE_TYPE else f" (issue type {issue_type})"
                    return Validation(True, ACCEPTED + suffix)
                refusals.append(verdict)
                if error_code(exc) in ACCOUNT_REFUSALS:
                    break  # the same answer whatever the issue type
                continue
            # An endpoint that ignored dryRun created a real case: file() reports it, once.
            ctx.prepared[self.name] = {**attempt, "caseId": answer.get("caseId")}
            return Validation(True, f"case {answer.get('caseId')} created by a dry run")
        return Validation(False, "; ".join(refusals))

    def _dry_run_verdict(self, exc: BaseException, issue_type: str) -> str | None:
        """None: accepted. Else why AWS would refuse. Raises when AWS could not be asked."""
        code = error_code(exc)
        if code == "DryRunOperationException":
            return None
        if code == "SubscriptionRequiredException":
            return f"{PLAN_NEEDED}; {self.if_unavailable}"
        if code == "CaseCreationLimitExceeded":
            # AWS counts cases this ledger never saw (console, other machines).
            later = dt.datetime.now() + dt.timedelta(seconds=LIMIT_RETRY_SECONDS)
            return f"{self.rate_limit} reached for this account; rerun after {later:%H:%M}"
        status = aws.http_status(exc)
        if status is None or status >= 500 or aws.is_throttling(exc):
            raise aws.aws_failure("could not dry-run CreateCase", exc) from exc
        return f"AWS refused a dry run of this case (issue type {issue_type}): {error_message(exc)}"

    def file(self, ctx: FilingContext, case: RenderedCase) -> Filed:
        params = ctx.prepared.get(self.name)
        if params is None:
            validation = self.validate(ctx, case)
            if not validation.accepted:
                raise WriteRefused(validation.detail)
            params = ctx.prepared[self.name]
        if params.get("caseId"):
            return Filed("filed", case_id=params["caseId"], note="created by the dry run")
        client = ctx.account.write_client(SUPPORT, SUPPORT_REGION)
        try:
            response = client.create_case(**params)
        except aws.AWS_ERRORS as exc:
            if error_code(exc) == "CaseCreationLimitExceeded":
                # AWS counts cases this ledger never saw (console, other machines).
                raise RateLimited(
                    f"{self.rate_limit} reached", retry_after=LIMIT_RETRY_SECONDS
                ) from exc
            raise classify_write_error(exc, "CreateCase") from exc
        return Filed("filed", case_id=response.get("caseId"))

    def slot_wait(self, ctx: FilingContext, ledger: Ledger) -> float:
        """Seconds until this ledger's Support filings for the account leave a free slot."""
        now = dt.datetime.now(dt.UTC)
        times = ledger.intent_times(ctx.target.account_id, self.name, now - dt.timedelta(hours=1))
        if len(times) < CASES_PER_HOUR:
            return 0.0
        frees_at = times[-CASES_PER_HOUR] + dt.timedelta(hours=1)
        return max(1.0, (frees_at - now).total_seconds())

    def refresh(self, ctx: FilingContext, entry: Entry) -> AwsView:
        """DescribeCases + DescribeCommunications on the case this target's request opened."""
        from pinpoint_sandbox.ledger.lifecycle import now_iso

        if not entry.case_id:
            return AwsView("filed", read_at=now_iso(), note="no case id was recorded")
        return follow_case(ctx.account, entry.case_id, replied_at=last_reply_time(entry))


class CaseUnreadable(AwsError):
    """The Support API cannot be used by this account (Basic/Developer plan)."""


BASIC_PLAN_NOTE = (
    "the Basic support plan cannot read cases through the API: read case {case} in the "
    "Support Center"
)
COMMUNICATIONS_MAX_PAGES = 50  # a bound on a token loop; a sandbox case has a handful


def read_case(account: AwsAccount, case_id: str) -> tuple[str | None, list[dict[str, Any]], bool]:
    """(case status, newest communications first, more pages exist). Read-only."""
    from botocore.exceptions import BotoCoreError, ClientError

    from pinpoint_sandbox.aws.session import error_code

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
    communications = newest_first(list(page.get("communications") or []))
    return status, communications, bool(page.get("nextToken"))


def _communications(client: SupportClient, case_id: str,
                    case: CaseDetailsTypeDef) -> dict[str, Any]:
    """Every page of DescribeCommunications (AWS documents neither order nor default page
    size: the caller sorts by timeCreated); the case's recent ones when it fails for another
    reason than the plan (which DescribeCases would have shown already)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from pinpoint_sandbox.aws.session import communication_pages

    found: list[CommunicationTypeDef] = []
    token: str | None = None
    try:
        for items, next_token in communication_pages(client, case_id, COMMUNICATIONS_MAX_PAGES):
            found.extend(items)
            token = next_token  # the page a failure would leave unread
    except (ClientError, BotoCoreError):
        if found:  # a later page failed: what was read, and "more exist"
            return {"communications": found, "nextToken": token or "unread"}
        recent = case.get("recentCommunications") or {}
        return {"communications": list(recent.get("communications") or []),
                "nextToken": recent.get("nextToken")}
    return {"communications": found, "nextToken": token}


def newest_first(communications: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By timeCreated, never by position in AWS's answer; unparsable times last."""
    from pinpoint_sandbox.ledger.lifecycle import parse_time

    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(communications, key=lambda c: parse_time(c.get("timeCreated")) or floor,
                  reverse=True)


def follow_case(
    account: AwsAccount, case_id: str, *, request_id: str | None = None,
    quota_status: str | None = None, replied_at: str | None = None,
) -> AwsView:
    """A case's state while the tier is sandbox; a Basic plan gets `open` and a note."""
    from pinpoint_sandbox.ledger.lifecycle import now_iso, question_text, state_from_case

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
