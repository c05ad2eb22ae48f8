"""`doctor`: a read-only self-check of the tool's assumptions on the user's own account.

What it reads, in order: who the caller is and its partition (with the endpoint and signing
region of every service the tool calls); the support plan; per region, ACCOUNT_TIER, the
production-access quotas Service Quotas lists (name, code, adjustable) and the requests and
cases already open; on a plan with the Support API, the service and category codes a case
would use and a `CreateCase` dry run of an example case; whether CloudWatch and CloudTrail
(the voice evidence) can be read. Every AccessDenied met is named as the IAM action to grant.

Zero writes: every call is a read, and the one `CreateCase` is `dryRun=true` (AWS validates
it and creates nothing). Each finding is `ok`, `note` (worth knowing, nothing to fix) or `fix`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NotRequired, TypedDict, TypeVar

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.session import (
    CLOUDTRAIL,
    CLOUDWATCH,
    SERVICE_QUOTAS,
    SMS_VOICE,
    STS,
    SUPPORT,
    AwsAccount,
    Permission,
    error_code,
    error_message,
)
from pinpoint_sandbox.core.errors import ExitCode, PinpointSandboxError

T = TypeVar("T")

# botocore service name → IAM action prefix (iam_policy.BOTOCORE_SERVICE, the other way).
# Support's IAM prefix is its botocore name.
IAM_PREFIX = {SMS_VOICE: "sms-voice", SERVICE_QUOTAS: "servicequotas", SUPPORT: SUPPORT,
              STS: "sts", CLOUDWATCH: "cloudwatch", CLOUDTRAIL: "cloudtrail"}
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                          "UnauthorizedException"})
SERVICES = (STS, SUPPORT, SERVICE_QUOTAS, SMS_VOICE, CLOUDWATCH, CLOUDTRAIL)
EXAMPLE_SUBJECT = "[pinpoint-sandbox doctor] example case (dry run, nothing is created)"
EXAMPLE_BODY = ("A dry run by `pinpoint-sandbox doctor`: AWS validates this case and creates "
                "nothing. The real case carries the questionnaire's answers.")
_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
# `_readable`'s probes: can the voice evidence be read at all? (the voice checks' permission)
EVIDENCE_PROBES = Permission("PinpointSandboxVoiceEvidence",
                             ("cloudwatch:ListMetrics", "cloudtrail:LookupEvents"),
                             needed="voice")


class Caller(TypedDict):
    account_id: str
    arn: str | None
    partition: str
    partition_from: str


class Endpoint(TypedDict):
    service: str
    region: str
    url: str
    signing_region: str


class CaseCodesFound(TypedDict):
    service_code: str
    category_code: str
    category_name: str


class DryRun(TypedDict):
    accepted: bool
    issue_type: str | None
    refusals: list[str]


class SupportFindings(TypedDict, total=False):
    codes: dict[str, CaseCodesFound]
    dry_run: DryRun


class QuotaFound(TypedDict):
    channel: str
    service_code: str
    code: str
    name: str
    adjustable: bool
    why_not: NotRequired[str]


class OpenRequest(TypedDict):
    kind: str
    id: str | None
    status: str | None
    quota_code: NotRequired[str | None]
    case_id: NotRequired[str | None]
    subject: NotRequired[str | None]


class RegionFindings(TypedDict):
    region: str
    tier: str | None
    quotas: list[QuotaFound]
    open_requests: list[OpenRequest]
    cloudwatch: bool
    cloudtrail: bool


@dataclass
class Finding:
    check: str
    status: str  # ok | note | fix
    detail: str
    region: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "region": self.region, "status": self.status,
                "detail": self.detail}


@dataclass
class Report:
    caller: Caller | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    support_plan: str = "unknown"
    support: SupportFindings = field(default_factory=lambda: SupportFindings())
    regions: list[RegionFindings] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    denied: dict[str, str] = field(default_factory=dict)  # IAM action → where it was met

    def add(self, check: str, status: str, detail: str, region: str | None = None) -> None:
        self.findings.append(Finding(check, status, detail, region))

    @property
    def exit_code(self) -> int:
        fix = any(f.status == "fix" for f in self.findings)
        return int(ExitCode.PREREQUISITE) if fix else int(ExitCode.OK)

    def to_json(self, *, redact: bool = False) -> dict[str, Any]:
        doc: dict[str, object] = {
            "caller": self.caller or {},
            "partition": self.caller["partition"] if self.caller else None,
            "endpoints": self.endpoints, "support_plan": self.support_plan,
            SUPPORT: self.support, "regions": self.regions,
            "quota_codes": sorted({q["code"] for r in self.regions for q in r["quotas"]}),
            "checks": [f.to_json() for f in self.findings],
            "access_denied": [{"action": a, "where": w} for a, w in sorted(self.denied.items())],
            "exit_code": self.exit_code,
        }
        masked = mask_account_ids(doc) if redact else doc
        return masked if isinstance(masked, dict) else doc


def mask_account_ids(value: object) -> object:
    """Every 12-digit account id (in ARNs too) as ********3333: pasteable in a bug report,
    and two accounts still tell apart."""
    if isinstance(value, str):
        return _ACCOUNT_ID.sub(lambda m: "********" + m.group(0)[-4:], value)
    if isinstance(value, dict):
        return {k: mask_account_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_account_ids(v) for v in value]
    return value


def _attempt(report: Report, check: str, service: str, read: Callable[[], T],
             region: str | None = None, expected: tuple[type[Exception], ...] = ()) -> T | None:
    """`read()`, or None with a `fix` finding: an AccessDenied named as its IAM action.
    `expected` errors are the caller's to judge."""
    try:
        return read()
    except Exception as exc:  # PinpointSandboxError or botocore's; anything else is a bug
        if isinstance(exc, expected) or not isinstance(
                exc, (PinpointSandboxError, *aws.AWS_ERRORS)):
            raise
        cause = exc.__cause__ if isinstance(exc, PinpointSandboxError) else exc
        code = error_code(cause) if cause is not None else None
        operation = getattr(cause, "operation_name", None)
        if code in DENIED_CODES and operation:
            action = f"{IAM_PREFIX.get(service, service)}:{operation}"
            report.denied.setdefault(action, f"{check}{f' in {region}' if region else ''}")
            report.add(check, "fix", f"AccessDenied: grant {action} "
                       "(`pinpoint-sandbox iam-policy` prints the whole policy)", region)
        else:
            text = exc.message if isinstance(exc, PinpointSandboxError) else error_message(exc)
            report.add(check, "fix", text, region)
        return None


