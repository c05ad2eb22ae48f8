"""`reply TARGET --message TEXT | --file FILE [--attach FILE]…`: answer AWS on the case."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli import common, options
from pinpoint_sandbox.cli.options import OneRegionOpt, TargetArg

if TYPE_CHECKING:
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.ledger.store import Entry, Ledger
    from pinpoint_sandbox.tracking.replies import ReplyOutcome

@options.bundled
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
    profile: options.ProfileOpt = None,
    role_arn: Annotated[
        str | None, typer.Option("--role-arn", help="Role to assume in the target's account.",
                                 metavar="ARN")
    ] = None,
    reopen: Annotated[
        bool, typer.Option("--reopen", help="Write on a resolved case anyway (AWS reopens it).")
    ] = False,
    *,
    out: options.OutputOptions,
    simulate: options.SimulateOpt = None,
) -> None:
    """Answer AWS's question on a target's case (one AddCommunicationToCase, sent once).

    TARGET may also be the case: its Support Center number or its case-… id."""
    from pinpoint_sandbox.core.paths import ledger_path
    from pinpoint_sandbox.ledger.store import Ledger
    from pinpoint_sandbox.tracking.replies import check_attachments, parse_target, read_text
    from pinpoint_sandbox.tracking.replies import reply as send_reply

    ledger = common.validate_file_option(out.ledger, "--ledger")
    text = read_text(message, file)
    files = check_attachments(list(attach or []))
    by_case = len(target) == 1 and region is None and "/" not in target[0]
    if region is None and not by_case:  # fully named: checked before any AWS call
        parse_target(target, None, None)
    common.start_simulator(simulate)  # a simulated run has its own ledger
    book = Ledger(ledger or ledger_path())
    account = common.account_for(profile, role_arn)
    entry = _entry(target, region, account, book, by_case=by_case)
    caller = account.account_id(entry.target.region)
    if caller != entry.target.account_id:
        from pinpoint_sandbox.core.errors import UsageError

        raise UsageError(
            f"{entry.target.key}: these credentials are for account {caller}; pass --profile "
            f"or --role-arn for account {entry.target.account_id}."
        )
    outcome = send_reply(account, entry, book, text, files, reopen=reopen)
    if out.json:
        from pinpoint_sandbox.cli.output import print_json

        print_json({"results": [outcome.to_json()]})
    else:
        _print_outcome(outcome)


def _entry(target: list[str], region: str | None, account: AwsAccount | None, book: Ledger, *,
           by_case: bool) -> Entry:
    """The ledger entry TARGET names: a target, or a case by its display id or caseId."""
    from pinpoint_sandbox.tracking.replies import find_entry, known_entry, parse_target

    found = find_entry(target[0], book) if by_case else None
    if by_case and found is None:
        parse_target(target, None, None)  # neither a known case nor a target: says how
    return found or known_entry(parse_target(target, region, account), book)


def _print_outcome(outcome: ReplyOutcome) -> None:
    from pinpoint_sandbox.cli.output import stderr_console

    err = stderr_console()
    if outcome.delivered:
        extra = f" with {', '.join(outcome.attachments)}" if outcome.attachments else ""
        shown = outcome.display_id or outcome.case_id
        said = {"sent": f"Replied on case {shown}{extra}.",
                "found": f"Your reply is already on case {shown} (an earlier run sent it before "
                         "it was cut off): nothing sent again.",
                "already": f"This reply was already sent on case {shown}: nothing sent again."}
        err.print(said.get(outcome.how, said["sent"]), markup=False)
        return
    which = (f"case {outcome.display_id or outcome.case_id}" if outcome.case_id
             else "the case AWS opens for this request")
    err.print(f"This account's support plan has no Support API: paste the text below into "
              f"{which} at {outcome.link}", markup=False)
    from pinpoint_sandbox.cli.inert import clean

    typer.echo(clean(outcome.paste or ""))  # the file's text, printed inert


def register(app: typer.Typer) -> None:
    app.command("reply")(reply)
