"""Support API backend: `CreateCase` on the global endpoint, one case per target.

Service and category codes come from `DescribeServices` (AWS: "always use the codes it
returns"), never guessed. The subject carries `Target.tag`, so `find_existing` can recognise our
own cases with `DescribeCases`, which has no server-side filter (both reads in
`aws/support_reads.py`).

Every case is proven before it is filed: `validate` sends the exact `CreateCase` with
`dryRun=True` (botocore >= 1.43.84); AWS answers `DryRunOperationException` when it would accept
it, and creates nothing. When AWS refuses the console's `service-limit-increase` issue type, the
documented `customer-service` type is dry-run next, and the case is filed with the one that
passed: a real `CreateCase` is never sent only to learn that it is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.errors import error_code, error_message
from pinpoint_sandbox.aws.session import SUPPORT, SUPPORT_REGION
from pinpoint_sandbox.aws.support_reads import (
    ISSUE_TYPE,
    ISSUE_TYPES,
    SEVERITY,
    case_codes,
    dry_run_client,
    open_case_for,
    probe_plan,
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
    follow_case,
    last_reply_time,
)
from pinpoint_sandbox.core.errors import AwsError
from pinpoint_sandbox.core.targets import RenderedCase
from pinpoint_sandbox.ledger.lifecycle import AwsView, now_iso
from pinpoint_sandbox.ledger.store import Entry

if TYPE_CHECKING:
    from types_boto3_support.client import SupportClient
    from types_boto3_support.type_defs import CreateCaseRequestTypeDef

    from pinpoint_sandbox.ledger.store import Ledger

CASES_PER_HOUR = 10
LIMIT_RETRY_SECONDS = 300.0  # AWS said "limit reached" without saying until when
ACCEPTED = "AWS accepted a dry run of this case"
# Refusals about the account, not the case: no other issue type would pass.
ACCOUNT_REFUSALS = frozenset({"SubscriptionRequiredException", "CaseCreationLimitExceeded"})
PLAN_NEEDED = "the Support API needs a Business, Enterprise On-Ramp or Enterprise support plan"


@dataclass(frozen=True)
class PreparedCase:
    """The CreateCase parameters AWS accepted in a dry run (and the case, when an endpoint
    that ignored dryRun created one)."""

    params: CreateCaseRequestTypeDef
    created_case_id: str | None = None


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
    kind = "support-case"

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
        found = open_case_for(ctx.account, ctx.target, refresh=ctx.fresh_reads)
        if found is None:
            return None
        return Existing(self.name, None, found.get("caseId"), found.get("status"))

    def case_params(self, ctx: FilingContext, case: RenderedCase) -> CreateCaseRequestTypeDef:
        """The exact CreateCase parameters (without issueType) for this target."""
        codes = case_codes(ctx.account, ctx.target.channel)
        params: CreateCaseRequestTypeDef = {
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
        client = dry_run_client(ctx.account)  # a dry run creates nothing
        refusals: list[str] = []
        for issue_type in ISSUE_TYPES:
            attempt: CreateCaseRequestTypeDef = {**params, "issueType": issue_type}
            try:
                answer = client.create_case(**attempt, dryRun=True)
            except aws.AWS_ERRORS as exc:
                verdict = self._dry_run_verdict(exc, issue_type)
                if verdict is None:
                    ctx.prepared[self.name] = PreparedCase(attempt)
                    suffix = "" if issue_type == ISSUE_TYPE else f" (issue type {issue_type})"
                    return Validation(True, ACCEPTED + suffix)
                refusals.append(verdict)
                if error_code(exc) in ACCOUNT_REFUSALS:
                    break  # the same answer whatever the issue type
                continue
            # An endpoint that ignored dryRun created a real case: file() reports it, once.
            ctx.prepared[self.name] = PreparedCase(attempt, answer.get("caseId"))
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
        prepared = ctx.prepared.get(self.name)
        if not isinstance(prepared, PreparedCase):
            validation = self.validate(ctx, case)
            if not validation.accepted:
                raise WriteRefused(validation.detail)
            prepared = ctx.prepared[self.name]
            assert isinstance(prepared, PreparedCase)  # validate() stores it when accepted
        if prepared.created_case_id:
            return Filed("filed", case_id=prepared.created_case_id, note="created by the dry run")
        client: SupportClient = ctx.account.write_client(SUPPORT, SUPPORT_REGION)
        try:
            response = client.create_case(**prepared.params)
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
        if not entry.case_id:
            return AwsView("filed", read_at=now_iso(), note="no case id was recorded")
        return follow_case(ctx.account, entry.case_id, replied_at=last_reply_time(entry))
