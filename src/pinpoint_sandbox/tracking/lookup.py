"""Read-only view of each region of one account: tier, spend limits, verified destinations,
and what is open or filed for each channel (ledger and AWS)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pinpoint_sandbox.aws import pool
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.core.paths import ledger_path
from pinpoint_sandbox.core.targets import CHANNELS, Target
from pinpoint_sandbox.ledger.store import Ledger


@dataclass
class RegionStatus:
    account_id: str
    region: str
    tier: str | None
    in_production: bool
    spend_limits: list[dict[str, Any]] = field(default_factory=list)
    verified_destinations: int | None = None
    verified_destinations_max: int | None = None
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Per channel, structured (for the HTML report): channel, state, request_id, case_id, since.
    targets: list[dict[str, Any]] = field(default_factory=list)

    def spend(self, prefix: str) -> str:
        for limit in self.spend_limits:
            if str(limit.get("name", "")).startswith(prefix):
                value = limit["enforced"] if limit.get("overridden") else limit["max"]
                return str(value)
        return "?"

    def verified_text(self) -> str:
        if self.verified_destinations is None:
            return "?"
        cap = f"/{self.verified_destinations_max}" if self.verified_destinations_max else ""
        return f"{self.verified_destinations}{cap}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def collect_status(
    account: AwsAccount, regions: list[str], *, ledger_file: Path | None = None
) -> list[RegionStatus]:
    from pinpoint_sandbox.aws import session as aws
    from pinpoint_sandbox.aws.facts import FACTS_READS, read_region_facts
    from pinpoint_sandbox.aws.quota_reads import end_user_messaging_history, quota_catalogue
    from pinpoint_sandbox.aws.support_reads import support_plan

    account_id = account.account_id(regions[0])
    entries = Ledger(ledger_file or ledger_path()).entries()

    # Every read of every region is started at once (each is cached, so the facts and the
    # two channels' lookups below find it done): a region costs one round trip, not a chain.
    # The process-wide bound on calls in flight (--max-concurrency) still applies.
    prefetched = [pool.submit(aws.prefetch, support_plan, account)]
    prefetched += [pool.submit(account.prefetch, fact, region)
                   for region in regions for fact in FACTS_READS]
    prefetched += [pool.submit(aws.prefetch, read, account, region)
                   for region in regions for read in (quota_catalogue, end_user_messaging_history)]
    lookups = {
        region: [pool.submit(_lookup, account, t, entries.get(t))
                 for t in (Target(account_id, region, ch) for ch in CHANNELS)]
        for region in regions
    }
    rows = []
    for region in regions:
        facts = read_region_facts(account, region, phone_numbers=False)  # numbers not shown
        row = RegionStatus(
            account_id, region, facts.tier, facts.in_production,
            [asdict(s) for s in facts.spend_limits],
            facts.verified_destinations, facts.verified_destinations_max,
            problems=list(facts.problems),
        )
        for task in lookups[region]:
            info, lines, problems = task.result()
            row.targets.append(info)
            row.requests.extend(lines)
            row.problems.extend(problems)
        rows.append(row)
    pool.wait_all(prefetched)
    return rows


def _lookup(
    account: AwsAccount, target: Target, entry: Any
) -> tuple[dict[str, Any], list[str], list[str]]:
    """(target info, request lines, problems) of one target for `status`: ledger, then AWS."""
    from pinpoint_sandbox.aws.quota_reads import discover_quota
    from pinpoint_sandbox.aws.support_reads import support_plan
    from pinpoint_sandbox.checks.preflight import TargetPlan, find_existing_at_aws

    lines: list[str] = []
    channel, region = target.channel, target.region
    info: dict[str, Any] = {"channel": channel, "state": None, "request_id": None,
                            "case_id": None, "since": None}
    if entry is not None:
        info.update(state=entry.status or "in progress", request_id=entry.request_id,
                    case_id=entry.case_id, since=entry.time)
        ids = ", ".join(
            f"{name} {value}"
            for name, value in (("request", entry.request_id), ("case", entry.case_id))
            if value
        )
        state = entry.status or "in progress"
        lines.append(f"{channel}: {state} ({ids or 'no id'}; ledger)")
    try:
        plan = TargetPlan(target, account, None, "auto", support_plan=support_plan(account))
        plan.quota = discover_quota(account, region, channel)
        found = find_existing_at_aws(plan)
    except Exception as exc:  # a read failed: show it, keep the other regions
        return info, lines, [f"{channel} requests: {exc}"]
    if found:
        info.update(state=found.status or "open", request_id=found.request_id,
                    case_id=found.case_id)
    if found and (entry is None or found.case_id != entry.case_id):
        lines.append(f"{channel}: {found.describe()}")
    return info, lines, []
