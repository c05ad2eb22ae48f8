"""The registry of backends: the one list of what can file, in the order `auto` tries them.

Everything that names backends reads it: the CLI's `--backend` choices, the batch file's
`backend` type, the IAM policy, the README's list (checked by a test) and `auto` itself.
Adding a backend is one module and one line in `_BUILTIN`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pinpoint_sandbox.backends.base import Backend, BackendKind, FilingContext
from pinpoint_sandbox.backends.manual import ManualBackend
from pinpoint_sandbox.backends.service_quotas import ServiceQuotasBackend
from pinpoint_sandbox.backends.support import SupportBackend
from pinpoint_sandbox.core.errors import UsageError

if TYPE_CHECKING:
    from pinpoint_sandbox.ledger.store import Entry

AUTO = "auto"
AUTO_SUMMARY = "picks per region: the first of the backends below that can file"

# Order matters: `auto` picks the first backend that can file the target.
_BUILTIN: tuple[type[Backend], ...] = (ServiceQuotasBackend, SupportBackend, ManualBackend)

_registered: dict[str, Backend] = {cls.name: cls() for cls in _BUILTIN}


def register(backend: Backend, *, before: str | None = None) -> None:
    """Add a backend (e.g. from a test or a plugin); `before` places it ahead of another."""
    global _registered
    if backend.name == AUTO or not backend.name:
        raise ValueError(f"{backend.name!r} cannot be a backend name")
    items = [(n, b) for n, b in _registered.items() if n != backend.name]
    at = next((i for i, (n, _) in enumerate(items) if n == before), len(items))
    items.insert(at, (backend.name, backend))
    _registered = dict(items)


def unregister(name: str) -> None:
    global _registered
    _registered = {n: b for n, b in _registered.items() if n != name}


def backends() -> list[Backend]:
    """Every registered backend, in `auto`'s order."""
    return list(_registered.values())


def names() -> list[str]:
    return list(_registered)


def find(name: str | None) -> Backend | None:
    """The backend called `name`, or None (e.g. an old ledger's backend this version lacks)."""
    return _registered.get(name) if name else None


def kind_of(name: str | None) -> BackendKind | None:
    """What the backend called `name` files (Backend.kind); None when it is not registered."""
    backend = find(name)
    return backend.kind if backend is not None else None


def kind_of_filing(entry: Entry) -> str | None:
    """What the backend of a filing files: as the ledger recorded it when the backend filed,
    else (a ledger from before kinds were recorded) as the registered backend says."""
    return entry.kind or kind_of(entry.backend)


def of_kind(kind: BackendKind) -> Backend | None:
    """The first registered backend that files `kind`, or None."""
    return next((b for b in _registered.values() if b.kind == kind), None)


def choices() -> tuple[str, ...]:
    """What `--backend` and a batch file's `backend` accept."""
    return (AUTO, *_registered)


def get(name: str) -> Backend:
    """The backend called `name` (the factory)."""
    try:
        return _registered[name]
    except KeyError:
        raise UsageError(
            f"Unknown backend {name!r}: use one of {', '.join(choices())}."
        ) from None


def choose(ctx: FilingContext) -> tuple[Backend, str | None, str]:
    """(backend, why it cannot file or None, why it was chosen) for one target.

    An explicit choice is kept even when it cannot file (the target is then blocked with the
    reason). `auto` takes the first backend that can; `unavailable_reason` raising (an unknown,
    e.g. a failed plan probe) stops the choice: never guess past what AWS did not say.
    """
    if ctx.requested_backend != AUTO:
        backend = get(ctx.requested_backend)
        reason = backend.unavailable_reason(ctx)
        if reason is not None:
            reason = f"{reason}; {backend.if_unavailable}"
        return backend, reason, f"backend {backend.name} requested"
    passed: list[str] = []
    for backend in backends():
        reason = backend.unavailable_reason(ctx)
        if reason is None:
            why = backend.chosen_because or f"{backend.name} can file"
            return backend, None, "; ".join([*passed, why]) if passed else why
        passed.append(f"not {backend.name} ({reason})")
    last = backends()[-1]
    return last, "; ".join(passed), "no backend can file this target"


def summaries() -> Iterator[tuple[str, str]]:
    """(name, one line) for `auto` and every backend: the README's list."""
    yield AUTO, AUTO_SUMMARY
    for backend in backends():
        yield backend.name, backend.summary
