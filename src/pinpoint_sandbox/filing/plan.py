"""Turn requests into targets and run them: render → preflight (parallel reads; AWS checks
each exact case without filing it) → preview → confirm → file (serial writes, ledger around
each, one outcome → one ledger line and one result) → results.

Backends are reached through `backends.registry` only: nothing here knows them by name.

This is the library entry point (`run`); the CLI only builds `Request`s and a `Reporter`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypedDict, Unpack

from pinpoint_sandbox.aws.pool import map_all
from pinpoint_sandbox.aws.session import AwsAccount, max_attempts
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.backends.base import (
    AlreadyExists,
    Backend,
    Existing,
    Filed,
    FilingContext,
    RateLimited,
    Throttled,
    WriteFailure,
    WriteOutcomeUnknown,
    WriteRefused,
)
from pinpoint_sandbox.checks.destinations import attach_destinations
from pinpoint_sandbox.checks.preflight import TargetPlan, run_preflight
from pinpoint_sandbox.core.errors import (
    ExitCode,
    PinpointSandboxError,
    UsageError,
)
from pinpoint_sandbox.core.jsonvalue import JsonObject
from pinpoint_sandbox.core.paths import ledger_path
from pinpoint_sandbox.core.targets import Action, Channel, Result, Target
from pinpoint_sandbox.filing import refile
from pinpoint_sandbox.filing.render import render_case
from pinpoint_sandbox.ledger.store import Entry, Ledger, LedgerError, OutcomeStatus
from pinpoint_sandbox.questionnaire.answers import Answers

if TYPE_CHECKING:
    from pinpoint_sandbox.review.lint import Finding
    from pinpoint_sandbox.tracking.tracker import TrackedTarget

AWS_LIMIT_RETRY_SECONDS = 300.0  # AWS said "limit reached" without saying until when
# A throttled write (nothing created) is retried after a jittered, bounded backoff.
WRITE_BACKOFF_SECONDS = 1.0
WRITE_BACKOFF_MAX_SECONDS = 20.0
Outcome = Filed | WriteFailure


@dataclass
class Request:
    """One channel for one set of credentials over some regions, with validated answers."""

    channel: Channel
    account: AwsAccount
    regions: list[str]
    answers: Answers | None  # None: checks only (nothing is rendered)
    backend: str = registry.AUTO
    review_label: str | None = None  # the content review's name for the answers


@dataclass
class RunOptions:
    dry_run: bool = False
    yes: bool = False
    templates_dir: Path | None = None
    quota_code: str | None = None
    ledger: Path | None = None
    wait_for_case_limit: bool = False
    refile: bool = False  # file again only where the last request was denied
    # Destination readiness of SMS answers' countries (off when they are only examples).
    destinations: bool = True
    waived_rules: Sequence[str] = ()  # content-review rules waived for every request (--ignore)


class Reporter(Protocol):
    def message(self, text: str) -> None: ...
    def preview(self, plans: Sequence[TargetPlan]) -> None: ...
    def confirm(self, count: int) -> bool: ...
    # The returned tick takes the plan just done (optional): progress counts failures, and
    # accounts done when `per_account` gives each account's number of targets.
    def progress(
        self, description: str, total: int, per_account: dict[str, int] | None = None
    ) -> Callable[..., None]: ...
    def countdown(self, seconds: float, why: str) -> None: ...
    def review(self, label: str, findings: Sequence[Finding], waived: Sequence[str]) -> None: ...


class SilentReporter:
    """For library use: no output; confirmation only through RunOptions.yes."""

    def message(self, text: str) -> None:
        pass

    def preview(self, plans: Sequence[TargetPlan]) -> None:
        pass

    def confirm(self, count: int) -> bool:
        return False

    def progress(
        self, description: str, total: int, per_account: dict[str, int] | None = None
    ) -> Callable[..., None]:
        return lambda *done: None

    def countdown(self, seconds: float, why: str) -> None:
        time.sleep(seconds)

    def review(self, label: str, findings: Sequence[Finding], waived: Sequence[str]) -> None:
        pass


@dataclass
class RunReport:
    results: list[Result] = field(default_factory=list)
    interrupted: bool = False  # Ctrl-C while filing: results say what was and was not sent

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return int(ExitCode.INTERRUPTED)
        return int(exit_code_for(self.results))


def exit_code_for(results: Sequence[Result]) -> ExitCode:
    actions = [r.action for r in results]
    failed = actions.count("failed")
    if failed:
        return ExitCode.PARTIAL if failed < len(actions) else ExitCode.AWS_FAILED
    if "blocked" in actions:
        return ExitCode.PREREQUISITE
    return ExitCode.OK


def build_plans(requests: Sequence[Request], reporter: Reporter) -> list[TargetPlan]:
    """Targets from requests, duplicates removed (first request wins), accounts resolved."""
    from pinpoint_sandbox.aws.regions import identify, region_problem, require_one_partition

    plans: list[TargetPlan] = []
    seen: dict[Target, int] = {}
    for request in requests:
        problems = [p for r in request.regions if (p := region_problem(r))]
        if problems:
            raise UsageError(problems[0])
        require_one_partition(request.regions)  # known from botocore's data: before any call
    _resolve_accounts(requests)
    for index, request in enumerate(requests):
        try:
            # The credentials' partition, before any call in a region of another one.
            account_id = identify(request.account, request.regions)
        except PinpointSandboxError as exc:
            if len(requests) == 1:
                raise
            if exc.exit_code == ExitCode.USAGE:
                raise PinpointSandboxError(
                    f"request {index + 1} ({request.account.label}): {exc.message}",
                    exit_code=exc.exit_code,
                ) from exc
            # One unreachable account must not stop the others: its targets fail.
            account_id = request.account.expected_account_id() or request.account.label
            for region in request.regions:
                plan = TargetPlan(Target(account_id, region, request.channel), request.account,
                                  request.answers, request.backend)
                plan.settle("failed", exc.message)
                plans.append(plan)
            continue
        for region in request.regions:
            target = Target(account_id, region, request.channel)
            if target in seen:
                first = seen[target]
                differs = _answers_data(requests[first].answers) != _answers_data(request.answers)
                reporter.message(
                    f"request {index + 1}: {target.key} already comes from request {first + 1}; "
                    "filing it once"
                    + (f" with request {first + 1}'s answers (this request's differ)"
                       if differs else "")
                )
                continue
            seen[target] = index
            plans.append(TargetPlan(target, request.account, request.answers, request.backend))
    if not plans:
        raise UsageError("No regions to work on: pass --region or set `regions` in the answers.")
    return plans


def _resolve_accounts(requests: Sequence[Request]) -> None:
    """Identify every account (assume its role) in parallel, before the targets are built;
    failures are remembered by each account and reported per request below."""
    from pinpoint_sandbox.aws.regions import identify

    accounts = list({id(r.account): r for r in requests}.values())
    if len(accounts) < 2:
        return

    def resolve(request: Request) -> None:
        # A failure is raised again, with its request number, where it is reported.
        with contextlib.suppress(PinpointSandboxError):
            identify(request.account, request.regions)

    map_all(resolve, accounts)


def _answers_data(answers: Answers | None) -> JsonObject | None:
    if answers is None:
        return None
    data: JsonObject = answers.model_dump(mode="json")
    data.pop("regions", None)  # each request names its own regions
    return data


def render_all(plans: Sequence[TargetPlan], templates_dir: Path | None) -> None:
    # An organization's accounts share their request's answers: dumped once, not per target.
    dumped: dict[int, JsonObject] = {}
    for plan in plans:
        if plan.answers is None:
            continue  # checks only: nothing to render
        data = dumped.get(id(plan.answers))
        if data is None:
            data = dumped[id(plan.answers)] = plan.answers.model_dump(mode="json")
        plan.case = render_case(plan.target, data, templates_dir=templates_dir)


class ResultFields(TypedDict, total=False):
    """What a result may say other than the plan's own (an explicit None clears it)."""

    reason: str | None
    request_id: str | None
    case_id: str | None
    extra: JsonObject


