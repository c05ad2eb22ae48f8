"""Delivering the rendered description to the case Service Quotas opens: a tracked write.

AWS answers `RequestServiceQuotaIncrease` with no `CaseId` while the request is PENDING, and
later names the case by its Support Center *display id* (numeric). The Support API takes only
its own `caseId`, so the display id is resolved with `DescribeCases(displayId=…)` first; both
ids are kept in the ledger. The description is then added with one `AddCommunicationToCase`,
exactly once (writes.once): by the filing run when AWS opens the case within a short wait,
else by the next `status` or `request`/`batch` run that reads the target.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.quota_reads import requested_change
from pinpoint_sandbox.aws.session import (
    SUPPORT,
    AwsAccount,
    Permission,
)
from pinpoint_sandbox.aws.support_reads import communications, is_display_id, resolve_case
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.backends.base import classify_write_error
from pinpoint_sandbox.core.errors import AwsError, Busy, PinpointSandboxError, UsageError
from pinpoint_sandbox.ledger.store import Entry, Ledger
from pinpoint_sandbox.ledger.writes import Fields, TrackedWrite, digest, normalized, once

DESCRIPTION = "description"  # the filing outcome's extra: the text still to deliver
CASE_WAIT_SECONDS = 6.0  # the filing run waits this long for AWS to open the case
CASE_POLL_SECONDS = 2.0
STATUS_LOCK_WAIT = 2.0  # status does not queue behind a long filing run: next time instead

# Where the description stands (status JSON `description`).
DELIVERED, WAITING, TO_PASTE, PENDING = "delivered", "waiting_for_case", "to_paste", "pending"
# `add_communication`: the description, and `reply`'s answers.
CASE_CALLS = Permission("PinpointSandboxTracker", ("support:AddCommunicationToCase",))


def case_wait_seconds() -> float:
    """How long a filing run polls for the case (PINPOINT_SANDBOX_CASE_WAIT, seconds)."""
    raw = os.environ.get("PINPOINT_SANDBOX_CASE_WAIT", str(CASE_WAIT_SECONDS))
    try:
        value = float(raw)
    except ValueError as exc:
        raise UsageError(f"PINPOINT_SANDBOX_CASE_WAIT must be a number of seconds, got {raw!r}.") \
            from exc
    if not 0 <= value <= 600:
        raise UsageError(f"PINPOINT_SANDBOX_CASE_WAIT must be 0 to 600 seconds, got {raw!r}.")
    return value


def state_of(entry: Entry | None) -> tuple[str | None, str | None]:
    """(where the description stands, when it was delivered) from the ledger alone."""
    if entry is None:
        return None, None
    if entry.delivery is not None and entry.delivery.done:
        return DELIVERED, entry.delivery.time
    if entry.extra.get("recorded"):
        return None, None  # a case you opened or pasted into: the tool cannot tell
    kind = registry.kind_of_filing(entry)
    if kind == "support-case" and entry.status == "filed" and entry.case_id:
        return DELIVERED, entry.time  # CreateCase carried it as the case body
    if kind == "by-hand" and entry.status == "awaiting_user":
        return TO_PASTE, None
    if not entry.extra.get(DESCRIPTION):
        return None, None
    if entry.extra.get("plan") == "basic":
        return TO_PASTE, None
    return (PENDING if entry.case_id or entry.display_id else WAITING), None


# -- reading the case --------------------------------------------------------------------------
def find_on_case(account: AwsAccount, region: str, case_id: str,
                 wanted: str) -> Fields | None:
    """Our text (by digest) on the case: its time, or None when it is not there."""
    for item in communications(account, region, case_id):
        if digest(str(item.get("body", ""))) == wanted:
            return {"found_at": item.get("timeCreated")}
    return None


def add_communication(account: AwsAccount, region: str, case_id: str, body: str,
                      **extra: Any) -> Fields:
    """One AddCommunicationToCase; a failure typed as the filing path types it."""
    client = account.write_client(SUPPORT, region)
    try:
        client.add_communication_to_case(caseId=case_id, communicationBody=body, **extra)
    except aws.AWS_ERRORS as exc:
        raise classify_write_error(exc, f"AddCommunicationToCase on case {case_id}") from exc
    return {"case_id": case_id}


# -- delivering --------------------------------------------------------------------------------
@dataclass
class Delivery:
    state: str | None  # DELIVERED / WAITING / TO_PASTE / PENDING
    at: str | None = None
    problem: str | None = None


def quota_case_id(account: AwsAccount, entry: Entry) -> str | None:
    """The request's CaseId now (GetRequestedServiceQuotaChange): absent while PENDING."""
    if not entry.request_id or registry.kind_of_filing(entry) != "quota-request":
        return None
    found = requested_change(account, entry.target.region, entry.request_id).get("CaseId")
    return str(found) if found else None


