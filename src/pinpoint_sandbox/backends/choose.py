"""`auto`: service-quotas if the quota exists, else support if the plan allows, else manual."""

from __future__ import annotations

from functools import cache

from pinpoint_sandbox.backends.base import Backend
from pinpoint_sandbox.backends.manual import ManualBackend
from pinpoint_sandbox.backends.service_quotas import ServiceQuotasBackend
from pinpoint_sandbox.backends.support import SupportBackend


@cache
def backend_by_name(name: str) -> Backend:
    backends: dict[str, type[Backend]] = {
        "service-quotas": ServiceQuotasBackend,
        "support": SupportBackend,
        "manual": ManualBackend,
    }
    return backends[name]()


def choose_backend(requested: str, *, quota_found: bool, support_plan: str) -> tuple[str, str]:
    """(backend name, why) for one target."""
    if requested != "auto":
        return requested, f"backend {requested} requested"
    if quota_found:
        return "service-quotas", "production-access quota found in Service Quotas"
    if support_plan == "business":
        return "support", "no Service Quotas quota; Support API available"
    return "manual", "no Service Quotas quota and no Support API on this plan"
