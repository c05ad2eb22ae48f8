"""Requests fanned out over the accounts of an organization: one request per selected account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pinpoint_sandbox.aws.organizations import (
    Organization,
    Selection,
    Unused,
    organization_accounts,
)
from pinpoint_sandbox.core.errors import AwsError
from pinpoint_sandbox.filing.plan import Request


@dataclass
class FanOut:
    """Requests after the fan-out, and the organization's accounts left out."""

    requests: list[Request]
    unused: list[Unused]
    accounts: int  # accounts entered

    @property
    def unreachable(self) -> list[Unused]:
        return [u for u in self.unused if u.status != "suspended"]


def fan_out(
    requests: Sequence[Request],
    selection: Selection,
    *,
    channels: Iterable[str] = (),
    regions: Sequence[str] = (),
) -> FanOut:
    """Each request (of `channels`, default all) once per selected account of the
    organization its credentials manage; the others are kept as they are. Accounts come
    first in the order, so one account's targets are worked on together."""
    wanted = set(channels)
    bases: dict[tuple[str | None, str | None], Organization] = {}
    kept: list[Request] = []
    fanned: dict[tuple[str | None, str | None], list[Request]] = {}
    for request in requests:
        if wanted and request.channel not in wanted:
            kept.append(request)
            continue
        key = (request.account.profile, request.account.role_arn)
        if key not in bases:
            bases[key] = organization_accounts(request.account, selection)
        fanned.setdefault(key, []).append(request)
    out = FanOut([], [], 0)
    for key, org in bases.items():
        out.unused.extend(org.unused)
        out.accounts += len(org.accounts)
        for account in org.accounts:  # they share their base's AWS-wide facts
            for request in fanned[key]:
                out.requests.append(Request(
                    request.channel, account, list(regions or request.regions),
                    request.answers, request.backend, request.review_label,
                ))
    out.requests.extend(kept)
    if not out.requests:
        raise AwsError("No account of the organization could be entered: "
                       + "; ".join(u.line() for u in out.unused))
    return out
