"""Read-only checks for one target, run in worker threads before anything is filed.

Order (DESIGN "Filing"): account tier → voice prerequisite → what is already open (ledger, then
AWS) → support plan and quota discovery → which backend `auto` picks. Every call here is a read;
a failure turns the target into `failed` with one line, never into a write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pinpoint_sandbox.aws import AwsAccount
from pinpoint_sandbox.backends.base import Existing, FilingContext
from pinpoint_sandbox.backends.choose import backend_by_name, choose_backend
from pinpoint_sandbox.backends.service_quotas import Quota, ServiceQuotasAbsent, discover_quota
from pinpoint_sandbox.backends.support import support_plan
from pinpoint_sandbox.errors import AwsError, PinpointSandboxError
from pinpoint_sandbox.ledger import Entry
from pinpoint_sandbox.targets import Action, RenderedCase, Target

# AWS GovCloud: "Text to voice messages are only supported in AWS GovCloud (US-West)".
VOICE_UNAVAILABLE_REGIONS = frozenset({"us-gov-east-1"})


@dataclass
class TargetPlan:
    """One target on its way through the pipeline; preflight fills in the middle part."""

    target: Target
    account: AwsAccount
    answers: Any  # answers.SmsAnswers | answers.VoiceAnswers
    requested_backend: str
    case: RenderedCase | None = None
    tier: str | None = None
    support_plan: str = "unknown"
    quota: Quota | None = None
    backend: str | None = None
    backend_reason: str = ""
    existing: Existing | None = None
    evidence: Any = None  # voice_evidence.VoiceEvidence
    decided: Action | None = None  # skipped / blocked / failed when preflight settles it
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.decided is None

    def settle(self, action: Action, reason: str) -> None:
        self.decided, self.reason = action, reason

    def filing_context(self) -> FilingContext:
        return FilingContext(
            account=self.account,
            target=self.target,
            contact_language=str(getattr(self.answers, "contact_language", "en") or "en"),
            cc_emails=list(getattr(self.answers, "contact_emails", None) or []),
            quota=self.quota,
            support_plan=self.support_plan,
        )


def existing_from_ledger(entry: Entry | None) -> Existing | None:
    if entry is None or not entry.done or entry.denied:
        return None  # denied: only `--refile` gets this far (refile.gate), AWS is still asked
    status = "awaiting you in the console" if entry.status == "awaiting_user" else entry.status
    return Existing("ledger", entry.request_id, entry.case_id, status)


def find_existing_at_aws(plan: TargetPlan) -> Existing | None:
    """Ask every backend that can know (quota history, Support cases).

    A quota history that cannot be read is tolerated only when Service Quotas itself will
    file: it refuses a second open request on a quota (ResourceAlreadyExistsException), which
    filing handles. Any other unreadable lookup stops the target: never file blind.
    """
    ctx = plan.filing_context()
    if plan.quota is not None:
        try:
            found = backend_by_name("service-quotas").find_existing(ctx)
        except AwsError as exc:
            if plan.requested_backend not in ("auto", "service-quotas"):
                raise AwsError(
                    f"could not check Service Quotas for an open request ({exc.message}); "
                    "nothing filed, rerun when it answers"
                ) from exc
            plan.notes.append(f"quota history unreadable ({exc.message})")
            found = None
        if found:
            return found
    if plan.support_plan != "basic":
        # Also when the plan probe failed ("unknown"): our tagged cases must be looked for.
        # A SubscriptionRequiredException here means no Support API, hence no API cases.
        return backend_by_name("support").find_existing(ctx)
    return None


def run_preflight(
    plan: TargetPlan,
    *,
    ledger_entry: Entry | None,
    quota_code: str | None = None,
    probe_voice: bool = True,
) -> TargetPlan:
    if plan.decided:
        return plan  # settled before preflight (e.g. an interrupted run AWS could not confirm)
    try:
        _preflight(plan, ledger_entry, quota_code, probe_voice)
    except PinpointSandboxError as exc:
        if exc.exit_code == 2:
            raise  # bad input (e.g. a wrong --quota-code) stops the whole run
        plan.settle("failed", exc.message)
    return plan


def _preflight(
    plan: TargetPlan,
    entry: Entry | None,
    quota_code: str | None,
    probe_voice: bool,
) -> None:
    from pinpoint_sandbox.account_facts import read_tier

    target, account = plan.target, plan.account

    done = existing_from_ledger(entry)
    if done:
        plan.existing = done
        plan.settle("skipped", done.describe())
        return

    raw_tier, in_production = read_tier(account, target.region)
    plan.tier = raw_tier
    if in_production:
        plan.settle("skipped", f"account tier in {target.region} is already {raw_tier}")
        return

    plan.support_plan = support_plan(account)
    if target.channel == "voice" and not _voice_prerequisite_met(plan, probe=probe_voice):
        return

    # The quota is looked up whatever the backend: its request history is where an open
    # request for this target shows up, even if it was filed through the console.
    if plan.requested_backend == "service-quotas":
        plan.quota = discover_quota(account, target.region, target.channel, quota_code)
    else:
        try:
            plan.quota = discover_quota(account, target.region, target.channel, quota_code)
        except ServiceQuotasAbsent as exc:
            # Not offered here at all, so no request can be open in it: other backends may file.
            plan.notes.append(f"Service Quotas not usable: {exc.message}")
        except AwsError as exc:
            # Unreadable is not absent: an open request could hide behind the failure.
            raise AwsError(
                f"could not check Service Quotas for an open request ({exc.message}); "
                "nothing filed, rerun when it answers"
            ) from exc

    existing = find_existing_at_aws(plan)
    if existing:
        plan.existing = existing
        plan.settle("skipped", existing.describe())
        return

    plan.backend, plan.backend_reason = choose_backend(
        plan.requested_backend, quota_found=plan.quota is not None, support_plan=plan.support_plan
    )
    if plan.notes:
        plan.backend_reason = "; ".join([plan.backend_reason, *plan.notes])
    if plan.backend == "service-quotas" and plan.quota is None:
        plan.settle(
            "blocked",
            f"Service Quotas lists no {target.channel} production-access quota in "
            f"{target.region}; use --backend auto, support or manual",
        )
    elif plan.backend == "support" and plan.support_plan == "basic":
        plan.settle(
            "blocked",
            "the Support API needs a Business, Enterprise On-Ramp or Enterprise support plan; "
            "use --backend manual",
        )


def _voice_prerequisite_met(plan: TargetPlan, *, probe: bool) -> bool:
    """AWS refuses voice production access until one voice message was sent from the account.

    CloudWatch or CloudTrail evidence also proves voice works in the region. Without it, a
    DryRun SendVoiceMessage (validated, never sent) tells "voice unavailable here" apart from
    "nothing sent yet"; `probe=False` (the --dry-run preview) skips that call.
    """
    from pinpoint_sandbox.voice_evidence import voice_available, voice_evidence

    target, account = plan.target, plan.account
    if target.region in VOICE_UNAVAILABLE_REGIONS:
        plan.settle("blocked", f"voice messaging is not available in {target.region}")
        return False
    attestation = bool(getattr(plan.answers, "voice_message_sent", False))
    plan.evidence = voice_evidence(account, target.region, attestation=attestation)
    api_evidence = plan.evidence.found and plan.evidence.source != "attestation"
    if not api_evidence and probe and voice_available(account, target.region) is False:
        plan.settle("blocked", f"voice messaging is not available in {target.region}")
        return False
    if not plan.evidence.found and plan.evidence.unreadable:
        plan.settle(
            "failed",
            "could not check whether a voice message was sent: "
            + "; ".join(plan.evidence.unreadable) + "; rerun when AWS answers",
        )
        return False
    if not plan.evidence.found:
        plan.settle(
            "blocked",
            "AWS requires one voice message sent before voice production access: "
            f"{plan.evidence.detail}",
        )
        return False
    return True
