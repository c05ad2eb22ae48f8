"""Backends file one case for one target (service-quotas, support, manual); `choose` picks."""

from pinpoint_sandbox.backends.base import Backend, Existing, Filed, FilingContext
from pinpoint_sandbox.backends.choose import backend_by_name, choose_backend

__all__ = [
    "Backend",
    "Existing",
    "Filed",
    "FilingContext",
    "backend_by_name",
    "choose_backend",
]
