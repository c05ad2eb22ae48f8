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
    assert done.returncode == 2, out  # bad input, named, before any call
    errors = [x for x in done.stderr.decode().splitlines() if x.startswith("Error")]
    assert len(errors) == 1 and "AWS_SESSION_TOKEN" in errors[0], out
    assert json.loads(done.stdout)["error"]["exit_code"] == 2



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
    from pinpoint_sandbox.ledger.lines import MAX_DEPTH, parse_line

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


# ---- the ledger, written defensively --------------------------------------------------------

@pytest.fixture
def tiny_fs(tmp_path: Path) -> Any:
    """A 64 KiB tmpfs (root only): its ledger is filled up to 5 bytes before a page ends."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny filesystem needs root; the injected-OSError test "
                    "covers the same path")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs",
                           str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_during_the_intent_line_sends_nothing_then_files_once(
    simulator: Any, tiny_fs: Path
) -> None:
    sim = simulator("fresh-sandbox")
    ledger = tiny_fs / "ledger.jsonl"
    ledger.write_bytes(b"\n" * 4091)  # blank lines: 5 bytes left in the page
    ledger.chmod(0o600)
    (tiny_fs / "ledger.jsonl.lock").touch()
    filler = _fill(tiny_fs)
    args = ["request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--ledger",
            ledger]
    run = cli(*args)
    assert run.exit_code == 4, run
    assert filings(sim) == [], "the intent line was not whole: nothing may be sent"
    said = [line for line in (run.stdout + run.stderr).splitlines() if "ledger" in line]
    assert len(said) == 1 and "No space left" in said[0], run
    assert b'{"' in ledger.read_bytes()  # the torn start of the intent is there ...
    from pinpoint_sandbox.ledger.store import Ledger

    assert Ledger(ledger).histories() == {}  # ... and counts for nothing
    assert "Warning" not in run.stderr  # this run said why already: no second line
    filler.unlink()
    again = cli(*args, "-o", "json")
    assert again.exit_code == 0, again
    assert [r["action"] for r in again.results] == ["filed"]
    assert len(filings(sim)) == 1
    third = cli(*args, "-o", "json")
    assert [r["action"] for r in third.results] == ["skipped"] and len(filings(sim)) == 1


def test_an_intent_write_that_fails_stops_that_target_only_before_its_call(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same path as the tiny filesystem, injected at the OS boundary: a short write of
    the intent line, then ENOSPC; every target is still reported."""
    import errno

    import pinpoint_sandbox.ledger.store as ledger_module

    sim = simulator("fresh-sandbox")
    ledger = tmp_path / "ledger.jsonl"
    real_write = os.write
    calls = {"intents": 0, "full": 0}

    def write(fd: int, data: Any) -> int:
        if calls["full"]:  # the rest of the torn line: the disk is full now
            calls["full"] = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        if bytes(data).startswith(b"{") and b'"type": "intent"' in bytes(data):
            calls["intents"] += 1
            if calls["intents"] == 1:  # the first target: 5 bytes, then the disk is full
                calls["full"] = 1
                return real_write(fd, bytes(data)[:5])
        return real_write(fd, data)

    monkeypatch.setattr(ledger_module.os, "write", write)
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1,us-east-1", "--yes",
              "--ledger", ledger, "-o", "json")
    monkeypatch.setattr(ledger_module.os, "write", real_write)
    actions = {r["region"]: (r["action"], r["reason"] or "") for r in run.results}
    assert run.exit_code == 5, run
    failed = [region for region, (action, _) in actions.items() if action == "failed"]
    assert len(failed) == 1 and "No space left" in actions[failed[0]][1], actions
    assert len(filings(sim)) == 1  # the other target was filed
    again = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1,us-east-1", "--yes",
                "--ledger", ledger, "-o", "json")
    assert again.exit_code == 0, again
    assert sorted(r["action"] for r in again.results) == ["filed", "skipped"]
    assert len(filings(sim)) == 2


