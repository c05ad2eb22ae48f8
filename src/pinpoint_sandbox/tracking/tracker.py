"""The tracker: every target's lifecycle state, read from AWS through the backend that filed it.

`track()` is the library entry point behind `status` (and `status --watch`): it takes the
targets to show, refreshes each (read-only) and caches what AWS said in the ledger by appending
a `state` line, then says in words what the user should do next.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict

from pinpoint_sandbox.aws.pool import Task, map_all, submit, wait_all
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.backends.base import Backend, FilingContext
from pinpoint_sandbox.core.errors import ExitCode, PinpointSandboxError
from pinpoint_sandbox.core.paths import ledger_path
from pinpoint_sandbox.core.targets import CHANNELS, Channel, Target
from pinpoint_sandbox.ledger.lifecycle import (
    FINAL_STATES,
    AwsView,
    age_seconds,
    needs_user,
    now_iso,
)
from pinpoint_sandbox.ledger.store import Entry, Ledger
from pinpoint_sandbox.tracking.next_steps import VOICE_UNCONFIRMED, commands_in, next_step

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.quota_reads import Quota

CACHE_FRESH_SECONDS = 3600  # an unchanged state is appended again at most hourly


class HistoryItem(TypedDict):
    """One request of a target, as `status --output json` lists its history."""

    filed_at: str | None
    backend: str | None
    outcome: str | None
    state: str | None
    aws_status: str | None
    request_id: str | None
    case_id: str | None
    read_at: str | None
    replies: int


class Jitter(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


# How a target is read: with these credentials, not at all (None: no credentials given, the
# ledger's cached state is shown), or not at all because the account could not be reached (str).
Reach = AwsAccount | str | None


@dataclass
class Scope:
    """Credentials and what to show for them: explicit (region, channel) pairs, or the
    ledger's targets of that account plus `regions` × both channels."""

    account: AwsAccount
    regions: list[str] = field(default_factory=list)
    pairs: list[tuple[str, Channel]] = field(default_factory=list)


@dataclass
class TrackedTarget:
    target: Target
    state: str | None  # None: nothing was ever requested for this target
    tier: str | None = None
    aws_status: str | None = None
    request_id: str | None = None
    case_id: str | None = None
    backend: str | None = None
    filed_at: str | None = None
    age_s: int | None = None
    last_message: str | None = None
    next_step: str = ""
    read_at: str | None = None
    note: str | None = None
    problem: str | None = None
    history: list[HistoryItem] = field(default_factory=list)
    # What the state rests on: "tier" | "request" | "case" (lifecycle.AwsView.evidence).
    evidence: str | None = None
    profile: str | None = None  # how to reach the account again in the commands we suggest
    role_arn: str | None = None
    account_name: str | None = None  # the account's name in AWS Organizations, when read
    # The Support Center's number of the case (case_id is the Support API's id once known),
    # and where the rendered description stands (delivery.py).
    display_id: str | None = None
    description: str | None = None
    description_at: str | None = None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def needs_user(self) -> bool:
        return needs_user(self.state)

    def to_json(self) -> dict[str, object]:
        return {
            "account_id": self.target.account_id, "account_name": self.account_name,
            "region": self.target.region,
            "channel": self.target.channel, "state": self.state, "tier": self.tier,
            "aws_status": self.aws_status, "request_id": self.request_id,
            "case_id": self.case_id, "backend": self.backend, "filed_at": self.filed_at,
            "age_s": self.age_s, "last_message": self.last_message,
            "next_step": self.next_step, "next_commands": commands_in(self.next_step),
            "read_at": self.read_at, "note": self.note,
            "problem": self.problem, "history": self.history,
            "production_evidence": self.evidence,
            "display_id": self.display_id, "description": self.description,
            "description_delivered_at": self.description_at,
        }


def summary(rows: Sequence[TrackedTarget]) -> dict[str, int]:
    counts = Counter(row.state or "not_requested" for row in rows)
    return dict(sorted(counts.items()))


def exit_code(rows: Sequence[TrackedTarget]) -> int:
    """0 when nothing needs the user, 3 when something does."""
    return 3 if any(row.needs_user for row in rows) else 0