def result_for(plan: TargetPlan, action: Action | None = None,
               **given: Unpack[ResultFields]) -> Result:
    existing = plan.existing
    fields: ResultFields = {
        "reason": plan.reason,
        "request_id": existing.request_id if existing else None,
        "case_id": existing.case_id if existing else None,
    }
    fields.update(given)
    # The description is written from `case` when the result is output.
    return Result.for_target(
        plan.target, action or plan.decided or "previewed", backend=plan.backend,
        subject=plan.case.subject if plan.case else None, case=plan.case, **fields,
    )


def run(
    requests: Sequence[Request], options: RunOptions, reporter: Reporter | None = None
) -> RunReport:
    from pinpoint_sandbox.review.language import release_model
    from pinpoint_sandbox.tracking.delivery import case_wait_seconds

    reporter = reporter or SilentReporter()
    review_all(requests, options.waived_rules, reporter)
    ledger = Ledger(options.ledger or ledger_path())
    wait = case_wait_seconds()  # a bad PINPOINT_SANDBOX_CASE_WAIT: exit 2 before any call
    release_model()  # the answers are reviewed: their ~40 MB language model makes room for AWS
    plans = build_plans(requests, reporter)
    render_all(plans, options.templates_dir)  # template problems stop everything, before any call
    with ledger.locked(on_wait=reporter.message):
        _reconcile(plans, ledger.entries(), ledger, reporter)
        refile.gate(plans, ledger, refile=options.refile)
        preflight_all(plans, ledger, options, reporter, outcome_only=options.dry_run)
        reporter.preview(plans)
        ready = [p for p in plans if p.ready]
        if options.dry_run:
            return RunReport([result_for(p) for p in plans])
        if not ready:
            return _deliver_descriptions(plans, RunReport([result_for(p) for p in plans]),
                                         ledger, reporter, wait)
        if not options.yes and not reporter.confirm(len(ready)):
            reporter.message("Nothing was filed: not confirmed.")
            return RunReport([
                result_for(p, reason=p.reason or "not confirmed: nothing filed") for p in plans
            ])
        report = _file_all(plans, ready, ledger, options, reporter)
        refile.remember_answers(plans, report.results, ledger)
        return _deliver_descriptions(plans, report, ledger, reporter, wait)


