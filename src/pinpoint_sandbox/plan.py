"""Turn requests into targets and run them: render → preflight (parallel reads) → preview →
confirm → file (serial writes, ledger around each) → results.

This is the library entry point (`run`); the CLI only builds `Request`s and a `Reporter`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from pinpoint_sandbox import refile
from pinpoint_sandbox.aws import AwsAccount
from pinpoint_sandbox.backends.base import (
    Backend,
    Existing,
    FilingContext,
    WriteOutcomeUnknown,
    WriteRefused,
)
from pinpoint_sandbox.backends.choose import backend_by_name
from pinpoint_sandbox.backends.support import CASES_PER_HOUR
from pinpoint_sandbox.errors import (
    AwsError,
    ExitCode,
    PinpointSandboxError,
    UsageError,
)
from pinpoint_sandbox.ledger import Ledger
from pinpoint_sandbox.paths import ledger_path
from pinpoint_sandbox.preflight import TargetPlan, run_preflight
from pinpoint_sandbox.targets import Channel, Result, Target

MAX_READ_WORKERS = 16
AWS_LIMIT_RETRY_SECONDS = 300.0  # AWS said "limit reached" without saying until when


@dataclass
class Request:
    """One channel for one set of credentials over some regions, with validated answers."""

    channel: Channel
    account: AwsAccount
    regions: list[str]
    answers: Any
    backend: str = "auto"


@dataclass
class RunOptions:
    dry_run: bool = False
    yes: bool = False
    templates_dir: Path | None = None
    quota_code: str | None = None
    ledger: Path | None = None
    wait_for_case_limit: bool = False
    refile: bool = False  # file again only where the last request was denied


class Reporter(Protocol):
    def message(self, text: str) -> None: ...
    def preview(self, plans: Sequence[TargetPlan]) -> None: ...
    def confirm(self, count: int) -> bool: ...
    def progress(self, description: str, total: int) -> Callable[[], None]: ...
    def countdown(self, seconds: float, why: str) -> None: ...


class SilentReporter:
    """For library use: no output; confirmation only through RunOptions.yes."""

    def message(self, text: str) -> None:
        pass

    def preview(self, plans: Sequence[TargetPlan]) -> None:
        pass

    def confirm(self, count: int) -> bool:
        return False

    def progress(self, description: str, total: int) -> Callable[[], None]:
        return lambda: None

    def countdown(self, seconds: float, why: str) -> None:
        time.sleep(seconds)


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
    from pinpoint_sandbox.regions import (
        check_caller_partition,
        region_problem,
        require_one_partition,
        sts_region,
    )

    plans: list[TargetPlan] = []
    seen: dict[Target, int] = {}
    for index, request in enumerate(requests):
        problems = [p for r in request.regions if (p := region_problem(r))]
        if problems:
            raise UsageError(problems[0])
        require_one_partition(request.regions)  # known from botocore's data: before any call
        try:
            account_id = request.account.account_id(sts_region(request.regions))
            check_caller_partition(request.account, request.regions)  # the STS ARN's partition
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


def _answers_data(answers: Any) -> Any:
    dump = getattr(answers, "model_dump", None)
    data = dump(mode="json") if dump else dict(vars(answers))
    if isinstance(data, dict):
        data.pop("regions", None)  # each request names its own regions
    return data


def render_all(plans: Sequence[TargetPlan], templates_dir: Path | None) -> None:
    from pinpoint_sandbox.render import render_case

    for plan in plans:
        data = plan.answers.model_dump(mode="json")
        plan.case = render_case(plan.target, data, templates_dir=templates_dir)


def result_for(plan: TargetPlan, action: str | None = None, **kwargs: Any) -> Result:
    existing = plan.existing
    fields: dict[str, Any] = {
        "backend": plan.backend,
        "reason": plan.reason,
        "request_id": existing.request_id if existing else None,
        "case_id": existing.case_id if existing else None,
        "subject": plan.case.subject if plan.case else None,
        "description": plan.case.description if plan.case else None,
    }
    fields.update(kwargs)
    return Result.for_target(plan.target, action or plan.decided or "previewed", **fields)  # type: ignore[arg-type]


def run(
    requests: Sequence[Request], options: RunOptions, reporter: Reporter | None = None
) -> RunReport:
    reporter = reporter or SilentReporter()
    ledger = Ledger(options.ledger or ledger_path())
    plans = build_plans(requests, reporter)
    render_all(plans, options.templates_dir)  # template problems stop everything, before any call
    with ledger.locked():
        _reconcile(plans, ledger.entries(), ledger, reporter)
        refile.gate(plans, ledger, refile=options.refile)
        preflight_all(plans, ledger, options, reporter)
        reporter.preview(plans)
        ready = [p for p in plans if p.ready]
        if options.dry_run or not ready:
            return RunReport([result_for(p) for p in plans])
        if not options.yes and not reporter.confirm(len(ready)):
            reporter.message("Nothing was filed: not confirmed.")
            return RunReport([
                result_for(p, reason=p.reason or "not confirmed: nothing filed") for p in plans
            ])
        report = _file_all(plans, ready, ledger, options, reporter)
        refile.remember_answers(plans, report.results, ledger)
        return report


def check(
    requests: Sequence[Request], options: RunOptions, reporter: Reporter | None = None
) -> list[TargetPlan]:
    """Prerequisites only (the `check` command): read-only, nothing rendered or filed."""
    reporter = reporter or SilentReporter()
    plans = build_plans(requests, reporter)
    preflight_all(plans, Ledger(options.ledger or ledger_path()), options, reporter)
    return plans


def preflight_all(
    plans: Sequence[TargetPlan], ledger: Ledger, options: RunOptions, reporter: Reporter
) -> None:
    """Build clients in this thread, then run every target's read-only checks in parallel."""
    live = [p for p in plans if p.ready]
    for account in {id(p.account): p.account for p in live}.values():
        account.prepare(sorted({p.target.region for p in live if p.account is account}))
    entries = ledger.entries()
    tick = reporter.progress("Checking prerequisites", len(plans))

    def one(plan: TargetPlan) -> TargetPlan:
        try:
            return run_preflight(
                plan, ledger_entry=entries.get(plan.target),
                quota_code=options.quota_code, probe_voice=not options.dry_run,
            )
        finally:
            tick()

    with ThreadPoolExecutor(max_workers=max(1, min(MAX_READ_WORKERS, len(plans)))) as pool:
        list(pool.map(one, plans))