def test_status_and_check_work_on_a_read_only_state_dir(
    simulator: Any, tiny_fs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator("fresh-sandbox")
    monkeypatch.setenv("PINPOINT_SANDBOX_STATE_DIR", str(tiny_fs))
    ledger = tiny_fs / "ledger.jsonl"
    _file_two(sim, ledger)
    done = subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.decode().strip()}")
    before = ledger.read_bytes()
    run = cli("status", "-o", "json")  # the state dir's own ledger
    assert run.exit_code == 0, run
    sms = [t for t in run.json["targets"] if t["channel"] == "sms"]
    assert len(sms) == 2 and all(t["state"] == "open" and t["request_id"] for t in sms), run
    notes = [line for line in run.stderr.splitlines() if "could not cache" in line]
    assert len(notes) == 1 and "Read-only" in notes[0], run.stderr
    assert "Error" not in run.stderr
    check = cli("check", "sms", "-r", "eu-west-1", "--ledger", ledger, "-o", "json")
    assert check.exit_code in (0, 3), check
    assert "Error" not in check.stderr, check
    assert ledger.read_bytes() == before
    record = cli("record", f"{ACCOUNT}/eu-west-1/sms", "--case-id", "case-1234-5678")
    assert record.exit_code == 4, record
    assert [line for line in record.stderr.splitlines() if line.startswith("Error")] == [
        line for line in record.stderr.splitlines() if "ledger" in line], record


# ---- files written safely -------------------------------------------------------------------

def _status_html(page: Path, *more: str) -> Any:
    return cli("status", "-r", "eu-west-1", "--html", page, *more)


