"""`status --html FILE`: one self-contained HTML page to hand to a manager or a reviewer.

The page is rendered with Jinja (autoescape on) from `report.html.j2`: inline CSS only, no
scripts, fonts, images or links to fetch, so it works offline and from an email attachment.
Rows are `ReportRow`s; `tracked_report_rows` makes them from the tracker's rows (the one
producer of state and next step, `tracker.py`) and the regions' facts (`status_report.py`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from pinpoint_sandbox.tracking.next_steps import readiness_steps

if TYPE_CHECKING:
    from jinja2 import Template
    from markupsafe import Markup

    from pinpoint_sandbox.tracking.readiness import ReadinessMap
    from pinpoint_sandbox.tracking.status_report import RegionStatus
    from pinpoint_sandbox.tracking.tracker import TrackedTarget

TEMPLATE = "report.html.j2"
# Spend limits shown on each channel's row; the rest (notify, rcs, names AWS adds) go with sms.
ROW_SPEND_CHANNELS = {"voice": {"voice"}}

NOT_REQUESTED = "not requested"  # a target nothing was ever filed for (still in the sandbox)


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
    spend: list[dict[str, object]] = field(default_factory=list)  # SpendStatus.to_json()
    destinations: list[dict[str, object]] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


def tracked_report_rows(
    tracked: Sequence[TrackedTarget], statuses: Sequence[RegionStatus],
    readiness: ReadinessMap | None = None,
) -> list[ReportRow]:
    """Every target as the tracker left it (state, ids, AWS's last message, next step), with
    its region's tier and readiness."""
    tiers = {(r.account_id, r.region): r.tier for r in statuses}
    problems = {(r.account_id, r.region): list(r.problems) for r in statuses}
    rows: dict[tuple[str, str, str], ReportRow] = {}
    for item in tracked:
        t = item.target
        rows.setdefault((t.account_id, t.region, t.channel), ReportRow(
            t.account_id, t.region, t.channel, item.state or NOT_REQUESTED, item.age_s,
            item.request_id, item.case_id or item.display_id, item.last_message,
            next_step=item.next_step or None, tier=item.tier or tiers.get((t.account_id,
                                                                           t.region)),
        ))
    return with_readiness(list(rows.values()), readiness or {}, problems)


def with_readiness(
    rows: Sequence[ReportRow], readiness: ReadinessMap,
    problems: dict[tuple[str, str], list[str]] | None = None,
) -> list[ReportRow]:
    """Attach each row's spend and destination readiness and its next steps (a `next_step`
    the row already has, e.g. from a tracker, comes first); sorted for the page."""
    for row in rows:
        ready = readiness.get((row.account_id, row.region))
        shown_limits = []
        if ready is not None:
            shown = ROW_SPEND_CHANNELS.get(row.channel)
            shown_limits = [s for s in ready.spend.limits
                            if (s.channel in shown if shown else s.channel != "voice")]
            row.spend = [s.to_json() for s in shown_limits]
            if row.channel == "sms":
                row.destinations = [d.to_json() for d in ready.destinations]
        later = readiness_steps(
            row.state, row.channel, [step for s in shown_limits for step in s.next_steps],
            ready.spend if ready else None, ready.destinations if ready else [],
            (problems or {}).get((row.account_id, row.region), []))
        steps = [*([row.next_step] if row.next_step else []), *later]
        row.next_steps = steps
        row.next_step = steps[0] if steps else None
    return sorted(rows, key=lambda r: (r.account_id, r.region, r.channel))


def summary(rows: Sequence[ReportRow]) -> dict[str, object]:
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
def _template() -> Template:
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["age"] = format_age
    env.filters["plain"] = plain_text
    return env.from_string(files("pinpoint_sandbox.tracking").joinpath(TEMPLATE).read_text("utf-8"))


def plain_text(text: str | None) -> Markup:
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
