"""What every backend offers: find an existing request for a target, and file a new one.

`find_existing` is read-only and is what makes reruns and crash recovery safe: before filing,
and after any write whose answer was lost, the plan asks AWS whether the case is already there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Literal

from pinpoint_sandbox.aws import AwsAccount
from pinpoint_sandbox.ledger import Entry
from pinpoint_sandbox.lifecycle import AwsView
from pinpoint_sandbox.targets import RenderedCase, Target

FiledStatus = Literal["filed", "awaiting_user"]


@dataclass(frozen=True)
class Existing:
    """A request or case already open for the target."""

    source: str  # "service-quotas", "support", "ledger"
    request_id: str | None = None
    case_id: str | None = None
    status: str | None = None

    def describe(self) -> str:
        ids = ", ".join(
            f"{name} {value}"
            for name, value in (("request", self.request_id), ("case", self.case_id))
            if value
        )
        state = f" ({self.status})" if self.status else ""
        return f"already requested via {self.source}: {ids or 'no id'}{state}"


@dataclass
class Filed:
    status: FiledStatus
    request_id: str | None = None
    case_id: str | None = None
    note: str | None = None  # shown to the user as the result's reason
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FilingContext:
    """Everything a backend needs about one target besides the case text."""

    account: AwsAccount
    target: Target
    contact_language: str = "en"
    cc_emails: list[str] = field(default_factory=list)
    quota: Any = None  # service_quotas.Quota when discovered
    support_plan: str = "unknown"  # "business" | "basic" | "unknown"
    # False: lookups may reuse this run's earlier reads (preflight of many targets).
    # True: after a write whose outcome is unknown, ask AWS again.
    fresh_reads: bool = False


class WriteOutcomeUnknown(Exception):
    """The write call may have reached AWS but its answer was lost (5xx, timeout, reset)."""


class WriteRefused(Exception):
    """AWS refused the write; nothing was created. `retry_after` is set for rate limits."""

    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


class Backend(ABC):
    name: str

    @abstractmethod
    def find_existing(self, ctx: FilingContext) -> Existing | None:
        """An open request/case for this target at AWS, or None. Read-only."""

    @abstractmethod
    def file(self, ctx: FilingContext, case: RenderedCase) -> Filed:
        """Make the one write call. Raise WriteRefused or WriteOutcomeUnknown on failure."""

    def refresh(self, ctx: FilingContext, entry: Entry) -> AwsView:
        """What AWS says now about the request `entry` recorded. Read-only."""
        raise NotImplementedError(f"{self.name} cannot refresh its requests")


def classify_write_error(exc: BaseException, operation: str) -> Exception:
    """Map a botocore failure of a write call to refused (safe to retry) or unknown (reconcile)."""
    from botocore.exceptions import ClientError

    from pinpoint_sandbox.aws import error_code, error_message

    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error_code(exc)
        if isinstance(status, int) and 400 <= status < 500:
            return WriteRefused(f"{operation} refused: {error_message(exc)}", code=code)
    # 5xx, connection reset, read timeout: the write may have happened.
    return WriteOutcomeUnknown(f"{operation}: no answer from AWS ({error_message(exc)})")
