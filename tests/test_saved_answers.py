"""Saved answers are only ever typed answers, never silently reused; answers and cases are private.

Issue #9 "Answers": a file- or `--set`-driven run never overwrites the answers a person typed,
a run without prompts uses them only with `--answers last` (and names the file), and every file
holding answers or case text is 0600 in 0700 directories. Runs go through the real CLI (no
terminal: CliRunner's stdin is not a TTY) against the simulator over HTTP.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from helpers import SMS_ANSWERS, account, cli, scenario
from pinpoint_sandbox.cli import prompts as engine
from pinpoint_sandbox.core.errors import AnswersError
from pinpoint_sandbox.core.paths import answers_history_dir, saved_answers_path
from pinpoint_sandbox.questionnaire.answers import (
    HISTORY_SIZE,
    answers_history,
    load_saved_answers,
    resolve_answers,
    save_answers,
    saved_answers,
)

ENTER = "\r"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def example_sms(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(SMS_ANSWERS.read_text())
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[PipeInput]:
    monkeypatch.setattr(engine, "has_terminal", lambda: True)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


# --- the two sequences of issue #9 ------------------------------------------------------------


@pytest.mark.parametrize("typed_before", [False, True])
def test_a_dry_run_with_a_file_then_a_bare_run_files_nothing(
    simulator: Any, typed_before: bool
) -> None:
    sim = simulator("fresh-sandbox")
    if typed_before:  # someone also typed answers for another brand earlier
        save_answers("sms", example_sms(company_name="Fabrikam"))
    first = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-east-1", "--dry-run")
    assert first.exit_code == 0, first
    second = cli("request", "sms", "-r", "us-east-1", "--yes", "--no-input")
    assert second.exit_code == 2, second
    line = one_error_line(second.stderr)
    assert "--answers" in line
    assert sim.write_calls() == []
    if typed_before:
        # Offered by name, never used on its own.
        assert "--answers last (the saved answers of 'Fabrikam'" in line
    else:
        assert not saved_answers_path("sms").exists()


def test_set_without_answers_never_mixes_with_saved_answers(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    save_answers("sms", example_sms(company_name="Fabrikam",
                                    website_url="https://www.fabrikam.example.org"))
    first = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-east-1", "--dry-run")
    assert first.exit_code == 0, first
    run = cli("request", "sms", "-r", "us-east-1", "--yes", "--no-input",
              "--set", "company_name=Contoso Bank", "--output", "json")
    assert run.exit_code == 2, run
    assert "--answers" in run.json["error"]["message"]
    assert "fabrikam" not in run.stdout.lower()
    assert sim.write_calls() == []


# --- --answers last ---------------------------------------------------------------------------


def test_answers_last_uses_the_typed_answers_and_names_the_file(simulator: Any) -> None:
    sim = simulator("fresh-sandbox")
    save_answers("sms", example_sms(company_name="Fabrikam"))
    run = cli("request", "sms", "--answers", "last", "-r", "us-east-1", "--dry-run",
              "--output", "json")
    assert run.exit_code == 0, run
    assert "Fabrikam" in run.results[0]["description"]
    assert str(saved_answers_path("sms")) in run.stderr
    assert "'Fabrikam'" in run.stderr
    assert sim.write_calls() == []


def test_answers_last_with_nothing_saved_is_one_line(simulator: Any) -> None:
    simulator("fresh-sandbox")
    run = cli("request", "sms", "--answers", "last", "-r", "us-east-1", "--yes")
    assert run.exit_code == 2, run
    assert "no saved sms answers yet" in one_error_line(run.stderr)


def test_check_reads_answers_last_too(simulator: Any) -> None:
    simulator("voice-ready")
    data = yaml.safe_load((SMS_ANSWERS.parent / "voice-answers.yaml").read_text())
    save_answers("voice", {**data, "voice_message_sent": False})
    # eu-west-1 has no voice evidence: blocked unless the answers attest a message was sent.
    assert cli("check", "voice", "--answers", "last", "-r", "eu-west-1").exit_code == 3
    save_answers("voice", {**data, "voice_message_sent": True})
    run = cli("check", "voice", "--answers", "last", "-r", "eu-west-1")
    assert run.exit_code == 0, run
    assert "Using the saved voice answers" in run.stderr


# --- only typed answers are saved, with a short history ------------------------------------------


def test_file_and_set_runs_never_overwrite_saved_answers(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    save_answers("sms", example_sms(company_name="Typed By Hand"))
    before = saved_answers_path("sms").read_text()
    history = sorted(answers_history_dir("sms").iterdir())
    out = tmp_path / "out.yaml"
    quick_start = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-east-1",
                      "--dry-run", "--save-answers", out)
    assert quick_start.exit_code == 0, quick_start
    with_set = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-east-1", "--dry-run",
                   "--set", "company_name=Contoso Bank")
    assert with_set.exit_code == 0, with_set
    assert saved_answers_path("sms").read_text() == before
    assert sorted(answers_history_dir("sms").iterdir()) == history
    assert mode(out) == 0o600  # --save-answers output holds answers too


def as_sets(data: dict[str, Any]) -> list[str]:
    return [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in data.items()]


def test_typed_answers_are_saved_with_brand_and_time(keys: PipeInput) -> None:
    given = example_sms()
    del given["company_name"], given["regions"]
    keys.send_text("Acme Typed" + ENTER)  # company_name, typed
    keys.send_text(ENTER)  # the summary: file
    answers = resolve_answers("sms", sets=as_sets(given), regions=["eu-west-1"],
                              ask=engine.ask_missing)
    assert answers.company_name == "Acme Typed"
    newest = saved_answers("sms")
    assert newest is not None and newest.data["company_name"] == "Acme Typed"
    assert "'Acme Typed', typed " in newest.describe()
    text = saved_answers_path("sms").read_text()
    assert text.startswith("# sms answers typed in a terminal for 'Acme Typed', ")
    [entry] = answers_history("sms")
    assert entry.path.name.endswith("-acme-typed.yaml")
    assert entry.data == newest.data
    for path in (saved_answers_path("sms"), entry.path):
        assert mode(path) == 0o600
    assert mode(answers_history_dir("sms")) == 0o700
    assert mode(answers_history_dir("sms").parent) == 0o700


def test_nothing_typed_nothing_saved_even_in_a_terminal(keys: PipeInput) -> None:
    answers = resolve_answers("sms", sets=as_sets(example_sms()), ask=engine.ask_missing)
    assert answers.company_name == "Northwind Outfitters"
    assert load_saved_answers("sms") == {}
    assert saved_answers("sms") is None


def test_history_keeps_the_newest_five() -> None:
    for number in range(HISTORY_SIZE + 2):
        save_answers("sms", example_sms(company_name=f"Brand {number}"))
    history = answers_history("sms")
    assert len(history) == HISTORY_SIZE
    assert [h.data["company_name"] for h in history] == [
        f"Brand {n}" for n in range(HISTORY_SIZE + 1, 1, -1)
    ]
    assert len(list(answers_history_dir("sms").iterdir())) == HISTORY_SIZE
    assert load_saved_answers("sms")["company_name"] == f"Brand {HISTORY_SIZE + 1}"


# --- private files and directories ---------------------------------------------------------------


def test_state_dirs_are_0700_and_saved_answers_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "fresh-state"
    monkeypatch.setenv("PINPOINT_SANDBOX_STATE_DIR", str(state))
    path = save_answers("sms", example_sms())
    assert mode(state) == 0o700
    assert mode(path) == 0o600
    # A file that was world-readable before is replaced by a private one.
    path.chmod(0o644)
    save_answers("sms", example_sms())
    assert mode(path) == 0o600


def test_manual_case_files_are_private(simulator: Any) -> None:
    simulator(scenario([account(plan="basic", quotas=False)]))
    run = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", "us-east-1", "--yes",
              "--output", "json")
    assert run.exit_code == 0, run
    case_file = Path(run.results[0]["case_file"])
    assert mode(case_file) == 0o600
    assert mode(case_file.parent) == 0o700


# --- the import cycle is gone -------------------------------------------------------------------


def test_importing_answers_does_not_import_the_questionnaire_engine() -> None:
    code = (
        "import sys, pinpoint_sandbox.questionnaire.answers\n"
        "print(sorted(m for m in sys.modules if m in "
        "('pinpoint_sandbox.cli.prompts', 'questionary', 'prompt_toolkit', 'boto3')))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.strip() == "[]"


def test_typed_answers_survive_a_problem_found_after_the_prompts() -> None:
    """A rule across answers (here `period: other` without `period_detail`) fails at the end:
    what was typed is kept for the next run, as after Ctrl-C. `ask` stands for the prompts."""
    data = yaml.safe_load((SMS_ANSWERS.parent / "voice-answers.yaml").read_text())
    del data["calls_per_number"], data["regions"]
    typed = {"calls_per_number": {"count": 3, "period": "other"}}

    def ask(channel: str, known: Any, **_: Any) -> dict[str, Any]:
        assert "calls_per_number" not in known
        return typed

    with pytest.raises(AnswersError, match=r"calls_per_number\.period_detail"):
        resolve_answers("voice", sets=as_sets(data), regions=["us-east-1"], ask=ask)
    assert load_saved_answers("voice") == typed


def test_init_writes_the_skeleton_private(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    run = cli("init", "sms", target)
    assert run.exit_code == 0, run
    assert mode(target) == 0o600