def _reconcile(
    plans: Sequence[TargetPlan], entries: dict[Target, Any], ledger: Ledger, reporter: Reporter
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
        if entry.backend == "manual":
            continue  # nothing reached AWS; preparing the file again is harmless
        try:
            found = _find_for_reconcile(plan, entry.backend)
        except PinpointSandboxError as exc:
            plan.settle(
                "failed",
                f"an earlier run may have filed this and AWS could not be asked "
                f"({exc.message}); rerun when AWS answers",
            )
            continue
        status: Literal["filed", "refused"] = "filed" if found else "refused"
        ledger.record_outcome(
            entry.intent_id, plan.target, entry.backend, status,
            request_id=found.request_id if found else None,
            case_id=found.case_id if found else None,
            detail="reconciled after an interrupted run: "
            + ("found at AWS" if found else "nothing at AWS"),
        )


def _find_for_reconcile(plan: TargetPlan, backend_name: str) -> Existing | None:
    from pinpoint_sandbox.backends.service_quotas import discover_quota

    ctx = plan.filing_context()
    ctx.fresh_reads = True
    if backend_name == "service-quotas":
        ctx.quota = discover_quota(plan.account, plan.target.region, plan.target.channel)
        if ctx.quota is None:
            raise AwsError("the production-access quota is no longer listed")
    return backend_by_name(backend_name).find_existing(ctx)


class CaseLimitReached(Exception):
    """AWS answered CaseCreationLimitExceeded: nothing was created for this target."""


def _file_all(
    plans: Sequence[TargetPlan],
    ready: Sequence[TargetPlan],
    ledger: Ledger,
    options: RunOptions,
    reporter: Reporter,
) -> RunReport:
    outcomes: dict[Target, Result] = {}
    tick = reporter.progress("Filing", len(ready))
    limited: dict[str, str] = {}  # account id → why its Support filings stop for this run
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
    limited: dict[str, str],
) -> Result:
    """File one target; for Support, respect its 10 new cases per hour per account."""
    if plan.backend != "support":
        return _file_one(plan, ledger)
    account = plan.target.account_id
    if account in limited:
        return result_for(plan, "failed", reason=limited[account])
    while True:
        wait = _case_slot_wait(account, ledger)
        if wait <= 0:
            try:
                return _file_one(plan, ledger)
            except CaseLimitReached:
                # AWS counts cases this ledger never saw (console, other machines).
                wait = AWS_LIMIT_RETRY_SECONDS
        if not options.wait_for_case_limit:
            limited[account] = (
                f"Support API limit of {CASES_PER_HOUR} new cases per hour reached for account "
                f"{account}; rerun after {_clock(wait)} (or pass --wait) to file the rest"
            )
            return result_for(plan, "failed", reason=limited[account])
        reporter.countdown(
            wait, f"Support API limit for account {account}: next free case slot"
        )


