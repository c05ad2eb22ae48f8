"""`reply` and `record`: answer AWS on a target's case, or attach a case opened by hand.

Everything the user gives (target, text, attachments) is checked before the first AWS call;
a reply is one `AddCommunicationToCase` (after one `AddAttachmentsToSet` when files are
attached), recorded in the ledger. Without the Support API (Basic plan) the text and the case
link are handed back for the user to paste.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pinpoint_sandbox.aws import SUPPORT, SUPPORT_REGION, AwsAccount, error_code, error_message
from pinpoint_sandbox.backends.support import support_plan
from pinpoint_sandbox.errors import AwsError, UsageError
from pinpoint_sandbox.ledger import Entry, Ledger
from pinpoint_sandbox.regions import region_problem
from pinpoint_sandbox.targets import CHANNELS, Target
from pinpoint_sandbox.tracker import case_link, current_entry

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
BODY_MAX = 8000  # AddCommunicationToCase communicationBody: 1..8000 characters
CASE_ID = re.compile(r"^(case-[A-Za-z0-9-]{4,200}|\d{4,20})$")


@dataclass
class ReplyOutcome:
    target: Target
    case_id: str
    delivered: bool
    attachments: list[str] = field(default_factory=list)
    paste: str | None = None  # the text to paste when the Support API is not available
    link: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"account_id": self.target.account_id, "region": self.target.region,
                "channel": self.target.channel, "case_id": self.case_id,
                "delivered": self.delivered, "attachments": self.attachments,
                "paste": self.paste, "link": self.link}


def parse_target(words: list[str], region: str | None, account: AwsAccount | None) -> Target:
    """ACCOUNT/REGION/CHANNEL, or CHANNEL with -r REGION (the current account)."""
    example = "give ACCOUNT/REGION/CHANNEL (e.g. 111122223333/eu-west-1/sms) or -r REGION CHANNEL"
    if len(words) != 1:
        raise UsageError(f"one target expected: {example}.")
    word = words[0]
    if word.count("/") == 2 and not region:
        account_id, where, channel = word.split("/")
        if not re.fullmatch(r"\d{12}", account_id):
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
        try:
            message = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--file {file}: cannot read it ({exc}).") from exc
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
    for path in paths:
        if not path.is_file():
            raise UsageError(f"--attach {path}: no such file.")
        size = path.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise UsageError(
                f"--attach {path}: {size / 1048576:.1f} MB; AWS accepts 5 MB per file "
                "(compress it or attach a smaller export)."
            )
    return paths


def reply(account: AwsAccount, entry: Entry, ledger: Ledger, text: str,
          attachments: list[Path]) -> ReplyOutcome:
    """One AddCommunicationToCase on the target's case; paste instructions without the API."""
    case_id = entry.case_id
    if not case_id:
        raise UsageError(
            f"{entry.target.key} has no case yet, so there is nothing to reply to; "
            f"record one with `pinpoint-sandbox record {entry.target.key} --case-id ID`."
        )
    names = [p.name for p in attachments]
    outcome = ReplyOutcome(entry.target, case_id, delivered=True, attachments=names)
    try:
        if support_plan(account) == "basic":  # known without the API: no doomed write call
            raise _NoSupportApi()
        _send(account, case_id, text, attachments)
    except _NoSupportApi:
        link = case_link(case_id, entry.target.region)
        outcome.delivered, outcome.paste, outcome.link = False, text, link
    ledger.record_reply(entry, case_id, delivered=outcome.delivered, chars=len(text),
                        attachments=names)
    return outcome


class _NoSupportApi(Exception):
    pass


def _send(account: AwsAccount, case_id: str, text: str, attachments: list[Path]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    client = account.write_client(SUPPORT, SUPPORT_REGION)
    params: dict[str, Any] = {"caseId": case_id, "communicationBody": text}
    try:
        if attachments:
            # botocore base64-encodes the blobs itself.
            files = [{"fileName": p.name, "data": p.read_bytes()} for p in attachments]
            params["attachmentSetId"] = client.add_attachments_to_set(
                attachments=files)["attachmentSetId"]
        client.add_communication_to_case(**params)
    except ClientError as exc:
        if error_code(exc) == "SubscriptionRequiredException":
            raise _NoSupportApi() from exc
        raise AwsError(f"reply to case {case_id}: {error_message(exc)}") from exc
    except BotoCoreError as exc:
        raise AwsError(
            f"reply to case {case_id}: {error_message(exc)}; check the case before resending"
        ) from exc


def check_case_id(case_id: str) -> None:
    if not CASE_ID.match(case_id):
        raise UsageError(
            f"--case-id {case_id}: expected a case id like case-12345678910-2013-c4c1d2bf33c5cf47 "
            "or the number the Support Center shows."
        )


def record(target: Target, case_id: str, ledger: Ledger) -> Entry | None:
    """Attach a case opened by hand to the target's newest request (or start its history)."""
    check_case_id(case_id)
    entry = current_entry(ledger.histories().get(target, []))
    if entry is not None and entry.denied:
        entry = None  # a new case after a denial is a new request in the target's history
    with ledger.locked():
        ledger.record_case(target, case_id, entry)
    return entry
