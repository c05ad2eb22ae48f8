"""`status` as text, readable at 80 columns: a compact table (account and its name, region,
channel, state, age) and, under each target that needs something, its own indented lines:
AWS's last message (wrapped whole) and the next-step command, broken only at spaces.

Lines are laid out here, not by rich's table: rich shrinks columns to nothing or folds a
command inside a word when the terminal is narrow. Nothing is wider than the terminal: only
a single word longer than a whole line (a long path in a 60-column terminal) is folded.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Group
    from rich.text import Text

    from pinpoint_sandbox.tracking.tracker import TrackedTarget

STATE_STYLE = {"approved": "green", "denied": "bold red", "needs_reply": "bold yellow",
               "awaiting_you": "yellow", "open": "cyan", "filed": "cyan"}
INDENT = "  "
COMMAND_INDENT = "    "
CONTINUATION = "      "  # a command's further lines: deeper, so they read as one command
GAP = 2
MIN_NAME = 6  # below this, an account's name is left out rather than cut to nothing


def _account(row: TrackedTarget) -> str:
    name = row.account_name
    return f"{row.target.account_id} {name}" if name else row.target.account_id


def state_text(row: TrackedTarget) -> str:
    """The state as the table shows it; an approval with what it rests on (tier/request/case)."""
    if row.state == "approved" and row.evidence:
        return f"approved ({row.evidence})"
    return row.state or "not requested"


def _cells(row: TrackedTarget, wide: bool) -> list[str]:
    from pinpoint_sandbox.ledger.lifecycle import age_text

    cells = [_account(row), row.target.region, row.target.channel, state_text(row),
             age_text(row.age_s)]
    if wide:
        cells.insert(3, row.tier or "?")
    return cells


def _fit_accounts(rows: list[list[str]], ids: list[str], width: int) -> None:
    """Shorten account names (never ids) until the table fits the width."""
    others = [max((len(r[i]) for r in rows), default=0) for i in range(1, len(rows[0]))]
    room = width - sum(others) - GAP * len(others)
    for cells, account_id in zip(rows, ids, strict=True):
        if len(cells[0]) <= room:
            continue
        name_room = room - len(account_id) - 1
        if name_room >= MIN_NAME:
            cells[0] = cells[0][: len(account_id) + name_room] .rstrip() + "…"
        else:
            cells[0] = account_id


def table_lines(rows: Sequence[TrackedTarget], width: int, *, wide: bool = False) -> list[Text]:
    """The header and one line per target, each at most `width` wide."""
    from rich.text import Text

    header = ["account", "region", "channel", "state", "age"]
    if wide:
        header.insert(3, "tier")
    body = [_cells(row, wide) for row in rows]
    if body:
        _fit_accounts(body, [row.target.account_id for row in rows], width)
    widths = [max(len(c[i]) for c in [header, *body]) for i in range(len(header))]
    state_col = header.index("state")

    def line(cells: list[str], styles: dict[int, str]) -> Text:
        text = Text(no_wrap=False, overflow="fold")
        for i, cell in enumerate(cells):
            last = i == len(cells) - 1
            text.append(cell if last else cell.ljust(widths[i] + GAP), styles.get(i, ""))
        return text

    lines = [line(header, dict.fromkeys(range(len(header)), "bold"))]
    for row, cells in zip(rows, body, strict=True):
        lines.append(line(cells, {state_col: STATE_STYLE.get(row.state or "", "")}))
    return lines


def wrap_words(text: str, width: int, first: str, rest: str) -> list[str]:
    """Wrapped at spaces only: a word (a command's option, a path, a URL) is never cut."""
    return textwrap.wrap(" ".join(text.split()), width=max(20, width), initial_indent=first,
                         subsequent_indent=rest, break_long_words=False,
                         break_on_hyphens=False) or [first.rstrip()]


def split_step(step: str) -> tuple[str, list[str]]:
    """A next step's words and its commands: the commands go on their own lines."""
    from pinpoint_sandbox.tracking.next_steps import commands_in

    commands = commands_in(step)
    if not commands:
        return step, []
    words = step
    for number, command in enumerate(commands, 1):
        mark = f"({number})" if len(commands) > 1 else ""
        words = words.replace(f"`{command}`", mark)
    words = re.sub(r"\s+([,.:;])", r"\1", " ".join(words.split())).strip()
    words = re.sub(r":\s*\(", " (", words) if len(commands) == 1 else words
    numbered = [f"({n}) {c}" if len(commands) > 1 else c for n, c in enumerate(commands, 1)]
    if len(commands) > 1:
        return words, numbered
    return (words.rstrip(":").strip() or "run") + ":", numbered


def needs_lines(row: TrackedTarget) -> bool:
    """Targets that need something get their own lines; approved and waiting ones do not."""
    if row.problem:
        return True
    return row.state is not None and not row.next_step.startswith("nothing")


def detail_lines(row: TrackedTarget, width: int, *, wide: bool = False) -> list[Text]:
    from rich.text import Text

    out: list[str] = []
    display_id = row.display_id  # the Support Center's number, when known
    if wide and (row.request_id or row.case_id or display_id):
        ids = ", ".join(f"{name} {value}" for name, value in
                        (("request", row.request_id), ("case", row.case_id),
                         ("display id", display_id)) if value)
        out += wrap_words(f"ids: {ids}", width, INDENT, INDENT * 2)
    description = row.description  # where the rendered description stands
    if description and (wide or description != "delivered"):
        out += wrap_words(f"description: {description.replace('_', ' ')}", width, INDENT,
                          INDENT * 2)
    if row.last_message and needs_lines(row):
        out += wrap_words(f"AWS: {row.last_message}", width, INDENT, INDENT + "     ")
    if row.problem:
        out += wrap_words(f"problem: {row.problem}", width, INDENT, INDENT + "         ")
    if row.note and row.note not in row.next_step:  # e.g. why the tier does not speak for voice
        out += wrap_words(f"note: {row.note}", width, INDENT, INDENT + "      ")
    if needs_lines(row) and row.next_step:
        words, commands = split_step(row.next_step)
        out += wrap_words(f"next: {words}", width, INDENT, INDENT + "      ")
        for command in commands:
            out += wrap_words(command, width, COMMAND_INDENT, CONTINUATION)
    return [Text(line, overflow="fold") for line in out]


def status_lines(rows: Sequence[TrackedTarget], width: int, *, wide: bool = False) -> Group:
    """Everything `status` (and each `--watch` poll) draws: a rich renderable."""
    from rich.console import Group
    from rich.text import Text

    from pinpoint_sandbox.tracking.next_steps import commands_in
    from pinpoint_sandbox.tracking.tracker import summary

    table = table_lines(rows, width, wide=wide)
    lines: list[Text] = [Text("Requests", style="bold"), table[0]]
    for row, line in zip(rows, table[1:], strict=True):
        lines.append(line)
        lines += detail_lines(row, width, wide=wide)
    counts = ", ".join(f"{count} {state}" for state, count in summary(rows).items())
    lines.append(Text(f"{len(rows)} target(s): {counts or 'none'}", no_wrap=True))
    never = [row for row in rows if row.state is None and commands_in(row.next_step)]
    if never:
        lines += [Text(line, overflow="fold") for line in wrap_words(
            f"{len(never)} target(s) never requested; to file one:", width, "", INDENT)]
        lines += [Text(line, overflow="fold") for line in wrap_words(
            commands_in(never[0].next_step)[0], width, INDENT, CONTINUATION)]
    return Group(*lines)
