"""writes.once: the one rule for tracked writes besides filings, on a real ledger file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pinpoint_sandbox.backends.base import WriteOutcomeUnknown, WriteRefused
from pinpoint_sandbox.core.errors import AwsError
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.ledger.store import Ledger
from pinpoint_sandbox.ledger.writes import TrackedWrite, digest, once

TARGET = Target("111122223333", "eu-west-1", "sms")


class FakeAws:
    """AWS as the write sees it: what it holds, and how the next send answers."""

    def __init__(self) -> None:
        self.held: list[str] = []
        self.sends = 0
        self.answer: Exception | None = None
        self.readable = True

    def send(self) -> dict[str, Any]:
        self.sends += 1
        if isinstance(self.answer, WriteRefused):
            raise self.answer
        self.held.append("body")
        if self.answer is not None:
            raise self.answer  # done at AWS, answer lost
        return {"case_id": "case-1"}

    def find(self) -> dict[str, Any] | None:
        if not self.readable:
            raise AwsError("DescribeCommunications: throttled")
        return {"found_at": "t"} if self.held else None


def _write(aws: FakeAws, **kw: Any) -> TrackedWrite:
    return TrackedWrite("reply", "reply:case-1:abc", TARGET, send=aws.send, find=aws.find, **kw)


def test_sent_once_then_already(tmp_path: Path) -> None:
    ledger, aws = Ledger(tmp_path / "l.jsonl"), FakeAws()
    assert once(ledger, _write(aws)).how == "sent"
    assert once(ledger, _write(aws)).how == "already"
    assert aws.sends == 1
    lines = [json.loads(x) for x in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert [(x["type"], x.get("status")) for x in lines] == [("intent", None),
                                                              ("outcome", "filed")]


def test_lost_answer_is_found_not_resent(tmp_path: Path) -> None:
    ledger, aws = Ledger(tmp_path / "l.jsonl"), FakeAws()
    aws.answer = WriteOutcomeUnknown("AddCommunicationToCase: no answer (500)")
    assert once(ledger, _write(aws)).how == "found"
    aws.answer = None
    assert once(ledger, _write(aws)).how == "already"
    assert aws.sends == 1 and aws.held == ["body"]


def test_unknown_and_unreadable_sends_nothing_until_aws_can_say(tmp_path: Path) -> None:
    ledger, aws = Ledger(tmp_path / "l.jsonl"), FakeAws()
    aws.answer, aws.readable = WriteOutcomeUnknown("timeout"), False
    with pytest.raises(AwsError, match="may have reached AWS"):
        once(ledger, _write(aws))
    aws.answer = None
    with pytest.raises(AwsError, match="throttled"):
        once(ledger, _write(aws))  # cannot tell: nothing sent
    assert aws.sends == 1
    aws.readable = True
    assert once(ledger, _write(aws)).how == "found"
    assert aws.sends == 1


def test_an_intent_without_outcome_is_reconciled_first(tmp_path: Path) -> None:
    """A crash right after the intent line: nothing at AWS, so it is sent (once)."""
    ledger, aws = Ledger(tmp_path / "l.jsonl"), FakeAws()

    def crash() -> dict[str, Any]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        once(ledger, TrackedWrite("reply", "reply:case-1:abc", TARGET, send=crash,
                                  find=aws.find))
    assert ledger.steps()["reply:case-1:abc"].needs_reconcile
    assert once(ledger, _write(aws)).how == "sent"
    assert aws.sends == 1


def test_refused_is_recorded_and_retried_next_time(tmp_path: Path) -> None:
    ledger, aws = Ledger(tmp_path / "l.jsonl"), FakeAws()
    aws.answer = WriteRefused("AddCommunicationToCase refused: bad body")
    with pytest.raises(AwsError, match="refused"):
        once(ledger, _write(aws))
    assert ledger.steps()["reply:case-1:abc"].status == "refused"
    aws.answer = None
    assert once(ledger, _write(aws)).how == "sent"


def test_repeatable_writes_are_sent_again(tmp_path: Path) -> None:
    ledger, aws = Ledger(tmp_path / "l.jsonl"), FakeAws()
    assert once(ledger, _write(aws, skip_done=False)).how == "sent"
    assert once(ledger, _write(aws, skip_done=False)).how == "sent"
    assert aws.sends == 2


def test_digest_ignores_line_ends_and_trailing_blanks() -> None:
    assert digest("a  \r\nb\n") == digest("a\nb")
    assert digest("a\nb") != digest("a\nc")


def test_an_outcome_line_that_cannot_be_written_keeps_the_write(tmp_path: Path) -> None:
    """Sent, then the disk fails: the caller is told it was sent; the next run finds it."""
    ledger, aws = Ledger(tmp_path / "l.jsonl"), FakeAws()
    real = ledger.record_step_outcome

    def full(*args: Any, **kw: Any) -> None:
        raise OSError(28, "No space left on device")

    ledger.record_step_outcome = full  # type: ignore[method-assign]
    done = once(ledger, _write(aws))
    assert done.how == "sent" and "No space" in done.fields["unrecorded"]
    ledger.record_step_outcome = real  # type: ignore[method-assign]
    assert once(ledger, _write(aws)).how == "found"
    assert aws.sends == 1
