"""Kept for callers written before the registry: `backend_by_name` is `registry.get`."""

from __future__ import annotations

from pinpoint_sandbox.backends.base import Backend
from pinpoint_sandbox.backends.registry import get


def backend_by_name(name: str) -> Backend:
    return get(name)
