"""`reply` and `record`: answer AWS on a target's case, or attach a case opened by hand.

Everything the user gives (target, text, attachments) is checked before the first AWS call;
a reply is one `AddCommunicationToCase` (after one `AddAttachmentsToSet` when files are
attached), recorded in the ledger. Without the Support API (Basic plan) the text and the case
link are handed back for the user to paste.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.regions import region_problem
from pinpoint_sandbox.aws.session import SUPPORT, AwsAccount, Permission
from pinpoint_sandbox.aws.support_reads import communications, resolve_case, support_plan
from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.core.errors import AwsError, UsageError
from pinpoint_sandbox.core.targets import CHANNELS, Target
from pinpoint_sandbox.ledger.store import Entry, Ledger
from pinpoint_sandbox.ledger.writes import TrackedWrite, digest, once, settle
from pinpoint_sandbox.tracking.delivery import add_communication, find_on_case, quota_case_id
from pinpoint_sandbox.tracking.next_steps import case_link
from pinpoint_sandbox.tracking.tracker import current_entry

if TYPE_CHECKING:
    from types_boto3_support.type_defs import CaseDetailsTypeDef

    from pinpoint_sandbox.ledger.writes import Fields

if TYPE_CHECKING:
    from types_boto3_support.type_defs import AttachmentTypeDef

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
BODY_MAX = 8000  # AddCommunicationToCase communicationBody: 1..8000 characters
# `_send`'s staging of `--attach` files (the reply itself is delivery's AddCommunicationToCase).
ATTACHMENT_WRITE = Permission("PinpointSandboxTracker", ("support:AddAttachmentsToSet",))
# ASCII only ([0-9], not \d: every script's digits), one line (\Z, not $).
CASE_ID = re.compile(r"\A(case-[A-Za-z0-9-]{4,200}|[0-9]{4,20})\Z")


@dataclass
class ReplyOutcome:
    target: Target
    case_id: str
    delivered: bool
    attachments: list[str] = field(default_factory=list)
    paste: str | None = None  # the text to paste when the Support API is not available
    link: str | None = None
    display_id: str | None = None
    how: str = "sent"  # sent / found (an earlier cut-off reply) / already / to_paste

    def to_json(self) -> dict[str, object]:
        return {"account_id": self.target.account_id, "region": self.target.region,
                "channel": self.target.channel, "case_id": self.case_id,
                "delivered": self.delivered, "attachments": self.attachments,
                "paste": self.paste, "link": self.link, "display_id": self.display_id,
                "outcome": self.how}


def parse_target(words: list[str], region: str | None, account: AwsAccount | None) -> Target:
    """ACCOUNT/REGION/CHANNEL, or CHANNEL with -r REGION (the current account)."""
    example = "give ACCOUNT/REGION/CHANNEL (e.g. 111122223333/eu-west-1/sms) or -r REGION CHANNEL"
    if len(words) != 1:
        raise UsageError(f"one target expected: {example}.")
    word = words[0]
    if not (word.isascii() and word.isprintable()):  # ASCII, one line: shown quoted
        raise UsageError(f"{one_line_repr(word)}: not a target; {example}.")
    if word.count("/") == 2 and not region:
        account_id, where, channel = word.split("/")
        if not re.fullmatch(r"[0-9]{12}", account_id):
            raise UsageError(f"{word}: {account_id!r} is not a 12-digit account id; {example}.")
    elif region and word in CHANNELS:
        if account is None:
            raise UsageError(f"-r {region} {word}: no account to use; {example}.")
        account_id, where, channel = account.account_id(region), region, word
    else:
        raise UsageError(f"{word}: not a target; {example}.")
    if channel not in CHANNELS:
        raise UsageError(f"{word}: channel must be sms or voice; {example}.")
    problem = region_problem(where)
    if problem:
        raise UsageError(problem)
    return Target(account_id, where, channel)


def known_entry(target: Target, ledger: Ledger) -> Entry:
    entry = current_entry(ledger.histories().get(target, []))
    if entry is None:
        raise UsageError(
            f"{target.key} is not a target this ledger knows ({ledger.path}); "
            "`pinpoint-sandbox status` lists them, `record` adds a case opened by hand."
        )
    return entry


def read_text(message: str | None, file: Path | None) -> str:
    if (message is None) == (file is None):
        raise UsageError("give the reply with exactly one of --message TEXT or --file FILE.")
    if file is not None:
        from pinpoint_sandbox.core.safeio import MAX_TEXT_BYTES, read_bounded

        # A regular file, bounded: a FIFO or /dev/zero is exit 2 at once, never a hang.
        raw = read_bounded(file, "--file", MAX_TEXT_BYTES)
        try:
            message = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UsageError(f"--file {file} is not UTF-8 text (a binary file?).") from None
    text = (message or "").strip()
    if not text:
        raise UsageError("the reply is empty: write what AWS asked for.")
    if len(text) > BODY_MAX:
        raise UsageError(f"the reply has {len(text)} characters; AWS accepts {BODY_MAX} at most.")
    return text


def check_attachments(paths: list[Path]) -> list[Path]:
    """AWS's limits (3 files, 5 MB each), checked before any call."""
    if len(paths) > MAX_ATTACHMENTS:
        raise UsageError(f"{len(paths)} attachments: AWS accepts {MAX_ATTACHMENTS} per reply.")
    from pinpoint_sandbox.core.safeio import check_regular_input

    for path in paths:
        size = check_regular_input(path, "--attach", 1 << 62)  # a FIFO or device: exit 2
        if size > MAX_ATTACHMENT_BYTES:
            raise UsageError(
                f"--attach {path}: {size / 1048576:.1f} MB; AWS accepts 5 MB per file "
                "(compress it or attach a smaller export)."
            )
    return paths


