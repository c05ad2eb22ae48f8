"""Read-only checks for one target, run in worker threads before anything is filed.

Order (DESIGN "Filing"): what the ledger knows → account tier → every backend's discovery
(support plan, quota) → voice prerequisite → what is already open at AWS (every backend looks)
→ which backend files (`registry.choose`) → AWS checks the exact case without filing it
(`Backend.validate`, e.g. a CreateCase dry run). Nothing here writes; a failure turns the
target into `failed` with one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pinpoint_sandbox.aws.facts import read_tier
from pinpoint_sandbox.aws.quota_reads import Quota, approved_request
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.backends.base import Existing, FilingContext, Validation
from pinpoint_sandbox.checks.destinations import DestinationStatus
from pinpoint_sandbox.checks.voice_evidence import VoiceEvidence, voice_available, voice_evidence
from pinpoint_sandbox.core.errors import ExitCode, PinpointSandboxError
from pinpoint_sandbox.core.targets import Action, RenderedCase, Target
from pinpoint_sandbox.ledger.store import Entry
from pinpoint_sandbox.questionnaire.answers import Answers, VoiceAnswers

# AWS GovCloud: "Text to voice messages are only supported in AWS GovCloud (US-West)".
VOICE_UNAVAILABLE_REGIONS = frozenset({"us-gov-east-1"})


@dataclass(slots=True)  # thousands per organization run: no per-instance dict
class TargetPlan:
    """One target on its way through the pipeline; preflight fills in the middle part."""

    target: Target
    account: AwsAccount
    answers: Answers | None  # None: only what AWS says (e.g. `status`), nothing to render
    requested_backend: str
    case: RenderedCase | None = None
    tier: str | None = None
    support_plan: str = "unknown"
    quota: Quota | None = None
    backend: str | None = None
    backend_reason: str = ""
    existing: Existing | None = None
    evidence: VoiceEvidence | None = None
    decided: Action | None = None  # skipped / blocked / failed when preflight settles it
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    validation: Validation | None = None  # what AWS said about the exact case, asked unfiled
    # What says the channel is already in production: "tier" (SMS) or "request" (voice).
    production_evidence: str | None = None
    # Per destination country (SMS answers), after preflight.
    destinations: list[DestinationStatus] = field(default_factory=list)
    _ctx: FilingContext | None = field(default=None, repr=False, compare=False)

    @property
    def ready(self) -> bool:
        return self.decided is None

    def settle(self, action: Action, reason: str) -> None:
        self.decided, self.reason = action, reason

    def filing_context(self) -> FilingContext:
        """The target's one context: backends store what they discover in it."""
        if self._ctx is None:
            self._ctx = FilingContext(
                account=self.account,
                target=self.target,
                contact_language=self.answers.contact_language if self.answers else "en",
                cc_emails=list(self.answers.contact_emails or []) if self.answers else [],
                requested_backend=self.requested_backend,
                quota=self.quota,
                support_plan=self.support_plan,
            )
        return self._ctx

    def keep_outcome_only(self) -> None:
        """A dry run's plan after preflight: drop what only filing or `check` reads (the
        backend's context, the quota, AWS's verdict on the case, the voice evidence), so an
        organization's thousands of previewed targets keep what their results show."""
        self._ctx = None
        self.quota = None
        self.validation = None
        self.evidence = None


def existing_from_ledger(entry: Entry | None) -> Existing | None:
    if entry is None or not entry.done or entry.denied:
        return None  # denied: only `--refile` gets this far (refile.gate), AWS is still asked
    status = "awaiting you in the console" if entry.status == "awaiting_user" else entry.status
    return Existing("ledger", entry.request_id, entry.case_id, status)


def find_existing_at_aws(plan: TargetPlan | FilingContext) -> Existing | None:
    """Ask every backend that can know (`checks.existing`, where `status` reads it)."""
    from pinpoint_sandbox.checks import existing  # a layer of import-time depth less

    return existing.find_existing_at_aws(
        plan.filing_context() if isinstance(plan, TargetPlan) else plan)


