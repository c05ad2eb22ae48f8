"""What the user sees: rich panels and tables on stderr, JSON on stdout.

Messages and progress always go to stderr so `--output json` keeps stdout parseable.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress
from rich.table import Table

from pinpoint_sandbox.errors import NoTerminalError
from pinpoint_sandbox.preflight import TargetPlan
from pinpoint_sandbox.targets import Result

STYLE = {"previewed": "cyan", "filed": "green", "skipped": "yellow", "blocked": "red",
         "failed": "bold red"}


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=False)


class RichReporter:
    """plan.Reporter for the terminal."""

    def __init__(self, *, json_output: bool, can_prompt: bool, show_cases: bool = True) -> None:
        self.console = stderr_console()
        self.json_output = json_output
        self.can_prompt = can_prompt
        self.show_cases = show_cases
        self.review_errors = 0

    def message(self, text: str) -> None:
        self.console.print(text, markup=False)

    def preview(self, plans: Sequence[TargetPlan]) -> None:
        if self.show_cases:
            shown: list[str] = []  # descriptions already printed, with the region blanked out
            for plan in plans:
                if not (plan.ready and plan.case is not None):
                    continue
                title = (
                    f"{plan.target.channel} · {plan.target.region} · {plan.target.account_id}"
                    f" · {plan.backend}"
                )
                generic = plan.case.description
                for region in sorted({p.target.region for p in plans}, key=len, reverse=True):
                    generic = generic.replace(region, "<region>")
                if generic in shown:
                    # Same case but for the region: one line instead of another full page.
                    self.console.print(
                        f"{title}: same description as above, for {plan.target.region}. "
                        f"Subject: {plan.case.subject}",
                        markup=False,
                    )
                    continue
                shown.append(generic)
                body = f"Subject: {plan.case.subject}\n\n{plan.case.description}"
                self.console.print(Panel(body, title=title, expand=False), markup=False)
        table = Table(title="Plan")
        for col in ("account", "region", "channel", "will", "backend"):
            table.add_column(col)
        notes: list[str] = []
        for plan in plans:
            action = "file" if plan.ready else (plan.decided or "")
            table.add_row(
                plan.target.account_id, plan.target.region, plan.target.channel,
                f"[{STYLE.get(plan.decided or 'previewed', '')}]{action}[/]",
                plan.backend or "-",
            )
            why = plan.reason or plan.backend_reason
            if why:
                notes.append(f"{plan.target.region} {plan.target.channel} "
                             f"({plan.target.account_id}): {why}")
        self.console.print(table)
        for note in notes:
            self.console.print(f"  • {note}", markup=False)

    def confirm(self, count: int) -> bool:
        if not self.can_prompt:
            raise NoTerminalError(
                f"{count} case(s) ready to file but there is no terminal to confirm on: "
                "pass --yes to file, or --dry-run to preview."
            )
        from pinpoint_sandbox.questions.engine import confirm

        warning = (
            f" The content review found {self.review_errors} error(s) (listed above)."
            if self.review_errors else ""
        )
        return confirm(f"File {count} production-access request(s) now?{warning}", default=False)

    def review(self, label: str, findings: Sequence[Any], waived: Sequence[str] = ()) -> None:
        """Show the content review (the `lint` rules) before anything is filed; name waivers."""
        errors = [f for f in findings if f.level == "error"]
        warnings = [f for f in findings if f.level == "warning"]
        notes = [f for f in findings if f.level == "note"]
        self.review_errors += len(errors)
        if findings:
            self.console.print(
                f"Content review of {label}: {len(errors)} error(s), {len(warnings)} "
                f"warning(s), {len(notes)} note(s):",
                markup=False,
            )
        for finding in [*errors, *warnings, *notes]:
            fix = f" Fix: {finding.fix}" if getattr(finding, "fix", "") else ""
            self.console.print(
                f"  {finding.level}: {finding.key}: {finding.message}{fix} [{finding.rule}]",
                markup=False,
            )
        if waived:
            self.console.print(f"  waived review rules for {label}: {', '.join(waived)}",
                               markup=False)

    def progress(self, description: str, total: int) -> Callable[[], None]:
        if total <= 3 or not self.console.is_terminal:
            return lambda: None
        progress = Progress(console=self.console, transient=True)
        task = progress.add_task(description, total=total)
        progress.start()
        done = {"n": 0}

        def tick() -> None:
            done["n"] += 1
            progress.advance(task)
            if done["n"] >= total:
                progress.stop()

        return tick

    def countdown(self, seconds: float, why: str) -> None:
        end = time.monotonic() + seconds
        if not self.console.is_terminal:
            # CI logs: one plain line instead of a spinner nobody sees.
            self.console.print(f"{why}: waiting {int(seconds)} s (Ctrl-C stops; rerun resumes)",
                               markup=False)
            time.sleep(seconds)
            return
        with self.console.status(why) as status:
            while (left := end - time.monotonic()) > 0:
                minutes, secs = divmod(int(left), 60)
                status.update(f"{why} in {minutes:d}:{secs:02d} (Ctrl-C stops; rerun resumes)")
                time.sleep(min(1.0, left))


def print_results(results: Sequence[Result], *, json_output: bool) -> None:
    if json_output:
        print_json({"results": [r.to_json() for r in results]})
        return
    console = Console(highlight=False)
    table = Table(title="Results")
    for col in ("account", "region", "channel", "action", "backend"):
        table.add_column(col, no_wrap=True)
    for r in results:
        table.add_row(
            r.account_id, r.region, r.channel, f"[{STYLE.get(r.action, '')}]{r.action}[/]",
            r.backend or "-",
        )
    console.print(table)
    for r in results:
        ids = ", ".join(f"{k} {v}" for k, v in (("request", r.request_id), ("case", r.case_id))
                        if v)
        detail = "; ".join(x for x in (ids if r.action == "filed" else "", r.reason or "") if x)
        if detail:
            console.print(f"  • {r.region} {r.channel} ({r.account_id}): {detail}",
                          markup=False)


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