def review_all(requests: Sequence[Request], waived: Sequence[str], reporter: Reporter) -> None:
    """The content review (the `lint` rules) of each set of answers, once, before anything is
    planned: a library caller files reviewed content as the CLI does. Waivers: `waived` and
    the answers' own `review.ignore` (an unknown rule id is a usage error)."""
    from pinpoint_sandbox.review.lint import check_rule_ids, lint_answers, waived_rules

    seen: set[int] = set()  # an organization's fan-out shares one answers set
    for request in requests:
        if request.answers is None or id(request.answers) in seen:
            continue
        seen.add(id(request.answers))
        label = request.review_label or f"the {request.channel} answers"
        data = request.answers.model_dump(mode="json")
        rules = check_rule_ids([*waived, *waived_rules(data)], f"{label}: review.ignore")
        reporter.review(label, lint_answers(request.channel, data, ignore=rules), rules)


def _deliver_descriptions(
    plans: Sequence[TargetPlan], report: RunReport, ledger: Ledger, reporter: Reporter,
    wait: float,
) -> RunReport:
    """Every target of this run whose description still has to reach its case (filed now, or
    by an earlier run): delivered once AWS has opened the case, within a short wait when this
    run filed it. Each result says where its description stands."""
    from pinpoint_sandbox.tracking.delivery import deliver_after_filing, state_of
    from pinpoint_sandbox.tracking.tracker import current_entry

    if report.interrupted:
        return report
    histories = ledger.histories()
    items = []
    for plan in plans:
        entry = current_entry(histories.get(plan.target, []))
        if state_of(entry)[0] is not None:
            assert entry is not None
            items.append((plan.account, entry))
    due = [e for _, e in items if state_of(e)[0] in ("waiting_for_case", "pending")]
    if not items:
        return report
    filed_now = any(r.action == "filed" for r in report.results)
    if due:
        reporter.message("Adding the description to the cases AWS has opened…")
    states = deliver_after_filing(items, ledger, wait=wait if filed_now else 0)
    by_target = {entry.target: states[entry.intent_id] for _, entry in items}
    for result in report.results:
        got = by_target.get(result.target)
        if got is not None:
            result.extra["description_state"] = got.state
            if got.problem:
                result.extra["description_problem"] = got.problem
    return report