def deliver(account: AwsAccount, entry: Entry, ledger: Ledger, *,
            case_hint: str | None = None, ask_quota: bool = True) -> Delivery:
    """Add the description to the case if it is due; where it stands. Never raises for AWS:
    the problem is returned (the target keeps its other state)."""
    state, at = state_of(entry)
    if state not in (WAITING, PENDING):
        return Delivery(state, at)
    try:
        return _deliver(account, entry, ledger, case_hint, ask_quota)
    except PinpointSandboxError as exc:
        return Delivery(state_of(entry)[0], problem=f"description not delivered: {exc.message}")
    except OSError as exc:  # the ledger cannot be written (read-only, full): nothing was sent
        return Delivery(state_of(entry)[0], problem="description not delivered: cannot write "
                        f"the ledger {ledger.path} ({exc.strerror or exc}); the next run "
                        "checks the case before sending")


def _deliver(account: AwsAccount, entry: Entry, ledger: Ledger, case_hint: str | None,
             ask_quota: bool) -> Delivery:
    from pinpoint_sandbox.aws.support_reads import support_plan

    region = entry.target.region
    if support_plan(account) == "basic":
        return Delivery(TO_PASTE)
    known = entry.case_id if entry.case_id and not is_display_id(entry.case_id) else None
    shown = entry.display_id or case_hint or (entry.case_id if not known else None)
    if known is None and shown is None and ask_quota:
        shown = quota_case_id(account, entry)
    if known is None and shown is None:
        return Delivery(WAITING)
    if known is None:
        assert shown is not None
        case = resolve_case(account, region, shown)
        if case is None or not case.get("caseId"):
            return Delivery(WAITING, problem=f"case {shown} is not visible to the Support API yet")
        known = str(case["caseId"])
        shown = str(case.get("displayId") or shown)
    with _held(ledger) as book:
        # This filing as the ledger has it now (never a newer request of the target).
        fresh = next((e for e in book.histories().get(entry.target, [])
                      if e.intent_id == entry.intent_id), entry)
        if fresh.display_id != shown or fresh.case_id != known:
            book.record_ids(fresh, known, shown)
        if state_of(fresh)[0] == DELIVERED:  # another run delivered it meanwhile
            return Delivery(DELIVERED, state_of(fresh)[1])
        text = str(entry.extra[DESCRIPTION])
        wanted = digest(text)
        listed = entry.extra.get("cc")
        cc = [str(x) for x in listed][:10] if isinstance(listed, list) else []  # AWS takes 10
        done = once(book, TrackedWrite(
            "deliver", f"deliver:{entry.intent_id}", entry.target,
            send=lambda: add_communication(account, region, known, text,
                                           **({"ccEmailAddresses": cc} if cc else {})),
            find=lambda: find_on_case(account, region, known, wanted),
            of=entry.intent_id, label=f"description to case {shown}",
            fields={"case_id": known, "display_id": shown, "digest": wanted,
                    "chars": len(normalized(text))},
        ))
    return Delivery(DELIVERED, done.time)


@contextlib.contextmanager
def _held(ledger: Ledger) -> Iterator[Ledger]:
    """The ledger lock: already held by this run's filing, or taken briefly for one write."""
    if ledger.held:
        yield ledger
        return
    try:
        with Ledger(ledger.path).locked(wait=STATUS_LOCK_WAIT) as book:
            yield book
    except Busy as exc:
        raise AwsError("another run holds the ledger; the next run delivers it") from exc


def deliver_after_filing(items: Sequence[tuple[AwsAccount, Entry]], ledger: Ledger, *,
                         wait: float) -> dict[str, Delivery]:
    """Deliver every pending description of this run, polling up to `wait` seconds for AWS to
    open the cases of requests filed just now. {filing intent id: where it stands}."""
    deadline = time.monotonic() + wait
    results: dict[str, Delivery] = {}
    todo = list(items)
    while True:
        waiting = []
        for account, entry in todo:
            got = deliver(account, entry, ledger)
            results[entry.intent_id] = got
            if got.state == WAITING and got.problem is None:
                waiting.append((account, entry))
        todo = waiting
        if not todo or time.monotonic() + CASE_POLL_SECONDS > deadline:
            return results
        time.sleep(CASE_POLL_SECONDS)
