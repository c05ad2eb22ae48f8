"""`status`: the tracker — every target's lifecycle state, AWS's last message and the next step;
with `--region`, also each region's tier, spend limits and verified destinations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pinpoint_sandbox.cli import common
from pinpoint_sandbox.cli import readiness as readiness_cli
from pinpoint_sandbox.cli.options import (
    OUTPUT,
    WHERE,
    AnswersOpt,
    OrganizationOptions,
    OutputFormat,
    OutputOptions,
    RegionOpt,
    SimulateOpt,
    bundled,
)
from pinpoint_sandbox.cli.output import print_json

if TYPE_CHECKING:
    from pinpoint_sandbox.core.targets import Target
    from pinpoint_sandbox.tracking.lookup import RegionStatus
    from pinpoint_sandbox.tracking.report import ReadinessMap
    from pinpoint_sandbox.tracking.tracker import Reach, Scope, TrackedTarget

ProfilesOpt = Annotated[
    list[str] | None,
    typer.Option("--profile", help="AWS profile; repeat it for several accounts in one table.",
                 metavar="NAME", show_default=False, rich_help_panel=WHERE),
]
RoleArnsOpt = Annotated[
    list[str] | None,
    typer.Option("--role-arn", help="Role to assume in another account; repeatable.",
                 metavar="ARN", show_default=False, rich_help_panel=WHERE),
]
BatchOpt = Annotated[
    Path | None,
    typer.Option("--batch", help="Track the targets of this batch file.", metavar="FILE",
                 rich_help_panel=WHERE),
]
WideOpt = Annotated[
    bool, typer.Option("--wide", help="Also show each target's tier and request/case ids.",
                       metavar="", rich_help_panel=OUTPUT)
]
WatchOpt = Annotated[
    int | None,
    typer.Option("--watch", help="Poll every SECONDS (default 300, at most a day) until all "
                 "are approved (0) or one needs you (3).", metavar="[SECONDS]",
                 show_default=False, max=86400, rich_help_panel=OUTPUT),
]

AllRegionsOpt = Annotated[
    bool, typer.Option(
        "--all-regions", metavar="",
        help="Every region with the SMS and Voice API in the caller's partition."
    )
]
HtmlOpt = Annotated[
    Path | None, typer.Option("--html", help="Also write a self-contained HTML report.",
                              metavar="FILE", show_default=False)
]


@bundled
def status(
    region: RegionOpt = None,
    all_regions: AllRegionsOpt = False,
    profile: ProfilesOpt = None,
    role_arn: RoleArnsOpt = None,
    batch: BatchOpt = None,
    watch: WatchOpt = None,
    wide: WideOpt = False,
    *,
    out: OutputOptions,
    simulate: SimulateOpt = None,
    html: HtmlOpt = None,
    answers: AnswersOpt = None,
    org_options: OrganizationOptions,
) -> None:
    """Track every request until it is approved: state, AWS's last message, the next step."""
    from pinpoint_sandbox.aws.regions import parse_regions
    from pinpoint_sandbox.filing.batchfile import scopes_from_batch

    output, ledger = out.output, out.ledger
    regions = [] if all_regions else parse_regions(region or [])
    ledger, html = _checked_options(ledger, watch, html, answers)
    batch_scopes = scopes_from_batch(batch) if batch else None  # validated before any call
    selection = org_options.selection()
    explicit = bool(regions) or all_regions
    common.start_simulator(simulate)  # no AWS call yet; it may set the default region
    if not batch and not explicit:
        regions = _default_regions(profile, ledger)
    org = _organization_scopes(profile, selection) if selection and not batch_scopes else None
    if org is not None and not org.accounts:  # never the caller's own credentials instead
        _emit([], [], {}, json_output=output == OutputFormat.json, watched=False,
              unused=org.unused)
        # A read that failed (throttled tags) is partial, a rerun resumes (5); no account
        # whose role could be assumed is AWS refusing the run (4).
        raise typer.Exit(5 if any(u.status == "unread" for u in org.unused) else 4)
    scopes = batch_scopes or _account_scopes(profile or [], role_arn or [], regions,
                                             all_regions=all_regions,
                                             accounts=org.accounts if org else None)
    if explicit and not batch:  # checked against the caller's partition (or all of it)
        regions = scopes[0].regions
    shown_only = regions if explicit else []  # the default region adds rows, hides none
    targets = _select(scopes, shown_only, ledger,
                      include_ledger=not (batch or profile or role_arn or org))
    json_output = output == OutputFormat.json
    wants_facts = html is not None or (not batch and (explicit or answers is not None))
    if html is not None:  # the page shows every target with its region's facts
        regions = sorted({*regions, *(t.region for t in targets)})
    code, rows, facts = _states_and_facts(targets, scopes, regions, ledger, wants_facts,
                                          watch, json_output, wide)
    readiness = _readiness(scopes, facts, answers) if facts else {}
    _agree(facts, rows)  # one state per target, in the page as in the other views
    if html is not None:  # first: a page that cannot be written is the one JSON document
        readiness_cli.write_html(html, rows, facts, readiness, org.unused if org else None)
    _emit(rows, facts, readiness, json_output=json_output, watched=watch is not None,
          unused=org.unused if org else None, wide=wide)
    if code := common.organization_exit(code, org):
        raise typer.Exit(code)