def check(
    requests: Sequence[Request], options: RunOptions, reporter: Reporter | None = None
) -> list[TargetPlan]:
    """Prerequisites only (the `check` command): nothing is filed. With answers, the case is
    rendered and AWS checks it without filing it (e.g. a CreateCase dry run)."""
    reporter = reporter or SilentReporter()
    plans = build_plans(requests, reporter)
    render_all(plans, options.templates_dir)
    preflight_all(plans, Ledger(options.ledger or ledger_path()), options, reporter)
    return plans


@dataclass
class CheckReport:
    rows: list[CheckRow]
    exit_code: int
    # Row by row, the tracker's view of a target that already has a request (else None):
    # the table words those rows as `status` does.
    tracked: list[TrackedTarget | None] = field(default_factory=list)


class EvidenceRow(TypedDict):
    found: bool
    source: str | None
    detail: str


class ValidationRow(TypedDict):
    accepted: bool
    detail: str


class CheckRow(TypedDict):
    """One target of `check` (its JSON document's `checks[]`)."""

    account_id: str
    region: str
    channel: str
    ready: bool
    status: str | None
    reason: str | None
    tier: str | None
    production_evidence: str | None
    voice_evidence: EvidenceRow | None
    open_request: str | None
    support_plan: str
    backend: str | None
    backend_reason: str | None
    validation: ValidationRow | None
    destinations: list[JsonObject]
    case_note: str | None  # where the checked case text came from, when not the user's
    # A target that already has a request: the tracker's state and next step (else null).
    state: str | None
    next_step: str | None


def track_requested(
    plans: Sequence[TargetPlan], ledger_file: Path | None = None
) -> dict[Target, TrackedTarget]:
    """The tracker's row of every target that already has a request: in the ledger, found
    open at AWS, or approved. Read only (nothing cached, nothing delivered); the reads
    preflight made are cached per account, so a target is not read twice for one fact."""
    from pinpoint_sandbox.tracking.tracker import current_entry, track_one

    ledger = Ledger(ledger_file or ledger_path())
    histories = ledger.histories()
    requested = [plan for plan in plans if plan.existing or plan.production_evidence
                 or current_entry(histories.get(plan.target, []))]

    def one(plan: TargetPlan) -> TrackedTarget:
        # Not `track`: its warm-up reads what a view of every region needs, here done already.
        return track_one(plan.target, plan.account, histories.get(plan.target, []), ledger,
                         read_only=True)

    return {row.target: row for row in map_all(one, requested)}


def check_report(
    plans: Sequence[TargetPlan], case_note: str | None = None, *, ledger: Path | None = None,
) -> CheckReport:
    """One row per target for `check`, and the run's exit code (the same rule as `run`).
    A target that already has a request is worded by the tracker (`track_requested`)."""
    tracked = track_requested(plans, ledger)
    rows: list[CheckRow] = []
    for plan in plans:
        evidence, validation = plan.evidence, plan.validation
        found = tracked.get(plan.target)
        rows.append({
            "account_id": plan.target.account_id,
            "region": plan.target.region,
            "channel": plan.target.channel,
            "ready": plan.ready,
            "status": "ready" if plan.ready else plan.decided,
            "reason": plan.reason,
            "tier": plan.tier,
            "production_evidence": plan.production_evidence,
            "voice_evidence": (
                {"found": evidence.found, "source": evidence.source, "detail": evidence.detail}
                if evidence is not None else None
            ),
            "open_request": plan.existing.describe() if plan.existing else None,
            "support_plan": plan.support_plan,
            "backend": plan.backend,
            "backend_reason": plan.backend_reason or None,
            "validation": (
                {"accepted": validation.accepted, "detail": validation.detail}
                if validation is not None else None
            ),
            # After approval: can each destination country be reached? (destinations.py)
            "destinations": [d.to_json() for d in plan.destinations],
            "case_note": case_note,
            "state": found.state if found else None,
            "next_step": (found.next_step or None) if found else None,
        })
    results = [result_for(p, p.decided or "previewed") for p in plans]
    return CheckReport(rows, int(exit_code_for(results)),
                       [tracked.get(plan.target) for plan in plans])