def test_html_to_a_symlink_leaves_its_target_unchanged(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    target.chmod(0o644)
    link = tmp_path / "report.html"
    link.symlink_to(target)
    for extra in ([], ["-o", "json"]):
        run = _status_html(link, *extra)
        assert run.exit_code == 2, run
        assert len([x for x in run.stderr.splitlines() if x.startswith("Error")]) == 1, run
        assert "symbolic link" in run.stderr
        if extra:
            assert json.loads(run.stdout)["error"]["exit_code"] == 2
    assert target.read_text() == "keep me\n" and (target.stat().st_mode & 0o777) == 0o644
    assert link.is_symlink()


def test_html_to_a_dangling_symlink_creates_nothing_through_it(
    simulator: Any, tmp_path: Path
) -> None:
    simulator("fresh-sandbox")
    link = tmp_path / "report.html"
    link.symlink_to(tmp_path / "elsewhere.html")
    run = _status_html(link)
    assert run.exit_code == 2, run
    assert not (tmp_path / "elsewhere.html").exists() and link.is_symlink()


@pytest.mark.parametrize("place", ["dir", "missing-dir", "dev-stdout", "dash", "dev-null",
                                   "read-only"])
def test_html_to_a_place_that_cannot_hold_it_is_one_line_and_one_json(
    simulator: Any, tmp_path: Path, place: str
) -> None:
    simulator("fresh-sandbox")
    paths = {"dir": str(tmp_path), "missing-dir": str(tmp_path / "nope" / "r.html"),
             "dev-stdout": "/dev/stdout", "dash": "-", "dev-null": "/dev/null",
             "read-only": "/proc/r.html"}
    run = cli("status", "-r", "eu-west-1", "--html", paths[place], "-o", "json")
    assert run.exit_code == 2, run
    assert len([x for x in run.stderr.splitlines() if x.startswith("Error")]) == 1, run
    doc = json.loads(run.stdout)  # exactly one document
    assert doc["error"]["exit_code"] == 2 and "<html" not in run.stdout


def test_html_write_failure_after_the_reads_is_still_one_json(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directory fills between the check and the write: exit 2, one JSON document."""
    import errno

    import pinpoint_sandbox.core.safeio as safeio

    simulator("fresh-sandbox")
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if str(dst).endswith("r.html"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(safeio.os, "replace", replace)
    out = tmp_path / "out"
    out.mkdir()
    run = cli("status", "-r", "eu-west-1", "--html", out / "r.html", "-o", "json")
    assert run.exit_code == 2, run
    assert json.loads(run.stdout)["error"]["exit_code"] == 2
    assert list(out.iterdir()) == []  # no temporary file left behind


def test_an_existing_ledger_at_0644_is_0600_after_a_filing(
    simulator: Any, tmp_path: Path
) -> None:
    sim = simulator("fresh-sandbox")
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text("")
    ledger.chmod(0o644)
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--ledger",
              ledger)
    assert run.exit_code == 0, run
    assert len(filings(sim)) == 1
    assert ledger.stat().st_mode & 0o777 == 0o600
    assert run.stderr.count("now 0600") == 1


# ---- output is inert -------------------------------------------------------------------------

HOSTILE = "Please fix\x1b]0;pwned\x07 this\x1b[2J\x1b[1A\rFORGED\u202e line\x9b31m now"


def test_a_case_message_with_escapes_reaches_the_terminal_inert(
    simulator: Any, tmp_path: Path
) -> None:
    from pinpoint_sandbox.simulator.lifecycle import advance

    sim = simulator(_business())
    ledger = tmp_path / "ledger.jsonl"
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--ledger",
              ledger)
    assert run.exit_code == 0, run
    advance(sim.state, ACCOUNT, "eu-west-1", "sms", "ask", HOSTILE)
    done = run_cli("status", "--ledger", str(ledger), env={"NO_COLOR": "1"})
    out = done.stdout + done.stderr
    assert done.returncode == 3, out
    assert b"Please fix" in out and b"FORGED" in out  # the message is shown ...
    for byte in (b"\x1b", b"\x07", b"\r", "\u202e".encode(), "\x9b".encode()):
        assert byte not in out, out  # ... inert
    as_json = run_cli("status", "--ledger", str(ledger), "-o", "json")
    row = next(t for t in json.loads(as_json.stdout)["targets"] if t["channel"] == "sms")
    assert "\x1b]0;pwned" in row["last_message"]  # JSON keeps AWS's text, escaped by JSON
    assert b"\x1b" not in as_json.stdout


def _business() -> dict[str, Any]:
    return {"name": "one", "default_account": ACCOUNT, "accounts": [
        {"account_id": ACCOUNT, "support_plan": "business"}]}


def test_inert_clean_keeps_text_and_layout() -> None:
    from pinpoint_sandbox.cli.inert import clean, console

    assert clean("a\tb\nc\x1b[31md\x07e\x00") == "a\tb\nc[31mde"
    out = console(force_terminal=True, color_system="standard", file=None)
    with out.capture() as captured:
        out.print("[bold]styled[/bold] " + HOSTILE)
    text = captured.get()
    assert "\x1b[1m" in text  # rich's own styling is kept ...
    assert "\x07" not in text and "\x1b]0;" not in text and "\x1b[2J" not in text  # ... AWS's not


@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_a_profile_token_holding_a_newline_appears_nowhere(
    simulator: Any, tmp_path: Path, debug: list[str]
) -> None:
    """The same token from a credentials file (an indented continuation line): botocore's
    "Invalid header value" quotes it; every part of it is redacted."""
    simulator("fresh-sandbox")
    credentials = tmp_path / "credentials"
    credentials.write_text("[p]\naws_access_key_id = AKIDUMMYDUMMYDUMMY00\n"
                           "aws_secret_access_key = dummy-secret-profile\n"
                           "aws_session_token = FQoGPROFILESECRETONE\n  PROFILESECRETTWO77\n")
    done = run_cli(*debug, "status", "-r", "eu-west-1", "--profile", "p", "-o", "json",
                   env={"AWS_SHARED_CREDENTIALS_FILE": str(credentials)})
    out = done.stdout + done.stderr
    assert b"PROFILESECRET" not in out and b"dummy-secret-profile" not in out, out
    assert done.returncode == 4, out
    assert b"Invalid header value" in done.stderr, out  # the text that used to quote it
    json.loads(done.stdout)



# ---- faults stay with their account ----------------------------------------------------------

MANAGEMENT = "100000000000"


def _org(*members: dict[str, Any], faults: dict[str, Any] | None = None) -> dict[str, Any]:
    accounts = [{"account_id": MANAGEMENT, "name": "management", "support_plan": "business"},
                *members]
    scenario: dict[str, Any] = {"name": "org", "accounts": accounts,
                                "organization": {"ous": {}}}
    if faults:
        scenario["faults"] = faults
    return scenario


def _member(index: int, **kw: Any) -> dict[str, Any]:
    return {"account_id": str(int(MANAGEMENT) + index), "name": f"member-{index}",
            "support_plan": "business", **kw}


def test_throttled_tag_reads_skip_their_accounts_not_the_run(simulator: Any) -> None:
    simulator(_org(_member(1, tags={"env": "prod"}), _member(2, tags={"env": "dev"}),
                   faults={"throttle_rate": 1.0, "operations": ["ListTagsForResource"]}))
    run = cli("status", "--organization", "--tag", "env=prod", "-r", "eu-west-1", "-o", "json")
    assert run.exit_code == 5, run
    skipped = {s["account_id"]: s for s in run.json["skipped_accounts"]}
    assert set(skipped) == {MANAGEMENT, "100000000001", "100000000002"}, skipped
    assert all(s["status"] == "unread" and "tags" in s["reason"] for s in skipped.values())
    assert "Error" not in run.stderr


def test_an_organization_run_never_falls_back_to_the_callers_credentials(
    simulator: Any
) -> None:
    only = {"assumable_roles": ["OrganizationAccountAccessRole"]}
    scenario = _org(_member(1, **only), _member(2, **only))
    scenario["accounts"][0].update(only)
    simulator(scenario)
    run = cli("status", "--organization", "--role-name", "NoSuchRole", "-r", "eu-west-1",
              "-o", "json")
    members = {"100000000001", "100000000002"}
    skipped = {s["account_id"] for s in run.json["skipped_accounts"]}
    shown = {t["account_id"] for t in run.json["targets"]}
    assert run.exit_code in (4, 5), run
    assert members <= skipped and not shown & members, run
    # The management account may be read with the caller's own credentials (it is the
    # caller's account); an account left out is never shown through them instead.
    assert shown <= {MANAGEMENT} and not shown & skipped, run
    text = cli("status", "--organization", "--role-name", "NoSuchRole", "-r", "eu-west-1")
    assert text.exit_code == run.exit_code, text
    assert not any(m in text.stdout for m in members | (skipped & {MANAGEMENT})), text


def test_refile_never_acts_on_a_cached_denial_when_aws_cannot_be_read(
    simulator: Any, tmp_path: Path
) -> None:
    from pinpoint_sandbox.simulator.lifecycle import advance
    from pinpoint_sandbox.simulator.scenario import Faults

    sim = simulator(_business())
    ledger = tmp_path / "ledger.jsonl"
    args = ["request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--ledger", ledger,
            "-o", "json"]
    assert cli(*args).exit_code == 0
    advance(sim.state, ACCOUNT, "eu-west-1", "sms", "deny")
    status = cli("status", "--ledger", ledger, "-o", "json")
    assert any(t["state"] == "denied" for t in status.json["targets"]), status  # cached now
    # The request's own state cannot be read; the look for open requests still works.
    sim.state.scenario.faults = Faults(error_rate=1.0,
                                       operations=["GetRequestedServiceQuotaChange"])
    run = cli(*args, "--refile")
    assert len(filings(sim)) == 1, "a cached denial was acted on"
    [result] = run.results
    assert result["action"] == "failed" and "current state" in result["reason"], result
    assert run.exit_code == 4, run
    sim.state.scenario.faults = Faults()
    again = cli(*args, "--refile")
    assert [r["action"] for r in again.results] == ["filed"] and len(filings(sim)) == 2


def test_a_ledger_region_unknown_to_aws_is_never_used() -> None:
    from pinpoint_sandbox.ledger.lines import parse_line

    line = {"v": 1, "type": "intent", "id": "a1", "time": "2026-12-01T00:00:00+00:00",
            "target": {"account_id": ACCOUNT, "region": "xx-evil-1", "channel": "sms"},
            "backend": "support"}
    assert "not an AWS region" in str(parse_line(json.dumps(line)))
    for case_id in ("case-1?x=1", "../1234", "１２３４"):
        outcome = {**line, "type": "outcome", "status": "filed", "case_id": case_id,
                   "target": {**line["target"], "region": "eu-west-1"}}
        assert isinstance(parse_line(json.dumps(outcome)), str), case_id


def test_init_never_writes_through_a_link_or_into_a_device(tmp_path: Path) -> None:
    target = tmp_path / "precious.yaml"
    target.write_text("keep\n")
    link = tmp_path / "answers.yaml"
    link.symlink_to(target)
    run = cli("init", "sms", link, "--force")
    assert run.exit_code == 2 and "symbolic link" in run.stderr, run
    assert target.read_text() == "keep\n"
    assert cli("init", "sms", "/dev/null", "--force").exit_code == 2
    shown = cli("init", "sms", "/dev/stdout")
    assert shown.exit_code == 0 and "company_name" in shown.stdout


def test_saved_answers_at_0644_are_0600_after_a_rewrite(tmp_path: Path) -> None:
    from pinpoint_sandbox.core.paths import write_private

    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "answers.yaml"
    path.write_text("old\n")
    path.chmod(0o644)
    write_private(path, "new\n")
    assert path.read_text() == "new\n" and path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["answers.yaml"]


def test_record_with_other_scripts_digits_leaves_the_ledger_unchanged(
    simulator: Any, tmp_path: Path
) -> None:
    sim = simulator("fresh-sandbox")
    ledger = tmp_path / "ledger.jsonl"
    _file_two(sim, ledger)
    before = ledger.read_bytes()
    for case_id in ("１２３４５６７８", "١٢٣٤٥٦٧٨", "1234\n5678", "case-１２３４"):
        run = cli("record", f"{ACCOUNT}/eu-west-1/sms", "--case-id", case_id, "--ledger",
                  ledger, "-o", "json")
        assert run.exit_code == 2, run
        assert len([x for x in run.stderr.splitlines() if x.startswith("Error")]) == 1, run
        assert ledger.read_bytes() == before


def test_the_report_escapes_aws_text(simulator: Any, tmp_path: Path) -> None:
    from pinpoint_sandbox.simulator.lifecycle import advance

    sim = simulator(_business())
    ledger = tmp_path / "ledger.jsonl"
    assert cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--ledger",
               ledger).exit_code == 0
    advance(sim.state, ACCOUNT, "eu-west-1", "sms", "ask",
            'Send <script>alert("x")</script> & <img src=x onerror=y> now')
    page = tmp_path / "out" / "r.html"
    page.parent.mkdir()
    run = cli("status", "--ledger", ledger, "--html", page)
    assert run.exit_code == 3, run
    html = page.read_text()
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert "<img src=x" not in html
    assert page.stat().st_mode & 0o777 == 0o600


def test_status_on_a_ledger_that_cannot_be_written_injected(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-only state dir without root: opening the ledger for appending fails."""
    import errno

    import pinpoint_sandbox.ledger.store as ledger_module

    sim = simulator("fresh-sandbox")
    ledger = tmp_path / "ledger.jsonl"
    _file_two(sim, ledger)
    before = ledger.read_bytes()
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any) -> int:
        if flags & os.O_APPEND:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args)

    monkeypatch.setattr(ledger_module.os, "open", read_only)
    run = cli("status", "--ledger", ledger, "-o", "json")
    assert run.exit_code == 0, run
    assert sum("could not cache" in line for line in run.stderr.splitlines()) == 1, run
    assert len([t for t in run.json["targets"] if t["request_id"]]) == 2
    assert ledger.read_bytes() == before


