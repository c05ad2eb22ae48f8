"""The ledger: intents before writes, outcomes after, folded per target; lock; torn lines."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest

from pinpoint_sandbox.core.errors import Busy
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.ledger.store import Ledger

T = Target("111122223333", "eu-west-1", "sms")


def test_intent_without_outcome_needs_reconcile(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.jsonl")
    ledger.record_intent(T, "support", "subject")
    entry = ledger.entry(T)
    assert entry is not None and entry.status is None
    assert entry.needs_reconcile and not entry.done


def test_outcome_folds_into_its_intent(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.jsonl")
    intent = ledger.record_intent(T, "support", "subject")
    ledger.record_outcome(intent, T, "support", "filed", case_id="case-1")
    entry = ledger.entry(T)
    assert entry is not None and entry.done and entry.case_id == "case-1"
    assert not entry.needs_reconcile
    lines = [json.loads(x) for x in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert [x["type"] for x in lines] == ["intent", "outcome"]
    assert lines[0]["id"] == lines[1]["id"]


def test_later_intent_wins_and_other_targets_are_separate(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.jsonl")
    first = ledger.record_intent(T, "support", "s")
    ledger.record_outcome(first, T, "support", "refused", detail="limit")
    ledger.record_intent(T, "support", "s")
    other = Target("111122223333", "us-east-1", "sms")
    ledger.record_outcome(ledger.record_intent(other, "manual", "s"), other, "manual",
                          "awaiting_user")
    entries = ledger.entries()
    assert entries[T].status is None
    assert entries[other].done


def test_torn_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    ledger = Ledger(path)
    ledger.record_intent(T, "support", "s")
    with path.open("a") as fh:
        fh.write('{"type": "outc')  # crash mid-write
    entry = ledger.entry(T)
    assert entry is not None and entry.needs_reconcile  # the intent still counts
    assert ledger.torn_lines == 1


def test_lock_refuses_a_second_holder_after_a_bounded_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINPOINT_SANDBOX_LOCK_WAIT", "0.3")
    ledger = Ledger(tmp_path / "l.jsonl")
    second = Ledger(tmp_path / "l.jsonl")
    said: list[str] = []
    started = time.monotonic()
    with (
        ledger.locked(),
        pytest.raises(Busy, match="Another pinpoint-sandbox run") as info,
        second.locked(on_wait=said.append),
    ):
        pass
    assert time.monotonic() - started >= 0.3
    assert info.value.exit_code == 4  # a temporary condition, not bad input
    assert len(said) == 1 and "waiting up to 0.3 s" in said[0]
    with ledger.locked():  # released after the first block
        pass


def test_intent_times_count_only_that_account_and_backend(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.jsonl")
    for region in ("us-east-1", "eu-west-1"):
        ledger.record_intent(Target("111122223333", region, "sms"), "support", "s")
    ledger.record_intent(Target("999988887777", "us-east-1", "sms"), "support", "s")
    ledger.record_intent(Target("111122223333", "us-west-2", "sms"), "manual", "s")
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert len(ledger.intent_times("111122223333", "support", hour_ago)) == 2
    future = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert len(ledger.intent_times("111122223333", "support", future)) == 0


def test_a_record_is_never_glued_onto_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    ledger = Ledger(path)
    ledger.record_intent(T, "support", "s")
    with path.open("a") as fh:
        fh.write('{"backend": "x", "id": "abc", "subj')  # crash mid-write, no newline
    other = Target("111122223333", "us-east-1", "sms")
    ledger.record_outcome(ledger.record_intent(other, "support", "s"), other, "support", "filed")
    entries = ledger.entries()  # the torn line sits in the middle now, on its own line
    assert entries[other].done


def test_lock_waits_for_the_other_run_to_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINPOINT_SANDBOX_LOCK_WAIT", "10")
    first, second = Ledger(tmp_path / "l.jsonl"), Ledger(tmp_path / "l.jsonl")
    holding = threading.Event()

    def hold() -> None:
        with first.locked():
            holding.set()
            time.sleep(0.4)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    started = time.monotonic()
    with second.locked():
        waited = time.monotonic() - started
    thread.join()
    assert 0.2 <= waited < 5