def preflight_all(
    plans: Sequence[TargetPlan], ledger: Ledger, options: RunOptions, reporter: Reporter,
    *, outcome_only: bool = False,
) -> None:
    """Build clients in this thread, then run every target's read-only checks in parallel.
    `outcome_only` (a dry run): each plan keeps only what its result and the preview show."""

    entries = ledger.entries()
    per_account: dict[str, int] = {}
    for plan in plans:
        per_account[plan.target.account_id] = per_account.get(plan.target.account_id, 0) + 1
    tick = reporter.progress("Checking prerequisites", len(plans), per_account)
    # The regions each account files this channel in: destination readiness is read for the
    # region pairs they imply (destinations.implied_countries).
    siblings: dict[tuple[str, str], list[str]] = {}
    for plan in plans:
        siblings.setdefault((plan.target.account_id, plan.target.channel), []).append(
            plan.target.region)

    def one(plan: TargetPlan) -> TargetPlan:
        try:
            # Validation runs under --dry-run too: it proves the case and creates nothing.
            run_preflight(
                plan, ledger_entry=entries.get(plan.target),
                quota_code=options.quota_code, probe_voice=not options.dry_run,
            )
            if options.destinations:  # after approval: which countries can be reached
                attach_destinations(
                    plan, siblings[(plan.target.account_id, plan.target.channel)])
            if outcome_only:
                plan.keep_outcome_only()
            return plan
        finally:
            tick(plan)

    # Clients are shared and built on first use; the one pool bounds the threads.
    map_all(one, plans)


def _reconcile(
    plans: Sequence[TargetPlan], entries: Mapping[Target, Entry], ledger: Ledger,
    reporter: Reporter,
) -> None:
    """An intent without a known outcome: look at AWS before anything may be filed again.

    The lookup goes to the backend that made the write. If AWS cannot be asked, the target
    fails this run (nothing is filed) and the intent stays open for the next run.
    """
    for plan in plans:
        entry = entries.get(plan.target)
        if entry is None or not entry.needs_reconcile or plan.decided:
            continue
        reporter.message(f"{plan.target.key}: an earlier run was interrupted; checking AWS first")
        try:
            backend = registry.get(entry.backend)
            if not backend.writes_to_aws:
                continue  # nothing reached AWS; preparing the case again is harmless
            found = _find_for_reconcile(plan, backend)
        except PinpointSandboxError as exc:
            plan.settle(
                "failed",
                f"an earlier run may have filed this and AWS could not be asked "
                f"({exc.message}); rerun when AWS answers",
            )
            continue
        status: Literal["filed", "refused"] = "filed" if found else "refused"
        try:
            ledger.record_outcome(
                entry.intent_id, plan.target, entry.backend, status,
                request_id=found.request_id if found else None,
                case_id=found.case_id if found else None,
                detail="reconciled after an interrupted run: "
                + ("found at AWS" if found else "nothing at AWS"),
                extra=_to_deliver(plan, entry.backend) if found else None,
            )
        except LedgerError as exc:  # unrecorded: filing again could not be reconciled later
            plan.settle("failed", exc.message)


def _to_deliver(plan: TargetPlan, backend: str) -> dict[str, str]:
    """A Service Quotas request found after its answer was lost still needs its description
    on the case: the ledger keeps the text for the delivery step (delivery.py)."""
    if registry.kind_of(backend) != "quota-request" or plan.case is None:
        return {}
    return {"description": plan.case.description}


def _find_for_reconcile(plan: TargetPlan, backend: Backend) -> Existing | None:
    ctx = plan.filing_context()
    ctx.fresh_reads = True
    try:
        backend.prepare(ctx)
        return backend.find_existing(ctx)
    finally:
        ctx.fresh_reads = False


