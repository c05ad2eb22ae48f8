"""What the user sees: rich panels and tables on stderr, JSON on stdout.

Messages and progress always go to stderr so `--output json` keeps stdout parseable.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from pinpoint_sandbox.core.errors import NoTerminalError

if TYPE_CHECKING:  # rich and the library load when output is written, not for --help
    from rich.console import Console

    from pinpoint_sandbox.aws.organizations import Unused
    from pinpoint_sandbox.checks.preflight import TargetPlan
    from pinpoint_sandbox.core.targets import Result
    from pinpoint_sandbox.review.lint import Finding

SUMMARY_OVER = 60  # more targets than this: a summary per account instead of a row each
SUMMARY_REASONS = 15
STYLE = {"previewed": "cyan", "filed": "green", "skipped": "yellow", "blocked": "red",
         "failed": "bold red"}


def stderr_console() -> Console:
    from pinpoint_sandbox.cli.inert import console

    return console(stderr=True, soft_wrap=False)


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
        from rich.panel import Panel
        from rich.table import Table

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
        if not plans:
            self.console.print("Nothing to file: no target.", markup=False)
            return
        if len(plans) > SUMMARY_OVER:
            _summary(self.console, "Plan", [
                (p.target.account_id, "file" if p.ready else (p.decided or ""),
                 p.reason or p.backend_reason) for p in plans
            ])
            return
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
            notes.extend(destination_notes(plan))
        self.console.print(table)
        for note in notes:
            self.console.print(f"  • {note}", markup=False)
        if not any(p.ready for p in plans):
            self.console.print(nothing_to_file(plans), markup=False)

    def confirm(self, count: int) -> bool:
        if not self.can_prompt:
            raise NoTerminalError(
                f"{count} case(s) ready to file but there is no terminal to confirm on: "
                "pass --yes to file, or --dry-run to preview."
            )
        from pinpoint_sandbox.cli.prompts import confirm

        warning = (
            f" The content review found {self.review_errors} error(s) (listed above)."
            if self.review_errors else ""
        )
        return confirm(f"File {count} production-access request(s) now?{warning}", default=False)

    def review(self, label: str, findings: Sequence[Finding], waived: Sequence[str] = ()) -> None:
        """Show the content review (the `lint` rules) before anything is filed; name waivers."""
        errors = [f for f in findings if f.level == "error"]
        warnings = [f for f in findings if f.level == "warning"]
        notes = [f for f in findings if f.level == "note"]
        self.review_errors += len(errors)
        from pinpoint_sandbox.questionnaire.i18n import finding_texts, level, message

        if findings:
            self.console.print(
                message("review_header", label=label, errors=len(errors),
                        warnings=len(warnings), notes=len(notes)),
                markup=False,
            )
        for finding in [*errors, *warnings, *notes]:
            text, fix = finding_texts(finding)  # in the interface language
            self.console.print(
                f"  {level(finding.level)}: {finding.key}: {text}"
                f"{message('fix', fix=fix) if fix else ''} [{finding.rule}]",
                markup=False,
            )
        if waived:
            self.console.print(message("review_waived", label=label, rules=", ".join(waived)),
                               markup=False)

    def progress(
        self, description: str, total: int, per_account: dict[str, int] | None = None
    ) -> Callable[..., None]:
        """A bar on stderr (targets done, failures, accounts done, ETA) when it is a terminal;
        nothing otherwise, so `--output json` in a pipe stays clean."""
        if total <= 3 or not self.console.is_terminal:
            return lambda *done: None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("targets · {task.fields[failed]} failed · {task.fields[accounts]}"),
            TimeRemainingColumn(), console=self.console, transient=True,
        )
        task = progress.add_task(description, total=total, failed=0, accounts="")
        progress.start()
        counts = _ProgressCounts(total, per_account or {})

        def tick(plan: TargetPlan | None = None) -> None:
            with counts.lock:
                accounts = counts.add(plan)
                progress.update(task, advance=1, failed=counts.failed, accounts=accounts)
                if counts.done >= total:
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


def nothing_to_file(plans: Sequence[TargetPlan]) -> str:
    """"Nothing to file: 2 target(s) already requested, 1 blocked"."""
    from collections import Counter

    def why(plan: TargetPlan) -> str:
        if plan.decided == "skipped":
            return "already requested" if plan.existing else "already in production"
        return str(plan.decided)

    counts = Counter(why(p) for p in plans)
    return "Nothing to file: " + ", ".join(f"{n} target(s) {w}" for w, n in counts.items()) + "."


def destination_notes(plan: TargetPlan) -> list[str]:
    """Countries this target will not reach even after approval, with the next step."""
    return [
        f"{plan.target.region} → {d.country} "
        f"{'not ready' if d.ready is False else 'unknown'} after approval: {d.reason}"
        + (f"; next: {d.next_step}" if d.next_step else "")
        for d in plan.destinations if d.ready is not True
    ]


class _ProgressCounts:
    """What the bar shows besides targets: failures, and accounts with every target done."""

    def __init__(self, total: int, per_account: dict[str, int]) -> None:
        import threading

        self.lock = threading.Lock()
        self.done = 0
        self.failed = 0
        self.left = dict(per_account)  # targets still to do per account
        self.accounts_done = 0

    def add(self, plan: TargetPlan | None) -> str:
        self.done += 1
        if plan is None or not self.left:
            return ""
        if plan.decided == "failed":
            self.failed += 1
        account = plan.target.account_id
        self.left[account] = self.left.get(account, 1) - 1
        if self.left[account] == 0:
            self.accounts_done += 1
        return f"{self.accounts_done}/{len(self.left)} accounts"


def print_results(
    results: Sequence[Result], *, json_output: bool,
    skipped_accounts: Sequence[Unused] | None = None,
) -> None:
    """The results table (or JSON); `skipped_accounts`: organization accounts left out."""
    if json_output:
        summary: dict[str, object] = {}
        if skipped_accounts is not None:
            summary["skipped_accounts"] = [u.to_json() for u in skipped_accounts]
        stream_json("results", (r.to_json() for r in results), summary)
        return
    from rich.table import Table

    from pinpoint_sandbox.cli.inert import console as inert_console

    console = inert_console()
    if not results:
        console.print("No target: nothing was done.", markup=False)
        return
    if len(results) > SUMMARY_OVER:
        _summary(console, "Results", [(r.account_id, r.action, r.reason) for r in results])
        return
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
        said = DESCRIPTION_SAID.get(str(r.extra.get("description_state")), "")
        detail = "; ".join(x for x in (ids if r.action == "filed" else "", r.reason or "", said,
                                       str(r.extra.get("description_problem") or "")) if x)
        if detail:
            console.print(f"  • {r.region} {r.channel} ({r.account_id}): {detail}",
                          markup=False)


# Where a Service Quotas filing's description stands (delivery.py), in the results' details.
DESCRIPTION_SAID = {
    "delivered": "description added to the case",
    "waiting_for_case": "AWS has not opened the case yet: the next `status` adds the description",
    "pending": "the next `status` adds the description to the case",
}


class _Blocks:
    """Text written to stdout in 64 KiB blocks: an unbuffered stdout (PYTHONUNBUFFERED) would
    otherwise take one system call per piece (15,000 for `status --all-regions`)."""

    SIZE = 65536

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.size = 0

    def write(self, piece: str) -> None:
        self.pieces.append(piece)
        self.size += len(piece)
        if self.size >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        sys.stdout.write("".join(self.pieces))
        self.pieces, self.size = [], 0


def _built(value: object) -> object:
    from pinpoint_sandbox.core.jsonvalue import Deferred

    return value.build() if isinstance(value, Deferred) else str(value)


def stream_json(key: str, items: Iterable[object], summary: dict[str, object]) -> None:
    """`{key: [items…], **summary}` written one item at a time, byte for byte what
    print_json writes for that document: one item's JSON (its case text included) exists at
    a time, not the whole list's."""
    out = _Blocks()
    out.write("{\n  " + json.dumps(key) + ": [")
    first = True
    for item in items:
        text = json.dumps(item, indent=2, default=str)
        out.write(("\n    " if first else ",\n    ") + text.replace("\n", "\n    "))
        first = False
    out.write("]" if first else "\n  ]")
    for name, value in summary.items():
        text = json.dumps(value, indent=2, default=str)
        out.write(",\n  " + json.dumps(name) + ": " + text.replace("\n", "\n  "))
    out.write("\n}\n")
    out.flush()


