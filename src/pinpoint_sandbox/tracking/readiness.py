"""After-approval readiness of a region (`status`, its HTML page): spend limits against what
the user wants, and whether the destination countries can be reached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pinpoint_sandbox.aws.pool import map_all
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.checks.destinations import DestinationStatus, destination_readiness
from pinpoint_sandbox.checks.spend import RegionSpend, read_spend


@dataclass
class Readiness:
    """After-approval facts of one (account, region): spend limits and destination countries."""

    spend: RegionSpend
    destinations: list[DestinationStatus] = field(default_factory=list)


ReadinessMap = dict[tuple[str, str], Readiness]  # (account id, region) → readiness


def collect_readiness(
    account: AwsAccount, regions: Sequence[str], *, countries: Sequence[str] = (),
    wanted: dict[str, float] | None = None,
) -> ReadinessMap:
    """Per region, in parallel (clients must already be prepared); never raises for AWS."""

    from pinpoint_sandbox.checks.destinations import implied_countries

    def one(region: str) -> Readiness:
        spend = read_spend(account, region, wanted=wanted)
        mine = implied_countries(list(countries), region, list(regions))  # region pairs
        return Readiness(spend, destination_readiness(account, region, mine))

    found = map_all(one, regions)
    return {(r.spend.account_id, region): r for region, r in zip(regions, found, strict=True)}