def test_every_console_is_inert() -> None:
    """Output is inert in one place: a rich Console made anywhere else would print AWS's
    text raw. Print with `cli.inert.console()` (or `cli.output.stderr_console()`)."""
    import re

    src = Path(__file__).resolve().parent.parent / "src" / "pinpoint_sandbox"
    made = [f"{path.relative_to(src)}:{number}"
            for path in src.rglob("*.py") if path.name != "inert.py"
            and "simulator" not in path.parts
            for number, line in enumerate(path.read_text().splitlines(), start=1)
            if re.search(r"\bConsole\(", line)]
    assert made == [], made


def test_status_on_a_terminal_with_no_color_prints_no_escape_at_all(
    simulator: Any, tmp_path: Path
) -> None:
    """The hostile message again, now with stdout and stderr on a pseudo-terminal."""
    import pty
    import select

    from pinpoint_sandbox.simulator.lifecycle import advance

    sim = simulator(_business())
    ledger = tmp_path / "ledger.jsonl"
    assert cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--ledger",
               ledger).exit_code == 0
    advance(sim.state, ACCOUNT, "eu-west-1", "sms", "ask", HOSTILE)
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console script on the terminal
        env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "200"}
        os.execve(sys.executable, [sys.executable, "-m", "pinpoint_sandbox", "status",
                                   "--ledger", str(ledger)], env)
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3, out
    assert b"FORGED" in out and b"Requests" in out, out
    assert b"\x1b" not in out and b"\x07" not in out, out



