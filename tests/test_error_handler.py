"""The one error handler (cli.HandledGroup): every error, expected or not, is one redacted line
on stderr, its exit code, and with `--output json` one JSON document on stdout (issue #9)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import SMS_ANSWERS, cli
from pinpoint_sandbox.cli.failures import describe_unexpected, endpoint_problem, redact


def _explode(exc: BaseException) -> Any:
    def raiser(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return raiser


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (MemoryError(), "out of memory"),
        (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
        (KeyError("boom"), "unexpected KeyError"),
        (RuntimeError("line one\nline two\n" + "x" * 5000), "unexpected RuntimeError"),
    ],
)
def test_unexpected_errors_are_one_line_and_one_json_document(
    monkeypatch: pytest.MonkeyPatch, exc: BaseException, words: str
) -> None:
    # An internal failure (not AWS): the lint rules themselves blow up.
    monkeypatch.setattr("pinpoint_sandbox.review.lint.lint_answers", _explode(exc))
    run = cli("lint", SMS_ANSWERS, "--output", "json")
    assert run.exit_code == 4, run
    [line] = run.stderr.splitlines()
    assert line.startswith("Error: ") and words in line and len(line) < 500
    assert "Traceback" not in run.stderr
    doc = json.loads(run.stdout)
    assert doc["findings"] == [] and doc["error"]["exit_code"] == 4
    assert words in doc["error"]["message"]


def test_interrupt_with_json_is_130_and_a_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pinpoint_sandbox.review.lint.lint_answers", _explode(KeyboardInterrupt()))
    run = cli("lint", SMS_ANSWERS, "-o", "json")
    assert run.exit_code == 130
    assert json.loads(run.stdout)["error"]["exit_code"] == 130


def test_bad_endpoint_url_is_bad_input_naming_the_variable(simulator: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    sim = simulator("fresh-sandbox")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://[::1")
    run = cli("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-west-1", "--yes", "--output=json")
    assert run.exit_code == 2, run
    assert run.stderr.startswith("Error: AWS_ENDPOINT_URL=") and run.stderr.count("\n") == 1
    assert json.loads(run.stdout)["error"]["exit_code"] == 2
    assert sim.requests == []


def test_usage_errors_are_one_line_with_json() -> None:
    run = cli("--bogus", "status", "--output", "json")
    assert run.exit_code == 2
    assert run.stderr.splitlines() == [
        "Error: No such option: --bogus (see `pinpoint-sandbox --help`)"]
    assert json.loads(run.stdout)["error"]["exit_code"] == 2
    typo = cli("status", "--regoin", "eu-west-1")
    assert typo.exit_code == 2 and typo.stderr.count("\n") == 1
    assert "--region" in typo.stderr  # click's "did you mean"


def test_redaction_removes_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    text = redact("failed with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and "
                  "aws_session_token = FQoGZXIvYXdzEXAMPLE at https://bob:hunter2@host/x")
    assert "wJalrXUtnFEMI" not in text and "FQoGZXIv" not in text and "hunter2" not in text
    message, code = describe_unexpected(ValueError("secret=abc123 broke"))
    assert "abc123" not in message and code == 4


@pytest.mark.parametrize("value", ["http://[::1", "not a url", "ftp://host", "http://h:99999",
                                   "https://"])
def test_endpoint_problem_names_the_variable(monkeypatch: pytest.MonkeyPatch,
                                             value: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", value)
    problem = endpoint_problem()
    assert problem is not None and problem.startswith("AWS_ENDPOINT_URL_SUPPORT=")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", "http://127.0.0.1:4566")
    assert endpoint_problem() is None
