"""`init`: the skeleton round-trips through validation; the command writes or prints it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from pinpoint_sandbox.answers import answer_keys, load_answers_file, validate_answers
from pinpoint_sandbox.cli import init as init_cli
from pinpoint_sandbox.errors import ExitCode, UsageError
from pinpoint_sandbox.questions import load_questions
from pinpoint_sandbox.skeleton import render_skeleton


def app() -> typer.Typer:
    application = typer.Typer()

    @application.callback()
    def main() -> None:  # a group, so `init` is invoked by name as in the real CLI
        pass

    init_cli.register(application)
    return application


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_skeleton_round_trips(channel: str) -> None:
    text = render_skeleton(channel)
    answers = validate_answers(channel, yaml.safe_load(text), "skeleton")
    assert answers.company_name == "Example Corp"


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_skeleton_mentions_every_key_and_help(channel: str) -> None:
    text = render_skeleton(channel)
    for question in load_questions(channel):
        assert f"# --- {question.key}:" in text
        first_words = " ".join(question.help.split()[:4])
        assert first_words in " ".join(line.lstrip("# ") for line in text.splitlines())
    loaded = yaml.safe_load(text)
    optional = {q.key for q in load_questions(channel) if q.optional}
    # Optional keys are commented out: present as text, absent from the data.
    assert set(loaded) == set(answer_keys(channel)) - optional


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_uncommented_optional_keys_also_validate(channel: str) -> None:
    text = render_skeleton(channel)
    for question in load_questions(channel):
        if question.optional:
            text = re.sub(rf"^# ({question.key}: .*)$", r"\1", text, flags=re.MULTILINE)
    uncommented = text
    data = yaml.safe_load(uncommented)
    assert set(data) == set(answer_keys(channel))
    validate_answers(channel, data)


def test_init_prints_to_stdout() -> None:
    result = CliRunner().invoke(app(), ["init", "voice"])
    assert result.exit_code == 0, result.output
    assert result.stdout == render_skeleton("voice")


def test_init_writes_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "sms-answers.yaml"
    result = CliRunner().invoke(app(), ["init", "sms", str(target)])
    assert result.exit_code == 0, result.output
    assert validate_answers("sms", load_answers_file(target))
    assert "Wrote" in result.stderr

    target.write_text("mine: true\n", encoding="utf-8")
    result = CliRunner().invoke(app(), ["init", "sms", str(target)])
    assert isinstance(result.exception, UsageError)
    assert result.exception.exit_code == ExitCode.USAGE
    assert result.exception.message == f"{target} already exists: pass --force to overwrite it."
    assert target.read_text(encoding="utf-8") == "mine: true\n"  # untouched

    result = CliRunner().invoke(app(), ["init", "sms", str(target), "--force"])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8") == render_skeleton("sms")


def test_init_rejects_unknown_channel() -> None:
    result = CliRunner().invoke(app(), ["init", "fax"])
    assert result.exit_code == 2
