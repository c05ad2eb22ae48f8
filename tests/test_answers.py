"""Answers: every validation rule, `--set` parsing, files, saved answers and precedence."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pinpoint_sandbox.core.errors import AnswersError, ExitCode, NoTerminalError, UsageError
from pinpoint_sandbox.core.paths import saved_answers_path
from pinpoint_sandbox.questionnaire.answers import (
    LAST,
    SmsAnswers,
    VoiceAnswers,
    answer_keys,
    load_answers_file,
    load_saved_answers,
    parse_set_options,
    resolve_answers,
    save_answers,
    to_data,
    validate_answers,
    validate_field,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def sms_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "company_name": "Example Corp",
        "website_url": "https://www.example.com",
        "message_type": "transactional",
        "regions": ["us-east-1"],
        "destination_countries": ["us", "GB"],
        "opt_in_process": "Customers tick an unchecked box on https://www.example.com/alerts.",
        "message_templates": ["Example Corp: order shipped. Reply STOP to opt out."],
        "use_case_description": "Order updates for customers who opted in.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def voice_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "company_name": "Example Corp",
        "website_url": "https://www.example.com",
        "service_description": "Appointment reminders by voice.",
        "regions": ["us-east-1"],
        "max_messages_per_day": 100,
        "average_call_duration_seconds": 20,
        "number_sourcing": "Customers give their number when booking.",
        "dedicated_numbers": 1,
        "dedicated_numbers_reason": "One recognisable number is enough.",
        "calls_per_number": {"count": 100, "period": "day"},
        "consent_process": "Unchecked box on the booking page.",
        "opt_out_process": "Press 9 during any call.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def problems_of(channel: str, data: dict[str, Any], source: str = "answers.yaml") -> list[str]:
    with pytest.raises(AnswersError) as info:
        validate_answers(channel, data, source)
    assert info.value.exit_code == ExitCode.USAGE
    assert info.value.message == "\n".join(info.value.problems)
    return info.value.problems


# --- valid answers ----------------------------------------------------------------------------


def test_valid_sms_answers_are_normalised() -> None:
    answers = validate_answers("sms", sms_data(company_name="  Example Corp  "))
    assert isinstance(answers, SmsAnswers)
    assert answers.company_name == "Example Corp"
    assert answers.destination_countries == ["US", "GB"]  # upper-cased
    assert answers.contact_language == "en"  # default
    assert answers.spend_limit_usd is None and answers.contact_emails is None


def test_valid_voice_answers() -> None:
    answers = validate_answers("voice", voice_data(voice_message_sent=True, contact_language="ja"))
    assert isinstance(answers, VoiceAnswers)
    assert answers.calls_per_number.count == 100
    assert answers.calls_per_number.period == "day"
    assert answers.voice_message_sent is True
    assert answers.contact_language == "ja"


@pytest.mark.parametrize("name", ["sms-answers.yaml", "voice-answers.yaml"])
def test_examples_validate(name: str) -> None:
    channel = name.split("-")[0]
    answers = validate_answers(channel, load_answers_file(EXAMPLES / name), name)
    assert answers.regions == ["us-east-1", "eu-west-1"]


def test_sms_example_is_strong() -> None:
    answers = validate_answers("sms", load_answers_file(EXAMPLES / "sms-answers.yaml"))
    assert isinstance(answers, SmsAnswers)
    assert "Msg & data rates may apply" in answers.opt_in_process
    assert answers.company_name in answers.opt_in_process
    assert len(answers.message_templates) >= 2
    for template in answers.message_templates:
        assert answers.company_name in template and "STOP" in template


# --- one rule at a time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "data", "expected"),
    [
        ("sms", sms_data(website_url="http://example.com"),
         "answers.yaml: website_url: must start with https:// (got 'http://example.com')"),
        ("sms", sms_data(website_url="https://localhost"),
         "answers.yaml: website_url: must be a full https:// address"),
        ("sms", sms_data(message_type="marketing"),
         "answers.yaml: message_type: must be one of 'one_time_password', 'promotional' or "
         "'transactional' (got 'marketing')"),
        ("sms", sms_data(regions=["eu-west-9"]),
         "answers.yaml: regions[0]: 'eu-west-9' is not an AWS region"),
        ("sms", sms_data(regions=[]), "answers.yaml: regions: needs at least 1 item"),
        ("sms", sms_data(regions="us-east-1"), "answers.yaml: regions: must be a list"),
        ("sms", sms_data(destination_countries=["XX"]),
         "answers.yaml: destination_countries[0]: 'XX' is not an ISO 3166-1 alpha-2"),
        ("sms", sms_data(destination_countries=["UK"]),
         "answers.yaml: destination_countries[0]: 'UK' is not an ISO 3166-1 code: use 'GB'"),
        ("sms", sms_data(destination_countries=[False]),
         "answers.yaml: destination_countries[0]: got False: quote country codes in YAML"),
        ("sms", sms_data(opt_in_process="   "), "answers.yaml: opt_in_process: must not be empty"),
        ("sms", sms_data(opt_in_process="x" * 3001),
         "answers.yaml: opt_in_process: is too long: at most 3000 characters (got 3001)"),
        ("sms", sms_data(company_name=123), "answers.yaml: company_name: must be text (got 123)"),
        ("sms", sms_data(message_templates=[]),
         "answers.yaml: message_templates: needs at least 1 item"),
        ("sms", sms_data(message_templates=[f"Example Corp {i}" for i in range(11)]),
         "answers.yaml: message_templates: has too many items: at most 10 (got 11)"),
        ("sms", sms_data(message_templates=["ok", ""]),
         "answers.yaml: message_templates[1]: must not be empty"),
        ("sms", sms_data(contact_language="fr"),
         "answers.yaml: contact_language: must be one of 'en' or 'ja' (got 'fr')"),
        ("sms", sms_data(spend_limit_usd=0),
         "answers.yaml: spend_limit_usd: must be a USD amount greater than 0 (got 0)"),
        ("sms", sms_data(spend_limit_usd=10.555),
         "answers.yaml: spend_limit_usd: must be a USD amount with at most 2 decimals"),
        ("sms", sms_data(spend_limit_usd=2_000_000),
         "answers.yaml: spend_limit_usd: must be at most 1,000,000 USD per month "
         "(got 2,000,000)"),
        ("sms", sms_data(spend_limit_usd=float("inf")),
         "answers.yaml: spend_limit_usd: must be a USD amount such as 200 or 250.50"),
        ("sms", sms_data(spend_limit_usd=True),
         "answers.yaml: spend_limit_usd: must be a number, not true/false"),
        ("sms", sms_data(spend_limit_usd="lots"),
         "answers.yaml: spend_limit_usd: must be a number (got 'lots')"),
        ("sms", sms_data(contact_emails=[f"a{i}@example.com" for i in range(11)]),
         "answers.yaml: contact_emails: has too many items: at most 10 (got 11)"),
        ("sms", sms_data(contact_emails=["not-an-email"]),
         "answers.yaml: contact_emails[0]: 'not-an-email' is not an email address"),
        ("voice", voice_data(calls_per_number={"count": 3, "period": "year"}),
         "answers.yaml: calls_per_number.period: must be one of 'day', 'week', 'month' or "
         "'other' (got 'year')"),
        ("voice", voice_data(calls_per_number={"count": 0, "period": "day"}),
         "answers.yaml: calls_per_number.count: must be greater than 0 (got 0)"),
        ("voice", voice_data(calls_per_number=5),
         "answers.yaml: calls_per_number: must be a mapping"),
        ("voice", voice_data(calls_per_number={"count": 1, "period": "day", "x": 1}),
         "answers.yaml: calls_per_number.x:"),
        ("voice", voice_data(max_messages_per_day="many"),
         "answers.yaml: max_messages_per_day: must be a whole number (got 'many')"),
        ("voice", voice_data(max_messages_per_day=2.5),
         "answers.yaml: max_messages_per_day: must be a whole number"),
        ("voice", voice_data(average_call_duration_seconds=-3),
         "answers.yaml: average_call_duration_seconds: must be greater than 0"),
        ("voice", voice_data(dedicated_numbers=0),
         "answers.yaml: dedicated_numbers: must be at least 1 (got 0)"),
        ("voice", voice_data(voice_message_sent="maybe"),
         "answers.yaml: voice_message_sent: must be true or false (got 'maybe')"),
    ],
)
def test_each_rule_reports_one_line(channel: str, data: dict[str, Any], expected: str) -> None:
    problems = problems_of(channel, data)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]
    assert "\n" not in problems[0]


def test_unknown_key_has_did_you_mean_hint() -> None:
    problems = problems_of("sms", sms_data(opt_in="x"), "sms-answers.yaml")
    assert problems == ["sms-answers.yaml: unknown key 'opt_in' — did you mean 'opt_in_process'?"]


def test_voice_keys_are_unknown_for_sms() -> None:
    problems = problems_of("sms", sms_data(consent_process="x"))
    assert problems[0].startswith("answers.yaml: unknown key 'consent_process'")


def test_all_problems_reported_at_once() -> None:
    data = sms_data(website_url="http://x.com", regions=["mars-1"], opt_in_process=None, foo=1)
    problems = problems_of("sms", data)
    assert len(problems) == 4
    assert any("missing answer for 'opt_in_process'" in p for p in problems)


def test_not_a_mapping() -> None:
    assert problems_of("sms", ["a"]) == [  # type: ignore[arg-type]
        "answers.yaml: must be a mapping of answer keys (got list)"
    ]


def test_unknown_channel_is_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown channel 'fax'"):
        validate_answers("fax", {})


def test_validate_field_matches_file_messages() -> None:
    assert validate_field("sms", "website_url", "https://www.example.com") is None
    assert validate_field("sms", "website_url", "http://example.com") == (
        "website_url: must start with https:// (got 'http://example.com')"
    )
    assert validate_field("sms", "regions", ["us-east-1"]) is None
    assert validate_field("sms", "spend_limit_usd", 12.5) is None
    assert validate_field("voice", "calls_per_number", {"count": 2, "period": "x"}) is not None
    assert validate_field("sms", "opt_in", "x") == (
        "unknown key 'opt_in' — did you mean 'opt_in_process'?"
    )


# --- files and --set ---------------------------------------------------------------------------


def test_load_answers_file_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="answers file not found"):
        load_answers_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("company_name: [unclosed\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"bad.yaml: not valid YAML at line \d+, column \d+"):
        load_answers_file(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(UsageError, match="must be a YAML mapping of answer keys, not a list"):
        load_answers_file(listed)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert load_answers_file(empty) == {}


def test_parse_set_options_typing_and_dotted_keys() -> None:
    parsed = parse_set_options([
        "regions=[eu-west-1, us-east-1]",
        "spend_limit_usd=200",
        "calls_per_number.count=3",
        "calls_per_number.period=week",
        "opt_in_process=Users opt in: via our web form",
        "company_name= Example Corp ",
        "voice_message_sent=true",
    ])
    assert parsed == {
        "regions": ["eu-west-1", "us-east-1"],
        "spend_limit_usd": 200,
        "calls_per_number": {"count": 3, "period": "week"},
        "opt_in_process": "Users opt in: via our web form",  # prose, not a mapping
        "company_name": "Example Corp",
        "voice_message_sent": True,
    }


def test_parse_set_later_wins_and_bad_items() -> None:
    assert parse_set_options(["a=1", "a=2"]) == {"a": 2}
    with pytest.raises(UsageError, match="--set 'foo': expected KEY=VALUE"):
        parse_set_options(["foo"])
    with pytest.raises(UsageError, match="expected KEY=VALUE"):
        parse_set_options(["=value"])
    with pytest.raises(UsageError, match="empty part"):
        parse_set_options(["a..b=1"])


def test_saved_answers_round_trip() -> None:
    assert load_saved_answers("sms") == {}
    path = save_answers("sms", {"company_name": "Acme", "regions": ["us-east-1"], "junk": 1})
    assert path == saved_answers_path("sms")
    assert load_saved_answers("sms") == {"company_name": "Acme", "regions": ["us-east-1"]}


def test_corrupt_saved_answers_are_ignored() -> None:
    saved_answers_path("sms").write_text("{{{not yaml", encoding="utf-8")
    assert load_saved_answers("sms") == {}


# --- precedence --------------------------------------------------------------------------------


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_set_beats_file_beats_saved_beats_default(tmp_path: Path) -> None:
    save_answers("sms", sms_data(company_name="Saved Co", contact_language="ja",
                                 message_type="promotional"))
    answers_file = write_yaml(tmp_path / "a.yaml", sms_data(company_name="File Co",
                                                            message_type="one_time_password"))
    answers = resolve_answers("sms", answers_file=answers_file, sets=["company_name=Set Co"])
    assert answers.company_name == "Set Co"  # --set > file
    assert isinstance(answers, SmsAnswers)
    assert answers.message_type == "one_time_password"  # file > saved
    assert answers.contact_language == "en"  # question default: saved answers never mix in

    # Saved answers apply when asked for (`--answers last`), below --set, above the defaults.
    answers = resolve_answers("sms", answers_file=LAST, sets=["company_name=Set Co"])
    assert answers.company_name == "Set Co"  # --set > saved
    assert answers.contact_language == "ja"  # saved > question default
    assert answers.opt_in_process == sms_data()["opt_in_process"]  # from saved


def test_question_default_fills_in(tmp_path: Path) -> None:
    data = voice_data()
    del data["dedicated_numbers"]  # question default: 1
    answers = resolve_answers("voice", answers_file=write_yaml(tmp_path / "v.yaml", data))
    assert isinstance(answers, VoiceAnswers)
    assert answers.dedicated_numbers == 1
    assert answers.contact_language == "en"


def test_region_flag_overrides_everything(tmp_path: Path) -> None:
    answers_file = write_yaml(tmp_path / "a.yaml", sms_data())
    answers = resolve_answers("sms", answers_file=answers_file, sets=["regions=[eu-west-1]"],
                              regions=["eu-central-1", "ap-southeast-2"])
    assert answers.regions == ["eu-central-1", "ap-southeast-2"]


def test_dotted_set_merges_into_file_mapping(tmp_path: Path) -> None:
    answers_file = write_yaml(tmp_path / "v.yaml", voice_data())
    answers = resolve_answers("voice", answers_file=answers_file, sets=["calls_per_number.count=7"])
    assert isinstance(answers, VoiceAnswers)
    assert answers.calls_per_number.count == 7 and answers.calls_per_number.period == "day"


def test_saved_answers_apply_only_with_answers_last() -> None:
    save_answers("sms", sms_data())
    notes: list[str] = []
    assert resolve_answers("sms", answers_file=LAST, note=notes.append).company_name == (
        "Example Corp"
    )
    assert notes and str(saved_answers_path("sms")) in notes[0] and "'Example Corp'" in notes[0]
    # --set without --answers is never mixed with saved answers.
    with pytest.raises(AnswersError) as info:
        resolve_answers("sms", sets=["website_url=https://www.acme-tools.com"])
    assert len(info.value.problems) == 1  # one line, not one per missing key
    assert "missing: regions, company_name, message_type" in info.value.message
    assert "--answers FILE" in info.value.message
    # Nothing given and nothing asked: the saved answers are offered, never used.
    with pytest.raises(NoTerminalError) as no_answers:
        resolve_answers("sms")
    assert "--answers last (the saved answers of 'Example Corp'" in no_answers.value.message


def test_no_answers_at_all_is_one_line_without_terminal() -> None:
    with pytest.raises(NoTerminalError) as info:
        resolve_answers("sms", regions=["eu-west-1"])
    assert info.value.exit_code == ExitCode.USAGE
    assert info.value.message == (
        "no answers given and no terminal to ask on: pass --answers FILE (write one with "
        "`pinpoint-sandbox init sms FILE`) or run in a terminal"
    )


def test_no_answers_with_no_input_in_a_terminal_names_the_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    with pytest.raises(UsageError) as info:
        resolve_answers("voice")
    assert "\n" not in info.value.message
    assert "--no-input" in info.value.message
    assert "pinpoint-sandbox init voice FILE" in info.value.message


def test_missing_answers_with_a_file_name_the_file(tmp_path: Path) -> None:
    data = sms_data()
    del data["regions"], data["destination_countries"]
    answers_file = write_yaml(tmp_path / "mine.yaml", data)
    with pytest.raises(AnswersError) as info:
        resolve_answers("sms", answers_file=answers_file)
    assert info.value.problems == [
        "mine.yaml: missing answer for 'regions' — add it to mine.yaml or pass --region REGION",
        "mine.yaml: missing answer for 'destination_countries' — add it to mine.yaml or pass "
        "--set 'destination_countries=[a, b]'",
    ]


def test_answers_file_of_the_other_channel_is_one_line(tmp_path: Path) -> None:
    answers_file = write_yaml(tmp_path / "sms.yaml", sms_data())
    with pytest.raises(AnswersError) as info:
        resolve_answers("voice", answers_file=answers_file)
    assert info.value.problems == [
        "sms.yaml looks like an SMS answers file but this is `request voice`: use a voice "
        "answers file (`pinpoint-sandbox init voice FILE` writes one)"
    ]
    # One stray key of the other channel is a typo-sized problem: the usual unknown-key line.
    voice_file = write_yaml(tmp_path / "voice.yaml", voice_data(spend_limit_usd=5))
    with pytest.raises(AnswersError) as info:
        resolve_answers("voice", answers_file=voice_file)
    assert info.value.problems == [
        "voice.yaml: unknown key 'spend_limit_usd' — valid keys: " + ", ".join(answer_keys("voice"))
    ]


def test_set_text_answers_keep_what_was_typed() -> None:
    parsed = parse_set_options(
        ["company_name=123", "website_url=yes", "opt_in_process=2024-01-01",
         "message_type=transactional", "use_case_description=1.50"],
        "sms",
    )
    assert parsed == {
        "company_name": "123",
        "website_url": "yes",
        "opt_in_process": "2024-01-01",
        "message_type": "transactional",
        "use_case_description": "1.50",
    }
    # Numbers stay numbers, and without a channel nothing is re-typed.
    assert parse_set_options(["spend_limit_usd=10.5"], "sms") == {"spend_limit_usd": 10.5}
    assert parse_set_options(["company_name=123"]) == {"company_name": 123}


def test_set_list_answers_accept_plain_and_comma_values() -> None:
    parsed = parse_set_options(
        ["destination_countries=US", "regions=eu-west-1, us-east-1",
         "contact_emails=a@acme-tools.com,b@acme-tools.com",
         "message_templates=Acme: code {code}, valid 5 min. Reply STOP to opt out."],
        "sms",
    )
    assert parsed == {
        "destination_countries": ["US"],
        "regions": ["eu-west-1", "us-east-1"],
        "contact_emails": ["a@acme-tools.com", "b@acme-tools.com"],
        # A sample message has commas of its own: one --set is one message.
        "message_templates": ["Acme: code {code}, valid 5 min. Reply STOP to opt out."],
    }
    # Norway unquoted is YAML's false; as a plain --set value it stays the country code.
    assert parse_set_options(["destination_countries=NO"], "sms") == {
        "destination_countries": ["NO"]
    }
    assert parse_set_options(["regions=[eu-west-1, us-east-1]"], "voice") == {
        "regions": ["eu-west-1", "us-east-1"]
    }


def test_set_typing_end_to_end(tmp_path: Path) -> None:
    answers_file = write_yaml(tmp_path / "a.yaml", sms_data())
    answers = resolve_answers(
        "sms", answers_file=answers_file,
        sets=["company_name=123", "destination_countries=us,gb", "regions=eu-west-1",
              "spend_limit_usd=250.50"],
    )
    assert answers.company_name == "123"
    assert answers.destination_countries == ["US", "GB"]
    assert answers.regions == ["eu-west-1"]
    assert answers.spend_limit_usd == 250.5


def test_whole_spend_amounts_stay_whole() -> None:
    answers = validate_answers("sms", sms_data(spend_limit_usd=200.0))
    assert to_data(answers)["spend_limit_usd"] == 200
    assert isinstance(to_data(answers)["spend_limit_usd"], int)


def test_missing_answers_named_in_one_line() -> None:
    with pytest.raises(AnswersError) as info:
        resolve_answers("sms", sets=["company_name=Acme"])
    problems = info.value.problems
    required = ["regions", "website_url", "message_type", "destination_countries",
                "opt_in_process", "message_templates", "use_case_description"]
    assert len(problems) == 1  # one line naming every missing key, not one line per key
    for key in required:
        assert key in problems[0]
    # How to give the first missing one (regions come from --region), and the way out.
    assert "--region REGION" in problems[0]
    assert "--answers FILE" in problems[0]
    # Optional keys and keys with defaults are never reported missing.
    assert "spend_limit_usd" not in problems[0] and "contact_language" not in problems[0]


def test_problem_lines_name_their_source(tmp_path: Path) -> None:
    answers_file = write_yaml(tmp_path / "sms-answers.yaml", sms_data(website_url="http://a.com"))
    with pytest.raises(AnswersError) as info:
        resolve_answers("sms", answers_file=answers_file, sets=["opt_in=x", "spend_limit_usd=-1"])
    problems = info.value.problems
    assert "--set: unknown key 'opt_in' — did you mean 'opt_in_process'?" in problems
    assert any(p.startswith("sms-answers.yaml: website_url: must start with https://")
               for p in problems)
    assert any(p.startswith("--set: spend_limit_usd: must be a USD amount greater than 0")
               for p in problems)


def test_success_writes_save_to_but_a_file_never_overwrites_saved_answers(
    tmp_path: Path,
) -> None:
    save_answers("sms", sms_data(company_name="Typed By Hand"))
    target = tmp_path / "out.yaml"
    answers = resolve_answers("sms", answers_file=write_yaml(tmp_path / "a.yaml", sms_data()),
                              sets=["spend_limit_usd=250"], save_to=target)
    assert load_saved_answers("sms")["company_name"] == "Typed By Hand"
    saved = load_answers_file(target)
    assert saved["spend_limit_usd"] == 250
    assert saved["destination_countries"] == ["US", "GB"]
    assert validate_answers("sms", saved) == answers
    assert target.stat().st_mode & 0o777 == 0o600


def test_failure_does_not_save() -> None:
    with pytest.raises(AnswersError):
        resolve_answers("sms", sets=["company_name=Acme"])
    assert not saved_answers_path("sms").exists()


def test_answer_keys_match_design() -> None:
    # DESIGN's keys; regions come first because the questionnaire asks them first.
    assert answer_keys("sms") == [
        "regions", "company_name", "website_url", "message_type", "destination_countries",
        "opt_in_process", "message_templates", "use_case_description", "contact_language",
        "spend_limit_usd", "contact_emails",
    ]
    assert answer_keys("voice") == [
        "regions", "company_name", "website_url", "service_description", "max_messages_per_day",
        "average_call_duration_seconds", "number_sourcing", "dedicated_numbers",
        "dedicated_numbers_reason", "calls_per_number", "consent_process", "opt_out_process",
        "contact_language", "voice_message_sent", "contact_emails",
    ]


# --- model additions: calls_per_number.period_detail, review.ignore ---------------------------


def test_period_other_needs_period_detail() -> None:
    with pytest.raises(AnswersError) as info:
        validate_answers("voice", voice_data(calls_per_number={"count": 3, "period": "other"}),
                         "v.yaml")
    assert info.value.problems == [
        "v.yaml: calls_per_number.period_detail: is required when period is other: say the "
        "period in words, e.g. 'per quarter'"
    ]
    with pytest.raises(AnswersError, match=r"calls_per_number\.period_detail: is required"):
        validate_answers("voice", voice_data(
            calls_per_number={"count": 3, "period": "other", "period_detail": "   "}))
    answers = validate_answers("voice", voice_data(
        calls_per_number={"count": 3, "period": "other", "period_detail": " per quarter "}))
    assert isinstance(answers, VoiceAnswers)
    assert answers.calls_per_number.period_detail == "per quarter"
    assert to_data(answers)["calls_per_number"] == {
        "count": 3, "period": "other", "period_detail": "per quarter"
    }


def test_period_detail_is_only_for_other() -> None:
    with pytest.raises(AnswersError) as info:
        validate_answers("voice", voice_data(
            calls_per_number={"count": 3, "period": "day", "period_detail": "per quarter"}))
    assert "calls_per_number.period_detail: is only for period: other" in info.value.message
    answers = validate_answers("voice", voice_data())
    assert isinstance(answers, VoiceAnswers)
    assert answers.calls_per_number.period_detail is None
    assert "period_detail" not in to_data(answers)["calls_per_number"]


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_review_ignore_is_an_optional_setting(channel: str) -> None:
    data = sms_data() if channel == "sms" else voice_data()
    plain = validate_answers(channel, data)
    assert plain.review.ignore == []
    assert "review" not in to_data(plain)  # files without `review` stay as they were
    assert "review" not in answer_keys(channel)  # not a question: not asked, not in init
    answers = validate_answers(channel, {**data, "review": {"ignore": ["vague-answer", " x "]}})
    assert answers.review.ignore == ["vague-answer", "x"]
    assert to_data(answers)["review"] == {"ignore": ["vague-answer", "x"]}
    with pytest.raises(AnswersError, match=r"review\.ignor: unknown key"):
        validate_answers(channel, {**data, "review": {"ignor": ["x"]}})
    with pytest.raises(AnswersError, match=r"review\.ignore: must be a list"):
        validate_answers(channel, {**data, "review": {"ignore": "x"}})


def test_review_can_be_set_on_the_command_line(tmp_path: Path) -> None:
    answers_file = write_yaml(tmp_path / "a.yaml", sms_data())
    answers = resolve_answers("sms", answers_file=answers_file,
                              sets=["review.ignore=[placeholder-value]"])
    assert answers.review.ignore == ["placeholder-value"]
    with pytest.raises(AnswersError, match="did you mean 'review'"):
        resolve_answers("sms", answers_file=answers_file, sets=["reveiw.ignore=[x]"])
