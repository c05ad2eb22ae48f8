"""Refiling after a denial: which targets may get a new request, and the case text that says
which case it follows and what changed.

Without `--refile` a denied target is skipped (with the hint); with it, only targets whose newest
request AWS denied — read fresh from AWS, not from the cache — go on to preflight, which still
looks for anything open at AWS. So there are never two open requests for one target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pinpoint_sandbox.checks.preflight import TargetPlan
from pinpoint_sandbox.core.errors import PinpointSandboxError, UsageError
from pinpoint_sandbox.core.jsonvalue import JsonObject
from pinpoint_sandbox.core.targets import RenderedCase, Result, Target
from pinpoint_sandbox.filing.render import SUPPORT_BODY_LIMIT, _longest_answer
from pinpoint_sandbox.ledger.lifecycle import now_iso
from pinpoint_sandbox.ledger.store import Entry, Ledger
from pinpoint_sandbox.questionnaire.answers import Answers
from pinpoint_sandbox.tracking.tracker import current_entry, track_one

CHANGE_CHARS = 200


def _ids(entry: Entry) -> str:
    parts = [f"{name} {value}" for name, value in
             (("case", entry.case_id), ("request", entry.request_id)) if value]
    return ", ".join(parts) or "no id"


def gate(plans: Sequence[TargetPlan], ledger: Ledger, *, refile: bool) -> None:
    """Settle every target that must not be filed (again) before preflight runs. A refile
    whose text cannot fit AWS's limit stops the run (exit 2) before anything is read."""
    histories = ledger.histories()
    follow_ups = _follow_ups(plans, histories) if refile else {}
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
        started = now_iso()
        row = track_one(plan.target, plan.account, history, ledger)
        if row.problem or not (row.read_at and row.read_at >= started):
            # Only a denial read from AWS now counts: never the ledger's cached one.
            why = row.problem or "AWS's current state was not read"
            plan.settle("failed", f"could not read the last request's current state from AWS "
                        f"({why}); nothing filed, rerun when AWS answers")
        elif row.state != "denied":
            plan.settle("skipped", f"not refiled: the last request is {row.state} "
                        f"({_ids(entry)})")
        elif id(plan) in follow_ups:
            plan.case = follow_ups[id(plan)]


def _follow_ups(plans: Sequence[TargetPlan],
                histories: Mapping[Target, list[Entry]]) -> dict[int, RenderedCase]:
    """Each refile candidate's case text, built before any AWS call so that one that cannot
    fit stops the run first (exit 2). An approved target is never refiled: not checked."""
    found: dict[int, RenderedCase] = {}
    for plan in plans:
        entry = current_entry(histories.get(plan.target, []))
        if plan.decided or entry is None or plan.case is None:
            continue
        if entry.view is not None and entry.view.state == "approved":
            continue
        found[id(plan)] = follow_up(plan.case, entry, answers_data(plan.answers),
                                    target=plan.target.key)
    return found


def answers_data(answers: Answers | None) -> JsonObject:
    """The answers as filed (JSON), to say later what a refile changed."""
    return answers.model_dump(mode="json") if answers is not None else {}


def changes(before: Mapping[str, object] | None, after: Mapping[str, object],
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
    from pinpoint_sandbox.questionnaire.questions import load_questions

    try:
        return {q.key: q.prompt.split(" (")[0].rstrip("?:. ") for q in load_questions(channel)}
    except Exception:  # the words are a courtesy; the keys still say what changed
        return {}


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_shown(v)}" for k, v in value.items())
    return " ".join(str(value).split())


def _clip(text: str) -> str:
    if len(text) <= CHANGE_CHARS:
        return text
    return text[:CHANGE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def changed_keys(
    before: Mapping[str, object] | None, after: Mapping[str, object]
) -> list[str] | None:
    """The answers that differ from the denied request's, by name; None when the earlier
    answers were not recorded."""
    if before is None:
        return None
    return [key for key in sorted(set(before) | set(after))
            if key != "regions" and before.get(key) != after.get(key)]


def _headers(denied: Entry, answers: Mapping[str, object]) -> list[str]:
    """The follow-up header, longest first: each change quoted, then the changed answers
    only named (their new text is in the case below), then only counted."""
    opening = f"This request follows {_ids(denied)}, which was not approved."
    quoted = "\n".join([opening, "What changed since then:",
                        *[f"- {line}" for line in changes(denied.answers, answers,
                                                            denied.target.channel)]])
    changed = changed_keys(denied.answers, answers)
    if not changed:
        return [quoted]
    words = _question_words(denied.target.channel)  # the reviewer never saw our keys
    named = "; ".join(words.get(key, key.replace("_", " ")) for key in changed)
    return [quoted,
            f"{opening} Changed since then (new text below): {named}.",
            f"{opening} {len(changed)} answer(s) changed since then; all are below."]


def follow_up(case: RenderedCase, denied: Entry, answers: Mapping[str, object], *,
              target: str = "") -> RenderedCase:
    """The case text, opened with which case it follows and what changed since: the longest
    header that keeps the whole body within AWS's limit, else a usage error (exit 2)."""
    body = case.description
    headers = _headers(denied, answers)
    for header in headers:
        if len(header) + 2 + len(body) <= SUPPORT_BODY_LIMIT:
            return RenderedCase(case.subject, header + "\n\n" + body)
    size = len(headers[-1]) + 2 + len(body)
    over = size - SUPPORT_BODY_LIMIT
    key, longest = _longest_answer(answers)
    named = f" (the longest is {key!r}, {longest:,} characters)" if key else ""
    raise UsageError(
        f"the refile{f' of {target}' if target else ''} is {size:,} characters with its "
        f"follow-up line, {over:,} over the {SUPPORT_BODY_LIMIT:,} the Support API takes: "
        f"shorten your answers{named} by at least {over:,} characters."
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
            try:
                ledger.record_answers(plan.target, entry.intent_id, answers_data(plan.answers))
            except PinpointSandboxError:
                return  # a disk that filled after the filing: the case is filed; only the
                # "what changed" note of a later refile loses these answers
