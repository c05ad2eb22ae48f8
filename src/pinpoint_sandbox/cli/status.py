"""`status`: the tracker — every target's lifecycle state, AWS's last message and the next step;
with `--region`, also each region's tier, spend limits and verified destinations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.tracking.status_report import RegionStatus, StatusQuery, StatusReport
    from pinpoint_sandbox.tracking.tracker import Scope, TrackedTarget

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
    from pinpoint_sandbox.tracking.status_report import StatusQuery, status_report

    output, ledger = out.output, out.ledger
    regions = [] if all_regions else parse_regions(region or [])
    ledger, html = _checked_options(ledger, watch, html, answers)
    batch_scopes = _batch_scopes(batch) if batch else None  # validated before any call
    selection = org_options.selection()
    explicit = bool(regions) or all_regions
    common.start_simulator(simulate)  # no AWS call yet; it may set the default region
    defaults = _default_regions(profile, ledger) if not (batch or explicit) else []
    countries, wanted = readiness_cli.answers_facts(answers)
    query = StatusQuery(
        callers=[] if batch_scopes else _callers(profile or [], role_arn or [], bool(selection)),
        regions=regions, all_regions=all_regions, default_regions=defaults, batch=batch_scopes,
        selection=selection, ledger=ledger,
        include_ledger=not (batch or profile or role_arn or selection),
        facts=html is not None or (not batch and (explicit or answers is not None)),
        html=html is not None, countries=countries, wanted=wanted, watch=watch)
    json_output = output == OutputFormat.json
    report = _watched(query, json_output, wide) if watch is not None else status_report(query)
    if html is not None and report.entered:  # first: a page that cannot be written is the error
        readiness_cli.write_html(html, report)
    _emit(report, json_output=json_output, watched=watch is not None, wide=wide)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _batch_scopes(batch: Path) -> list[Scope]:
    from pinpoint_sandbox.filing.batchfile import scopes_from_batch  # pydantic: only for --batch

    return scopes_from_batch(batch)


def _callers(profiles: list[str], roles: list[str], organization: bool) -> list[AwsAccount]:
    """The accounts of --profile/--role-arn, else the current credentials; with an
    organization, the one that lists it (the first --profile's)."""
    if organization:
        return [common.account_for(profiles[0] if profiles else None)]
    accounts = [common.account_for(p) for p in profiles]
    accounts += [common.account_for(None, r) for r in roles]
    return accounts or [common.account_for(None)]


def _default_regions(profiles: list[str] | None, ledger: Path | None) -> list[str]:
    """The profile's region when none was given; none is fine when the ledger has targets."""
    from pinpoint_sandbox.core.errors import UsageError
    from pinpoint_sandbox.core.paths import ledger_path
    from pinpoint_sandbox.ledger.store import Ledger

    regions = common.default_regions(profiles[0] if profiles else None)
    if not regions and not Ledger(ledger or ledger_path()).histories():
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


def _emit(report: StatusReport, *, json_output: bool, watched: bool, wide: bool) -> None:
    from pinpoint_sandbox.cli.output import stderr_console

    if report.unused is not None:
        common.report_unused(report.unused)  # organization accounts left out: one line each
    for note in report.notes:  # accounts whose region facts could not be read
        stderr_console().print(note, markup=False)
    if json_output:
        print_json(report.to_json(deferred=True))  # one row's dict at a time
        return
    if report.regions:
        _print_facts(report.regions)
        readiness_cli.print_readiness(report.regions, report.readiness)
    if not watched:  # the live table already showed them
        _print_rows(report.rows, wide)


def _watched(query: StatusQuery, json_output: bool, wide: bool) -> StatusReport:
    """The report after a watch, each poll drawn live on stderr."""
    from rich.live import Live

    from pinpoint_sandbox.cli.output import stderr_console
    from pinpoint_sandbox.cli.status_view import status_lines
    from pinpoint_sandbox.core.errors import Interrupted
    from pinpoint_sandbox.tracking.status_report import status_report

    console = stderr_console()
    with Live(console=console, auto_refresh=False, transient=json_output) as live:
        def show(rows: list[TrackedTarget]) -> None:
            live.update(status_lines(rows, console.width, wide=wide), refresh=True)

        try:
            return status_report(query, on_update=show)
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
    from pinpoint_sandbox.cli.output import stderr_console

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
    err = stderr_console()
    for row in rows:
        for problem in row.problems:
            err.print(f"{row.region}: {problem}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
