"""`status --html FILE`: one self-contained HTML page to hand to a manager or a reviewer.

The page is rendered with Jinja (autoescape on) from `report.html.j2`: inline CSS only, no
scripts, fonts, images or links to fetch, so it works offline and from an email attachment.
Rows are `ReportRow`s; `report_rows` is the one adapter from `status` data, so another status
source (a tracker with lifecycle states) only needs its own adapter.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pinpoint_sandbox.aws.facts import is_production
from pinpoint_sandbox.aws.pool import map_all
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.checks.destinations import DestinationStatus, destination_readiness, not_ready
from pinpoint_sandbox.checks.spend import RegionSpend, read_spend
from pinpoint_sandbox.ledger.lifecycle import age_seconds

if TYPE_CHECKING:
    from pinpoint_sandbox.tracking.lookup import RegionStatus
    from pinpoint_sandbox.tracking.tracker import TrackedTarget

TEMPLATE = "report.html.j2"
# Spend limits shown on each channel's row; the rest (notify, rcs, names AWS adds) go with sms.
ROW_SPEND_CHANNELS = {"voice": {"voice"}}

# Raw statuses (ledger outcomes, Service Quotas, Support) → the lifecycle word the page shows.
_STATE_WORDS = {
    "awaiting_user": "awaiting_you", "filed": "open", "in progress": "open",
    "PENDING": "open", "CASE_OPENED": "open", "opened": "open", "APPROVED": "approved",
    "DENIED": "denied", "NOT_APPROVED": "denied", "INVALID_REQUEST": "denied",
}
NOT_REQUESTED = "not requested"  # a target nothing was ever filed for (still in the sandbox)
_NEXT_BY_STATE = {
    "awaiting_you": "submit the saved case in the Support Center (manual backend)",
    "open": "wait for AWS's answer; reply on the case if AWS asks a question",
    "needs_reply": "answer AWS's question on the case",
    "denied": "improve the answers (`pinpoint-sandbox lint`) and file again",
}


@dataclass
class ReportRow:
    """One target (account, region, channel) as the page shows it."""

    account_id: str
    region: str
    channel: str
    state: str  # previewed, filed, awaiting_you, open, needs_reply, approved, denied,
    # or "not requested"
    age_s: float | None = None
    request_id: str | None = None
    case_id: str | None = None
    last_message: str | None = None
    next_step: str | None = None
    tier: str | None = None
    spend: list[dict[str, Any]] = field(default_factory=list)  # SpendStatus.to_json()
    destinations: list[dict[str, Any]] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


@dataclass
class Readiness:
    """After-approval facts of one (account, region): spend limits and destination countries."""

    spend: RegionSpend
    destinations: list[DestinationStatus] = field(default_factory=list)


ReadinessMap = dict[tuple[str, str], Readiness]  # (account id, region) → readiness


def collect_readiness(
    account: AwsAccount, regions: Sequence[str], *, countries: Sequence[str] = (),
    wanted: dict[str, float] | None = None,
) -> ReadinessMap:
    """Per region, in parallel (clients must already be prepared); never raises for AWS."""

    from pinpoint_sandbox.checks.destinations import implied_countries

    def one(region: str) -> Readiness:
        spend = read_spend(account, region, wanted=wanted)
        mine = implied_countries(list(countries), region, list(regions))  # region pairs
        return Readiness(spend, destination_readiness(account, region, mine))

    found = map_all(one, regions)
    return {(r.spend.account_id, region): r for region, r in zip(regions, found, strict=True)}


def report_rows(
    statuses: Sequence[RegionStatus], readiness: ReadinessMap | None = None,
    *, now: dt.datetime | None = None,
) -> list[ReportRow]:
    """Report rows from `status.collect_status` rows alone (no tracker)."""
    rows, problems = _fact_rows(statuses, now or dt.datetime.now(dt.UTC))
    return with_readiness(rows, readiness or {}, problems)


def tracked_report_rows(
    tracked: Sequence[TrackedTarget], statuses: Sequence[RegionStatus],
    readiness: ReadinessMap | None = None, *, now: dt.datetime | None = None,
) -> list[ReportRow]:
    """Every target the tracker followed (its state, ids, AWS's last message, next step),
    plus the region facts' rows for channels nobody requested there."""
    fact_rows, problems = _fact_rows(statuses, now or dt.datetime.now(dt.UTC))
    tiers = {(r.account_id, r.region): r.tier for r in fact_rows}
    rows: dict[tuple[str, str, str], ReportRow] = {}
    for item in tracked:
        t = item.target
        tier = item.tier or tiers.get((t.account_id, t.region))
        # ACCOUNT_TIER speaks for SMS only (tracker.judge): voice needs its own approval.
        tier_says = is_production(tier) and t.channel == "sms"
        state = item.state or ("approved" if tier_says else NOT_REQUESTED)
        rows[(t.account_id, t.region, t.channel)] = ReportRow(
            t.account_id, t.region, t.channel, state, item.age_s, item.request_id,
            item.case_id or item.display_id, item.last_message,
            next_step=item.next_step or None, tier=tier,
        )
    for row in fact_rows:
        rows.setdefault((row.account_id, row.region, row.channel), row)
    return with_readiness(list(rows.values()), readiness or {}, problems)


def _fact_rows(
    statuses: Sequence[RegionStatus], now: dt.datetime
) -> tuple[list[ReportRow], dict[tuple[str, str], list[str]]]:
    rows: list[ReportRow] = []
    problems: dict[tuple[str, str], list[str]] = {}
    for status in statuses:
        problems[(status.account_id, status.region)] = list(status.problems)
        for info in status.targets:
            raw = info.get("state")
            tier_says = status.in_production and info.get("channel") == "sms"
            state = "approved" if tier_says else _STATE_WORDS.get(
                str(raw), str(raw).lower() if raw else NOT_REQUESTED)
            rows.append(ReportRow(
                status.account_id, status.region, str(info["channel"]), state,
                age_seconds(info.get("since"), now), info.get("request_id"), info.get("case_id"),
                info.get("last_message"), tier=status.tier,
            ))
    return rows, problems


def with_readiness(
    rows: Sequence[ReportRow], readiness: ReadinessMap,
    problems: dict[tuple[str, str], list[str]] | None = None,
) -> list[ReportRow]:
    """Attach each row's spend and destination readiness and its next steps (a `next_step`
    the row already has, e.g. from a tracker, comes first); sorted for the page."""
    for row in rows:
        ready = readiness.get((row.account_id, row.region))
        if ready is not None:
            shown = ROW_SPEND_CHANNELS.get(row.channel)
            row.spend = [s.to_json() for s in ready.spend.limits
                         if (s.channel in shown if shown else s.channel != "voice")]
            if row.channel == "sms":
                row.destinations = [d.to_json() for d in ready.destinations]
        first = row.next_step or _state_step(row)  # a tracker's own step wins
        problems_here = (problems or {}).get((row.account_id, row.region), [])
        steps = [*([first] if first else []), *_readiness_steps(row, ready, problems_here)]
        row.next_steps = steps
        row.next_step = steps[0] if steps else None
    return sorted(rows, key=lambda r: (r.account_id, r.region, r.channel))


def _state_step(row: ReportRow) -> str | None:
    from pinpoint_sandbox.core.paths import simulate_flag

    if row.state == NOT_REQUESTED:
        return (f"file the request: `pinpoint-sandbox request {row.channel} -r {row.region}"
                f"{simulate_flag()}`")
    return _NEXT_BY_STATE.get(row.state)


def _readiness_steps(row: ReportRow, ready: Readiness | None, problems: list[str]) -> list[str]:
    steps: list[str] = []
    if row.state == "approved":  # in the sandbox every maximum is $1 by design
        for limit in row.spend:
            steps.extend(limit["next_steps"])
    if ready is not None and row.channel == "sms":
        steps.extend(f"{d.country}: {d.next_step or d.reason}"
                     for d in not_ready(ready.destinations))
        if ready.spend.problem:
            steps.append(f"spend limits unreadable: {ready.spend.problem}")
    steps.extend(f"unreadable: {p}" for p in problems)
    return steps


def summary(rows: Sequence[ReportRow]) -> dict[str, Any]:
    states = Counter(r.state for r in rows)
    return {
        "targets": len(rows),
        "accounts": len({r.account_id for r in rows}),
        "regions": len({r.region for r in rows}),
        "states": dict(sorted(states.items())),
        "destinations_not_ready": sum(
            1 for r in rows for d in r.destinations if d["ready"] is not True),
        "spend_actions": sum(1 for r in rows if r.state == "approved"
                             for s in r.spend if s["state"] != "ok"),
    }


@functools.cache
def _template() -> Any:
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["age"] = format_age
    env.filters["plain"] = plain_text
    return env.from_string(files("pinpoint_sandbox.tracking").joinpath(TEMPLATE).read_text("utf-8"))


def plain_text(text: str | None) -> Any:
    """Our `command` notation as HTML: commands in <code>, no backtick left on the page."""
    from markupsafe import Markup, escape

    parts = str(text or "").split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: not our notation, shown as it is
        return escape(str(text or ""))
    return Markup("").join(escape(p) if i % 2 == 0 else Markup("<code>") + escape(p) +
                           Markup("</code>") for i, p in enumerate(parts))


@dataclass
class Uncovered:
    """An account the page could not cover (suspended, unreachable), and why."""

    account_id: str
    name: str | None
    status: str
    reason: str


def format_age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d"


def render_report(
    rows: Sequence[ReportRow], *, generated_at: dt.datetime | None = None,
    names: dict[str, str] | None = None, uncovered: Sequence[Uncovered] = (),
    simulated: str | None = None,
) -> str:
    """The page. `names`: account names (Organizations); `uncovered`: accounts left out, each
    with its reason; `simulated`: the scenario, when the facts come from the simulator."""
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    accounts = sorted({r.account_id for r in rows})
    matrix = {
        account: {
            "regions": sorted({r.region for r in rows if r.account_id == account}),
            "channels": sorted({r.channel for r in rows if r.account_id == account}),
            "cells": {(r.region, r.channel): r for r in rows if r.account_id == account},
        }
        for account in accounts
    }
    return str(_template().render(
        rows=rows, matrix=matrix, summary=summary(rows), names=names or {},
        uncovered=list(uncovered), simulated=simulated,
        generated=generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
    ))


def write_report(path: Path, html: str) -> Path:
    """Write owner-only (0600), the page can carry case and request ids: a temporary file
    beside it renamed over it, never written through a symbolic link; a place that cannot
    hold it is bad input (exit 2)."""
    from pinpoint_sandbox.core.safeio import write_atomic

    return write_atomic(path, html, flag="--html")
