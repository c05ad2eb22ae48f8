"""Service Quotas backend: `RequestServiceQuotaIncrease(DesiredValue=1)` on the channel's
production-access quota, in the target region.

The quota is discovered at run time (`aws/quota_reads.py`: AWS publishes neither its code nor
its exact name); `--quota-code` pins one. The request's case, once AWS opens it, gets the
rendered description with its own tracked write (tracking/delivery.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.errors import error_code, error_message
from pinpoint_sandbox.aws.quota_reads import (
    Quota,
    ServiceQuotasAbsent,
    adjustable_problem,
    discover_quota,
    open_request_in,
    quota_details,
    request_history,
    requested_change,
)
from pinpoint_sandbox.aws.session import SERVICE_QUOTAS
from pinpoint_sandbox.aws.support_reads import CaseUnreadable, read_case
from pinpoint_sandbox.backends.base import (
    AlreadyExists,
    Backend,
    Existing,
    Filed,
    FilingContext,
    Validation,
    classify_write_error,
    follow_case,
    last_reply_time,
)
from pinpoint_sandbox.core.errors import AwsError
from pinpoint_sandbox.core.jsonvalue import JsonObject
from pinpoint_sandbox.core.targets import RenderedCase
from pinpoint_sandbox.ledger.case_files import write_case_file
from pinpoint_sandbox.ledger.lifecycle import (
    AwsView,
    clip_message,
    last_aws_message,
    now_iso,
    state_from_quota,
)
from pinpoint_sandbox.ledger.store import Entry

if TYPE_CHECKING:
    from types_boto3_service_quotas.client import ServiceQuotasClient


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
    kind = "quota-request"
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
        found = open_request_in(history, quota.quota_code)
        if found is None:
            return None
        return Existing(self.name, found.get("Id"), found.get("CaseId"), found.get("Status"))

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
        client: ServiceQuotasClient = ctx.account.write_client(SERVICE_QUOTAS, ctx.target.region)
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
        extra: JsonObject = {"description": case.description, "plan": ctx.support_plan}
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
        if not entry.request_id:
            if entry.case_id:
                return follow_case(ctx.account, entry.case_id, replied_at=last_reply_time(entry))
            return AwsView("filed", read_at=now_iso(), note="no request id was recorded")
        requested = requested_change(ctx.account, ctx.target.region, entry.request_id)
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
    try:
        case = read_case(ctx.account, case_id)
    except (CaseUnreadable, AwsError):  # the denial is the quota's word; the reason is extra
        return None
    communications = case.communications
    found = last_aws_message(communications)
    if found is None and (case.more or len(communications) > 1):
        # No submitter reads as AWS's: the newest entry after the opening one is the answer.
        found = clip_message(str(communications[0].get("body") or "")) or None
    return found
