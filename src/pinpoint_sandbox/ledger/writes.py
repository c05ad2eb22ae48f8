"""Exactly-once writes besides the filing: the description's delivery, `reply`, `raise-spend`.

The same ledger lines as a filing (ledger.record_intent / outcome, fsynced before and after the
call) and the same rule: a write whose outcome is unknown (a crash, a lost answer) is looked
for at AWS before anything is sent again. The caller holds the ledger lock, so two runs never
send the same write at once.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pinpoint_sandbox.aws.write_outcomes import WriteFailure, WriteOutcomeUnknown
from pinpoint_sandbox.core.errors import AwsError, PinpointSandboxError
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.ledger.store import Ledger, Step, _now

if TYPE_CHECKING:
    from pydantic import JsonValue

# What a tracked write's ledger lines carry (JSON): its intent's, then its outcome's.
Fields = dict[str, "JsonValue"]


@dataclass
class TrackedWrite:
    step: str  # "deliver", "reply", "spend", "spend-quota"
    key: str  # what must happen once, e.g. "reply:<caseId>:<digest>"
    target: Target
    send: Callable[[], Fields]  # the one AWS write; raises a WriteFailure when not done
    # Is it at AWS already? Its fields, or None; raises PinpointSandboxError when AWS cannot say.
    find: Callable[[], Fields | None]
    of: str | None = None  # the filing intent it belongs to
    fields: Fields = field(default_factory=dict)
    skip_done: bool = True  # a write already done is not sent again (False: spend changes)
    label: str = ""  # shown in messages, e.g. "reply to case …"


@dataclass
class Done:
    how: Literal["sent", "found", "already"]
    fields: Fields
    time: str


def normalized(text: str) -> str:
    """A body as AWS may store it: line ends and trailing blanks do not count."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def digest(text: str) -> str:
    """What the ledger keeps of a text, to recognise it on the case (not the text itself)."""
    return hashlib.sha256(normalized(text).encode("utf-8")).hexdigest()[:32]


def once(ledger: Ledger, write: TrackedWrite) -> Done:
    """Send `write` unless it is done; reconcile an unknown earlier attempt first."""
    last = ledger.steps().get(write.key)
    if last is not None and last.done and write.skip_done:
        return Done("already", last.fields, last.time)
    found = settle(ledger, write)
    if found is not None:
        return found
    step = Step(write.step, write.key, uuid.uuid4().hex, _now(), of=write.of,
                fields=dict(write.fields))
    ledger.record_intent(write.target, write.step, write.label, step=step)
    try:
        sent = write.send()
    except WriteOutcomeUnknown as exc:
        return _unknown(ledger, write, step, exc)
    except (WriteFailure, PinpointSandboxError) as exc:  # refused before anything was done
        ledger.record_step_outcome(step, write.target, "refused", {"detail": str(exc)})
        if isinstance(exc, PinpointSandboxError):
            raise
        raise AwsError(str(exc)) from exc
    try:
        ledger.record_step_outcome(step, write.target, "filed", sent)
    except (OSError, PinpointSandboxError) as exc:
        # Sent: the write stands. The intent stays open and the next run finds it at AWS.
        sent = {**sent, "unrecorded": str(getattr(exc, "message", exc))}
    return Done("sent", {**step.fields, **sent}, _now())


def settle(ledger: Ledger, write: TrackedWrite) -> Done | None:
    """An earlier attempt of `write` whose outcome is unknown: look at AWS and record what it
    says (Done when AWS has it). Raises when AWS cannot say: nothing may be sent then."""
    last = ledger.steps().get(write.key)
    if last is None or not last.needs_reconcile:
        return None
    found = write.find()
    if found is not None:
        ledger.record_step_outcome(last, write.target, "filed",
                                   {**found, "reconciled": "found at AWS"})
        return Done("found", {**last.fields, **found}, last.time)
    ledger.record_step_outcome(last, write.target, "refused", {"reconciled": "not at AWS"})
    return None


def _unknown(ledger: Ledger, write: TrackedWrite, step: Step, exc: Exception) -> Done:
    try:
        found = write.find()
    except PinpointSandboxError:
        found = None
    if found is not None:
        ledger.record_step_outcome(step, write.target, "filed",
                                   {**found, "reconciled": "answer lost, found at AWS"})
        return Done("found", {**step.fields, **found}, _now())
    ledger.record_step_outcome(step, write.target, "unknown", {"detail": str(exc)})
    raise AwsError(f"{exc}; it may have reached AWS: rerun, it checks AWS before sending "
                   "again") from exc
