"""Simulated runs keep their own world (issue #9): state and ledger per scenario, never the
real ledger; `simulator reset` clears them; every simulated command names its scenario."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from helpers import SMS_ANSWERS, cli

QUICKSTART = ("request", "sms", "--simulate", "--answers", SMS_ANSWERS, "-r", "us-east-1",
              "-r", "eu-west-1", "--yes", "--no-input", "--output", "json")


@pytest.fixture(autouse=True)
def restore_environ() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def scenario_line(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("simulator: scenario ")]


def test_simulated_run_leaves_the_real_ledger_byte_for_byte(isolated_env: Path) -> None:
    real = isolated_env / "ledger.jsonl"
    before = b'{"kind": "intent", "note": "a real run\'s line"}\n'
    real.write_bytes(before)
    os.chmod(real, 0o600)
    stamp = real.stat().st_mtime_ns
    run = cli(*QUICKSTART)
    assert run.exit_code == 0, run
    assert sorted(run.actions().values()) == ["filed", "filed"]
    assert real.read_bytes() == before
    assert real.stat().st_mtime_ns == stamp  # not even rewritten with the same bytes
    simulated = isolated_env / "simulator" / "fresh-sandbox" / "ledger.jsonl"
    assert simulated.exists() and b"us-east-1" in simulated.read_bytes()


def test_every_simulated_command_names_its_scenario(isolated_env: Path) -> None:
    run = cli(*QUICKSTART)
    [line] = scenario_line(run.stderr)
    assert line.startswith("simulator: scenario fresh-sandbox (state ")
    assert str(isolated_env / "simulator" / "fresh-sandbox") in line
    status = cli("status", "--simulate", "-r", "eu-west-1", "--output", "json")
    assert status.exit_code == 0, status
    assert len(scenario_line(status.stderr)) == 1
    other = cli("check", "sms", "--simulate=business-mixed", "-r", "eu-west-1",
                "--output", "json")
    [line] = scenario_line(other.stderr)
    assert "scenario business-mixed" in line


def test_reset_lets_the_quick_start_file_again(isolated_env: Path) -> None:
    first = cli(*QUICKSTART)
    assert set(first.actions().values()) == {"filed"}, first
    again = cli(*QUICKSTART)
    assert set(again.actions().values()) == {"skipped"}, again
    reset = cli("simulator", "reset")
    assert reset.exit_code == 0, reset
    assert "fresh-sandbox" in reset.stderr
    after = cli(*QUICKSTART)
    assert set(after.actions().values()) == {"filed"}, after


def test_reset_one_scenario_keeps_the_others(isolated_env: Path) -> None:
    cli("status", "--simulate=business-mixed", "-r", "eu-west-1")
    cli("status", "--simulate=fresh-sandbox", "-r", "eu-west-1")
    root = isolated_env / "simulator"
    assert (root / "business-mixed" / "state.json").exists()
    run = cli("simulator", "reset", "--scenario", "business-mixed")
    assert run.exit_code == 0, run
    assert not (root / "business-mixed").exists()
    assert (root / "fresh-sandbox" / "state.json").exists()


def test_simulate_alone_continues_the_active_scenario(isolated_env: Path) -> None:
    cli("status", "--simulate=business-mixed", "-r", "eu-west-1")
    run = cli("status", "--simulate", "-r", "eu-west-1", "--output", "json")
    assert "scenario business-mixed" in scenario_line(run.stderr)[0]
    cli("simulator", "reset")
    run = cli("status", "--simulate", "-r", "eu-west-1", "--output", "json")
    assert "scenario fresh-sandbox" in scenario_line(run.stderr)[0]


def test_simulate_file_always_serves_what_was_asked(isolated_env: Path,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    doc = {"name": "mine", "accounts": [{"account_id": "123456789012"}]}
    path.write_text(yaml.safe_dump(doc))
    first = cli("status", f"--simulate={path}", "-r", "eu-west-1", "--output", "json")
    assert first.json["regions"][0]["account_id"] == "123456789012", first
    doc["accounts"][0]["account_id"] = "210987654321"  # the file changed: served as it is now
    path.write_text(yaml.safe_dump(doc))
    second = cli("status", f"--simulate={path}", "-r", "eu-west-1", "--output", "json")
    assert second.json["regions"][0]["account_id"] == "210987654321", second
    assert "started afresh" in scenario_line(second.stderr)[0]
    path.unlink()  # missing: an error, never the saved world
    gone = cli("status", f"--simulate={path}", "-r", "eu-west-1", "--output", "json")
    assert gone.exit_code == 2, gone
    assert "not found" in gone.stderr and gone.json["error"]["exit_code"] == 2


@pytest.mark.parametrize("content", [b"\x00\x01\x02\xff\xfe binary", b"name: caf\xe9\n",
                                     b"\xff\xfe" + "name: x".encode("utf-16-le")])
def test_scenario_reader_handles_binary_and_bad_encodings(tmp_path: Path,
                                                          content: bytes) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    run = cli("simulator", "serve", "--scenario", path, "--state", tmp_path / "s.json")
    assert run.exit_code == 2, run
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("Error: ")
    assert "UTF-8" in run.stderr
    run = cli("status", f"--simulate={path}", "-r", "eu-west-1", "--output", "json")
    assert run.exit_code == 2 and run.json["error"]["exit_code"] == 2


def test_serve_never_reuses_another_scenario_state(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    from pinpoint_sandbox.simulator import Simulator

    Simulator("organization", state_file=state).state  # noqa: B018 - seeds the file
    run = cli("simulator", "serve", "--scenario", "fresh-sandbox", "--state", state)
    assert run.exit_code == 2, run
    assert "--fresh" in run.stderr and run.stderr.count("\n") == 1
    missing = cli("simulator", "serve", "--scenario", tmp_path / "nope.yaml")
    assert missing.exit_code == 2 and "not found" in missing.stderr