def run_doctor(account: AwsAccount, regions: list[str]) -> Report:
    """Every check, reads only; a failed check never stops the others."""
    report = Report()
    _check_caller(report, account, regions)
    report.endpoints = endpoints(account, regions)
    _check_support(report, account)
    for region in regions:
        report.regions.append(_check_region(report, account, region))
    return report


def _check_caller(report: Report, account: AwsAccount, regions: list[str]) -> None:
    from pinpoint_sandbox.aws.regions import arn_partition, identify, known_partition

    account_id = identify(account, regions)  # a region of another partition: exit 2
    partition = arn_partition(account.caller_arn) or account.partition()
    _, source = known_partition(account)
    report.caller = {"account_id": account_id, "arn": account.caller_arn,
                     "partition": partition, "partition_from": source}
    report.add("caller", "ok", f"{account.caller_arn or account_id} in partition {partition}")


def endpoints(account: AwsAccount, regions: list[str]) -> list[Endpoint]:
    """Where each service the tool calls is sent and which region it is signed for."""
    from pinpoint_sandbox.aws.regions import sts_region

    rows: list[Endpoint] = []
    for service in SERVICES:
        asked = {STS: [sts_region(regions) or regions[0]], SUPPORT: ["global"]}.get(service,
                                                                                   regions)
        for region in asked:
            meta = account.client(service, regions[0] if region == "global" else region).meta
            rows.append({"service": service, "region": region, "url": meta.endpoint_url,
                         "signing_region": meta.region_name})
    return rows


