"""The one interface every backend implements, and the typed outcomes of a write.

A backend is one module: a `Backend` subclass that declares its name, the IAM statements it
needs, how it discovers what it files against (`prepare`), when it cannot file a target
(`unavailable_reason`), how it finds a request already open (`find_existing`), how AWS proves a
filing would be accepted before it is made (`validate`), the write itself (`file`), and its own
rate limit (`slot_wait`). `registry.py` lists the backends; nothing else names them.

`find_existing` is read-only and is what makes reruns and crash recovery safe: before filing,
and after any write whose answer was lost, the plan asks AWS whether the case is already there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from pinpoint_sandbox.aws.write_outcomes import (  # re-exported: part of the backend contract
    AlreadyExists as AlreadyExists,
)
from pinpoint_sandbox.aws.write_outcomes import (
    Existing as Existing,
)
from pinpoint_sandbox.aws.write_outcomes import (
    RateLimited as RateLimited,
)
from pinpoint_sandbox.aws.write_outcomes import (
    Throttled as Throttled,
)
from pinpoint_sandbox.aws.write_outcomes import (
    WriteFailure as WriteFailure,
)
from pinpoint_sandbox.aws.write_outcomes import (
    WriteOutcomeUnknown as WriteOutcomeUnknown,
)
from pinpoint_sandbox.aws.write_outcomes import (
    WriteRefused as WriteRefused,
)
from pinpoint_sandbox.aws.write_outcomes import (
    classify_write_error as classify_write_error,
)
from pinpoint_sandbox.core.jsonvalue import JsonObject
from pinpoint_sandbox.core.targets import RenderedCase, Target
from pinpoint_sandbox.ledger.lifecycle import AwsView, now_iso, question_text, state_from_case

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.quota_reads import Quota
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.ledger.store import Entry, Ledger

FiledStatus = Literal["filed", "awaiting_user"]
# (Sid, IAM actions) granted with Resource "*"; or a complete statement (e.g. with a Condition).
IamStatement = tuple[str, tuple[str, ...]] | dict[str, object]
# What a backend files, so the other stages ask it instead of comparing names:
# "quota-request": a Service Quotas request; AWS opens its case later, and the description is
#     added to that case afterwards (delivery);
# "support-case": a Support case whose body is the description;
# "by-hand": no AWS write; the user files the saved case in the console and `record`s it;
# "other": none of these (the description's delivery is then not tracked).
BackendKind = Literal["quota-request", "support-case", "by-hand", "other"]


@dataclass
class Filed:
    """The write succeeded (or, for a backend without a write, the case is ready for the user)."""

    status: FiledStatus
    request_id: str | None = None
    case_id: str | None = None
    note: str | None = None  # shown to the user as the result's reason
    extra: JsonObject = field(default_factory=dict)


@dataclass(frozen=True)
class Validation:
    """What AWS said about the exact filing, asked without making it."""

    accepted: bool
    detail: str  # "AWS accepted a dry run of this case", or why it would be refused


@dataclass(slots=True)  # one per target: no per-instance dict
class FilingContext:
    """Everything a backend needs about one target besides the case text."""

    account: AwsAccount
    target: Target
    contact_language: str = "en"
    cc_emails: list[str] = field(default_factory=list)
    requested_backend: str = "auto"  # registry.AUTO, or a backend name
    quota_code: str | None = None  # --quota-code: pin the Service Quotas quota
    quota: Quota | None = None  # the production-access quota, when Service Quotas lists it
    support_plan: str = "unknown"  # "business" | "basic" | "unknown"
    plan_error: str | None = None  # why the plan is unknown (the probe's error)
    notes: list[str] = field(default_factory=list)  # shown beside the chosen backend
    # What `prepare`/`validate` found, per backend name (e.g. validated CreateCase parameters).
    prepared: dict[str, object] = field(default_factory=dict)
    # False: lookups may reuse this run's earlier reads (preflight of many targets).
    # True: after a write whose outcome is unknown, ask AWS again.
    fresh_reads: bool = False


class Backend(ABC):
    name: ClassVar[str]
    summary: ClassVar[str]  # one line for the README and --help
    iam_statements: ClassVar[tuple[IamStatement, ...]] = ()  # to file with it
    # Reads every run makes through it (prepare, find_existing), whichever backend files.
    iam_read_actions: ClassVar[tuple[str, ...]] = ()
    # True when AWS itself refuses a second open request (an unreadable history is then safe).
    guards_duplicates: ClassVar[bool] = False
    # False for a backend that makes no AWS write (nothing to reconcile after a crash).
    writes_to_aws: ClassVar[bool] = True
    # Why `auto` picked this backend (shown beside the plan).
    chosen_because: ClassVar[str] = ""
    # Added to `unavailable_reason` when this backend was asked for by name: what to do instead.
    if_unavailable: ClassVar[str] = "use --backend auto"
    # Its own rate limit, named in "… reached for account N; rerun after HH:MM".
    rate_limit: ClassVar[str] = "rate limit"
    # What it files (see BackendKind): tracking and delivery ask this, never the name.
    kind: ClassVar[BackendKind] = "other"

    def prepare(self, ctx: FilingContext) -> None:
        """Read-only discovery for one target (quota, plan, case codes); stores into `ctx`.

        Raise an AwsError when something this backend must know cannot be read."""
        return None

    def unavailable_reason(self, ctx: FilingContext) -> str | None:
        """Why this backend cannot file the target (None: it can). Raise AwsError when it
        cannot be told (e.g. the plan probe failed): an unknown is never taken as a no."""
        return None

    @abstractmethod
    def find_existing(self, ctx: FilingContext) -> Existing | None:
        """An open request/case for this target at AWS, or None. Read-only."""

    def validate(self, ctx: FilingContext, case: RenderedCase) -> Validation | None:
        """Ask AWS whether `file` would be accepted, without filing (None: nothing to ask)."""
        return None

    @abstractmethod
    def file(self, ctx: FilingContext, case: RenderedCase) -> Filed:
        """Make the one write call. Raise a WriteFailure subclass when it does not succeed;
        any other error must mean the write call was not made."""

    def slot_wait(self, ctx: FilingContext, ledger: Ledger) -> float:
        """Seconds until this backend may file for the target's account (its own rate limit)."""
        return 0.0

    def refresh(self, ctx: FilingContext, entry: Entry) -> AwsView:
        """The lifecycle state of a filed request, read from AWS. Read-only.

        The default follows the request's Support case with the shared reads (AWS answers a
        production-access request on a case); without a case id, the request is open while
        `find_existing` still finds it at AWS. A backend whose requests say more overrides it."""
        if entry.case_id:
            return follow_case(ctx.account, entry.case_id, replied_at=last_reply_time(entry))
        if entry.status == "awaiting_user":
            return AwsView("awaiting_you", read_at=now_iso())
        found = self.find_existing(ctx)
        if found is not None and found.case_id:
            return follow_case(ctx.account, found.case_id, request_id=found.request_id,
                               replied_at=last_reply_time(entry))
        if found is not None:
            return AwsView("open", found.status, None, found.request_id, read_at=now_iso())
        return AwsView("filed", read_at=now_iso(), note="no case id was recorded")


def follow_case(
    account: AwsAccount, case_id: str, *, request_id: str | None = None,
    quota_status: str | None = None, replied_at: str | None = None,
) -> AwsView:
    """A case's state while the tier is sandbox; a Basic plan gets `open` and a note."""
    from pinpoint_sandbox.aws.support_reads import CaseUnreadable, read_case

    try:
        case = read_case(account, case_id)
    except CaseUnreadable as exc:
        closed = str(quota_status or "").upper() == "CASE_CLOSED"
        return AwsView("denied" if closed else "open", quota_status, case_id, request_id,
                       read_at=now_iso(), note=exc.message)
    return AwsView(
        state_from_case(case.status, case.communications, more=case.more, replied_at=replied_at),
        quota_status or case.status, case_id, request_id,
        question_text(case.status, case.communications, replied_at), read_at=now_iso(),
    )


def last_reply_time(entry: Entry) -> str | None:
    """When we last answered on the case (ledger), so a case still marked
    `pending-customer-action` after our reply reads as AWS's turn."""
    times = [str(r.get("time")) for r in entry.replies if r.get("delivered") and r.get("time")]
    return max(times) if times else None
