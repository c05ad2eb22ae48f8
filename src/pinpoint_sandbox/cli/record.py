"""`record TARGET --case-id ID`: attach a case opened by hand so `status` can follow it."""

from __future__ import annotations

from typing import Annotated

import typer

from pinpoint_sandbox.cli import common, options
from pinpoint_sandbox.cli.options import OneRegionOpt, TargetArg


@options.bundled
def record(
    target: TargetArg,
    case_id: Annotated[
        str, typer.Option("--case-id", help="The case id (or the Support Center's number).",
                          metavar="ID")
    ],
    region: OneRegionOpt = None,
    profile: options.ProfileOpt = None,
    role_arn: options.RoleArnOpt = None,
    *,
    out: options.OutputOptions,
    simulate: options.SimulateOpt = None,
) -> None:
    """Record the case you opened (or pasted the description into) for a target."""
    from pinpoint_sandbox.core.paths import ledger_path
    from pinpoint_sandbox.ledger.store import Ledger
    from pinpoint_sandbox.tracking.replies import check_case_id, parse_target
    from pinpoint_sandbox.tracking.replies import record as record_case

    ledger = common.validate_file_option(out.ledger, "--ledger")
    check_case_id(case_id.strip())
    if region is None:
        parse_target(target, None, None)  # checked before anything starts
    common.start_simulator(simulate)  # a simulated run has its own ledger
    account = common.account_for(profile, role_arn) if region is not None else None
    chosen = parse_target(target, region, account)
    entry = record_case(chosen, case_id.strip(), Ledger(ledger or ledger_path()))
    if out.json:
        from pinpoint_sandbox.cli.output import print_json

        print_json({"results": [{"account_id": chosen.account_id, "region": chosen.region,
                                 "channel": chosen.channel, "case_id": case_id.strip(),
                                 "new_request": entry is None}]})
        return
    from pinpoint_sandbox.cli.output import stderr_console

    stderr_console().print(
        f"{chosen.key}: case {case_id.strip()} recorded; `pinpoint-sandbox status` follows it.",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command("record")(record)
