"""`doctor`: read-only self-check of the tool's assumptions on your own account.

Exit 0 when nothing needs fixing, 3 when something does; zero writes (the one CreateCase is a
dry run). `--redact` masks account ids so the output can be pasted into a bug report.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pinpoint_sandbox.cli import common, options

RedactOpt = Annotated[
    bool,
    typer.Option("--redact", help="Mask account ids (********3333), e.g. for a bug report.",
                 metavar=""),
]


def doctor(
    region: options.RegionOpt = None,
    profile: options.ProfileOpt = None,
    redact: RedactOpt = False,
    output: options.OutputOpt = options.OutputFormat.text,
    simulate: options.SimulateOpt = None,
) -> None:
    """Check the account, partition, endpoints, plan, quotas and permissions (reads only)."""
    from pinpoint_sandbox.aws.regions import parse_regions
    from pinpoint_sandbox.checks.doctor import run_doctor
    from pinpoint_sandbox.core.errors import UsageError

    regions = parse_regions(region or [])
    common.start_simulator(simulate)
    regions = regions or parse_regions(common.default_regions(profile))
    if not regions:
        raise UsageError("doctor needs a region: give -r REGION (or set AWS_REGION or the "
                         "profile's region).")
    report = run_doctor(common.account_for(profile), regions)
    doc = report.to_json(redact=redact)
    if output == options.OutputFormat.json:
        from pinpoint_sandbox.cli.output import print_json

        print_json(doc)
    else:
        _print(doc)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _print(doc: dict[str, Any]) -> None:
    from rich.table import Table

    from pinpoint_sandbox.cli.inert import console as inert_console
    from pinpoint_sandbox.cli.output import stderr_console

    out = inert_console()  # AWS's and the account's text, never markup
    caller = doc["caller"]
    out.print(f"Caller {caller.get('arn') or caller.get('account_id')} · partition "
              f"{doc['partition']} ({caller.get('partition_from') or 'from its ARN'}) · "
              f"support plan {doc['support_plan']}", markup=False)
    endpoints = Table(title="Endpoints")
    for col in ("service", "region", "signed for", "endpoint"):
        endpoints.add_column(col, overflow="fold")
    for row in doc["endpoints"]:
        endpoints.add_row(row["service"], row["region"], row["signing_region"], row["url"])
    out.print(endpoints)
    checks = Table(title="Checks")
    for col in ("check", "region", "status", "detail"):
        checks.add_column(col, overflow="fold")
    for row in doc["checks"]:
        checks.add_row(row["check"], row["region"] or "-", row["status"], row["detail"])
    out.print(checks)
    for denied in doc["access_denied"]:
        out.print(f"  • grant {denied['action']} (met in {denied['where']})", markup=False)
    fixes = sum(1 for row in doc["checks"] if row["status"] == "fix")
    stderr_console().print(f"{fixes} thing(s) to fix (doctor only reads)." if fixes else
                           "Nothing to fix (doctor only reads).", markup=False)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