def current_entry(history: Sequence[Entry]) -> Entry | None:
    """The request that counts: the newest one AWS may have (refused attempts created nothing)."""
    for entry in reversed(history):
        if entry.status != "refused":
            return entry
    return None


def select(
    scopes: Sequence[Scope],
    histories: dict[Target, list[Entry]],
    *,
    include_ledger: bool,
    regions: Sequence[str] = (),
) -> dict[Target, Reach]:
    """Which targets to show and how to read each. One unreachable account does not stop the
    others: its targets carry the reason."""
    chosen: dict[Target, Reach] = {}
    by_id: dict[str, Reach] = {}
    for scope in scopes:
        first = (scope.pairs[0][0] if scope.pairs else None) or (
            scope.regions[0] if scope.regions else None)
        reach: Reach = scope.account
        try:
            account_id = scope.account.account_id(first)
        except PinpointSandboxError as exc:
            if exc.exit_code == ExitCode.USAGE:
                raise
            account_id = scope.account.expected_account_id() or scope.account.label
            reach = f"could not reach {scope.account.label}: {exc.message}"
        by_id.setdefault(account_id, reach)
        for region, channel in scope.pairs:
            chosen.setdefault(Target(account_id, region, channel), reach)
        if scope.pairs:
            continue
        for target in histories:
            if target.account_id == account_id and (not regions or target.region in regions):
                chosen.setdefault(target, reach)
        for region in scope.regions if isinstance(reach, AwsAccount) else ():
            for channel in CHANNELS:
                chosen.setdefault(Target(account_id, region, channel), reach)
    if include_ledger:
        for target in histories:
            if not regions or target.region in regions:
                chosen.setdefault(target, by_id.get(target.account_id))
    return dict(sorted(chosen.items(), key=lambda item: item[0]))


def track(
    targets: dict[Target, Reach],
    *,
    ledger_file: Path | None = None,
    refresh: bool = True,
    previous: Sequence[TrackedTarget] = (),
) -> list[TrackedTarget]:
    """Every target's state. `previous`: targets already final are kept, not read again."""
    ledger = Ledger(ledger_file or ledger_path())
    histories = ledger.histories()
    # Final targets are not read again; nor, while watching, targets never requested.
    done = {row.target: row for row in previous if row.final or row.state is None}
    todo = [(t, a) for t, a in targets.items() if t not in done]
    warming = _warm(todo, histories) if refresh else []

    def one(item: tuple[Target, Reach]) -> TrackedTarget:
        target, account = item
        return track_one(target, account if refresh else None,
                         histories.get(target, []), ledger)

    fresh = {row.target: row for row in map_all(one, todo)}
    wait_all(warming)
    return [done.get(t) or fresh[t] for t in targets]


def _warm(todo: Sequence[tuple[Target, Reach]],
          histories: dict[Target, list[Entry]]) -> list[Task[None]]:
    """Start the reads of the targets the ledger has no request for, all at once: their
    region's tier and, where voice is followed (it always looks for a request made
    elsewhere), that lookup. Each is cached, so the rows find them done: a region costs one
    round trip, not a chain of them."""
    from pinpoint_sandbox.aws.facts import TIER
    from pinpoint_sandbox.aws.quota_reads import end_user_messaging_history
    from pinpoint_sandbox.aws.session import prefetch
    from pinpoint_sandbox.aws.support_reads import support_plan
    from pinpoint_sandbox.checks.existing import existing_for

    started: list[Task[None]] = []
    seen: set[tuple[int, str]] = set()
    for target, account in todo:
        if not isinstance(account, AwsAccount) or current_entry(histories.get(target, [])):
            continue
        if (id(account), "") not in seen:  # the Support plan: one read for every region
            seen.add((id(account), ""))
            started.append(submit(prefetch, support_plan, account))
        if (id(account), target.region) not in seen:
            seen.add((id(account), target.region))
            started.append(submit(account.prefetch, TIER, target.region))
        if target.channel == "voice":
            # The history under End User Messaging's code is the one the lookup reads (its
            # quotas are listed there): read beside the catalogue, not after it.
            started.append(submit(prefetch, end_user_messaging_history, account, target.region))
            started.append(submit(prefetch, existing_for, account, target))
    return started