def print_json(doc: object) -> None:
    """The document, encoded piece by piece: no second copy of a large one in memory (its
    `Deferred` parts are built as they are written)."""
    out = _Blocks()
    for piece in json.JSONEncoder(indent=2, default=_built).iterencode(doc):
        out.write(piece)
    out.write("\n")
    out.flush()


def _summary(console: Console, title: str, rows: Sequence[tuple[str, str, str | None]]) -> None:
    """Many targets (an organization): one line per account and each distinct reason once,
    instead of a row per target. `--output json` still has every target."""
    from collections import Counter

    from rich.table import Table

    actions = sorted({action for _, action, _ in rows})
    per_account: dict[str, Counter[str]] = {}
    reasons: Counter[str] = Counter()
    for account, action, reason in rows:
        per_account.setdefault(account, Counter())[action] += 1
        if reason and action not in ("file", "previewed", "filed"):
            reasons[f"{action}: {reason}"] += 1
    table = Table(title=f"{title}: {len(rows)} targets in {len(per_account)} accounts")
    for col in ("account", "targets", *actions):
        table.add_column(col, no_wrap=True)
    for account, counts in sorted(per_account.items()):
        table.add_row(account, str(sum(counts.values())), *(str(counts[a]) for a in actions))
    console.print(table)
    for reason, count in reasons.most_common(SUMMARY_REASONS):
        console.print(f"  • {count} target(s): {reason}", markup=False)
    if len(reasons) > SUMMARY_REASONS:
        console.print(f"  • … and {len(reasons) - SUMMARY_REASONS} other reason(s): see "
                      "--output json", markup=False)
