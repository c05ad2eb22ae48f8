"""Refiling after a denial: which targets may get a new request, and the case text that says
which case it follows and what changed.

Without `--refile` a denied target is skipped (with the hint); with it, only targets whose newest
request AWS denied — read fresh from AWS, not from the cache — go on to preflight, which still
looks for anything open at AWS. So there are never two open requests for one target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pinpoint_sandbox.errors import UsageError
from pinpoint_sandbox.ledger import Entry, Ledger
from pinpoint_sandbox.preflight import TargetPlan
from pinpoint_sandbox.render import SUPPORT_BODY_LIMIT, _longest_answer
from pinpoint_sandbox.targets import RenderedCase, Result
from pinpoint_sandbox.tracker import current_entry, track_one


def _ids(entry: Entry) -> str:
    parts = [f"{name} {value}" for name, value in
             (("case", entry.case_id), ("request", entry.request_id)) if value]
    return ", ".join(parts) or "no id"


def gate(plans: Sequence[TargetPlan], ledger: Ledger, *, refile: bool) -> None:
    """Settle every target that must not be filed (again) before preflight runs. A refile
    whose text cannot fit AWS's limit stops the run (exit 2) before anything is read."""
    histories = ledger.histories()
    follow_ups: dict[int, RenderedCase] = {}
    if refile:
        for plan in plans:
            entry = current_entry(histories.get(plan.target, []))
            if not plan.decided and entry is not None and plan.case is not None:
                follow_ups[id(plan)] = follow_up(plan.case, entry, answers_data(plan.answers),
                                                 target=plan.target.key)
    for plan in plans:
        if plan.decided:
            continue
        history = histories.get(plan.target, [])
        entry = current_entry(history)
        if not refile:
            if entry is not None and entry.denied:
                plan.settle("skipped", f"the last request was denied ({_ids(entry)}); "
                            "file a new one with --refile")
            continue
        if entry is None:
            plan.settle("skipped", "nothing to refile: no request was made here yet "
                        "(file it without --refile)")
            continue
        row = track_one(plan.target, plan.account, history, ledger)
        if row.problem and row.state != "denied":
            plan.settle("failed", f"could not read the last request's state ({row.problem}); "
                        "nothing filed")
        elif row.state != "denied":
            plan.settle("skipped", f"not refiled: the last request is {row.state} "
                        f"({_ids(entry)})")
        elif id(plan) in follow_ups:
            plan.case = follow_ups[id(plan)]


def answers_data(answers: Any) -> dict[str, Any]:
    dump = getattr(answers, "model_dump", None)
    data = dump(mode="json") if dump else dict(vars(answers))
    return dict(data) if isinstance(data, dict) else {}


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str] | None:
    """The answers that differ from the denied request's, by name (their new text is in the
    description below); None when the earlier answers were not recorded."""
    if before is None:
        return None
    return [key for key in sorted(set(before) | set(after))
            if key != "regions" and before.get(key) != after.get(key)]


def _headers(denied: Entry, changed: list[str] | None) -> list[str]:
    """The follow-up header, longest first: every changed answer named, then a count."""
    opening = f"This request follows {_ids(denied)}, which was not approved."
    if changed is None:
        return [f"{opening} The earlier answers were not recorded; all answers are below."]
    if not changed:
        return [f"{opening} No answer changed."]
    return [f"{opening} Changed since then (new text below): {', '.join(changed)}.",
            f"{opening} {len(changed)} answer(s) changed since then; all are below."]


def follow_up(case: RenderedCase, denied: Entry, answers: dict[str, Any], *,
              target: str = "") -> RenderedCase:
    """The case text, opened with which case it follows and what changed since; the shortest
    header that keeps the whole body within AWS's limit, else a usage error (exit 2)."""
    changed = changes(denied.answers, answers)
    body = case.description
    for header in _headers(denied, changed):
        text = header + "\n\n" + body
        if len(text) <= SUPPORT_BODY_LIMIT:
            return RenderedCase(case.subject, text)
    shortest = _headers(denied, changed)[-1]
    over = len(shortest) + 2 + len(body) - SUPPORT_BODY_LIMIT
    key, size = _longest_answer(answers)
    longest = f" (the longest is {key!r}, {size:,} characters)" if key else ""
    raise UsageError(
        f"the refile{f' of {target}' if target else ''} is {len(shortest) + 2 + len(body):,} "
        f"characters with its follow-up line, {over:,} over the {SUPPORT_BODY_LIMIT:,} the "
        f"Support API takes: shorten your answers{longest} by at least {over:,} characters."
    )


def remember_answers(plans: Sequence[TargetPlan], results: Sequence[Result],
                     ledger: Ledger) -> None:
    """After filing: keep each filed request's answers, so a later refile can say what changed."""
    filed = {r.target for r in results if r.action == "filed"}
    if not filed:
        return
    entries = ledger.entries()
    for plan in plans:
        entry = entries.get(plan.target)
        if plan.target in filed and entry is not None:
            ledger.record_answers(plan.target, entry.intent_id, answers_data(plan.answers))
