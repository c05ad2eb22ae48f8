"""`init`: the skeleton round-trips through validation; the command writes or prints it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from pinpoint_sandbox.cli import init as init_cli
from pinpoint_sandbox.core.errors import ExitCode, UsageError
from pinpoint_sandbox.questionnaire.answers import (
    answer_keys,
    load_answers_file,
    validate_answers,
    validate_field,
)
from pinpoint_sandbox.questionnaire.questions import load_questions
from pinpoint_sandbox.questionnaire.skeleton import render_skeleton


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
    # `review` is a file-only setting, shown commented out at the end.
    assert set(loaded) == set(answer_keys(channel)) - optional - {"review"}
    assert "# review:" in text


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_uncommented_optional_keys_also_validate(channel: str) -> None:
    text = render_skeleton(channel)
    for question in load_questions(channel):
        if question.optional:
            text = re.sub(rf"^# ({question.key}: .*)$", r"\1", text, flags=re.MULTILINE)
    uncommented = text
    data = yaml.safe_load(uncommented)
    assert set(data) == set(answer_keys(channel)) - {"review"}
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
    assert target.read_text(encoding="utf-8") == render_skeleton("sms", str(target))


def test_init_rejects_unknown_channel() -> None:
    result = CliRunner().invoke(app(), ["init", "fax"])
    assert result.exit_code == 2


def test_header_names_the_real_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app(), ["init", "voice", "clinic answers.yaml"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "clinic answers.yaml").read_text(encoding="utf-8")
    assert "# Check it with:  pinpoint-sandbox lint 'clinic answers.yaml'\n" in text
    assert "request voice --answers 'clinic answers.yaml'\n" in text
    assert "sms-answers.yaml" not in text and "voice-answers.yaml" not in text


@pytest.mark.parametrize("args", [["init", "sms"], ["init", "sms", "-"]])
def test_stdout_skeleton_names_a_placeholder_file(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    result = CliRunner().invoke(app(), args)
    assert result.exit_code == 0, result.output
    assert "# Check it with:  pinpoint-sandbox lint <file>\n" in result.stdout
    assert "request sms --answers <file>\n" in result.stdout
    assert list(workdir.iterdir()) == []  # `-` is stdout, never a file named "-"


def test_skeleton_spend_limit_matches_the_model() -> None:
    text = render_skeleton("sms")
    block = text[text.index("# --- spend_limit_usd"):text.index("# --- contact_emails")]
    assert "at most 2" in block and "decimals" in block and "1,000,000" in block
    assert validate_field("sms", "spend_limit_usd", 250.5) is None
    assert validate_field("sms", "spend_limit_usd", 1_000_001) is not None