def track_one(
    target: Target, account: Reach, history: Sequence[Entry], ledger: Ledger,
    *, read_only: bool = False,
) -> TrackedTarget:
    """One target's state, message and next step. `read_only`: no state line cached in the
    ledger and no description delivered to its case (`check` only looks)."""
    entry = current_entry(history)
    row = TrackedTarget(target, None, history=[_history_item(e) for e in history])
    if isinstance(account, AwsAccount):
        row.profile, row.role_arn = account.profile, account.role_arn
        row.account_name = getattr(account, "name", None)
    if entry is not None:
        row.backend, row.filed_at = entry.backend, entry.filed_at
        row.request_id, row.case_id = entry.request_id, entry.case_id
        row.age_s = age_seconds(entry.filed_at)
        _apply(row, entry.view or _ledger_view(entry))
    if isinstance(account, str):
        row.problem = account
    elif account is None:
        if entry is not None:
            row.problem = (f"not read from AWS: no credentials for account {target.account_id} "
                           "(pass --profile or --role-arn)")
    else:
        try:
            _refresh(row, entry, account, None if read_only else ledger)
        except PinpointSandboxError as exc:
            row.problem = exc.message  # the cached state stays on show
    _description(row, entry, None if read_only else account, ledger)
    row.next_step = next_step(row, entry)
    return row


def _description(row: TrackedTarget, entry: Entry | None, account: Reach,
                 ledger: Ledger) -> None:
    """Deliver the description when AWS has opened the case (reads the target: status and
    --watch deliver too); say where it stands, and show both ids of the case."""
    if entry is None:  # nothing filed: nothing to deliver (and delivery's imports not paid)
        return
    from pinpoint_sandbox.aws.support_reads import is_display_id
    from pinpoint_sandbox.tracking.delivery import deliver, state_of

    state, when = state_of(entry)
    if isinstance(account, AwsAccount) and not row.final and state is not None:
        got = deliver(account, entry, ledger, case_hint=row.case_id or row.display_id,
                      ask_quota=False)
        if got.problem and not row.problem:
            row.problem = got.problem
        if got.state != state:  # delivered (or ids resolved) just now: the ledger says more
            fresh = current_entry(Ledger(ledger.path).histories().get(row.target, []))
            entry = fresh or entry
        state, when = got.state, got.at
    row.description, row.description_at = state, when
    if entry.display_id:
        row.display_id = entry.display_id
        if row.case_id is None or row.case_id == entry.display_id:
            row.case_id = entry.case_id if not is_display_id(entry.case_id or "") else None
    elif row.case_id and is_display_id(row.case_id):
        row.display_id, row.case_id = row.case_id, None


def _ledger_view(entry: Entry) -> AwsView:
    """The state the ledger alone gives (an old ledger, or AWS not asked)."""
    if entry.status is None or entry.status == "unknown":
        return AwsView("filed", note="the filing's outcome is not known yet")
    if entry.status == "awaiting_user" and not entry.case_id:
        return AwsView("awaiting_you")
    # AWS answered the filing with an id: it has the request.
    return AwsView("open" if entry.request_id or entry.case_id else "filed")


def _apply(row: TrackedTarget, view: AwsView) -> None:
    row.state, row.aws_status, row.read_at = view.state, view.aws_status, view.read_at
    row.last_message, row.note = view.last_message, view.note
    row.evidence = view.evidence
    row.request_id = view.request_id or row.request_id
    row.case_id = view.case_id or row.case_id


# ACCOUNT_TIER's channel is documented nowhere: it is SMS's evidence, never voice's.
TIER_NOT_VOICE = ("ACCOUNT_TIER is PRODUCTION, but AWS does not document that it covers voice: "
                  "voice counts as approved only by its own request or case")


