"""What the user should do next, in words, with the exact command: the one place that words it.

The tracker decides each target's state and calls `next_step`; every view (the `status` table,
JSON, `--watch`, the HTML page) shows that step. The HTML page adds the after-approval steps of
the region's readiness (`readiness_steps`), also worded here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.ledger.store import Entry

if TYPE_CHECKING:
    from pinpoint_sandbox.checks.destinations import DestinationStatus
    from pinpoint_sandbox.checks.spend import RegionSpend


class TrackedRow(Protocol):
    """What the wording reads of a tracked target (tracker.TrackedRow)."""

    target: Target
    state: str | None
    request_id: str | None
    case_id: str | None
    display_id: str | None
    backend: str | None
    note: str | None
    description: str | None
    profile: str | None
    role_arn: str | None

# Support Center pages; the host is the console of the target's partition.
SUPPORT_CENTER = "support/home#/case/history"
CASE_LINK = "support/home#/case/?displayId={id}"
VOICE_UNCONFIRMED = ("AWS closed the voice case and ACCOUNT_TIER did not move with it; no API "
                     "shows a voice decision")


def _flags(row: TrackedRow) -> str:
    """The options that reach the same world: the simulator, the profile, the role."""
    from pinpoint_sandbox.core.paths import simulate_flag

    flags = simulate_flag()
    if row.profile:
        flags += f" --profile {shlex.quote(row.profile)}"
    if row.role_arn:
        flags += f" --role-arn {shlex.quote(row.role_arn)}"
    return flags


def _refile_answers(entry: Entry | None) -> str:
    """` -a FILE` with the denied request's answers (kept in the ledger), written once."""
    from pinpoint_sandbox.core.paths import refile_answers_path, write_private
    from pinpoint_sandbox.questionnaire.answer_sources import dump_yaml

    if entry is None or not entry.answers:
        return ""
    path = refile_answers_path(entry.target.key, entry.intent_id)
    if not path.exists():  # the user may be editing it: never written over
        try:
            write_private(path, dump_yaml(entry.answers))
        except OSError:
            return ""
    return f" -a {shlex.quote(str(path))}"


def commands_in(step: str) -> list[str]:
    """The commands a next step names (between backticks)."""
    return [c for c in re.findall(r"`([^`]+)`", step) if c.startswith("pinpoint-sandbox ")]


def case_link(case_id: str | None, region: str | None = None) -> str:
    from pinpoint_sandbox.aws.regions import console_url, partition_of

    partition = partition_of(region) if region else None
    if case_id and case_id.isascii() and case_id.isdigit():  # never other scripts' digits
        return console_url(partition, CASE_LINK.format(id=case_id))
    return console_url(partition, SUPPORT_CENTER)


def next_step(row: TrackedRow, entry: Entry | None) -> str:
    """What the user should do, in words, with the exact command."""
    t, flags = row.target, _flags(row)
    if row.state is None:
        if entry is None:
            return f"file: `pinpoint-sandbox request {t.channel} -r {t.region}{flags}`"
        return "nothing yet"
    if entry is None and row.case_id and row.state in ("needs_reply", "denied"):
        # Found at AWS, unknown to the ledger: reply and refile work on recorded targets.
        adopted = next_step(row, Entry(t, "aws", row.backend or "?", "",
                                       status="filed", case_id=row.case_id))
        return (f"`pinpoint-sandbox record {t.key}{flags} --case-id {row.case_id}`, "
                f"then {adopted}")
    if row.state == "approved":
        return "nothing: production access granted"
    return _decided_step(row, entry, flags) or _open_step(row, entry, flags)


