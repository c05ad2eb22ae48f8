"""After-approval readiness in `status`: spend limits, destination countries, `--html FILE`.

Kept apart from cli/status.py so the status command only gains its options and one call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pinpoint_sandbox.core.errors import UsageError

if TYPE_CHECKING:
    from pinpoint_sandbox.tracking.lookup import RegionStatus
    from pinpoint_sandbox.tracking.report import ReadinessMap


def answers_facts(path: Path | None) -> tuple[list[str], dict[str, float]]:
    """(destination_countries, {"sms": spend_limit_usd}) from an SMS answers file, validated."""
    if path is None:
        return [], {}
    from pinpoint_sandbox.questionnaire.answers import load_answers_file, validate_field

    data = load_answers_file(path)
    for key in ("destination_countries", "spend_limit_usd"):
        if data.get(key) is not None and (problem := validate_field("sms", key, data[key])):
            raise UsageError(f"{path.name}: {key}: {problem.removeprefix(key + ': ')}")
    listed = data.get("destination_countries") or []
    countries = [str(c) for c in listed] if isinstance(listed, list) else []
    spend = data.get("spend_limit_usd")  # validated above: a number, or a number as text
    wanted = {"sms": float(spend)} if isinstance(spend, int | float | str) and spend else {}
    return countries, wanted


def add_readiness(account: Any, rows: list[RegionStatus], answers: Path | None) -> ReadinessMap:
    """Read spend and destination readiness for the rows' regions."""
    from pinpoint_sandbox.tracking.report import collect_readiness

    countries, wanted = answers_facts(answers)
    return collect_readiness(account, [r.region for r in rows], countries=countries,
                             wanted=wanted)


def write_html(html: Path, tracked: list[Any], rows: list[RegionStatus],
               readiness: ReadinessMap, unused: list[Any] | None = None) -> None:
    """One page: every tracked target, with its region's facts and readiness; the accounts
    an organization run could not cover (and why); account names; a simulated run marked."""
    from pinpoint_sandbox.cli.output import stderr_console
    from pinpoint_sandbox.core.paths import SIMULATED
    from pinpoint_sandbox.tracking.report import (
        Uncovered,
        render_report,
        tracked_report_rows,
        write_report,
    )

    left_out = [Uncovered(u.account_id, u.name or None, u.status, u.reason)
                for u in unused or []]
    names = {t.target.account_id: t.account_name for t in tracked if t.account_name}
    names.update({u.account_id: u.name for u in left_out if u.name})
    page = render_report(tracked_report_rows(tracked, rows, readiness), names=names,
                         uncovered=left_out, simulated=SIMULATED.get("source"))
    write_report(html, page)
    stderr_console().print(f"Wrote the report to {html} (owner-only, 0600).", markup=False)


def readiness_json(row: RegionStatus, readiness: ReadinessMap) -> dict[str, Any]:
    found = readiness.get((row.account_id, row.region))
    if found is None:
        return {}
    return {
        "spend_readiness": [s.to_json() for s in found.spend.limits],
        "destinations": [d.to_json() for d in found.destinations],
    }


def print_readiness(rows: list[RegionStatus], readiness: ReadinessMap) -> None:
    from pinpoint_sandbox.cli.inert import console as inert_console

    out = inert_console()
    for row in rows:
        found = readiness.get((row.account_id, row.region))
        if found is None:
            continue
        if row.in_production and found.spend.limits:
            limits = ", ".join(f"{s.channel} ${s.enforced}/${s.max}" for s in found.spend.limits)
            out.print(f"  • {row.region} spend (enforced/max per month): {limits}", markup=False)
        # In the sandbox every maximum is $1 by design: spend steps matter after approval.
        for limit in found.spend.limits if row.in_production else []:
            for step in limit.next_steps:
                out.print(f"  • {row.region} spend {limit.channel} (${limit.enforced}/"
                          f"${limit.max}): {step}", markup=False)
        for d in found.destinations:
            if d.ready is not True:
                word = "not ready" if d.ready is False else "unknown"
                out.print(f"  • {row.region} → {d.country} {word} after approval: {d.reason}"
                          + (f"; next: {d.next_step}" if d.next_step else ""), markup=False)
