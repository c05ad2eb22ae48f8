"""`raise-spend`: raise a region's enforced spend limit up to the maximum AWS granted, or ask
Service Quotas for a higher maximum (`--request-quota`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli import common, options
from pinpoint_sandbox.core.errors import ExitCode, UsageError

# Whole US dollars, finite and in range: inf, nan, 1e400 or 1.5 are exit 2 before any call.
MAX_USD = 1_000_000_000

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.quota_reads import Quota
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.checks.spend import RaiseResult


@options.bundled
def raise_spend(
    region: options.RegionOpt = None,
    channel: Annotated[
        str, typer.Option("--channel", "-c", help="sms, mms, voice, rcs, or a limit name.",
                          metavar="CHANNEL")
    ] = "sms",
    to: Annotated[
        int | None, typer.Option("--to", min=0, max=MAX_USD, help="New enforced limit in USD "
                                 "(default: the maximum).", metavar="USD", show_default=False)
    ] = None,
    request_quota: Annotated[
        int | None, typer.Option("--request-quota", min=1, max=MAX_USD,
                                   help="Ask Service Quotas for this monthly maximum instead.",
                                   metavar="USD", show_default=False)
    ] = None,
    profile: options.ProfileOpt = None,
    *,
    out: options.OutputOptions,
    simulate: options.SimulateOpt = None,
    dry_run: options.DryRunOpt = False,
    yes: options.YesOpt = False,
    no_input: options.NoInputOpt = False,
) -> None:
    """Raise the enforced monthly spend limit up to the account's maximum (never above)."""
    from pinpoint_sandbox.aws.regions import parse_regions
    from pinpoint_sandbox.checks.spend import limit_name_for

    name = limit_name_for(channel)
    regions = parse_regions(region or [])
    if to is not None and request_quota is not None:
        raise UsageError("--to and --request-quota do not go together: raise the enforced "
                         "limit, or ask for a higher maximum, one at a time.")
    if not (dry_run or yes or common.interactive(no_input)):
        raise UsageError("raise-spend writes to AWS and there is no terminal to confirm on: "
                         "pass --yes to go ahead, or --dry-run to preview.")
    ledger = common.validate_file_option(out.ledger, "--ledger")
    common.start_simulator(simulate)  # no call yet; a simulated run has its own ledger and
    regions = regions or common.default_regions(profile)  # may set the default region
    if not regions:
        raise UsageError("No region given: pass --region REGION (or set a default region: "
                         "AWS_REGION, or `region` in the profile).")
    account = common.account_for(profile)
    planned = _plan(account, regions, name, to, request_quota)
    results = [row for row, _quota in planned]
    pending = [r for r in results if r.action == "previewed"]
    if pending and not dry_run and not yes and not _confirmed(results, pending):
        pending = []
    if not dry_run:  # pending rows are written; others settle a cut-off earlier attempt
        _apply(account, [(r, q) for r, q in planned
                         if r in pending or r.action in ("unchanged", "skipped")],
               request_quota, ledger)
    _report(results, json_output=out.json)


def _report(results: list[RaiseResult], *, json_output: bool) -> None:
    """The results (table or JSON), and the exit code when a region failed."""
    if json_output:
        from pinpoint_sandbox.cli.output import print_json

        print_json({"results": [r.to_json() for r in results]})
    else:
        _print(results, stderr=False)
    failed = sum(r.action == "failed" for r in results)
    if failed:
        code = ExitCode.PARTIAL if failed < len(results) else ExitCode.AWS_FAILED
        raise typer.Exit(int(code))


def _confirmed(results: list[RaiseResult], pending: list[RaiseResult]) -> bool:
    from pinpoint_sandbox.cli.prompts import confirm

    _print(results, stderr=True)
    if confirm(f"Apply {len(pending)} change(s) now?", default=False):
        return True
    for r in pending:
        r.reason = "not confirmed: nothing written"
    return False


def _plan(
    account: AwsAccount, regions: list[str], name: str, to: int | None, usd: float | None
) -> list[tuple[RaiseResult, Quota | None]]:
    """Reads only; a region AWS cannot answer for fails alone, bad input stops everything."""
    from pinpoint_sandbox.checks.spend import (
        RaiseResult,
        channel_of,
        plan_quota_request,
        plan_raise,
    )
    from pinpoint_sandbox.core.errors import AwsError

    planned: list[tuple[RaiseResult, Quota | None]] = []
    for region in regions:
        try:
            if usd is None:
                planned.append((plan_raise(account, region, name, to), None))
            else:
                planned.append(plan_quota_request(account, region, name, usd))
        except AwsError as exc:
            failed = RaiseResult(account.expected_account_id() or "?", region,
                                 channel_of(name), name, "failed", reason=exc.message)
            planned.append((failed, None))
    return planned


def _apply(
    account: AwsAccount, pending: list[tuple[RaiseResult, Quota | None]], usd: float | None,
    ledger_file: Path | None,
) -> None:
    """Each write through the ledger (intent, write, outcome); a failure stays with its row."""
    from pinpoint_sandbox.checks.spend import apply_quota_request, apply_raise
    from pinpoint_sandbox.core.paths import ledger_path
    from pinpoint_sandbox.ledger.store import Ledger

    ledger = Ledger(ledger_file or ledger_path())
    for result, quota in pending:
        if usd is None:
            apply_raise(account, result, ledger)
        else:
            apply_quota_request(account, result, quota, ledger)


def _print(results: list[RaiseResult], *, stderr: bool) -> None:
    from rich.table import Table

    from pinpoint_sandbox.cli.inert import console as inert_console
    from pinpoint_sandbox.cli.output import stderr_console

    table = Table(title="Spend limits")
    for col in ("account", "region", "channel", "enforced", "max", "new", "action"):
        table.add_column(col, no_wrap=True)
    for r in results:
        table.add_row(
            r.account_id, r.region, r.channel,
            "-" if r.enforced_before is None else f"${r.enforced_before}",
            "-" if r.max is None else f"${r.max}",
            "-" if r.target is None else f"${r.target}", r.action,
        )
    out = stderr_console() if stderr else inert_console()
    out.print(table)
    for r in results:
        detail = "; ".join(x for x in (r.reason, r.request_id and f"request {r.request_id}",
                                       r.case_id and f"case {r.case_id}") if x)
        if detail:
            out.print(f"  • {r.region} {r.limit}: {detail}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("raise-spend")(raise_spend)
