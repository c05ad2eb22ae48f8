"""Backends file one case for one target; `registry` lists them and picks for `auto`."""

from pinpoint_sandbox.backends.base import (
    AlreadyExists,
    Backend,
    Existing,
    Filed,
    FilingContext,
    RateLimited,
    Throttled,
    Validation,
    WriteFailure,
    WriteOutcomeUnknown,
    WriteRefused,
)

__all__ = [
    "AlreadyExists",
    "Backend",
    "Existing",
    "Filed",
    "FilingContext",
    "RateLimited",
    "Throttled",
    "Validation",
    "WriteFailure",
    "WriteOutcomeUnknown",
    "WriteRefused",
]
