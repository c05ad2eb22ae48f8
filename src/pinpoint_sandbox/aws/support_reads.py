"""Support API reads shared by the backends and the checks: the support plan, the open cases
(and which are a target's), the service and category codes a case uses, and one case with its
communications. Read-only.

Service and category codes come from `DescribeServices` (AWS: "always use the codes it
returns"), never guessed. A case's subject carries `Target.tag`, so the open cases of a target
are recognised in `DescribeCases`, which has no server-side filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Unpack, cast

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.errors import error_code, error_message
from pinpoint_sandbox.aws.session import SUPPORT, SUPPORT_REGION, AwsAccount, Fact
from pinpoint_sandbox.core.errors import AwsError
from pinpoint_sandbox.core.targets import Channel, Target

if TYPE_CHECKING:
    from types_boto3_support.client import SupportClient
    from types_boto3_support.type_defs import (
        CaseDetailsTypeDef,
        CommunicationTypeDef,
        CreateCaseRequestTypeDef,
        CreateCaseResponseTypeDef,
        RecentCaseCommunicationsTypeDef,
        ServiceTypeDef,
    )

# A communication as AWS listed it (body, submittedBy, timeCreated, …).
Communication = dict[str, object]

LIMIT_SERVICE_CODE = "service-limit-increase"
# CreateCase's issue types: what AWS-authored quota tooling sends, then the documented one
# (the console's "Account and billing"); dry-run in this order, file the first accepted.
ISSUE_TYPE = "service-limit-increase"
FALLBACK_ISSUE_TYPE = "customer-service"
ISSUE_TYPES = (ISSUE_TYPE, FALLBACK_ISSUE_TYPE)
SEVERITY = "low"
# Category codes seen in AWS-authored code; used only to pick among what DescribeServices returns.
CATEGORY_HINTS: dict[str, tuple[str, ...]] = {
    "sms": ("service-code-pinpoint-sms", "pinpoint-sms", "sms"),
    "voice": ("pinpoint-voice", "voice"),
}
BASIC_PLAN_NOTE = (
    "the Basic support plan cannot read cases through the API: read case {case} in the "
    "Support Center"
)
COMMUNICATIONS_MAX_PAGES = 50  # a bound on a token loop; a sandbox case has a handful


@dataclass(frozen=True)
class CaseCodes:
    service_code: str
    category_code: str
    category_name: str


class CaseUnreadable(AwsError):
    """The Support API cannot be used by this account (Basic/Developer plan)."""


def support_client(account: AwsAccount) -> SupportClient:
    client: SupportClient = account.client(SUPPORT, SUPPORT_REGION)
    return client


class DryRunSupportClient(Protocol):
    """CreateCase with `dryRun` (botocore >= 1.43.84): the installed stubs predate it."""

    def create_case(self, *, dryRun: bool,
                    **params: Unpack[CreateCaseRequestTypeDef]) -> CreateCaseResponseTypeDef: ...


def dry_run_client(account: AwsAccount) -> DryRunSupportClient:
    """The Support client for a CreateCase dry run (validated, nothing created)."""
    return cast("DryRunSupportClient", account.client(SUPPORT, SUPPORT_REGION))


def probe_plan(account: AwsAccount) -> tuple[str, str | None]:
    """('business' | 'basic' | 'unknown', the probe's error when unknown); once per run.

    'basic' only on SubscriptionRequiredException: a probe that failed (throttled, 5xx,
    timeout) says nothing about the plan, and is never taken for Basic."""

    # Account-wide: probed once per run, however many targets ask at the same time.
    return account.read(SUPPORT_PLAN)


def _probe_plan(account: AwsAccount) -> tuple[str, str | None]:
    try:
        support_client(account).describe_severity_levels(language="en")
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
        pages = support_client(account).get_paginator("describe_cases").paginate(
            includeResolvedCases=False, includeCommunications=False)
        for page in pages:
            cases.extend(page.get("cases", []))
    except aws.AWS_ERRORS as exc:
        if error_code(exc) != "SubscriptionRequiredException":
            raise aws.aws_failure("Support DescribeCases", exc) from exc
        # No Support API on this plan, hence no case filed through it.
    return cases


OPEN_CASES = Fact("support-open-cases", _read_open_cases, actions=("support:DescribeCases",))


def open_case_for(account: AwsAccount, target: Target, *,
                  refresh: bool = False) -> CaseDetailsTypeDef | None:
    """The target's open case (our tag, or its production-access case opened another way)."""
    return next((case for case in open_cases(account, refresh=refresh)
                 if is_case_for(target, str(case.get("subject", "")))), None)


def pick_category(services: list[ServiceTypeDef], channel: Channel) -> CaseCodes | None:
    """The End User Messaging category for `channel`, preferring the limit-increase service.

    Exact category codes first (those AWS's own quota cases use), then category names.
    """
    ordered = sorted(services, key=lambda svc: svc.get("code") != LIMIT_SERVICE_CODE)
    for matcher in (_exact_code, _fuzzy_code, _by_name):
        for service in ordered:
            for cat in service.get("categories", []):
                code, name = str(cat.get("code", "")), str(cat.get("name", ""))
                if matcher(code, name, channel):
                    return CaseCodes(str(service.get("code")), code, name)
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
    client = support_client(account)
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


# Read only to file a Support case: the Support backend's statements grant it.
CASE_CODES = Fact("support-case-codes", _read_case_codes, actions=("support:DescribeServices",),
                  every_run=False)


@dataclass(frozen=True)
class CaseRead:
    """One case as the Support API shows it: its status, its communications newest first, and
    whether more pages exist than were read."""

    status: str | None
    communications: list[Communication]
    more: bool


def is_display_id(case_id: str) -> bool:
    """The number the Support Center shows (and Service Quotas returns as its CaseId)."""
    return case_id.isascii() and case_id.isdigit()


def resolve_case(account: AwsAccount, region: str, case_id: str) -> CaseDetailsTypeDef | None:
    """The case (DescribeCases, no communications) named by a display id or a caseId; None
    when AWS has none. Any other failure is an AwsError: the caller decides what it means."""
    client = account.client(SUPPORT, region)
    try:
        if is_display_id(case_id):
            found = client.describe_cases(displayId=case_id, includeResolvedCases=True,
                                          includeCommunications=False)
        else:
            found = client.describe_cases(caseIdList=[case_id], includeResolvedCases=True,
                                          includeCommunications=False)
    except aws.AWS_ERRORS as exc:
        if error_code(exc) == "CaseIdNotFound":
            return None
        raise aws.aws_failure(f"Support DescribeCases for case {case_id}", exc) from exc
    cases: list[CaseDetailsTypeDef] = found.get("cases", [])
    return cases[0] if cases else None


def communications(account: AwsAccount, region: str,
                   case_id: str) -> Iterator[CommunicationTypeDef]:
    """Every communication on the case, every page (AWS documents no order)."""
    client = account.client(SUPPORT, region)
    try:  # 1,000 pages: a bound, not a limit any real case reaches
        for items, _ in aws.communication_pages(client, case_id, max_pages=1000):
            yield from items
    except aws.AWS_ERRORS as exc:
        raise aws.aws_failure(f"Support DescribeCommunications for case {case_id}", exc) from exc


def read_case(account: AwsAccount, case_id: str) -> CaseRead:
    """The case named by its caseId or its display id (the number the Support Center shows).
    Raises CaseUnreadable on a plan without the Support API. Read-only."""
    client = support_client(account)
    try:
        if is_display_id(case_id):  # the console's display id (what a user copies)
            answer = client.describe_cases(displayId=case_id, includeResolvedCases=True,
                                           includeCommunications=True)
        else:
            answer = client.describe_cases(caseIdList=[case_id], includeResolvedCases=True,
                                           includeCommunications=True)
        cases = answer.get("cases", [])
        case: CaseDetailsTypeDef = cases[0] if cases else {}
        communications, token = _communications(client, str(case.get("caseId") or case_id), case)
    except aws.AWS_ERRORS as exc:
        if error_code(exc) == "SubscriptionRequiredException":
            raise CaseUnreadable(BASIC_PLAN_NOTE.format(case=case_id)) from exc
        raise AwsError(f"Support case {case_id}: {error_message(exc)}") from exc
    return CaseRead(case.get("status"), newest_first(communications), bool(token))


def _communications(client: SupportClient, case_id: str,
                    case: CaseDetailsTypeDef) -> tuple[list[Communication], str | None]:
    """Every page of DescribeCommunications (AWS documents neither order nor default page
    size: the caller sorts by timeCreated), with the token of a page left unread; the case's
    recent ones when it fails for another reason than the plan (which DescribeCases would
    have shown already)."""
    found: list[Communication] = []
    token: str | None = None
    try:
        for items, next_token in aws.communication_pages(client, case_id,
                                                         COMMUNICATIONS_MAX_PAGES):
            found.extend(dict(item) for item in items)
            token = next_token  # the page a failure would leave unread
    except aws.AWS_ERRORS:
        if found:  # a later page failed: what was read, and "more exist"
            return found, token or "unread"
        recent: RecentCaseCommunicationsTypeDef = case.get("recentCommunications") or {}
        return ([dict(c) for c in recent.get("communications") or []],
                recent.get("nextToken"))
    return found, token


def _created(communication: Communication) -> dt.datetime:
    """When AWS says the communication was made; unparsable times sort last."""
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    try:
        when = dt.datetime.fromisoformat(
            str(communication.get("timeCreated") or "").replace("Z", "+00:00"))
    except ValueError:
        return floor
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def newest_first(communications: list[Communication]) -> list[Communication]:
    """By timeCreated, never by position in AWS's answer; unparsable times last."""
    return sorted(communications, key=_created, reverse=True)