def _refresh(
    row: TrackedTarget, entry: Entry | None, account: AwsAccount, ledger: Ledger | None
) -> None:
    """Read the target's state at AWS; `ledger`: where to cache it (None: not cached)."""
    from pinpoint_sandbox.aws.facts import read_tier

    tier, in_production = read_tier(account, row.target.region)
    row.tier = tier
    tier_decides = in_production and row.target.channel == "sms"
    if entry is None:
        if tier_decides:
            row.state, row.evidence = "approved", "tier"
            return
        _adopt_from_aws(row, account)
        if in_production and row.state is None:
            row.note = TIER_NOT_VOICE
        return
    if tier_decides:  # ACCOUNT_TIER decides SMS, whatever the case says
        view = AwsView("approved", row.aws_status, row.case_id, row.request_id,
                       row.last_message, now_iso(), evidence="tier")
    elif entry.status is None or entry.status == "unknown":
        return  # an interrupted filing: the next `request` reconciles it, not status
    else:
        try:
            backend = registry.get(entry.backend)
        except Exception:  # a backend this version does not know: keep the ledger's word
            return
        ctx = FilingContext(account=account, target=row.target)
        view = judge(row.target.channel, entry, backend.refresh(ctx, entry), in_production)
        if view.state == "denied":
            view = _confirm_denial(row, entry, account, backend, ctx, view)
    view.request_id = view.request_id or row.request_id
    view.case_id = view.case_id or row.case_id
    _apply(row, view)
    if ledger is not None and _worth_caching(entry.view, view):
        ledger.cache_state(entry, view)


def judge(channel: str, entry: Entry | None, view: AwsView, in_production: bool) -> AwsView:
    """Which evidence a final state rests on. A quota request's own status decides it
    ("request"). A closed case is read with ACCOUNT_TIER: still SANDBOX, denied; PRODUCTION,
    approved ("case"). For voice that is the case's own outcome, never the tier alone."""
    from pinpoint_sandbox.ledger.lifecycle import QUOTA_DECISIONS

    if view.state not in FINAL_STATES:
        return view
    if str(view.aws_status or "").upper() in QUOTA_DECISIONS:
        view.evidence = "request"
        return view
    view.evidence = "case"
    if view.state != "denied":
        return view
    if channel == "voice":
        moved = in_production and entry is not None \
            and entry.extra.get("tier_at_filing") == "SANDBOX"
        if moved:  # the case's closing moved the tier: its own outcome
            view.state = "approved"
        else:  # no API shows a voice decision: the user reads AWS's answer
            view.note = "; ".join(n for n in (view.note, VOICE_UNCONFIRMED) if n)
        return view
    if in_production:
        view.state = "approved"
    return view


def _confirm_denial(
    row: TrackedTarget, entry: Entry, account: AwsAccount, backend: Backend,
    ctx: FilingContext, view: AwsView,
) -> AwsView:
    """A denial is read twice: approving closes the case and moves the tier, and a read that
    fell between the two would otherwise call an approval a denial."""
    from pinpoint_sandbox.aws.facts import read_tier

    tier, in_production = read_tier(account, row.target.region, fresh=True)
    row.tier = tier
    if in_production and row.target.channel == "sms":
        return AwsView("approved", view.aws_status, view.case_id, view.request_id,
                       view.last_message, now_iso(), evidence="tier")
    return judge(row.target.channel, entry, backend.refresh(ctx, entry), in_production)


def _adopt_from_aws(row: TrackedTarget, account: AwsAccount) -> None:
    """A request this ledger never made (the console, another machine): follow it too."""
    from pinpoint_sandbox.aws.facts import is_production
    from pinpoint_sandbox.aws.quota_reads import ServiceQuotasAbsent, discover_quota
    from pinpoint_sandbox.aws.support_reads import support_plan
    from pinpoint_sandbox.checks.existing import find_existing_at_aws

    target = row.target
    ctx = FilingContext(account, target, support_plan=support_plan(account))
    try:
        ctx.quota = discover_quota(account, target.region, target.channel)
    except ServiceQuotasAbsent:
        ctx.quota = None
    found = find_existing_at_aws(ctx)
    if found is None:
        _approved_voice_request(row, account, ctx.quota)
        return
    # The backend that found it follows it; a source no backend is named after, as a case.
    backend = registry.find(found.source) or registry.of_kind("support-case")
    if backend is None:
        return
    adopted = Entry(target, "aws", backend.name, "", status="filed",
                    request_id=found.request_id, case_id=found.case_id)
    _apply(row, judge(target.channel, None,
                      backend.refresh(FilingContext(account, target), adopted),
                      is_production(row.tier)))
    row.backend = backend.name
    row.request_id, row.case_id = row.request_id or found.request_id, row.case_id or found.case_id
    row.note = "not filed by this tool (ledger); `record` it to keep its history"


