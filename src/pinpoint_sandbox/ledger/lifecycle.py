"""Where a request stands at AWS: the lifecycle states and the pure rules that derive them.

    previewed → filed → awaiting_you → open → needs_reply → approved | denied

No I/O here: backends read AWS and hand the raw facts (quota request status, case status,
communications newest first, account tier) to these functions, so the rules are testable alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

State = Literal["previewed", "filed", "awaiting_you", "open", "needs_reply", "approved", "denied"]
STATES: tuple[State, ...] = (
    "previewed", "filed", "awaiting_you", "open", "needs_reply", "approved", "denied",
)
FINAL_STATES: frozenset[str] = frozenset({"approved", "denied"})
# What makes `status` exit 3: the user has something to do.
NEEDS_USER: frozenset[str] = frozenset({"awaiting_you", "needs_reply", "denied"})

# Service Quotas RequestedServiceQuotaChange.Status → state. CASE_CLOSED means "read the case".
# Service Quotas statuses that are AWS's own decision on the request (not a case to read).
QUOTA_DECISIONS = frozenset({"APPROVED", "DENIED", "NOT_APPROVED", "INVALID_REQUEST"})
QUOTA_STATES: dict[str, State] = {
    "PENDING": "open",
    "CASE_OPENED": "open",
    "APPROVED": "approved",
    "DENIED": "denied",
    "NOT_APPROVED": "denied",
    "INVALID_REQUEST": "denied",
}
CLOSED_CASE_STATUSES = frozenset({"resolved", "closed"})
ASKING_CASE_STATUS = "pending-customer-action"
# AWS's questions are shown whole; only a message longer than this is cut (at a word, "…").
LAST_MESSAGE_CHARS = 2000
# botocore's Communication.submittedBy: "Entries from the Amazon Web Services Support team
# display 'Amazon Web Services', and don't show an email address."
AWS_SUBMITTER = "amazon web services"


@dataclass
class AwsView:
    """What AWS says about a target's latest request now (cached in the ledger)."""

    state: State
    aws_status: str | None = None  # the raw quota request or case status
    case_id: str | None = None
    request_id: str | None = None
    last_message: str | None = None  # AWS's newest message (whole up to 2,000 chars)
    read_at: str | None = None
    note: str | None = None  # why the state could not be read fully (plan, permissions)
    # What decided a final state: "tier" (ACCOUNT_TIER, SMS only), "request" (the target's own
    # Service Quotas request), "case" (the target's own case); None while open.
    evidence: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AwsView | None:
        state = next((s for s in STATES if s == data.get("state")), None)
        if state is None:
            return None
        return cls(
            state=state,
            aws_status=_text(data, "aws_status"),
            case_id=_text(data, "case_id"),
            request_id=_text(data, "request_id"),
            last_message=_text(data, "last_message"),
            read_at=_text(data, "read_at"),
            note=_text(data, "note"),
            evidence=_text(data, "evidence"),
        )


def _text(data: Mapping[str, object], key: str) -> str | None:
    """A string field of a ledger line or an AWS item (None when absent or not a string)."""
    value = data.get(key)
    return value if isinstance(value, str) else None


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def is_from_aws(submitted_by: str | None) -> bool:
    """True for AWS Support's messages; customer entries carry a role and an email address."""
    text = (submitted_by or "").strip().lower().rstrip(",")
    if "@" in text:
        return text.rstrip(">").endswith("@amazon.com")
    return text.startswith((AWS_SUBMITTER, "aws support")) or text == "aws"


def last_aws_message(communications: Sequence[Mapping[str, object]]) -> str | None:
    """The newest communication AWS wrote (newest first in), spaces folded."""
    for item in communications:
        if is_from_aws(_text(item, "submittedBy")):
            return clip_message(str(item.get("body") or ""))
    return None


def clip_message(body: str) -> str:
    """Spaces folded; a very long message cut at a word, never inside one."""
    text = " ".join(body.split())
    if len(text) <= LAST_MESSAGE_CHARS:
        return text
    return text[:LAST_MESSAGE_CHARS].rsplit(" ", 1)[0] + " …"


def aws_spoke_last(communications: Sequence[Mapping[str, object]], *, more: bool = False) -> bool:
    """AWS wrote the newest communication, and it is not the case's opening message.

    `more`: the listing has further pages (so the newest one cannot be the first)."""
    if not communications or not is_from_aws(_text(communications[0], "submittedBy")):
        return False
    return more or len(communications) > 1


def state_from_quota(status: str | None) -> State | None:
    """The state a Service Quotas status says by itself; None for CASE_CLOSED/unknown."""
    return QUOTA_STATES.get(str(status or "").upper())


def state_from_case(
    case_status: str | None,
    communications: Sequence[Mapping[str, object]],
    *,
    more: bool = False,
    replied_at: str | None = None,
) -> State:
    """A Support case's state while the tier is still sandbox (the caller checks the tier).

    Resolved/closed → denied. AWS asking → needs_reply: AWS wrote the newest communication
    (after the opening one), or the case is `pending-customer-action` and our last reply
    (`replied_at`, from the ledger) is not the newest communication."""
    status = str(case_status or "").lower()
    if status in CLOSED_CASE_STATUSES:
        return "denied"
    if aws_spoke_last(communications, more=more):
        return "needs_reply"
    if status == ASKING_CASE_STATUS and not _answered(communications, replied_at):
        return "needs_reply"
    return "open"


def _answered(communications: Sequence[Mapping[str, object]], replied_at: str | None) -> bool:
    """Our reply is at least as new as the newest communication on the case."""
    ours = parse_time(replied_at)
    if ours is None:
        return False
    newest = max((t for c in communications if (t := parse_time(c.get("timeCreated")))),
                 default=None)
    return newest is None or newest <= ours + dt.timedelta(seconds=REPLY_SLACK_SECONDS)


REPLY_SLACK_SECONDS = 120  # clocks differ; AWS stamps our reply a moment after we sent it


def question_text(
    case_status: str | None, communications: Sequence[Mapping[str, object]],
    replied_at: str | None = None,
) -> str | None:
    """AWS's last message; when no submitter reads as AWS's but the case waits on us (and we
    have not answered since), the newest communication is AWS's question."""
    found = last_aws_message(communications)
    if found is not None:
        return found
    asking = str(case_status or "").lower() == ASKING_CASE_STATUS
    if asking and communications and not _answered(communications, replied_at):
        return clip_message(str(communications[0].get("body") or ""))
    return None


def parse_time(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        when = value
    else:
        try:
            when = dt.datetime.fromisoformat(str(value or "").replace("Z", "+00:00"))
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def needs_user(state: str | None) -> bool:
    return state in NEEDS_USER


def age_seconds(filed_at: str | None, now: dt.datetime | None = None) -> int | None:
    if not filed_at:
        return None
    try:
        when = dt.datetime.fromisoformat(filed_at)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0, int((now - when).total_seconds()))


def age_text(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