def _default_regions(profiles: list[str] | None, ledger: Path | None) -> list[str]:
    """The profile's region when none was given; none is fine when the ledger has targets."""
    from pinpoint_sandbox.core.errors import UsageError

    regions = common.default_regions(profiles[0] if profiles else None)
    if not regions and not _ledger_has_targets(ledger):
        raise UsageError("No region given: pass --region REGION or --all-regions.")
    return regions


def _checked_options(
    ledger: Path | None, watch: int | None, html: Path | None, answers: Path | None
) -> tuple[Path | None, Path | None]:
    """The file and number options, checked before any call: (ledger, html)."""
    from pinpoint_sandbox.core.errors import UsageError

    if watch is not None and watch < 1:
        raise UsageError(f"--watch {watch}: give a number of seconds of 1 or more.")
    checked = common.validate_file_option(ledger, "--ledger", writes=False)
    html = common.validate_output_file(html, "--html")
    readiness_cli.answers_facts(answers)  # bad answers: exit 2 before any call
    return checked, html


def _states_and_facts(
    targets: dict[Target, Reach], scopes: list[Scope], regions: list[str], ledger: Path | None,
    wants_facts: bool, watch: int | None, json_output: bool, wide: bool = False,
) -> tuple[int, list[TrackedTarget], list[RegionStatus]]:
    """The targets' states and the regions' facts. Read once, both at the same time: they
    are independent, and each is a chain of calls per region (sharing the account's cache).
    Watched: the facts after the watch ends, as they are then."""
    from pinpoint_sandbox.aws import pool

    if watch is not None:
        code, rows = _watch(targets, watch, ledger, json_output, wide)
        return code, rows, _region_facts(scopes, regions, ledger) if wants_facts else []
    if not wants_facts:
        return (*_track_once(targets, ledger), [])
    facts = pool.submit(_region_facts, scopes, regions, ledger)
    code, rows = _track_once(targets, ledger)
    return code, rows, facts.result()


def _track_once(
    targets: dict[Target, Reach], ledger: Path | None
) -> tuple[int, list[TrackedTarget]]:
    from pinpoint_sandbox.tracking.tracker import exit_code, track

    rows = track(targets, ledger_file=ledger)
    return exit_code(rows), rows


def _emit(rows: list[TrackedTarget], facts: list[RegionStatus], readiness: ReadinessMap, *,
          json_output: bool, watched: bool, unused: list[Any] | None = None,
          wide: bool = False) -> None:
    from pinpoint_sandbox.tracking.tracker import summary

    if unused is not None:
        common.report_unused(unused)  # organization accounts left out: one line each
    if json_output:
        doc: dict[str, Any] = {
            "regions": [row.to_json() | readiness_cli.readiness_json(row, readiness)
                        for row in facts],
            "targets": [row.to_json() for row in rows], "summary": summary(rows),
        }
        if unused is not None:
            doc["skipped_accounts"] = [u.to_json() for u in unused]
        print_json(doc)
        return
    if facts:
        _print_facts(facts)
        readiness_cli.print_readiness(facts, readiness)
    if not watched:  # the live table already showed them
        _print_rows(rows, wide)


def _agree(facts: list[RegionStatus], rows: list[TrackedTarget]) -> None:
    """One state per target in every view: the tracker's (it read the request's own
    status and case), never the ledger's outcome word in the region rows."""
    tracked = {(r.target.account_id, r.target.region, r.target.channel): r for r in rows}
    for region in facts:
        lines = []
        for info in region.targets:
            row = tracked.get((region.account_id, region.region, info["channel"]))
            if row is None:
                continue
            info.update(state=row.state, request_id=row.request_id, case_id=row.case_id,
                        since=row.filed_at or info.get("since"))
            if row.state is not None:
                ids = ", ".join(f"{name} {value}" for name, value in
                                (("request", row.request_id), ("case", row.case_id)) if value)
                lines.append(f"{info['channel']}: {row.state} ({ids or 'no id'})")
        if lines or not region.requests:
            region.requests = lines


def _readiness(scopes: list[Scope], facts: list[RegionStatus],
               answers: Path | None) -> ReadinessMap:
    """After-approval readiness of the region rows, per account."""
    if len(scopes) == 1:
        return readiness_cli.add_readiness(scopes[0].account, facts, answers)
    readiness: ReadinessMap = {}
    for scope in scopes:
        try:
            mine = [r for r in facts if r.account_id == scope.account.account_id()]
        except Exception:  # unreachable: its targets already say why
            continue
        if mine:
            readiness.update(readiness_cli.add_readiness(scope.account, mine, answers))
    return readiness