def _approved_voice_request(
    row: TrackedTarget, account: AwsAccount, quota: Quota | None
) -> None:
    """Voice approved by a request made outside this ledger: its own evidence, never the
    tier (the history is the one find_existing just read, cached)."""
    from pinpoint_sandbox.aws.quota_reads import approved_request

    approved = approved_request(account, row.target.region, quota) if quota else None
    if row.target.channel == "voice" and approved:
        row.state, row.evidence, row.request_id = "approved", "request", approved
        requests = registry.of_kind("quota-request")
        row.backend = requests.name if requests is not None else None
        row.note = "approved by a request this tool did not file"


def _worth_caching(old: AwsView | None, new: AwsView) -> bool:
    if old is None:
        return True
    keys = ("state", "aws_status", "last_message", "case_id", "request_id", "note", "evidence")
    if any(getattr(old, k) != getattr(new, k) for k in keys):
        return True
    age = age_seconds(old.read_at)
    return age is None or age >= CACHE_FRESH_SECONDS


def _history_item(entry: Entry) -> HistoryItem:
    view = entry.view
    return {
        "filed_at": entry.filed_at, "backend": entry.backend, "outcome": entry.status,
        "state": view.state if view else None, "aws_status": view.aws_status if view else None,
        "request_id": entry.request_id, "case_id": entry.case_id,
        "read_at": view.read_at if view else None, "replies": len(entry.replies),
    }


def find_target(
    key: str, histories: dict[Target, list[Entry]]
) -> Target | None:
    """ACCOUNT/REGION/CHANNEL to a known target."""
    parts = key.split("/")
    if len(parts) != 3 or parts[2] not in CHANNELS:
        return None
    account_id, region, channel = parts
    for target in histories:
        if (target.account_id, target.region, target.channel) == (account_id, region, channel):
            return target
    return None


# Reads per target and poll (tier, quota request, case, communications), and the rate we keep
# under per account: AWS throttles Support and Service Quotas reads at a few calls per second.
READS_PER_TARGET = 4
READS_PER_SECOND = 5.0


def poll_interval(
    seconds: float, rows: Sequence[TrackedTarget], rand: Jitter | None = None
) -> float:
    """`seconds` ± 10 % jitter, stretched so no account exceeds READS_PER_SECOND."""
    import random

    per_account = Counter(row.target.account_id for row in rows if not row.final)
    busiest = max(per_account.values(), default=0)
    floor = busiest * READS_PER_TARGET / READS_PER_SECOND
    jitter = float((rand or random).uniform(0.9, 1.1))
    return max(float(seconds), floor) * jitter


def watch(
    targets: dict[Target, Reach],
    *,
    seconds: float,
    ledger_file: Path | None = None,
    on_update: Callable[[list[TrackedTarget]], None] = lambda rows: None,
    sleep: Callable[[float], None] | None = None,
) -> tuple[int, list[TrackedTarget]]:
    """Poll until every requested target is approved (0) or one needs the user (3)."""
    from pinpoint_sandbox.aws.facts import TIER

    rows: list[TrackedTarget] = []
    while True:
        for account in {id(a): a for a in targets.values() if isinstance(a, AwsAccount)}.values():
            account.forget(TIER)  # the tier is what changes: read it again each poll
        rows = track(targets, ledger_file=ledger_file, previous=rows)
        on_update(rows)
        if any(row.needs_user for row in rows):
            return 3, rows
        requested = [row for row in rows if row.state is not None]
        if all(row.state == "approved" for row in requested):
            return 0, rows
        (sleep or time.sleep)(poll_interval(seconds, rows))
