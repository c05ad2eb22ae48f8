"""The pure lifecycle rules, and an old ledger read and migrated only by appending."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import cli
from pinpoint_sandbox.ledger.lifecycle import (
    is_from_aws,
    last_aws_message,
    question_text,
    state_from_case,
    state_from_quota,
)

AWS = "Amazon Web Services"
US = "AdminRole (Role) <janedoe@example.com>"


def comm(by: str, body: str, when: str) -> dict[str, Any]:
    return {"submittedBy": by, "body": body, "timeCreated": when}


@pytest.mark.parametrize(("status", "state"), [
    ("PENDING", "open"), ("CASE_OPENED", "open"), ("APPROVED", "approved"),
    ("DENIED", "denied"), ("NOT_APPROVED", "denied"), ("INVALID_REQUEST", "denied"),
    ("CASE_CLOSED", None), (None, None),
])
def test_quota_status_maps_to_a_state(status: str | None, state: str | None) -> None:
    assert state_from_quota(status) == state


def test_aws_messages_are_told_apart_from_ours() -> None:
    assert is_from_aws(AWS) and is_from_aws("Amazon Web Services,")
    assert not is_from_aws(US) and not is_from_aws(None)
    newest_first = [comm(US, "our reply", "2026-01-03T00:00:00Z"),
                    comm(AWS, "  What is\nyour opt-in? " + "x" * 300, "2026-01-02T00:00:00Z"),
                    comm(US, "our case", "2026-01-01T00:00:00Z")]
    message = last_aws_message(newest_first)
    assert message is not None and message.startswith("What is your opt-in?")
    assert message == "What is your opt-in? " + "x" * 300  # whole, spaces folded
    long = last_aws_message([comm(AWS, "Please explain. " * 200, "2026-01-02T00:00:00Z")])
    assert long is not None and long.endswith("explain. …")  # cut between words only
    assert len(long) <= 2002


OPENING = comm(US, "the case", "2026-01-01T00:00:00Z")
QUESTION = comm(AWS, "Which countries?", "2026-01-02T00:00:00Z")


@pytest.mark.parametrize(("status", "comms", "replied", "state"), [
    ("opened", [OPENING], None, "open"),
    ("resolved", [OPENING], None, "denied"),
    ("pending-customer-action", [OPENING], None, "needs_reply"),
    ("opened", [QUESTION, OPENING], None, "needs_reply"),  # a new message from AWS
    ("work-in-progress", [comm(AWS, "opened for you", "2026-01-01T00:00:00Z")], None, "open"),
    # We answered after AWS asked: AWS's turn, even if the status still says it waits on us.
    ("pending-customer-action",
     [comm(US, "answer", "2026-01-03T00:00:00Z"), QUESTION, OPENING],
     "2026-01-03T00:00:30+00:00", "open"),
])
def test_case_rules(status: str, comms: list[dict[str, Any]], replied: str | None,
                    state: str) -> None:
    assert state_from_case(status, comms, replied_at=replied) == state


def test_question_text_falls_back_to_the_newest_message_when_the_case_waits_on_us() -> None:
    unknown = comm("support-agent", "Please send a screenshot.", "2026-01-02T00:00:00Z")
    assert question_text("pending-customer-action", [unknown, OPENING]) == (
        "Please send a screenshot.")
    assert question_text("opened", [unknown, OPENING]) is None


def test_an_old_ledger_is_read_and_migrated_only_by_appending(
    simulator: Any, tmp_path: Path
) -> None:
    simulator("fresh-sandbox")
    filed = cli("request", "sms", "--answers", Path(__file__).parent.parent
                / "examples/sms-answers.yaml", "-r", "eu-west-1", "--yes", "--output", "json")
    assert filed.exit_code == 0, filed
    ledger = tmp_path / "state" / "ledger.jsonl"
    # Strip the lifecycle lines: what a ledger from before this version holds.
    old = [line for line in ledger.read_text().splitlines()
           if json.loads(line)["type"] in ("intent", "outcome")]
    ledger.write_text("\n".join(old) + "\n")
    run = cli("status", "-r", "eu-west-1", "--output", "json")
    assert run.exit_code == 0, run
    [row] = [t for t in run.json["targets"] if t["channel"] == "sms"]
    assert row["state"] == "open" and row["request_id"] == filed.results[0]["request_id"]
    lines = ledger.read_text().splitlines()
    assert lines[: len(old)] == old
    assert [json.loads(line)["type"] for line in lines[len(old):]] == ["state"]
    again = cli("status", "-r", "eu-west-1", "--output", "json")
    assert again.exit_code == 0
    assert len(ledger.read_text().splitlines()) == len(lines)  # unchanged state: not re-cached