def _decided_step(row: TrackedRow, entry: Entry | None, flags: str) -> str | None:
    """The step of a target AWS (or the user) must act on next; None while AWS works on it."""
    t, key = row.target, row.target.key
    if row.state == "denied" and VOICE_UNCONFIRMED in (row.note or ""):
        return (f"read AWS's last message on case {row.case_id} ({case_link(row.case_id)}): "
                "if it granted voice, nothing; if not, refile: `pinpoint-sandbox request "
                f"{t.channel} -r {t.region}{flags} --refile`")
    if row.state == "denied":
        answers = _refile_answers(entry)
        edit = "edit the answers AWS objected to in that file first" if answers else \
            "change the answers AWS objected to first"
        return (f"refile: `pinpoint-sandbox request {t.channel} -r {t.region}{flags}{answers} "
                f"--refile` ({edit})")
    if row.state == "needs_reply":
        # Runnable as printed: without the file it stops (exit 2) before sending anything.
        return (f"write your answer to AWS's question in reply.txt, then: "
                f"`pinpoint-sandbox reply {key}{flags} --file reply.txt`")
    if row.state == "awaiting_you":
        from pinpoint_sandbox.ledger.case_files import create_case_url

        saved = (entry.extra.get("case_file") if entry else None) or "the saved case file"
        return (f"file the case saved in {saved} at "
                f"{create_case_url(t.region)}, then "
                f"`pinpoint-sandbox record {key}{flags} --case-id ID`")
    if row.state == "filed":
        return (f"rerun `pinpoint-sandbox request {t.channel} -r {t.region}{flags}`: it checks "
                "AWS for the interrupted filing before anything else")
    return None


def _open_step(row: TrackedRow, entry: Entry | None, flags: str) -> str:
    """AWS works on the request: wait, or first get the description to the case."""
    t, key = row.target, row.target.key
    if row.description == "waiting_for_case":
        return (f"nothing: wait for AWS to open the case of request {row.request_id}; the next "
                "`pinpoint-sandbox status` adds the description to it")
    if row.description == "pending":
        return ("rerun `pinpoint-sandbox status`: it adds the description to case "
                f"{row.display_id or row.case_id}")
    if row.description == "to_paste" and entry is not None and entry.extra.get("case_file"):
        shown = row.display_id or row.case_id
        where = (f"case {shown}: {case_link(shown, t.region)}" if shown
                 else f"the case AWS opens for request {row.request_id}")
        return (f"paste the description saved in {entry.extra['case_file']} into {where}, then "
                f"`pinpoint-sandbox record {key} --case-id {shown or 'ID'}`")
    pending = _description_to_paste(entry)
    if pending and not row.case_id:
        return (f"wait for AWS to open the case of request {row.request_id}; then add the "
                f"description with `pinpoint-sandbox reply {key}{flags} --file {pending}`")
    if pending and row.note:  # the plan has no Support API: by hand
        return (f"paste the description saved in {pending} into case {row.case_id}: "
                f"{case_link(row.case_id, t.region)}, then "
                f"`pinpoint-sandbox record {key}{flags} --case-id {row.case_id}`")
    if pending:
        return (f"add the description to case {row.case_id}: "
                f"`pinpoint-sandbox reply {key}{flags} --file {pending}`")
    wait = "nothing: wait, AWS answers within 24 h"
    return f"{wait} ({row.note})" if row.note else wait


def _description_to_paste(entry: Entry | None) -> str | None:
    """The file holding a description the backend could not attach (a Basic plan)."""
    from pinpoint_sandbox.backends import registry
    from pinpoint_sandbox.ledger.case_files import manual_case_path

    if entry is None or registry.kind_of_filing(entry) == "by-hand" \
            or entry.extra.get("recorded"):
        return None
    if any(reply.get("delivered") for reply in entry.replies):
        return None  # sent with `reply` (or pasted and `record`ed)
    saved = manual_case_path(entry.target)
    for path in (saved, saved.with_suffix(".md")):  # .md: written by earlier versions
        if str(path) in (entry.detail or ""):
            return str(path)
    return None


def readiness_steps(
    state: str, channel: str, spend_steps: Sequence[str], spend: RegionSpend | None,
    destinations: Sequence[DestinationStatus], problems: Sequence[str],
) -> list[str]:
    """After approval (the HTML page): raise the spend limits, make the destination
    countries reachable; and what could not be read of the region."""
    from pinpoint_sandbox.checks.destinations import not_ready

    steps: list[str] = []
    if state == "approved":  # in the sandbox every maximum is $1 by design
        steps.extend(spend_steps)
    if spend is not None and channel == "sms":
        steps.extend(f"{d.country}: {d.next_step or d.reason}"
                     for d in not_ready(list(destinations)))
        if spend.problem:
            steps.append(f"spend limits unreadable: {spend.problem}")
    steps.extend(f"unreadable: {p}" for p in problems)
    return steps