def _check_support(report: Report, account: AwsAccount) -> None:
    from pinpoint_sandbox.aws.support_reads import probe_plan

    plan, problem = probe_plan(account)
    report.support_plan = plan
    if problem:
        if any(code in problem for code in DENIED_CODES):
            report.denied.setdefault("support:DescribeSeverityLevels", "support plan")
            problem = f"AccessDenied: grant support:DescribeSeverityLevels ({problem})"
        report.add("support plan", "fix", problem)
        return
    if plan == "basic":
        report.add("support plan", "note", "Basic: no Support API; the tool files through "
                   "Service Quotas where it lists the quota, else prepares the case for the "
                   "console (--backend manual)")
        return
    report.add("support plan", "ok", "the Support API answers (Business, Enterprise On-Ramp "
               "or Enterprise)")
    _check_case_codes(report, account)


def _check_case_codes(report: Report, account: AwsAccount) -> None:
    from pinpoint_sandbox.aws.support_reads import case_codes

    codes: dict[str, CaseCodesFound] = {}
    for channel in ("sms", "voice"):
        found = _attempt(report, f"support codes ({channel})", SUPPORT,
                         partial(case_codes, account, channel))
        if found is not None:
            codes[channel] = {"service_code": found.service_code,
                              "category_code": found.category_code,
                              "category_name": found.category_name}
            report.add(f"support codes ({channel})", "ok",
                       f"{found.service_code} / {found.category_code} ({found.category_name})")
    report.support["codes"] = codes
    if "sms" in codes:
        report.support["dry_run"] = _dry_run(report, account, codes["sms"])


def _dry_run(report: Report, account: AwsAccount, codes: CaseCodesFound) -> DryRun:
    """CreateCase(dryRun=true) of an example case, each issue type the tool may use."""
    from pinpoint_sandbox.aws.support_reads import ISSUE_TYPES, SEVERITY, dry_run_client

    client = dry_run_client(account)  # dryRun: validated, nothing created
    refusals: list[str] = []
    for issue_type in ISSUE_TYPES:
        params = {"subject": EXAMPLE_SUBJECT, "communicationBody": EXAMPLE_BODY,
                  "serviceCode": codes["service_code"], "categoryCode": codes["category_code"],
                  "severityCode": SEVERITY, "language": "en", "issueType": issue_type}
        try:
            client.create_case(**params, dryRun=True)
        except aws.AWS_ERRORS as exc:
            if error_code(exc) == "DryRunOperationException":
                report.add("case dry run", "ok", f"AWS accepted a dry run (issue type "
                           f"{issue_type})")
                return {"accepted": True, "issue_type": issue_type, "refusals": refusals}
            if error_code(exc) in DENIED_CODES:
                _attempt(report, "case dry run", SUPPORT, partial(_reraise, exc))
                return {"accepted": False, "issue_type": None, "refusals": refusals}
            refusals.append(f"{issue_type}: {error_message(exc)}")
            continue
        # An endpoint that ignored dryRun: say so loudly, it is not AWS's documented behaviour.
        report.add("case dry run", "fix", "the endpoint created a case despite dryRun=true")
        return {"accepted": True, "issue_type": issue_type, "refusals": refusals}
    report.add("case dry run", "fix", "AWS refused every issue type: " + "; ".join(refusals))
    return {"accepted": False, "issue_type": None, "refusals": refusals}


def _reraise(exc: BaseException) -> None:
    raise exc


def _check_region(report: Report, account: AwsAccount, region: str) -> RegionFindings:
    from pinpoint_sandbox.aws.facts import read_tier

    row: RegionFindings = {"region": region, "tier": None, "quotas": [], "open_requests": [],
                           "cloudwatch": False, "cloudtrail": False}
    tier = _attempt(report, "tier", SMS_VOICE, lambda: read_tier(account, region), region)
    if tier is not None:
        row["tier"] = tier[0]
        report.add("tier", "ok", f"ACCOUNT_TIER {tier[0] or '(not listed)'}", region)
    row["quotas"] = _check_quotas(report, account, region)
    row["open_requests"] = _open_requests(report, account, region, row["quotas"])
    row["cloudwatch"] = _readable(report, account, region, CLOUDWATCH)
    row["cloudtrail"] = _readable(report, account, region, CLOUDTRAIL)
    return row


