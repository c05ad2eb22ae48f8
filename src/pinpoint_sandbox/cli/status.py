"""`status`: per account × region — tier, spend limits, verified destinations, requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli import common
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
) -> None:
    """Show where each region stands: sandbox or production, limits, open and filed requests."""
    from pinpoint_sandbox.regions import caller_regions, parse_regions
    from pinpoint_sandbox.status import collect_status

    regions = [] if all_regions else parse_regions(region or [])
    regions = regions or ([] if all_regions else common.default_regions(profile))
    if not regions and not all_regions:
        from pinpoint_sandbox.errors import UsageError

        raise UsageError("No region given: pass --region REGION or --all-regions.")
    ledger = common.validate_file_option(ledger, "--ledger")
    common.start_simulator(simulate)
    account = common.account_for(profile)
    # --all-regions: the caller's partition only (no GovCloud rows for commercial keys).
    regions = caller_regions(account, None if all_regions else regions)
    rows = collect_status(account, regions, ledger_file=ledger)
    if output == common.OutputFormat.json:
        print_json({"regions": [row.to_json() for row in rows]})
        return
    _print_table(rows)


def _print_table(rows: list[RegionStatus]) -> None:
    from rich.console import Console
    from rich.table import Table

    accounts = sorted({row.account_id for row in rows})
    table = Table(title=f"Account {', '.join(accounts)}")
    for col in ("region", "tier", "SMS $/mo", "voice $/mo", "verified"):
        table.add_column(col, no_wrap=True)
    for row in rows:
        table.add_row(
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
