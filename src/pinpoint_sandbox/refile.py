"""Refiling after a denial: which targets may get a new request, and the case text that says
which case it follows and what changed.

Without `--refile` a denied target is skipped (with the hint); with it, only targets whose newest
request AWS denied — read fresh from AWS, not from the cache — go on to preflight, which still
looks for anything open at AWS. So there are never two open requests for one target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pinpoint_sandbox.ledger import Entry, Ledger
from pinpoint_sandbox.preflight import TargetPlan
from pinpoint_sandbox.targets import RenderedCase, Result
from pinpoint_sandbox.tracker import current_entry, track_one

CHANGE_CHARS = 200


def _ids(entry: Entry) -> str:
    parts = [f"{name} {value}" for name, value in
             (("case", entry.case_id), ("request", entry.request_id)) if value]
    return ", ".join(parts) or "no id"


def gate(plans: Sequence[TargetPlan], ledger: Ledger, *, refile: bool) -> None:
    """Settle every target that must not be filed (again) before preflight runs."""
    histories = ledger.histories()
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
        elif plan.case is not None:
            plan.case = follow_up(plan.case, entry, answers_data(plan.answers))


def answers_data(answers: Any) -> dict[str, Any]:
    dump = getattr(answers, "model_dump", None)
    data = dump(mode="json") if dump else dict(vars(answers))
    return dict(data) if isinstance(data, dict) else {}


def changes(before: dict[str, Any] | None, after: dict[str, Any],
            channel: str | None = None) -> list[str]:
    """One line per answer that differs from the denied request's, named by its question's
    words (the reviewer never saw our keys), its value cut only between words."""
    if before is None:
        return ["(the earlier request's answers were not recorded; all answers are below)"]
    words = _question_words(channel)
    lines = []
    for key in sorted(set(before) | set(after)):
        if key == "regions" or before.get(key) == after.get(key):
            continue
        value = _shown(after[key]) if key in after else "(removed)"
        lines.append(f"{words.get(key, key.replace('_', ' '))}: {_clip(value)}")
    return lines or ["(no answer changed)"]


def _question_words(channel: str | None) -> dict[str, str]:
    """key → the question as the questionnaire asks it (English: the case text is)."""
    if channel is None:
        return {}
    from pinpoint_sandbox.questions import load_questions

    try:
        return {q.key: q.prompt.split(" (")[0].rstrip("?:. ") for q in load_questions(channel)}
    except Exception:  # the words are a courtesy; the keys still say what changed
        return {}


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_shown(v)}" for k, v in value.items())
    return " ".join(str(value).split())


def _clip(text: str) -> str:
    if len(text) <= CHANGE_CHARS:
        return text
    return text[:CHANGE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def follow_up(case: RenderedCase, denied: Entry, answers: dict[str, Any]) -> RenderedCase:
    """The case text, opened with which case it follows and what changed since."""
    header = [f"This request follows {_ids(denied)}, which was not approved.",
              "What changed since then:"]
    header += [f"- {line}" for line in changes(denied.answers, answers, denied.target.channel)]
    return RenderedCase(case.subject, "\n".join(header) + "\n\n" + case.description)


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
