"""The case text AWS reviewers read, as sent over HTTP in CreateCase: plain text for the Support
Center's plain-text box (no Markdown, no tables, no internal codes), every answer verbatim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from helpers import account, cli, scenario

CORPUS = Path(__file__).parent / "review_corpus"
ACCOUNT = "111122223333"
MARKDOWN = ("**", "##", "|---", "| --- |")
INTERNAL_CODES = ("one_time_password", "transactional)", "(en)", "(ja)", "per other",
                  "opt_in_process", "message_templates", "calls_per_number", "period_detail",
                  "use_case_description", "contact_language", "spend_limit_usd")
CHOICES = {"message_type", "contact_language", "voice_message_sent", "review"}


def texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for k, v in value.items() if k != "period" for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return [" ".join(str(value).split())]


def corpus_file(tmp_path: Path, name: str, **extra: Any) -> tuple[Path, dict[str, Any]]:
    answers = {**yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))["answers"], **extra}
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    return path, answers


def create_case_bodies(sim: Any) -> list[str]:
    return [w.params["communicationBody"] for w in sim.write_calls()
            if w.operation == "CreateCase"]


def assert_reviewer_ready(body: str, answers: dict[str, Any]) -> None:
    for mark in (*MARKDOWN, *INTERNAL_CODES):
        assert mark not in body, f"{mark!r} in the case text"
    flat = " ".join(body.split())
    for key, value in answers.items():
        if key in CHOICES:
            continue
        for text in texts(value):
            assert text in flat, f"{key}: {text!r} is not in the case"


def test_otp_bank_case_sent_in_create_case_is_plain_text(simulator: Any, tmp_path: Path) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    path, answers = corpus_file(tmp_path, "good-sms-bank-otp-gb-fr.yaml")
    run = cli("request", "sms", "--answers", path, "-r", "eu-west-2", "--yes", "--output", "json")
    assert run.exit_code == 0, run
    [body] = create_case_bodies(sim)
    assert_reviewer_ready(body, answers)
    assert "Type of messages: One-time password\n" in body
    assert ("Region: eu-west-2 / Resource type: General Limits / Quota: SMS Production Access / "
            "New quota value: 1") in body
    assert "Destination countries: GB (United Kingdom), FR (France)\n" in body


def test_voice_period_other_is_described_in_create_case(simulator: Any, tmp_path: Path) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    calls = {"count": 1250, "period": "other", "period_detail": "3-day reminder cycle"}
    path, answers = corpus_file(tmp_path, "good-voice-clinic-us.yaml", calls_per_number=calls,
                                voice_message_sent=True)
    run = cli("request", "voice", "--answers", path, "-r", "us-east-1", "--yes",
              "--output", "json")
    assert run.exit_code == 0, run
    [body] = create_case_bodies(sim)
    assert_reviewer_ready(body, answers)
    assert "Calls per phone number: 1250 messages per 3-day reminder cycle\n" in body


def test_period_other_without_detail_is_exit_2_before_any_call(
    simulator: Any, tmp_path: Path
) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    path, _ = corpus_file(tmp_path, "good-voice-clinic-us.yaml",
                          calls_per_number={"count": 5, "period": "other"})
    run = cli("request", "voice", "--answers", path, "-r", "us-east-1", "--yes")
    assert run.exit_code == 2, run
    assert "period_detail" in run.stderr
    assert sim.write_calls() == []


def test_ignore_is_checked_and_waivers_are_named_in_the_preview(
    simulator: Any, tmp_path: Path
) -> None:
    sim = simulator(scenario([account(plan="business", quotas=False)]))
    path, _ = corpus_file(tmp_path, "good-sms-bank-otp-gb-fr.yaml",
                          review={"ignore": ["opt-in-brand"]})
    typo = cli("request", "sms", "--answers", path, "-r", "eu-west-2", "--dry-run",
               "--ignore", "opt-in-frequence")
    assert typo.exit_code == 2, typo
    assert "did you mean 'opt-in-frequency'?" in typo.stderr
    run = cli("request", "sms", "--answers", path, "-r", "eu-west-2", "--dry-run",
              "--ignore", "us-origination")
    assert run.exit_code == 0, run
    assert "waived review rules for the sms answers: us-origination, opt-in-brand" in run.stderr
    assert "opt-in-brand]" not in run.stderr
    assert sim.write_calls() == []


def test_lint_ignore_and_answers_file_waivers(tmp_path: Path) -> None:
    path, _ = corpus_file(tmp_path, "bad-sms-shortener-website.yaml")
    assert cli("lint", path).exit_code == 2
    run = cli("lint", path, "--ignore", "website-shortener", "--output", "json")
    assert run.exit_code == 0, run
    assert run.json["waived"] == ["website-shortener"]
    bad, _ = corpus_file(tmp_path, "bad-sms-shortener-website.yaml",
                         review={"ignore": ["website-shortner"]})
    typo = cli("lint", bad)
    assert typo.exit_code == 2
    assert "did you mean 'website-shortener'?" in typo.stderr
