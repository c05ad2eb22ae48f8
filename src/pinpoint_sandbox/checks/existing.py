"""What is already open at AWS for a target: every backend looks. Read-only.

Apart from `preflight` so that `status` (which asks this of every target the ledger has no
request for) does not import preflight's answers, destinations and voice evidence.
"""

from __future__ import annotations

from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.backends.base import Existing, FilingContext
from pinpoint_sandbox.core.errors import AwsError
from pinpoint_sandbox.core.targets import Target


def find_existing_at_aws(ctx: FilingContext) -> Existing | None:
    """Ask every backend that can know (quota history, Support cases).

    A lookup that cannot be read is tolerated only from a backend that guards duplicates
    itself (Service Quotas refuses a second open request) and only when that backend may be
    the one to file: filing handles its refusal. Any other unreadable lookup stops the target:
    never file blind.
    """
    for backend in registry.backends():
        try:
            found = backend.find_existing(ctx)
        except AwsError as exc:
            may_file = ctx.requested_backend in (registry.AUTO, backend.name)
            if not (backend.guards_duplicates and may_file):
                raise AwsError(
                    f"could not check {backend.name} for an open request ({exc.message}); "
                    "nothing filed, rerun when it answers"
                ) from exc
            ctx.notes.append(f"{backend.name}: open requests unreadable ({exc.message})")
            continue
        if found:
            return found
    return None


def existing_for(account: AwsAccount, target: Target) -> Existing | None:
    """What is open at AWS for one target, from the account and target alone (e.g. `status`):
    every backend's discovery, then every backend's lookup. Raises AwsError when unreadable."""
    ctx = FilingContext(account=account, target=target)
    for backend in registry.backends():
        backend.prepare(ctx)
    return find_existing_at_aws(ctx)
