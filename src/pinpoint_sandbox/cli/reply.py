"""`reply TARGET --message TEXT | --file FILE [--attach FILE]…`: answer AWS on the case."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli import common
from pinpoint_sandbox.cli.output import print_json

if TYPE_CHECKING:
    from pinpoint_sandbox.replies import ReplyOutcome

TargetArg = Annotated[
    list[str],
    typer.Argument(help="ACCOUNT/REGION/CHANNEL, or CHANNEL with -r REGION (current account).",
                   metavar="TARGET"),
]
OneRegionOpt = Annotated[
    str | None,
    typer.Option("--region", "-r", help="The target's region (with TARGET = CHANNEL).",
                 metavar="REGION"),
]


def reply(
    target: TargetArg,
    region: OneRegionOpt = None,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="The reply text.", metavar="TEXT")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the reply text from FILE.", metavar="FILE")
    ] = None,
    attach: Annotated[
        list[Path] | None,
        typer.Option("--attach", help="Attach a file (≤ 3, 5 MB each). Repeatable.",
                     metavar="FILE", show_default=False),
    ] = None,
    profile: common.ProfileOpt = None,
    role_arn: Annotated[
        str | None, typer.Option("--role-arn", help="Role to assume in the target's account.",
                                 metavar="ARN")
    ] = None,
    output: common.OutputOpt = common.OutputFormat.text,
    simulate: common.SimulateOpt = None,
    ledger: common.LedgerOpt = None,
) -> None:
    """Answer AWS's question on a target's case (one AddCommunicationToCase)."""
    from pinpoint_sandbox.ledger import Ledger
    from pinpoint_sandbox.paths import ledger_path
    from pinpoint_sandbox.replies import check_attachments, known_entry, parse_target, read_text
    from pinpoint_sandbox.replies import reply as send_reply

    ledger = common.validate_file_option(ledger, "--ledger")
    text = read_text(message, file)
    files = check_attachments(list(attach or []))
    if region is None:  # fully named: checked against the ledger before any AWS call
        parse_target(target, None, None)
    common.start_simulator(simulate)  # a simulated run has its own ledger
    book = Ledger(ledger or ledger_path())
    account = common.account_for(profile, role_arn)
    entry = known_entry(parse_target(target, region, account), book)
    caller = account.account_id(entry.target.region)
    if caller != entry.target.account_id:
        from pinpoint_sandbox.errors import UsageError

        raise UsageError(
            f"{entry.target.key}: these credentials are for account {caller}; pass --profile "
            f"or --role-arn for account {entry.target.account_id}."
        )
    outcome = send_reply(account, entry, book, text, files)
    if output == common.OutputFormat.json:
        print_json({"results": [outcome.to_json()]})
    else:
        _print_outcome(outcome)


def _print_outcome(outcome: ReplyOutcome) -> None:
    from pinpoint_sandbox.cli.output import stderr_console

    err = stderr_console()
    if outcome.delivered:
        extra = f" with {', '.join(outcome.attachments)}" if outcome.attachments else ""
        err.print(f"Replied on case {outcome.case_id}{extra}.", markup=False)
        return
    err.print(f"This account's support plan has no Support API: paste the text below into "
              f"case {outcome.case_id} at {outcome.link}", markup=False)
    from pinpoint_sandbox.cli.inert import clean

    typer.echo(clean(outcome.paste or ""))  # the file's text, printed inert


def register(app: typer.Typer) -> None:
    app.command("reply")(reply)
