"""`status`: per account × region — tier, spend limits, verified destinations, requests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pinpoint_sandbox.cli import common
from pinpoint_sandbox.cli import readiness as readiness_cli
from pinpoint_sandbox.cli.output import print_json

if TYPE_CHECKING:
    from pinpoint_sandbox.status import RegionStatus


def status(
    region: common.RegionOpt = None,
    all_regions: Annotated[
        bool, typer.Option(
            "--all-regions", metavar="",
            help="Every region with the SMS and Voice API in the caller's partition."
        )
    ] = False,
    profile: common.ProfileOpt = None,
    output: common.OutputOpt = common.OutputFormat.text,
    simulate: common.SimulateOpt = None,
    ledger: common.LedgerOpt = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report.",
                                  metavar="FILE", show_default=False)
    ] = None,
    answers: common.AnswersOpt = None,
    organization: common.OrganizationOpt = False,
    ou: common.OuOpt = None,
    exclude: common.ExcludeOpt = None,
    tag: common.TagOpt = None,
    role_name: common.RoleNameOpt = None,
    external_id: common.ExternalIdOpt = None,
    session_duration: common.SessionDurationOpt = None,
    max_concurrency: common.MaxConcurrencyOpt = None,
) -> None:
    """Show where each region stands: sandbox or production, limits, open and filed requests."""
    from pinpoint_sandbox.regions import caller_regions, parse_regions
    from pinpoint_sandbox.status import collect_status_accounts

    regions = [] if all_regions else parse_regions(region or [])
    regions = regions or ([] if all_regions else common.default_regions(profile))
    if not regions and not all_regions:
        from pinpoint_sandbox.errors import UsageError

        raise UsageError("No region given: pass --region REGION or --all-regions.")
    ledger = common.validate_file_option(ledger, "--ledger")
    html = common.validate_file_option(html, "--html")
    readiness_cli.answers_facts(answers)  # bad answers: exit 2 before any call
    selection = common.organization_options(organization, ou, exclude, tag, role_name,
                                            external_id, session_duration, max_concurrency)
    common.start_simulator(simulate)
    account = common.account_for(profile)
    # --all-regions: the caller's partition only (no GovCloud rows for commercial keys).
    regions = caller_regions(account, None if all_regions else regions)
    accounts, org = common.accounts_for(account, selection)
    rows = collect_status_accounts(accounts, regions, ledger_file=ledger)
    readiness = readiness_cli.add_readiness(
        accounts if org is not None else account, rows, answers, html
    )
    _show(rows, readiness, org, json_output=output == common.OutputFormat.json)


def _show(rows: list[RegionStatus], readiness: Any, org: Any, *, json_output: bool) -> None:
    """The rows (table or JSON), and the organization's accounts left out (exit 5 when one
    could not be entered)."""
    unused = org.unused if org is not None else []
    if json_output:
        doc: dict[str, Any] = {"regions": [
            row.to_json() | readiness_cli.readiness_json(row, readiness) for row in rows
        ]}
        if org is not None:
            doc["skipped_accounts"] = [u.to_json() for u in unused]
        print_json(doc)
    else:
        _print_table(rows)
        readiness_cli.print_readiness(rows, readiness)
    if org is not None:
        common.report_unused(unused)
        if any(u.status == "unreachable" for u in unused):
            raise typer.Exit(5)


def _print_table(rows: list[RegionStatus]) -> None:
    from rich.console import Console
    from rich.table import Table

    accounts = sorted({row.account_id for row in rows})
    many = len(accounts) > 1  # an organization: one row per account and region
    table = Table(title=f"{len(accounts)} accounts" if many else f"Account {accounts[0]}")
    for col in ("account", "region", "tier", "SMS $/mo", "voice $/mo", "verified")[not many:]:
        table.add_column(col, no_wrap=True)
    for row in rows:
        table.add_row(
            *([row.account_id] if many else []),
            row.region, row.tier or "?", row.spend("TEXT"), row.spend("VOICE"),
            row.verified_text() if not row.in_production else "-",
        )
    out = Console(highlight=False)
    out.print(table)
    for row in rows:
        for request in row.requests:
            out.print(f"  • {row.region} {request}", markup=False)
    err = Console(stderr=True, highlight=False)
    for row in rows:
        for problem in row.problems:
            err.print(f"{row.region}: {problem}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
