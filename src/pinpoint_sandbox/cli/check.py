"""`check sms|voice`: the prerequisite checks alone, per region; exit 0 when all are ready."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pinpoint_sandbox.cli import common
from pinpoint_sandbox.cli.output import print_json, stderr_console
from pinpoint_sandbox.errors import ExitCode


def check(
    channel: Annotated[common.ChannelChoice, typer.Argument(help="sms or voice.")],
    region: common.RegionOpt = None,
    profile: common.ProfileOpt = None,
    answers: common.AnswersOpt = None,
    backend: common.BackendOpt = common.BackendChoice.auto,
    output: common.OutputOpt = common.OutputFormat.text,
    simulate: common.SimulateOpt = None,
    quota_code: common.QuotaCodeOpt = None,
    ledger: common.LedgerOpt = None,
) -> None:
    """Check prerequisites (tier, voice evidence, open requests, plan, backend) per region."""
    from types import SimpleNamespace

    from pinpoint_sandbox.answers import answers_for_check
    from pinpoint_sandbox.plan import Request, RunOptions
    from pinpoint_sandbox.plan import check as run_check
    from pinpoint_sandbox.regions import parse_regions

    # Typed answers when the file is complete; a partial file still gives regions/attestation.
    read = answers_for_check(channel.value, answers,
                             note=lambda text: stderr_console().print(text, markup=False))
    regions = parse_regions(region or []) or parse_regions(read.regions)
    regions = regions or common.default_regions(profile)
    ledger = common.validate_file_option(ledger, "--ledger")
    common.start_simulator(simulate)
    facts = read.answers or SimpleNamespace(
        voice_message_sent=read.voice_message_sent, contact_language="en"
    )
    plans = run_check(
        [Request(channel.value, common.account_for(profile), regions, facts, backend.value)],
        RunOptions(quota_code=quota_code, ledger=ledger),
    )
    rows: list[dict[str, Any]] = []
    for plan in plans:
        evidence = plan.evidence
        rows.append({
            "account_id": plan.target.account_id,
            "region": plan.target.region,
            "channel": plan.target.channel,
            "ready": plan.ready,
            "status": "ready" if plan.ready else plan.decided,
            "reason": plan.reason,
            "tier": plan.tier,
            "voice_evidence": (
                {"found": evidence.found, "source": evidence.source, "detail": evidence.detail}
                if evidence is not None else None
            ),
            "open_request": plan.existing.describe() if plan.existing else None,
            "support_plan": plan.support_plan,
            "backend": plan.backend,
            "backend_reason": plan.backend_reason or None,
        })
    code = ExitCode.OK
    if any(p.decided == "failed" for p in plans):
        code = ExitCode.AWS_FAILED
    elif any(p.decided == "blocked" for p in plans):
        code = ExitCode.PREREQUISITE
    if output == common.OutputFormat.json:
        print_json({"checks": rows, "exit_code": int(code)})
    else:
        _print_table(rows)
    if code:
        raise typer.Exit(int(code))


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    channels = sorted({r["channel"] for r in rows})
    voice = "voice" in channels
    table = Table(title=f"Prerequisites ({', '.join(channels)})")
    columns = ["region", "status", "tier", *(["voice sent"] if voice else []), "plan", "backend"]
    for col in columns:
        table.add_column(col, no_wrap=True)
    for r in rows:
        ev = r["voice_evidence"]
        evidence = "-" if ev is None else (f"{ev['source']}" if ev["found"] else "no")
        table.add_row(
            r["region"], str(r["status"]), str(r["tier"] or "?"),
            *([evidence] if voice else []), r["support_plan"], r["backend"] or "-",
        )
    out = Console(highlight=False)
    out.print(table)
    for r in rows:
        detail = r["reason"] or r["backend_reason"] or r["open_request"]
        if detail:
            out.print(f"  • {r['region']} {r['channel']} ({r['account_id']}): {detail}",
                      markup=False)
    ready = sum(1 for r in rows if r["ready"])
    stderr_console().print(f"{ready} of {len(rows)} region(s) ready to file.")


def register(app: typer.Typer) -> None:
    app.command("check")(check)