def _file_all(
    plans: Sequence[TargetPlan],
    ready: Sequence[TargetPlan],
    ledger: Ledger,
    options: RunOptions,
    reporter: Reporter,
) -> RunReport:
    outcomes: dict[Target, Result] = {}
    tick = reporter.progress("Filing", len(ready))
    limited: dict[tuple[str, str], str] = {}  # (backend, account) → why it stops for this run
    for index, plan in enumerate(ready):
        try:
            outcomes[plan.target] = _file_with_limits(plan, ledger, options, reporter, limited)
        except KeyboardInterrupt:
            outcomes[plan.target] = result_for(
                plan, "failed",
                reason="interrupted during the write: it may have reached AWS; "
                "rerun to check and resume",
            )
            for rest in ready[index + 1:]:
                outcomes[rest.target] = result_for(
                    rest, "failed", reason="not attempted: interrupted"
                )
            reporter.message("Interrupted: the ledger records what was sent; rerun to resume.")
            return RunReport([outcomes.get(p.target) or result_for(p) for p in plans],
                             interrupted=True)
        finally:
            tick()
    return RunReport([outcomes.get(p.target) or result_for(p) for p in plans])


def _file_with_limits(
    plan: TargetPlan,
    ledger: Ledger,
    options: RunOptions,
    reporter: Reporter,
    limited: dict[tuple[str, str], str],
) -> Result:
    """File one target within its backend's own rate limit; retry definite throttling."""
    assert plan.backend is not None
    backend = registry.get(plan.backend)
    ctx = plan.filing_context()
    account = plan.target.account_id
    if (backend.name, account) in limited:
        return result_for(plan, "failed", reason=limited[(backend.name, account)])
    throttled = 0
    while True:
        wait = backend.slot_wait(ctx, ledger)
        if wait <= 0:
            outcome, result = _file_one(plan, backend, ledger)
            if not isinstance(outcome, RateLimited):
                return result
            if isinstance(outcome, Throttled):
                throttled += 1
                if throttled >= max_attempts():
                    return result
                time.sleep(_backoff(throttled, outcome.retry_after))
                continue
            wait = outcome.retry_after or AWS_LIMIT_RETRY_SECONDS
        if not options.wait_for_case_limit:
            limited[(backend.name, account)] = (
                f"{backend.rate_limit} reached for account {account}; rerun after "
                f"{_clock(wait)} (or pass --wait) to file the rest"
            )
            return result_for(plan, "failed", reason=limited[(backend.name, account)])
        reporter.countdown(wait, f"{backend.rate_limit} for account {account}: next free slot")


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Full-jitter exponential backoff, bounded; AWS's own retry-after wins when given."""
    if retry_after is not None:
        return min(retry_after, WRITE_BACKOFF_MAX_SECONDS)
    ceiling = min(WRITE_BACKOFF_MAX_SECONDS, WRITE_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def _clock(seconds: float) -> str:
    return (dt.datetime.now() + dt.timedelta(seconds=seconds)).strftime("%H:%M")


def _look_up(backend: Backend, ctx: FilingContext) -> Existing | None:
    """find_existing for use after a failed write: a failed lookup counts as "not known"."""
    ctx.fresh_reads = True
    try:
        return backend.find_existing(ctx)
    except PinpointSandboxError:
        return None


def _attempt(backend: Backend, ctx: FilingContext, plan: TargetPlan) -> Outcome:
    assert plan.case is not None
    try:
        return backend.file(ctx, plan.case)
    except WriteFailure as exc:
        return exc
    except PinpointSandboxError as exc:  # the contract: raised before the write call
        return WriteRefused(exc.message)


def _last_look(plan: TargetPlan, backend: Backend, ctx: FilingContext) -> Existing | Result | None:
    """Right before a write that AWS does not guard against duplicates, look once more,
    fresh: narrows the window in which another run (another machine, another ledger) could
    have filed the same target. A lookup that fails stops this target only (a Result)."""
    if backend.guards_duplicates or not backend.writes_to_aws:
        return None
    ctx.fresh_reads = True
    try:
        return backend.find_existing(ctx)
    except PinpointSandboxError as exc:
        return result_for(plan, "failed", reason=f"could not check for an open request right "
                          f"before filing ({exc.message}); nothing filed, rerun to resume")
    finally:
        ctx.fresh_reads = False


def _file_one(plan: TargetPlan, backend: Backend, ledger: Ledger) -> tuple[Outcome | None, Result]:
    """One write: an intent line, the call, one outcome → one ledger line and one result."""
    assert plan.case is not None
    ctx = plan.filing_context()
    looked = _last_look(plan, backend, ctx)
    if isinstance(looked, Result):
        return None, looked
    try:
        intent = ledger.record_intent(plan.target, backend.name, plan.case.subject,
                                      kind=backend.kind)
    except LedgerError as exc:  # not whole and fsynced: no write call for this target
        return None, result_for(plan, "failed", reason=exc.message)
    outcome: Outcome = (
        AlreadyExists("a request for this target was opened meanwhile", looked)
        if looked else _attempt(backend, ctx, plan)
    )
    return outcome, _settle(plan, backend, outcome, ledger, intent)


def _settle(
    plan: TargetPlan, backend: Backend, outcome: Outcome, ledger: Ledger, intent: str
) -> Result:
    """The ledger line and the result of one write's outcome. An outcome line that cannot be
    written leaves the intent open (the next run reads AWS first); the result says so."""
    lost: list[str] = []
    result = _settle_outcome(plan, backend, outcome, ledger, intent, lost)
    if lost:
        result.reason = "; ".join(x for x in (result.reason, lost[0]) if x)
    return result


def _settle_outcome(
    plan: TargetPlan, backend: Backend, outcome: Outcome, ledger: Ledger, intent: str,
    reporter_note: list[str],
) -> Result:
    target, name, ctx = plan.target, backend.name, plan.filing_context()

    def record(status: OutcomeStatus, *, request_id: str | None = None,
               case_id: str | None = None, detail: str | None = None,
               extra: Mapping[str, object] | None = None) -> None:
        # The tier when filed: a voice case AWS resolves is read against it (tracker.judge).
        tier = {"tier_at_filing": plan.tier} if plan.tier else {}
        try:
            ledger.record_outcome(intent, target, name, status, request_id=request_id,
                                  case_id=case_id, detail=detail,
                                  extra={**(extra or {}), **tier})
        except LedgerError as exc:
            # The intent stays open: the next run reads AWS before it may write again.
            reporter_note.append(f"the outcome could not be recorded ({exc.message})")

    match outcome:
        case Filed():
            record(outcome.status, request_id=outcome.request_id, case_id=outcome.case_id,
                   detail=outcome.note, extra=outcome.extra)
            # The ledger keeps the text to deliver; the result already shows it.
            shown = {k: v for k, v in outcome.extra.items()
                     if k not in ("description", "plan", "cc")}
            return result_for(plan, "filed", request_id=outcome.request_id,
                              case_id=outcome.case_id, reason=outcome.note, extra=shown)
        case AlreadyExists():
            # Not ours to file again: record what is open, so later runs skip it.
            known = outcome.existing or _look_up(backend, ctx) or Existing(name, status="open")
            record("filed", request_id=known.request_id, case_id=known.case_id,
                   detail="already open at AWS")
            plan.existing = known
            return result_for(plan, "skipped", reason=known.describe())
        case WriteOutcomeUnknown():
            found = _look_up(backend, ctx)
            if found is None:
                record("unknown", detail=str(outcome))
                return result_for(plan, "failed", reason=f"{outcome}; it may have been filed: "
                                  "rerun to check AWS before filing again")
            record("filed", request_id=found.request_id, case_id=found.case_id,
                   detail=f"answer lost, found at AWS: {outcome}",
                   extra=_to_deliver(plan, name))
            return result_for(plan, "filed", request_id=found.request_id,
                              case_id=found.case_id, reason=None)
        case Throttled():
            record("refused", detail=str(outcome))
            return result_for(plan, "failed", reason=f"{outcome}; nothing was created, rerun "
                              "to file it")
        case _:  # WriteRefused, RateLimited: nothing was created
            record("refused", detail=str(outcome))
            return result_for(plan, "failed", reason=str(outcome))