def _case_slot_wait(account_id: str, ledger: Ledger) -> float:
    """Seconds until this ledger's Support filings for the account leave a free slot."""
    now = dt.datetime.now(dt.UTC)
    times = ledger.intent_times(account_id, "support", now - dt.timedelta(hours=1))
    if len(times) < CASES_PER_HOUR:
        return 0.0
    frees_at = times[-CASES_PER_HOUR] + dt.timedelta(hours=1)
    return max(1.0, (frees_at - now).total_seconds())


def _clock(seconds: float) -> str:
    return (dt.datetime.now() + dt.timedelta(seconds=seconds)).strftime("%H:%M")


def _look_up(backend: Backend, ctx: FilingContext) -> Existing | None:
    """find_existing for use after a failed write: a failed lookup counts as "not known"."""
    ctx.fresh_reads = True
    try:
        return backend.find_existing(ctx)
    except PinpointSandboxError:
        return None


def _file_one(plan: TargetPlan, ledger: Ledger) -> Result:
    assert plan.case is not None and plan.backend is not None
    backend = backend_by_name(plan.backend)
    ctx = plan.filing_context()
    intent = ledger.record_intent(plan.target, plan.backend, plan.case.subject)
    try:
        filed = backend.file(ctx, plan.case)
    except WriteRefused as exc:
        if exc.code == "CaseCreationLimitExceeded":
            ledger.record_outcome(intent, plan.target, plan.backend, "refused", detail=str(exc))
            raise CaseLimitReached(str(exc)) from exc
        if exc.code == "ResourceAlreadyExistsException":
            # Service Quotas' own guard: one open request per quota. Not ours to file again.
            known = _look_up(backend, ctx) or Existing(backend.name, status="open")
            ledger.record_outcome(
                intent, plan.target, plan.backend, "filed",
                request_id=known.request_id, case_id=known.case_id,
                detail="already open at AWS",
            )
            plan.existing = known
            return result_for(plan, "skipped", reason=known.describe())
        ledger.record_outcome(intent, plan.target, plan.backend, "refused", detail=str(exc))
        return result_for(plan, "failed", reason=str(exc))
    except WriteOutcomeUnknown as exc:
        found = _look_up(backend, ctx)
        if found:
            ledger.record_outcome(
                intent, plan.target, plan.backend, "filed",
                request_id=found.request_id, case_id=found.case_id,
                detail=f"answer lost, found at AWS: {exc}",
            )
            return result_for(
                plan, "filed", request_id=found.request_id, case_id=found.case_id, reason=None
            )
        ledger.record_outcome(intent, plan.target, plan.backend, "unknown", detail=str(exc))
        return result_for(
            plan, "failed",
            reason=f"{exc}; it may have been filed: rerun to check AWS before filing again",
        )
    ledger.record_outcome(
        intent, plan.target, plan.backend, filed.status,
        request_id=filed.request_id, case_id=filed.case_id, detail=filed.note, extra=filed.extra,
    )
    return result_for(
        plan, "filed", request_id=filed.request_id, case_id=filed.case_id, reason=filed.note,
        extra=filed.extra,
    )