def _check_quotas(report: Report, account: AwsAccount, region: str) -> list[QuotaFound]:
    from pinpoint_sandbox.aws.quota_reads import (
        Quota,
        ServiceQuotasAbsent,
        adjustable_problem,
        catalogue_entries,
        is_production_quota,
        quota_details,
    )

    try:
        entries = _attempt(report, "quotas", SERVICE_QUOTAS,
                           partial(catalogue_entries, account, region), region,
                           expected=(ServiceQuotasAbsent,))
    except ServiceQuotasAbsent as exc:  # not offered here: nothing for the user to fix
        report.add("quotas", "note", f"{exc.message}: the tool files through Support (or the "
                   "console)", region)
        return []
    if entries is None:
        return []
    found: list[QuotaFound] = []
    for (service_code, code), item in sorted(entries.items()):
        name = str(item.get("QuotaName", ""))
        channel = next((c for c in ("sms", "voice") if is_production_quota(name, c)), None)
        if channel is None:
            continue
        quota = Quota(service_code, code, name)
        details = _attempt(report, "quotas", SERVICE_QUOTAS,
                           partial(quota_details, account, region, quota), region)
        problem = adjustable_problem(details) if details is not None else "unknown"
        row: QuotaFound = {"channel": channel, "service_code": service_code, "code": code,
                           "name": name, "adjustable": problem is None}
        if problem:
            row["why_not"] = problem
        found.append(row)
    _judge_quotas(report, region, found)
    return found


def _judge_quotas(report: Report, region: str, found: list[QuotaFound]) -> None:
    for channel in ("sms", "voice"):
        mine = [q for q in found if q["channel"] == channel]
        if not mine:
            report.add("quotas", "note", f"no {channel} production-access quota listed: the "
                       "tool files through Support (or the console)", region)
        for quota in mine:
            state = "adjustable" if quota["adjustable"] else \
                f"not adjustable ({quota.get('why_not')}): the tool falls back to Support"
            report.add("quotas", "ok", f"{quota['name']} {quota['code']} "
                       f"({quota['service_code']}): {state}", region)


def _open_requests(report: Report, account: AwsAccount, region: str,
                   quotas: list[QuotaFound]) -> list[OpenRequest]:
    from pinpoint_sandbox.aws.quota_reads import OPEN_STATUSES, request_history
    from pinpoint_sandbox.aws.support_reads import is_case_for, open_cases
    from pinpoint_sandbox.core.targets import Target

    found: list[OpenRequest] = []
    for service_code in sorted({q["service_code"] for q in quotas}):
        history = _attempt(report, "open requests", SERVICE_QUOTAS,
                           partial(request_history, account, region, service_code), region)
        found += [{"kind": "quota request", "id": r.get("Id"), "quota_code": r.get("QuotaCode"),
                   "status": r.get("Status"), "case_id": r.get("CaseId")}
                  for r in history or [] if r.get("Status") in OPEN_STATUSES]
    if report.support_plan == "business":
        account_id = str(report.caller["account_id"] if report.caller else None)
        targets = [Target(account_id, region, channel) for channel in ("sms", "voice")]
        cases = _attempt(report, "open requests", SUPPORT, partial(open_cases, account))
        found += [{"kind": "support case", "id": c.get("caseId"), "status": c.get("status"),
                   "subject": c.get("subject")} for c in cases or []
                  if any(is_case_for(t, str(c.get("subject", ""))) for t in targets)]
    words = ", ".join(f"{f['kind']} {f['id']} ({f['status']})" for f in found) or "none"
    report.add("open requests", "ok", words, region)
    return found


def _readable(report: Report, account: AwsAccount, region: str, service: str) -> bool:
    """One small read of the voice evidence source (CloudWatch metrics, CloudTrail events)."""
    from pinpoint_sandbox.checks.voice_evidence import EVENT_NAME, NAMESPACE

    def read() -> bool:
        if service == CLOUDWATCH:
            account.client(CLOUDWATCH, region).list_metrics(Namespace=NAMESPACE)
        else:
            account.client(CLOUDTRAIL, region).lookup_events(MaxResults=1, LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": EVENT_NAME}])
        return True

    ok = _attempt(report, service, service, read, region)
    if ok:
        report.add(service, "ok", "readable (voice evidence)", region)
    return bool(ok)