def reply(account: AwsAccount, entry: Entry, ledger: Ledger, text: str,
          attachments: list[Path], *, reopen: bool = False) -> ReplyOutcome:
    """One AddCommunicationToCase on the target's case, exactly once (writes.once); the text
    and the case link to paste when the plan has no Support API (nothing written to AWS)."""
    case_id = entry.case_id or entry.display_id or quota_case_id(account, entry)
    names = [p.name for p in attachments]
    outcome = ReplyOutcome(entry.target, case_id or "", delivered=True, attachments=names)
    if (case_id or entry.request_id) and support_plan(account) == "basic":
        return _to_paste(outcome, entry, ledger, text)  # no Support API: no doomed write
    if not case_id:
        waiting = (f"AWS has not opened the case of request {entry.request_id} yet; rerun "
                   "`pinpoint-sandbox status` later" if entry.request_id else
                   f"record one with `pinpoint-sandbox record {entry.target.key} --case-id ID`")
        raise UsageError(f"{entry.target.key} has no case yet, so there is nothing to reply "
                         f"to; {waiting}.")
    case = _case(account, entry, ledger, case_id)
    outcome.case_id, outcome.display_id = str(case["caseId"]), case.get("displayId")
    if case.get("status") == "resolved" and not reopen:
        raise UsageError(
            f"case {outcome.display_id or outcome.case_id} of {entry.target.key} is resolved: "
            f"nothing sent. File again with `pinpoint-sandbox request {entry.target.channel} "
            f"-r {entry.target.region} --refile`, or pass --reopen to write on the closed case."
        )
    region = entry.target.region
    wanted = digest(text)
    with ledger.locked() as book:
        if _cut_off_found(book, account, entry, outcome.case_id, wanted):
            outcome.how = "found"
            return outcome
        # Once per AWS turn: the same text again answers a newer AWS message, not a rerun.
        turn = _aws_turn(account, region, outcome.case_id)
        done = once(book, TrackedWrite(
            "reply", f"reply:{outcome.case_id}:{wanted}:{turn}", entry.target,
            send=lambda: _send(account, outcome.case_id, text, attachments, region),
            find=lambda: find_on_case(account, region, outcome.case_id, wanted),
            of=entry.intent_id, label=f"reply to case {outcome.case_id}",
            fields={"case_id": outcome.case_id, "digest": wanted, "chars": len(text),
                    "attachments": [*names]},
        ))
    outcome.how = done.how
    return outcome


def _cut_off_found(book: Ledger, account: AwsAccount, entry: Entry, case_id: str,
                   wanted: str) -> bool:
    """Settle every reply on this case whose outcome is unknown (read the case for its text);
    True when one of them is this very text, found at AWS: it must not be sent again."""
    hit = False
    for step in list(book.steps().values()):
        if step.step != "reply" or not step.needs_reconcile or \
                step.fields.get("case_id") != case_id:
            continue
        theirs = str(step.fields.get("digest"))
        done = settle(book, TrackedWrite(
            "reply", step.key, entry.target, send=dict,
            find=functools.partial(find_on_case, account, entry.target.region, case_id, theirs)))
        hit = hit or (done is not None and theirs == wanted)
    return hit


