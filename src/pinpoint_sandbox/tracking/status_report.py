"""`status` as a library: which targets, their tracked state, and the facts of their regions.

The tracker is the one producer of a target's state, message and next step. A region's facts
(tier, spend limits, verified destinations: `aws.facts.RegionFacts`, read once per account and
region) are a separate thing; `RegionStatus` combines them with the tracked rows of the region,
so every view (table, JSON, `--watch`, the HTML page) says what the tracker said.

`status_report(query)` returns a `StatusReport`; the CLI only prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from pinpoint_sandbox.aws import pool
from pinpoint_sandbox.aws.facts import (
    SPEND_LIMITS,
    TIER,
    VERIFIED_LIMIT,
    RegionFacts,
    SpendLimit,
    read_region_facts,
)
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.core.errors import ExitCode, PinpointSandboxError
from pinpoint_sandbox.core.jsonvalue import Deferred
from pinpoint_sandbox.core.paths import ledger_path
from pinpoint_sandbox.core.targets import CHANNELS, Target
from pinpoint_sandbox.ledger.store import Ledger
from pinpoint_sandbox.tracking.tracker import (
    Reach,
    Scope,
    TrackedTarget,
    exit_code,
    select,
    summary,
    track,
    watch,
)

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.organizations import Organization, Selection, Unused
    from pinpoint_sandbox.tracking.readiness import ReadinessMap


class RegionTarget(TypedDict):
    """One channel of a region as the tracker left it (the HTML report's cell)."""

    channel: str
    state: str | None
    request_id: str | None
    case_id: str | None
    since: str | None


@dataclass
class RegionStatus:
    """A region's facts with its targets' tracked states (`status`'s `regions[]`)."""

    account_id: str
    region: str
    tier: str | None
    in_production: bool
    spend_limits: list[SpendLimit] = field(default_factory=list)
    verified_destinations: int | None = None
    verified_destinations_max: int | None = None
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    targets: list[RegionTarget] = field(default_factory=list)

    def spend(self, prefix: str) -> str:
        for limit in self.spend_limits:
            if limit.name.startswith(prefix):
                return str(limit.effective)
        return "?"

    def verified_text(self) -> str:
        if self.verified_destinations is None:
            return "?"
        cap = f"/{self.verified_destinations_max}" if self.verified_destinations_max else ""
        return f"{self.verified_destinations}{cap}"

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def region_status(
    account_id: str, facts: RegionFacts, tracked: Sequence[TrackedTarget]
) -> RegionStatus:
    """The region's facts and, per channel, the tracker's row of that target (`tracked`: the
    region's rows, or any rows: the others are not looked at)."""
    row = RegionStatus(account_id, facts.region, facts.tier, facts.in_production,
                       list(facts.spend_limits), facts.verified_destinations,
                       facts.verified_destinations_max, problems=list(facts.problems))
    mine = {t.target.channel: t for t in tracked
            if (t.target.account_id, t.target.region) == (account_id, facts.region)}
    for channel in CHANNELS:
        item = mine.get(channel)
        if item is None:
            row.targets.append(RegionTarget(channel=channel, state=None, request_id=None,
                                            case_id=None, since=None))
            continue
        row.targets.append(RegionTarget(channel=channel, state=item.state,
                                        request_id=item.request_id, case_id=item.case_id,
                                        since=item.filed_at))
        if item.state is not None:
            ids = ", ".join(f"{name} {value}" for name, value in
                            (("request", item.request_id), ("case", item.case_id)) if value)
            row.requests.append(f"{channel}: {item.state} ({ids or 'no id'})")
        if item.problem:
            row.problems.append(f"{channel} requests: {item.problem}")
    return row


@dataclass
class StatusQuery:
    """What `status` shows. `callers`: the accounts of --profile/--role-arn (or the current
    credentials; with `selection`, the one that lists the organization)."""

    callers: list[AwsAccount] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # explicit regions ([]: none given)
    all_regions: bool = False
    default_regions: list[str] = field(default_factory=list)  # without explicit ones: adds rows
    batch: list[Scope] | None = None  # a batch file's targets, instead of the callers'
    selection: Selection | None = None  # an organization's accounts, instead of the callers
    ledger: Path | None = None
    include_ledger: bool = True  # every target the ledger follows, whatever the account
    facts: bool = False  # the regions' facts (and their readiness) too
    html: bool = False  # the facts of every tracked target's region
    countries: list[str] = field(default_factory=list)  # readiness: destination countries
    wanted: dict[str, float] = field(default_factory=dict)  # readiness: spend wanted
    watch: float | None = None  # poll every so many seconds until decided


@dataclass
class StatusReport:
    rows: list[TrackedTarget]
    regions: list[RegionStatus] = field(default_factory=list)
    readiness: ReadinessMap = field(default_factory=dict)
    unused: list[Unused] | None = None  # organization accounts left out (None: no organization)
    exit_code: int = 0
    notes: list[str] = field(default_factory=list)  # accounts whose facts could not be read
    # The channels of the facts' regions nobody asked for, tracked for the page and regions[].
    unasked: list[TrackedTarget] = field(default_factory=list)
    entered: bool = True  # False: an organization whose accounts could none be entered

    def to_json(self, *, deferred: bool = False) -> dict[str, object]:
        """The JSON document; `deferred`: each row a `Deferred`, built as it is written."""
        def rows(builds: list[Callable[[], dict[str, object]]]) -> list[object]:
            return [Deferred(build) if deferred else build() for build in builds]

        doc: dict[str, object] = {
            "regions": rows([partial(self._region_json, row) for row in self.regions]),
            "targets": rows([row.to_json for row in self.rows]), "summary": summary(self.rows),
        }
        if self.unused is not None:
            doc["skipped_accounts"] = [u.to_json() for u in self.unused]
        return doc

    def _region_json(self, row: RegionStatus) -> dict[str, object]:
        return row.to_json() | self._readiness_json(row)

    def _readiness_json(self, row: RegionStatus) -> dict[str, object]:
        found = self.readiness.get((row.account_id, row.region))
        if found is None:
            return {}
        return {"spend_readiness": [s.to_json() for s in found.spend.limits],
                "destinations": [d.to_json() for d in found.destinations]}


OnUpdate = Callable[[list[TrackedTarget]], None]


def status_report(query: StatusQuery, on_update: OnUpdate | None = None) -> StatusReport:
    """Every target's tracked state, with its regions' facts when asked; `on_update` sees
    each poll of a watch."""
    org = _organization(query)
    if org is not None and not org.accounts:  # never the caller's own credentials instead
        # A read that failed (throttled tags) is partial, a rerun resumes (5); no account
        # whose role could be assumed is AWS refusing the run (4).
        unread = any(u.status == "unread" for u in org.unused)
        return StatusReport([], unused=org.unused, exit_code=5 if unread else 4,
                            entered=False)
    explicit = bool(query.regions) or query.all_regions
    regions = query.regions if explicit else query.default_regions
    warming = _warm_clients(query, regions) if query.facts and not query.batch else None
    scopes = query.batch or account_scopes(org.accounts if org else query.callers, regions,
                                           all_regions=query.all_regions)
    if explicit and not query.batch:  # checked against the caller's partition (or all of it)
        regions = scopes[0].regions
    histories = Ledger(query.ledger or ledger_path()).histories()
    targets = select(scopes, histories, include_ledger=query.include_ledger,
                     regions=regions if explicit else [])  # the default region hides none
    if query.html:  # the page shows every target with its region's facts
        regions = sorted({*regions, *(t.region for t in targets)})
    report = _tracked(query, scopes, targets, regions if query.facts else [], on_update)
    if warming is not None:
        warming.result()
    if org is not None:
        report.unused = org.unused
        if org.unreachable and report.exit_code in (0, int(ExitCode.PREREQUISITE)):
            report.exit_code = int(ExitCode.PARTIAL)
    return report


def _warm_clients(query: StatusQuery, regions: list[str]) -> pool.Task[None] | None:
    """Build the clients of the facts' regions (and of the tracker's quota and Support plan
    reads) while the callers are identified: with `--all-regions`, those of the partition
    known before any call (the default region's); a wrong guess costs CPU, never a call."""
    from pinpoint_sandbox.aws.regions import known_partition, partition_regions
    from pinpoint_sandbox.aws.session import SERVICE_QUOTAS, SMS_VOICE, SUPPORT

    if not query.callers:
        return None
    caller = query.callers[0]
    if query.all_regions:
        partition = known_partition(caller)[0]
        regions = list(partition_regions(partition)) if partition else []
    services = (SUPPORT, SMS_VOICE, SERVICE_QUOTAS)
    return pool.submit(caller.warm, regions, services) if regions else None


def _organization(query: StatusQuery) -> Organization | None:
    """The organization's entered accounts, listed with the first caller's credentials."""
    if query.selection is None or query.batch:
        return None
    from pinpoint_sandbox.aws.organizations import organization_accounts

    # The members share their base's AWS-wide facts (the default quota catalogue).
    return organization_accounts(query.callers[0], query.selection)


def account_scopes(
    accounts: Sequence[AwsAccount], regions: list[str], *, all_regions: bool
) -> list[Scope]:
    """One scope per account; explicit regions are checked against each caller's partition
    (`--all-regions`: that whole partition)."""
    from pinpoint_sandbox.aws.regions import caller_regions

    scopes = []
    for account in accounts:
        shown = regions
        if regions or all_regions:
            try:
                shown = caller_regions(account, None if all_regions else regions)
            except PinpointSandboxError as exc:
                if exc.exit_code == ExitCode.USAGE or len(accounts) <= 1:
                    raise
                # Unreachable: `select` gives its targets the reason; the others go on.
        scopes.append(Scope(account, regions=list(shown)))
    return scopes


def _tracked(
    query: StatusQuery, scopes: list[Scope], targets: dict[Target, Reach], regions: list[str],
    on_update: OnUpdate | None,
) -> StatusReport:
    """Track the targets; the regions' facts are read at the same time (after a watch: as
    they are then). The facts' channels nobody asked for are tracked too, not shown as rows."""
    extra = _facts_targets(scopes, targets, regions)
    if query.watch is not None:
        code, rows = watch(targets, seconds=query.watch, ledger_file=query.ledger,
                           on_update=on_update or (lambda rows: None))
        facts_task = pool.submit(_facts, scopes, regions)
        more = track(extra, ledger_file=query.ledger) if extra else []
    else:
        facts_task = pool.submit(_facts, scopes, regions)
        everything = track({**targets, **extra}, ledger_file=query.ledger)
        rows, more = everything[:len(targets)], everything[len(targets):]
        code = exit_code(rows)
    facts, notes = facts_task.result()
    report = StatusReport(rows, exit_code=code, notes=notes, unasked=more)
    by_region: dict[tuple[str, str], list[TrackedTarget]] = {}
    for tracked in (*rows, *more):  # indexed once: an organization has thousands of regions
        by_region.setdefault((tracked.target.account_id, tracked.target.region), []).append(
            tracked)
    report.regions = [region_status(account_id, f, by_region.get((account_id, f.region), []))
                      for account_id, f in facts]
    report.readiness = _readiness(scopes, report.regions, query)
    return report


def _facts_targets(
    scopes: list[Scope], targets: dict[Target, Reach], regions: list[str]
) -> dict[Target, Reach]:
    """The channels of the facts' regions that are not among the targets, per account."""
    reach = {t.account_id: a for t, a in targets.items() if isinstance(a, AwsAccount)}
    return {Target(account_id, region, channel): account
            for account_id, account in reach.items()
            if any(s.account is account for s in scopes)
            for region in regions for channel in CHANNELS
            if Target(account_id, region, channel) not in targets}


def _facts(
    scopes: list[Scope], regions: list[str]
) -> tuple[list[tuple[str, RegionFacts]], list[str]]:
    """(account id, facts) of every account's regions, all at once on the one pool; and one
    note per account that could not be read (its targets say why)."""
    if not regions:
        return [], []

    def one(scope: Scope) -> tuple[list[tuple[str, RegionFacts]], str | None]:
        account = scope.account
        try:
            account_id = account.account_id(regions[0])
            # Every read of every region at once (each is cached, so the facts find it done);
            # DescribeVerifiedDestinationNumbers waits: needed only when numbers were added.
            started = [pool.submit(account.prefetch, fact, region)
                       for region in regions for fact in (TIER, SPEND_LIMITS, VERIFIED_LIMIT)]
            found = pool.map_all(lambda r: read_region_facts(account, r, phone_numbers=False),
                                 regions)
            pool.wait_all(started)
        except PinpointSandboxError as exc:
            if exc.exit_code == ExitCode.USAGE or len(scopes) == 1:
                raise
            return [], f"{account.label}: {exc.message}"
        return [(account_id, f) for f in found], None

    done = pool.map_all(one, scopes)
    return ([item for facts, _ in done for item in facts],
            [note for _, note in done if note is not None])


def _readiness(
    scopes: list[Scope], regions: list[RegionStatus], query: StatusQuery
) -> ReadinessMap:
    """After-approval readiness (spend, destination countries) of the regions, per account."""
    from pinpoint_sandbox.tracking.readiness import collect_readiness

    readiness: ReadinessMap = {}
    by_account: dict[str, list[str]] = {}
    for row in regions:
        by_account.setdefault(row.account_id, []).append(row.region)
    for scope in scopes if regions else []:
        try:
            mine = by_account.get(scope.account.account_id(), [])
        except Exception:  # unreachable: its targets already say why
            continue
        if mine:
            readiness.update(collect_readiness(scope.account, mine, countries=query.countries,
                                               wanted=query.wanted))
    return readiness