def run_preflight(
    plan: TargetPlan,
    *,
    ledger_entry: Entry | None,
    quota_code: str | None = None,
    probe_voice: bool = True,
    validate: bool = True,
) -> TargetPlan:
    """Settle the target or leave it ready. `validate`: have AWS check the rendered case."""
    if plan.decided:
        return plan  # settled before preflight (e.g. an interrupted run AWS could not confirm)
    try:
        _preflight(plan, ledger_entry, quota_code, probe_voice)
        if validate and plan.ready and plan.case is not None:
            validate_case(plan)
    except PinpointSandboxError as exc:
        if exc.exit_code == ExitCode.USAGE:
            raise  # bad input (e.g. a wrong --quota-code) stops the whole run
        plan.settle("failed", exc.message)
    return plan


def prepare_backends(plan: TargetPlan, quota_code: str | None) -> None:
    """Every backend's discovery (each may look for open requests later); the first failure
    is raised after all ran, so the facts that could be read are still shown."""
    ctx = plan.filing_context()
    ctx.quota_code = quota_code
    failure: PinpointSandboxError | None = None
    for backend in registry.backends():
        try:
            backend.prepare(ctx)
        except PinpointSandboxError as exc:
            if exc.exit_code == ExitCode.USAGE:
                raise
            failure = failure or exc
    plan.support_plan, plan.quota = ctx.support_plan, ctx.quota
    if failure is not None:
        raise failure


def _preflight(
    plan: TargetPlan,
    entry: Entry | None,
    quota_code: str | None,
    probe_voice: bool,
) -> None:
    target, account = plan.target, plan.account

    done = existing_from_ledger(entry)
    if done:
        plan.existing = done
        plan.settle("skipped", done.describe())
        return

    # One read per account-region and run: the sms and voice targets of a region share it.
    raw_tier, in_production = read_tier(account, target.region)
    plan.tier = raw_tier
    if in_production and target.channel == "sms":  # ACCOUNT_TIER is SMS's evidence only
        plan.production_evidence = "tier"
        plan.settle("skipped", f"account tier in {target.region} is already {raw_tier}")
        return

    prepare_backends(plan, quota_code)
    if target.channel == "voice" and _voice_approved(plan, in_production):
        return
    if target.channel == "voice" and not _voice_prerequisite_met(plan, probe=probe_voice):
        return

    existing = find_existing_at_aws(plan)
    if existing:
        plan.existing = existing
        plan.settle("skipped", existing.describe())
        return

    ctx = plan.filing_context()
    backend, unavailable, why = registry.choose(ctx)
    plan.backend = backend.name
    plan.notes = list(ctx.notes)
    plan.backend_reason = "; ".join([why, *plan.notes])
    if unavailable:
        plan.settle("blocked", unavailable)


def _voice_approved(plan: TargetPlan, in_production: bool) -> bool:
    """Voice is production only by its own approved request (Service Quotas history); a
    PRODUCTION tier alone is noted, not believed (AWS documents no channel for it)."""
    found = approved_request(plan.account, plan.target.region, plan.quota) if plan.quota else None
    if found:
        plan.production_evidence = "request"
        plan.settle("skipped", f"voice production access already approved (request {found})")
        return True
    if in_production:
        plan.filing_context().notes.append(
            f"ACCOUNT_TIER is {plan.tier}, but AWS does not document that it covers voice: "
            "the voice request is still filed")
    return False


def validate_case(plan: TargetPlan) -> None:
    """Have AWS check the exact case without filing it; a refusal fails the target."""
    assert plan.case is not None and plan.backend is not None
    plan.validation = registry.get(plan.backend).validate(plan.filing_context(), plan.case)
    if plan.validation is not None and not plan.validation.accepted:
        plan.settle("failed", plan.validation.detail)


def _voice_prerequisite_met(plan: TargetPlan, *, probe: bool) -> bool:
    """AWS refuses voice production access until one voice message was sent from the account.

    CloudWatch or CloudTrail evidence also proves voice works in the region. Without it, a
    DryRun SendVoiceMessage (validated, never sent) tells "voice unavailable here" apart from
    "nothing sent yet"; `probe=False` (the --dry-run preview) skips that call.
    """
    target, account = plan.target, plan.account
    if target.region in VOICE_UNAVAILABLE_REGIONS:
        plan.settle("blocked", f"voice messaging is not available in {target.region}")
        return False
    attestation = isinstance(plan.answers, VoiceAnswers) and bool(plan.answers.voice_message_sent)
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
