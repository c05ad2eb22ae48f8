"""The typed outcomes of an AWS write: refused, throttled, rate limited, or unknown.

A 4xx answer means nothing was created; a 5xx, a reset or a timeout means the write may have
happened, and the caller must read AWS before writing again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pinpoint_sandbox.aws import errors as aws  # the error helpers alone: no session needed


@dataclass(frozen=True)
class Existing:
    """A request or case already open for the target."""

    source: str  # a backend name, or "ledger"
    request_id: str | None = None
    case_id: str | None = None
    status: str | None = None

    def describe(self) -> str:
        ids = ", ".join(
            f"{name} {value}"
            for name, value in (("request", self.request_id), ("case", self.case_id))
            if value
        )
        # The ledger's outcome word "filed" says nothing here: the request is an earlier one.
        status = "filed earlier" if self.status == "filed" else self.status
        state = f" ({status})" if status else ""
        return f"already requested via {self.source}: {ids or 'no id'}{state}"


class WriteFailure(Exception):
    """Base of the typed outcomes a `file` call raises instead of returning `Filed`."""


class AlreadyExists(WriteFailure):
    """AWS refused because the request is already open (nothing new was created)."""

    def __init__(self, message: str, existing: Existing | None = None) -> None:
        super().__init__(message)
        self.existing = existing


class WriteRefused(WriteFailure):
    """AWS refused the write; nothing was created, and retrying will not help."""


class RateLimited(WriteFailure):
    """The backend's own quota (e.g. 10 new Support cases per hour): nothing was created.

    `retry_after`: seconds until a slot frees, when known."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Throttled(RateLimited):
    """A definite throttling answer (4xx, e.g. ThrottlingException): nothing was created, and
    the same call may be retried after a backoff."""


class WriteOutcomeUnknown(WriteFailure):
    """The write call may have reached AWS but its answer was lost (5xx, timeout, reset)."""


def classify_write_error(exc: BaseException, operation: str) -> WriteFailure:
    """A botocore failure of a write call, as a typed outcome.

    4xx: refused before anything was created (a throttling code may be retried after a backoff).
    5xx, connection reset, read timeout: the write may have happened; reconcile, never retry.
    """
    status = aws.http_status(exc)
    if aws.is_throttling(exc):
        return Throttled(f"{operation} throttled: {aws.error_message(exc)}")
    if status is not None and 400 <= status < 500:
        return WriteRefused(f"{operation} refused: {aws.error_message(exc)}")
    return WriteOutcomeUnknown(f"{operation}: no answer from AWS ({aws.error_message(exc)})")