def test_a_huge_ledger_line_is_read_with_a_bound(tmp_path: Path) -> None:
    from pinpoint_sandbox.ledger.lines import MAX_LINE_BYTES
    from pinpoint_sandbox.ledger.store import Ledger

    good = {"v": 1, "type": "intent", "id": "a1", "time": "2026-12-01T00:00:00+00:00",
            "target": {"account_id": ACCOUNT, "region": "eu-west-1", "channel": "sms"},
            "backend": "support"}
    ledger = tmp_path / "ledger.jsonl"
    with ledger.open("w") as out:
        out.write('{"pad": "' + "x" * (3 * MAX_LINE_BYTES) + '"}\n')
        out.write(json.dumps(good) + "\n")
    book = Ledger(ledger)
    assert book.lines() == [good] and book.torn_lines == 1


@pytest.mark.parametrize("command", [["check", "sms", "-r", "eu-west-1"],
                                     ["batch", "{batch}", "--dry-run"]])
def test_throttled_tag_reads_in_check_and_batch_stay_with_their_accounts(
    simulator: Any, tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    monkeypatch.setenv("PINPOINT_SANDBOX_MAX_ATTEMPTS", "1")  # one throttled read: one account
    simulator(_org(_member(1, tags={"env": "prod"}), _member(2, tags={"env": "prod"}),
                   faults={"throttle_first": {"ListTagsForResource": 1}}))
    batch = tmp_path / "batch.yaml"
    batch.write_text(yaml.safe_dump({"version": 1, "requests": [
        {"channel": "sms", "regions": ["eu-west-1"], "answers_file": str(SMS_ANSWERS)}]}))
    args = [str(batch) if a == "{batch}" else a for a in command]
    run = cli(*args, "--organization", "--tag", "env=prod", "-o", "json")
    assert run.exit_code == 5, run
    unread = [s for s in run.json["skipped_accounts"] if s["status"] == "unread"]
    assert len(unread) == 1 and "tags" in unread[0]["reason"], run.json["skipped_accounts"]
    rows = run.json.get("checks") or run.json.get("results")
    assert rows and unread[0]["account_id"] not in {r["account_id"] for r in rows}


def test_tracked_write_lines_are_valid_ledger_lines() -> None:
    """Delivery, reply and spend writes share the filing's intent/outcome lines with a
    `step`: they pass validation (their outcome has no backend; `done` is their status)."""
    from pinpoint_sandbox.ledger.lines import parse_line

    base = {"v": 1, "id": "0f" * 16, "time": "2026-12-01T00:00:00+00:00",
            "target": {"account_id": ACCOUNT, "region": "eu-west-1", "channel": "sms"},
            "step": "reply", "key": "reply:case-1-2:abcdef", "of": "ab" * 16,
            "fields": {"case_id": "case-1-2", "chars": 12}}
    assert isinstance(parse_line(json.dumps({**base, "type": "intent", "backend": "reply",
                                             "subject": "reply to case case-1-2"})), dict)
    assert isinstance(parse_line(json.dumps({**base, "type": "outcome", "status": "done"})),
                      dict)
    ids = {**base, "type": "ids", "case_id": "case-1-2", "display_id": "6780195351"}
    assert isinstance(parse_line(json.dumps(ids)), dict)
    assert isinstance(parse_line(json.dumps({**ids, "display_id": "６７８０"})), str)
    assert isinstance(parse_line(json.dumps({**base, "type": "outcome", "status": "done",
                                             "fields": "oops"})), str)