def _organization_scopes(profiles: list[str] | None, selection: Any) -> Any:
    """The organization's entered accounts (listed with the first --profile's credentials)."""
    from pinpoint_sandbox.aws.organizations import organization_accounts

    # The members share their base's AWS-wide facts (the default quota catalogue).
    return organization_accounts(common.account_for(profiles[0] if profiles else None), selection)


def _account_scopes(
    profiles: list[str], roles: list[str], regions: list[str], *, all_regions: bool,
    accounts: list[Any] | None = None,
) -> list[Scope]:
    """One scope per --profile/--role-arn (or given accounts: an organization's), or the
    current credentials; explicit regions are checked against each caller's partition
    (`--all-regions`: that whole partition)."""
    from pinpoint_sandbox.aws.regions import caller_regions
    from pinpoint_sandbox.core.errors import ExitCode, PinpointSandboxError
    from pinpoint_sandbox.tracking.tracker import Scope

    if accounts is None:
        accounts = [common.account_for(p) for p in profiles]
        accounts += [common.account_for(None, r) for r in roles]
    scopes = []
    for account in accounts or [common.account_for(None)]:
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


def _ledger_has_targets(ledger: Path | None) -> bool:
    from pinpoint_sandbox.core.paths import ledger_path
    from pinpoint_sandbox.ledger.store import Ledger

    return bool(Ledger(ledger or ledger_path()).histories())


def _select(
    scopes: list[Scope], regions: list[str], ledger: Path | None, *, include_ledger: bool
) -> dict[Target, Reach]:
    from pinpoint_sandbox.core.paths import ledger_path
    from pinpoint_sandbox.ledger.store import Ledger
    from pinpoint_sandbox.tracking.tracker import select

    histories = Ledger(ledger or ledger_path()).histories()
    return select(scopes, histories, include_ledger=include_ledger, regions=regions)


def _region_facts(
    scopes: list[Scope], regions: list[str], ledger: Path | None
) -> list[RegionStatus]:
    from pinpoint_sandbox.aws.pool import map_all
    from pinpoint_sandbox.cli.output import stderr_console
    from pinpoint_sandbox.core.errors import ExitCode, PinpointSandboxError
    from pinpoint_sandbox.tracking.lookup import collect_status

    def one(scope: Scope) -> list[RegionStatus]:
        try:
            return collect_status(scope.account, regions, ledger_file=ledger)
        except PinpointSandboxError as exc:
            if exc.exit_code == ExitCode.USAGE or len(scopes) == 1:
                raise
            # One unreachable account: its targets say why, the others are still shown.
            stderr_console().print(f"{scope.account.label}: {exc.message}", markup=False)
            return []

    # Every account at once, each reading its regions on the same pool: the pool's size
    # (--max-concurrency) bounds the threads, however the fan-outs nest.
    return [row for rows in map_all(one, scopes) for row in rows]


def _watch(
    targets: dict[Target, Reach], seconds: int, ledger: Path | None,
    json_output: bool, wide: bool = False,
) -> tuple[int, list[TrackedTarget]]:
    from rich.live import Live

    from pinpoint_sandbox.cli.output import stderr_console
    from pinpoint_sandbox.cli.status_view import status_lines
    from pinpoint_sandbox.core.errors import Interrupted
    from pinpoint_sandbox.tracking.tracker import watch

    console = stderr_console()
    with Live(console=console, auto_refresh=False, transient=json_output) as live:
        def show(rows: list[TrackedTarget]) -> None:
            live.update(status_lines(rows, console.width, wide=wide), refresh=True)

        try:
            return watch(targets, seconds=seconds, ledger_file=ledger, on_update=show)
        except KeyboardInterrupt:
            raise Interrupted("Stopped watching; the ledger keeps what was read.") from None


def _print_rows(rows: list[TrackedTarget], wide: bool) -> None:
    from pinpoint_sandbox.cli.inert import console as inert_console
    from pinpoint_sandbox.cli.status_view import status_lines

    console = inert_console()
    console.print(status_lines(rows, console.width, wide=wide))


def _print_facts(rows: list[RegionStatus]) -> None:
    from rich.table import Table

    from pinpoint_sandbox.cli.inert import console as inert_console

    accounts = sorted({row.account_id for row in rows})
    table = Table(title=f"Account {', '.join(accounts)}")
    for col in ("account", "region", "tier", "SMS $/mo", "voice $/mo", "verified"):
        table.add_column(col, no_wrap=True)
    for row in rows:
        table.add_row(
            row.account_id, row.region, row.tier or "?", row.spend("TEXT"), row.spend("VOICE"),
            row.verified_text() if not row.in_production else "-",
        )
    inert_console().print(table)
    from pinpoint_sandbox.cli.output import stderr_console

    err = stderr_console()
    for row in rows:
        for problem in row.problems:
            err.print(f"{row.region}: {problem}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
