"""Trust, second round (issue 19): the ledger read and written defensively, inert output,
files written safely, bounded inputs, faults that stay with their account.

Everything runs over HTTP against the simulator; faults are injected at the OS boundary
(a tiny filesystem, a failing write) or in AWS's answers, never by patching the tool's logic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import SMS_ANSWERS, cli

ACCOUNT = "111122223333"
FILING_OPS = ("RequestServiceQuotaIncrease", "CreateCase")


def filings(sim: Any) -> list[Any]:
    return [w for w in sim.write_calls() if w.operation in FILING_OPS]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Any:
    """The console script in a child process (what a user runs), with a deadline."""
    done = subprocess.run([sys.executable, "-m", "pinpoint_sandbox", *args],
                          env={**os.environ, **(env or {})}, capture_output=True,
                          timeout=timeout)
    return done


# ---- secrets ------------------------------------------------------------------------------

TOKEN = "FQoGZXIvYXdzEJrSECRETPARTONE\nSECRETPARTTWO9876"


@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_a_session_token_holding_a_newline_appears_nowhere(
    simulator: Any, debug: list[str]
) -> None:
    simulator("fresh-sandbox")
    done = run_cli(*debug, "status", "-r", "eu-west-1", "-o", "json",
                   env={"AWS_SESSION_TOKEN": TOKEN})
    out = done.stdout + done.stderr
    for part in ("SECRETPARTONE", "SECRETPARTTWO", "FQoGZXIv", TOKEN):
        assert part.encode() not in out, out.decode()[-2000:]
    assert done.returncode in (0, 2, 4), out



def test_a_redacted_secret_is_caught_in_every_form() -> None:
    from pinpoint_sandbox.cli.failures import redact, remember_secrets

    secret = "wJalrXUtnFEMI/K7MDENG\nbPxRfiCYEXAMPLEKEY"
    remember_secrets(secret)
    for text in (secret, repr(secret), json.dumps(secret), repr(secret.encode()),
                 "first: wJalrXUtnFEMI/K7MDENG", "then bPxRfiCYEXAMPLEKEY."):
        shown = redact(f"Invalid header value {text} (end)")
        assert "K7MDENG" not in shown and "EXAMPLEKEY" not in shown, shown


# ---- the ledger, read defensively -----------------------------------------------------------

def _file_two(sim: Any, ledger: Path) -> None:
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1,us-east-1", "--yes",
              "--ledger", ledger, "-o", "json")
    assert run.exit_code == 0, run
    assert len(filings(sim)) == 2


BAD_LINES = {
    "nested": '{"type": "state", "id": "x", "target": ' + "[" * 5000 + "]" * 5000 + "}",
    "time-number": json.dumps({"v": 1, "type": "outcome", "id": "{id}", "time": 12,
                               "target": {"account_id": ACCOUNT, "region": "us-east-1",
                                          "channel": "sms"}, "backend": "support",
                               "status": "filed"}),
    "extra-string": json.dumps({"v": 1, "type": "outcome", "id": "{id}",
                                "time": "2026-12-01T00:00:00+00:00",
                                "target": {"account_id": ACCOUNT, "region": "us-east-1",
                                           "channel": "sms"}, "backend": "support",
                                "status": "filed", "extra": "oops"}),
    "region-path": json.dumps({"v": 1, "type": "intent", "id": "abc",
                               "time": "2026-12-01T00:00:00+00:00",
                               "target": {"account_id": ACCOUNT, "region": "../../etc",
                                          "channel": "sms"}, "backend": "support"}),
    "fullwidth-account": json.dumps({"v": 1, "type": "intent", "id": "abd",
                                     "time": "2026-12-01T00:00:00+00:00",
                                     "target": {"account_id": "１１１１２２２２３３３３",
                                                "region": "eu-west-1", "channel": "sms"},
                                     "backend": "support"}),
    "not-json": '{"bac',
    "list": "[1, 2]",
}


@pytest.mark.parametrize("bad", sorted(BAD_LINES))
def test_one_bad_ledger_line_hides_nothing_else(
    simulator: Any, tmp_path: Path, bad: str
) -> None:
    sim = simulator("fresh-sandbox")
    ledger = tmp_path / "ledger.jsonl"
    _file_two(sim, ledger)
    lines = ledger.read_text().splitlines()
    intent_id = json.loads(lines[0])["id"]
    ledger.write_text("\n".join([lines[0], BAD_LINES[bad].replace("{id}", intent_id),
                                 *lines[1:]]) + "\n")
    run = cli("status", "--ledger", ledger, "-o", "json")
    assert run.exit_code in (0, 3, 5), run
    targets = {t["region"]: t for t in run.json["targets"] if t["channel"] == "sms"}
    assert set(targets) == {"eu-west-1", "us-east-1"}, run
    for target in targets.values():
        assert target["request_id"] or target["case_id"], target
    warnings = [x for x in run.stderr.splitlines() if "line 2" in x]
    assert len(warnings) == 1 and warnings[0].startswith("Warning: ledger"), run.stderr
    assert "Traceback" not in run.stderr and "Error" not in run.stderr


def test_ledger_lines_are_validated_with_bounds() -> None:
    from pinpoint_sandbox.ledger_lines import MAX_DEPTH, parse_line

    ok = {"v": 1, "type": "intent", "id": "a1", "time": "2026-12-01T00:00:00+00:00",
          "target": {"account_id": ACCOUNT, "region": "eu-west-1", "channel": "sms"},
          "backend": "support", "subject": "s"}
    assert parse_line(json.dumps(ok)) == ok
    assert isinstance(parse_line(json.dumps({**ok, "type": "future", "x": [1]})), dict)
    deep: Any = 1
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    assert "nested" in str(parse_line(json.dumps({**ok, "deep": deep})))
    for change in ({"time": "yesterday"}, {"time": "2026-12-01T00:00:00"}, {"id": "../x"},
                   {"backend": 3}, {"target": {**ok["target"], "region": "eu-west-1/.."}},
                   {"target": {**ok["target"], "account_id": "١١١١٢٢٢٢٣٣٣٣"}},
                   {"target": {**ok["target"], "channel": "fax"}}):
        assert isinstance(parse_line(json.dumps({**ok, **change})), str), change
    assert isinstance(parse_line(b"\xff\xfe"), str)
    assert isinstance(parse_line("x" * 2_000_000), str)
