"""What a botocore failure says: its AWS error code, HTTP status, message, and whether it is
a definite "slow down" (4xx throttling) after which nothing was done."""

from __future__ import annotations

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException",
    "ProvisionedThroughputExceededException", "SlowDown", "BandwidthLimitExceeded",
    "LimitExceededException",
})


def http_status(exc: BaseException) -> int | None:
    """The HTTP status AWS answered with (None: no answer at all, e.g. a timeout)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return status if isinstance(status, int) else None
    return None


def is_throttling(exc: BaseException) -> bool:
    """A definite "slow down" refusal (4xx, a throttling code): nothing was done."""
    status = http_status(exc)
    return (
        error_code(exc) in THROTTLING_CODES
        and status is not None
        and 400 <= status < 500
    )


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        code, msg = err.get("Code"), err.get("Message")
        if code or msg:
            return f"{code}: {msg}" if msg else str(code)
    return str(exc) or type(exc).__name__
