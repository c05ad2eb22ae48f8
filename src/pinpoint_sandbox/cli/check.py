"""`check sms|voice`: the prerequisite checks alone, per region; exit 0 when all are ready.

With a case rendered (from `--answers`, else the examples), AWS also checks the exact filing
without making it (e.g. a Support `CreateCase` dry run): each row says whether it would pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.cli.backend_choice import BackendChoice, BackendOpt
from pinpoint_sandbox.cli.options import (
    AnswersOpt,
    AwsTarget,
    ChannelChoice,
    OrganizationOptions,
    OutputOptions,
    QuotaCodeOpt,
    bundled,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pinpoint_sandbox.filing.plan import CheckReport, CheckRow
    from pinpoint_sandbox.tracking.tracker import TrackedTarget


@bundled
def check(
    channel: Annotated[ChannelChoice, typer.Argument(help="sms or voice.")],
    *,
    where: AwsTarget,
    answers: AnswersOpt = None,
    backend: BackendOpt = BackendChoice.auto,
    quota_code: QuotaCodeOpt = None,
    out: OutputOptions,
    org: OrganizationOptions,
) -> None:
    """Check prerequisites (tier, voice evidence, open requests, plan, backend) per region."""
    from pinpoint_sandbox.aws.regions import parse_regions
    from pinpoint_sandbox.cli import common
    from pinpoint_sandbox.cli.output import print_json, stderr_console
    from pinpoint_sandbox.filing.plan import Request, RunOptions, check_report
    from pinpoint_sandbox.filing.plan import check as run_check
    from pinpoint_sandbox.questionnaire.answers import answers_for_check
    from pinpoint_sandbox.questionnaire.check_answers import case_answers

    # Typed answers when the file is complete; a partial file still gives regions/attestation.
    read = answers_for_check(channel.value, answers,
                             note=lambda text: stderr_console().print(text, markup=False))
    regions = parse_regions(where.region or []) or parse_regions(read.regions)
    ledger = common.validate_file_option(out.ledger, "--ledger", writes=False)
    validated, note = case_answers(channel.value, read)
    selection = org.selection()
    common.start_simulator(where.simulate)  # no call yet; it may set the default region
    regions = regions or common.default_regions(where.profile)
    account = common.account_for(where.profile, where.role_arn)
    requests = [Request(channel.value, account, regions, validated, backend.value)]
    fan = None
    if selection is not None:
        from pinpoint_sandbox.filing.fan_out import fan_out

        fan = fan_out(requests, selection)
        requests = fan.requests
        common.report_unused(fan.unused)
    plans = run_check(
        requests,
        RunOptions(quota_code=quota_code, ledger=ledger,
                   # countries from the examples are not the user's: no destination checks
                   destinations=note is None or bool(read.destination_countries)),
    )
    report = check_report(plans, case_note=note, ledger=ledger)
    code = common.organization_exit(report.exit_code, fan)
    if out.json:
        doc: dict[str, object] = {"checks": report.rows, "exit_code": code}
        if fan is not None:
            doc["skipped_accounts"] = [u.to_json() for u in fan.unused]
        print_json(doc)
    else:
        _print_table(report)
    if code:
        raise typer.Exit(code)


def _print_table(report: CheckReport) -> None:
    from rich.table import Table

    from pinpoint_sandbox.cli.inert import console as inert_console
    from pinpoint_sandbox.cli.output import stderr_console

    rows = report.rows
    channels = sorted({r["channel"] for r in rows})
    voice = "voice" in channels
    table = Table(title=f"Prerequisites ({', '.join(channels)})")
    columns = ["region", "channel", "status", "tier", "evidence",
               *(["voice sent"] if voice else []), "plan", "backend"]
    for col in columns:
        table.add_column(col, no_wrap=True)
    for r in rows:
        ev = r["voice_evidence"]
        evidence = "-" if ev is None else (f"{ev['source']}" if ev["found"] else "no")
        table.add_row(
            r["region"], r["channel"], str(r["status"]), str(r["tier"] or "?"),
            r["production_evidence"] or "-",
            *([evidence] if voice else []), r["support_plan"], r["backend"] or "-",
        )
    out = inert_console()
    out.print(table)
    for r, tracked in zip(rows, report.tracked, strict=True):
        if tracked is not None:  # a request already: the tracker's words, as `status` has them
            out.print(_tracked_lines(r, tracked, out.width))
            continue
        detail = r["reason"] or r["backend_reason"] or r["open_request"]
        if r["validation"] and r["validation"]["accepted"]:
            detail = "; ".join(x for x in (detail, r["validation"]["detail"]) if x)
        if detail:
            out.print(f"  • {r['region']} {r['channel']} ({r['account_id']}): {detail}",
                      markup=False)
    for r in rows:
        for d in r.get("destinations") or []:
            if d["ready"] is not True:
                word = "not ready" if d["ready"] is False else "unknown"
                out.print(f"  • {r['region']} → {d['country']} {word} after approval: "
                          f"{d['reason']}" + (f"; next: {d['next_step']}" if d["next_step"]
                                              else ""), markup=False)
    ready = sum(1 for r in rows if r["ready"])
    stderr_console().print(f"{ready} of {len(rows)} region(s) ready to file.")
    notes = {r["case_note"] for r in rows if r["case_note"] and r["validation"]}
    for note in sorted(notes):
        stderr_console().print(f"Note: {note}.", markup=False)


def _tracked_lines(row: CheckRow, tracked: TrackedTarget, width: int) -> RenderableType:
    """The target's state (with its ids), then `status`'s own lines for it: AWS's message,
    the note or problem, and the next step with its commands, each inside `width`."""
    from rich.console import Group
    from rich.text import Text

    from pinpoint_sandbox.cli.status_view import (
        INDENT,
        detail_lines,
        needs_lines,
        state_text,
        wrap_words,
    )

    ids = ", ".join(f"{name} {value}" for name, value in
                    (("request", tracked.request_id),
                     ("case", tracked.display_id or tracked.case_id)) if value)
    head = (f"• {row['region']} {row['channel']} ({row['account_id']}): {state_text(tracked)}"
            + (f" ({ids})" if ids else ""))
    if tracked.next_step and not needs_lines(tracked):  # else detail_lines says it
        head += f"; next: {tracked.next_step}"
    lines = [Text(line, overflow="fold") for line in wrap_words(head, width, INDENT, INDENT * 3)]
    for line in detail_lines(tracked, width - len(INDENT)):  # under the bullet: one indent more
        lines.append(Text(INDENT, overflow="fold").append_text(line))
    return Group(*lines)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