def _aws_turn(account: AwsAccount, region: str, case_id: str) -> str:
    """When AWS last wrote on the case ("-": never): part of a reply's key."""
    from pinpoint_sandbox.ledger.lifecycle import is_from_aws

    times = [str(c.get("timeCreated") or "") for c in communications(account, region, case_id)
             if is_from_aws(str(c.get("submittedBy") or "") or None)]
    return max(times, default="") or "-"


def _to_paste(outcome: ReplyOutcome, entry: Entry, ledger: Ledger, text: str) -> ReplyOutcome:
    outcome.delivered, outcome.how = False, "to_paste"
    outcome.paste, outcome.link = text, case_link(entry.display_id or outcome.case_id,
                                                     entry.target.region)
    ledger.record_reply(entry, outcome.case_id, delivered=False, chars=len(text),
                        attachments=outcome.attachments)
    return outcome


def _case(
    account: AwsAccount, entry: Entry, ledger: Ledger, case_id: str
) -> CaseDetailsTypeDef:
    """The case (a display id resolved to the Support API's caseId; both kept)."""
    case = resolve_case(account, entry.target.region, case_id)
    if case is None or not case.get("caseId"):
        raise AwsError(f"case {case_id} of {entry.target.key} is not visible to the Support "
                       "API; check the id with `pinpoint-sandbox status`.")
    real, shown = str(case["caseId"]), case.get("displayId")
    if (real, shown) != (entry.case_id, entry.display_id) and shown:
        with ledger.locked():
            ledger.record_ids(entry, real, str(shown))
    return case


def _send(account: AwsAccount, case_id: str, text: str, attachments: list[Path],
          region: str) -> Fields:
    from pinpoint_sandbox.backends.base import classify_write_error
    from pinpoint_sandbox.core.safeio import read_bounded

    extra: dict[str, Any] = {}  # AddCommunicationToCase's optional parameters
    if attachments:
        client = account.write_client(SUPPORT, region)
        # botocore base64-encodes the blobs itself; a set is only a staging area.
        files: list[AttachmentTypeDef] = [
            {"fileName": p.name, "data": read_bounded(p, "--attach", MAX_ATTACHMENT_BYTES)}
            for p in attachments]
        try:
            extra["attachmentSetId"] = client.add_attachments_to_set(
                attachments=files)["attachmentSetId"]
        except aws.AWS_ERRORS as exc:
            raise classify_write_error(exc, "AddAttachmentsToSet") from exc
    return add_communication(account, region, case_id, text, **extra)


def find_entry(word: str, ledger: Ledger) -> Entry | None:
    """The target whose case is `word` (a display id or a caseId), if the ledger knows it."""
    if not CASE_ID.fullmatch(word):
        return None
    for history in ledger.histories().values():
        entry = current_entry(history)
        if entry is None:
            continue
        if word in (entry.case_id, entry.display_id, entry.view and entry.view.case_id):
            return entry
    return None


def one_line_repr(value: str, limit: int = 60) -> str:
    """A user's value shown in an error: quoted, on one line, short."""
    return repr(value[:limit] + ("…" if len(value) > limit else ""))


def check_case_id(case_id: str) -> None:
    if not CASE_ID.fullmatch(case_id):
        raise UsageError(
            f"--case-id {one_line_repr(case_id)}: expected a case id like "
            "case-12345678910-2013-c4c1d2bf33c5cf47 or the number the Support Center shows."
        )


def record(target: Target, case_id: str, ledger: Ledger) -> Entry | None:
    """Attach a case opened by hand to the target's newest request (or start its history)."""
    check_case_id(case_id)
    entry = current_entry(ledger.histories().get(target, []))
    if entry is not None and entry.denied:
        entry = None  # a new case after a denial is a new request in the target's history
    by_hand = registry.of_kind("by-hand")  # follows a case the user filed in the console
    with ledger.locked():
        ledger.record_case(target, case_id, entry, backend=by_hand.name if by_hand else "?",
                           kind="by-hand")
    return entry
