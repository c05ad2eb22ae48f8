"""Questions as data, and the questionary engine driven in-process through a pipe input.

The pipe input and DummyOutput replace the terminal (engineering notes §3); `has_terminal` is
patched to True in those tests because a pipe is not a TTY — that patches the environment, the
prompts, validation and saving run unmodified.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from pinpoint_sandbox.cli import prompts as engine
from pinpoint_sandbox.core.errors import ExitCode, Interrupted, NoTerminalError
from pinpoint_sandbox.questionnaire.answers import (
    ANSWER_MODELS,
    SETTING_KEYS,
    SmsAnswers,
    VoiceAnswers,
    load_saved_answers,
    resolve_answers,
    save_answers,
    validate_answers,
    validate_field,
)
from pinpoint_sandbox.questionnaire.questions import Condition, Question, load_questions

ENTER, DOWN, SPACE = "\r", "\x1b[B", " "
FINISH = "\x1b\r"  # Esc, Enter: submits a multiline (long_text) prompt
CLEAR = "\x15"  # Ctrl-U: erase the line typed so far
CTRL_C = "\x03"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[PipeInput]:
    monkeypatch.setattr(engine, "has_terminal", lambda: True)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


@pytest.fixture
def quiet_review(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prompt-type tests answer tersely: keep the per-answer review out of their keystrokes
    (the review flow has tests of its own below)."""
    monkeypatch.setattr(engine, "_field_findings", lambda channel, answers, key: [])


FILE = ENTER  # the summary's first choice: file


# --- the data ----------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_question_keys_equal_model_fields(channel: str) -> None:
    keys = [q.key for q in load_questions(channel)]
    # Settings such as `review` are model keys, never questions.
    fields = [k for k in ANSWER_MODELS[channel].model_fields if k not in SETTING_KEYS]
    assert keys == fields


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_question_metadata_agrees_with_model(channel: str) -> None:
    fields = ANSWER_MODELS[channel].model_fields
    for question in load_questions(channel):
        field = fields[question.key]
        assert question.help.strip(), question.key
        # Optional questions are exactly the model fields that may stay unset.
        assert question.optional == (not field.is_required() and field.default is None), (
            question.key
        )
        if question.default is not None:
            assert validate_field(channel, question.key, question.default) is None
        assert validate_field(channel, question.key, question.example) is None, question.key


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_examples_form_valid_answers(channel: str) -> None:
    data = {q.key: q.example for q in load_questions(channel)}
    assert validate_answers(channel, data).company_name == "Example Corp"


def test_opt_in_help_carries_reviewer_guidance() -> None:
    help_text = {q.key: q.help for q in load_questions("sms")}["opt_in_process"]
    for phrase in ("brand", "not pre-checked", "Msg & data rates may apply", "STOP", "HELP",
                   "privacy"):
        assert phrase in help_text


def test_condition_evaluator() -> None:
    assert Condition(key="n", op=">", value=0).holds({"n": 2})
    assert not Condition(key="n", op=">", value=0).holds({"n": 0})
    assert not Condition(key="n", op=">", value=0).holds({})  # unanswered
    assert not Condition(key="n", op=">", value=0).holds({"n": "text"})  # not comparable
    assert Condition(key="t", op="in", value=["a", "b"]).holds({"t": "a"})
    assert Condition(key="t", value="a").holds({"t": "a"})  # default op ==


# --- the engine: every prompt type -------------------------------------------------------------


def test_voice_questionnaire_every_type(
    keys: PipeInput, capsys: pytest.CaptureFixture[str]
, quiet_review: None) -> None:
    keys.send_text(DOWN + SPACE + ENTER)  # multiselect: eu-west-1 preselected, add eu-west-2
    keys.send_text("Acme" + ENTER)  # text
    keys.send_text("http://acme.example.com" + ENTER)  # rejected: asked again
    keys.send_text(CLEAR + "https://www.acme.example.com" + ENTER)
    keys.send_text("Clinic reminders." + FINISH)  # long_text
    keys.send_text("many" + ENTER)  # integer rejected
    keys.send_text(CLEAR + "100" + ENTER)
    keys.send_text("20" + ENTER)
    keys.send_text("Patients give their own number." + FINISH)
    keys.send_text(ENTER)  # dedicated_numbers: default 1 accepted
    keys.send_text("One number is enough." + FINISH)
    keys.send_text("50" + ENTER + DOWN + ENTER)  # group: count, then period select → week
    keys.send_text("Unchecked box." + FINISH)
    keys.send_text("Press 9." + FINISH)
    keys.send_text(DOWN + ENTER)  # select: contact_language → ja
    keys.send_text("y")  # confirm
    keys.send_text("a@example.com, b@example.com" + ENTER)  # list with separator
    keys.send_text(FILE)

    answered = engine.ask_missing("voice", {}, preselect_regions=["eu-west-1"])

    assert answered == {
        "company_name": "Acme",
        "website_url": "https://www.acme.example.com",
        "service_description": "Clinic reminders.",
        "regions": ["eu-west-1", "eu-west-2"],
        "max_messages_per_day": 100,
        "average_call_duration_seconds": 20,
        "number_sourcing": "Patients give their own number.",
        "dedicated_numbers": 1,
        "dedicated_numbers_reason": "One number is enough.",
        "calls_per_number": {"count": 50, "period": "week"},
        "consent_process": "Unchecked box.",
        "opt_out_process": "Press 9.",
        "contact_language": "ja",
        "voice_message_sent": True,
        "contact_emails": ["a@example.com", "b@example.com"],
    }
    assert isinstance(validate_answers("voice", answered), VoiceAnswers)
    # Help texts are shown (on stderr, so stdout stays parseable).
    err = capsys.readouterr().err
    assert "Purchased, rented" in err


def test_sms_list_items_and_optional_skips(keys: PipeInput, quiet_review: None) -> None:
    known = {"company_name": "Acme", "website_url": "https://acme.example.com",
             "regions": ["us-east-1"], "destination_countries": ["US"],
             "opt_in_process": "Checkbox.", "use_case_description": "Alerts.",
             "contact_language": "en"}
    keys.send_text(DOWN + DOWN + ENTER)  # message_type select → transactional
    keys.send_text(ENTER)  # empty first template is refused: at least one is needed
    keys.send_text("Acme: shipped. Reply STOP to opt out." + ENTER)
    keys.send_text("Acme: delivered. Reply STOP to opt out." + ENTER)
    keys.send_text(ENTER)  # empty line ends the list
    keys.send_text(ENTER)  # spend_limit_usd: optional, skipped
    keys.send_text(ENTER)  # contact_emails: optional, skipped
    keys.send_text(FILE)

    answered = engine.ask_missing("sms", known)

    assert answered == {
        "message_type": "transactional",
        "message_templates": ["Acme: shipped. Reply STOP to opt out.",
                              "Acme: delivered. Reply STOP to opt out."],
    }


def test_prefill_from_saved_answers(keys: PipeInput, quiet_review: None) -> None:
    save_answers("sms", {"company_name": "Saved Co", "message_templates": ["Saved: hi. STOP"],
                         "spend_limit_usd": 75, "regions": ["ap-south-1"]})
    known = {
        "website_url": "https://a.example.com", "message_type": "promotional",
        "destination_countries": ["IN"], "opt_in_process": "Box.",
        "use_case_description": "Offers.", "contact_emails": ["x@example.com"],
    }
    keys.send_text(ENTER)  # company_name: saved value accepted
    keys.send_text(ENTER)  # regions: saved selection accepted
    keys.send_text(ENTER + ENTER)  # templates: saved first item, then done (no more saved)
    keys.send_text(ENTER)  # contact_language: default en
    keys.send_text(ENTER)  # spend_limit_usd: saved 75
    keys.send_text(FILE)
    answered = engine.ask_missing("sms", known)
    assert answered["company_name"] == "Saved Co"
    assert answered["regions"] == ["ap-south-1"]
    assert answered["message_templates"] == ["Saved: hi. STOP"]
    assert answered["contact_language"] == "en"
    assert answered["spend_limit_usd"] == 75


def test_when_condition_skips_questions(
    keys: PipeInput, monkeypatch: pytest.MonkeyPatch, quiet_review: None
) -> None:
    questions = [
        Question(key="dedicated_numbers", prompt="How many?", help="h", type="integer"),
        Question(key="dedicated_numbers_reason", prompt="Why?", help="h", type="text",
                 when=Condition(key="dedicated_numbers", op=">", value=1)),
        Question(key="company_name", prompt="Name?", help="h", type="text"),
    ]
    monkeypatch.setattr(engine, "load_questions", lambda channel: questions)
    keys.send_text("1" + ENTER + "Acme" + ENTER + FILE)  # 1 is not > 1: the reason is not asked
    assert engine.ask_missing("voice", {}) == {"dedicated_numbers": 1, "company_name": "Acme"}
    keys.send_text("3" + ENTER + "Three regions." + ENTER + "Acme" + ENTER + FILE)
    assert engine.ask_missing("voice", {})["dedicated_numbers_reason"] == "Three regions."


def test_ctrl_c_saves_partial_answers_and_raises(keys: PipeInput, quiet_review: None) -> None:
    save_answers("sms", {"use_case_description": "From an earlier run."})
    keys.send_text(SPACE + ENTER)  # regions: the first listed one
    keys.send_text("Acme" + ENTER)
    keys.send_text(CTRL_C)
    with pytest.raises(Interrupted) as info:
        engine.ask_missing("sms", {})
    assert info.value.exit_code == ExitCode.INTERRUPTED
    saved = load_saved_answers("sms")
    # What was typed is kept, and so is what an earlier run had saved.
    assert saved == {"regions": ["af-south-1"], "company_name": "Acme",
                     "use_case_description": "From an earlier run."}

    # Next time the partial answers come back as prefilled defaults.
    keys.send_text(ENTER + ENTER + CTRL_C)
    with pytest.raises(Interrupted):
        engine.ask_missing("sms", {})
    assert load_saved_answers("sms")["company_name"] == "Acme"


def test_no_terminal_raises_before_prompting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a TTY
    assert engine.has_terminal() is False
    with pytest.raises(NoTerminalError) as info:
        engine.ask_missing("sms", {"company_name": "Acme"})
    message = info.value.message
    assert "pass --answers FILE or --set KEY=VALUE" in message
    assert "missing: regions, website_url, message_type" in message
    assert "company_name" not in message.split("missing:")[1]
    assert "spend_limit_usd" not in message  # optional keys are not demanded
    assert info.value.exit_code == ExitCode.USAGE
    with pytest.raises(NoTerminalError, match="pass --yes"):
        engine.confirm("File 3 cases?")


def test_nothing_missing_needs_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    known = {q.key: q.example for q in load_questions("sms")}
    assert engine.ask_missing("sms", known) == {}


def test_confirm_helper(keys: PipeInput) -> None:
    keys.send_text("y")
    assert engine.confirm("File 2 cases?") is True
    keys.send_text(ENTER)
    assert engine.confirm("File 2 cases?", default=False) is False
    keys.send_text(CTRL_C)
    with pytest.raises(Interrupted):
        engine.confirm("File 2 cases?")


def test_resolve_answers_interactive_prompts_only_the_rest(
    keys: PipeInput, quiet_review: None
) -> None:
    sets = ["company_name=Acme", "website_url=https://acme.example.com",
            "message_type=promotional", "destination_countries=[us]",
            "opt_in_process=Box on the site.", "use_case_description=Offers.",
            "spend_limit_usd=20", "contact_emails=[ops@acme.example.com]"]
    keys.send_text(SPACE + ENTER)  # regions: check the first listed region
    keys.send_text("Acme: sale today. Reply STOP to opt out." + ENTER + ENTER)
    keys.send_text(ENTER)  # contact_language default
    keys.send_text(FILE)
    answers = resolve_answers("sms", sets=sets, ask=engine.ask_missing)
    assert isinstance(answers, SmsAnswers)
    assert answers.regions == ["af-south-1"]
    assert answers.destination_countries == ["US"]
    assert load_saved_answers("sms")["message_templates"] == [
        "Acme: sale today. Reply STOP to opt out."
    ]


def test_resolve_answers_interactive_rejects_bad_given_values_first(keys: PipeInput) -> None:
    from pinpoint_sandbox.core.errors import AnswersError

    with pytest.raises(AnswersError, match="--set: website_url: must start with https://"):
        resolve_answers("sms", sets=["website_url=http://x.com"], ask=engine.ask_missing)


def test_spend_limit_is_an_amount_with_cents(keys: PipeInput, quiet_review: None) -> None:
    question = next(q for q in load_questions("sms") if q.key == "spend_limit_usd")
    assert question.type == "number"  # not "integer": the model takes cents
    known = {q.key: q.example for q in load_questions("sms") if q.key != "spend_limit_usd"}
    # Too many decimals and over the cap are refused at the prompt, then a good amount passes.
    keys.send_text("10.555" + ENTER + CLEAR + "2000000" + ENTER + CLEAR + "abc" + ENTER)
    keys.send_text(CLEAR + "250.50" + ENTER + FILE)
    assert engine.ask_missing("sms", known) == {"spend_limit_usd": 250.5}


def test_number_prompt_says_number_integer_prompt_says_whole_number() -> None:
    with pytest.raises(ValueError, match="must be a number such as 200"):
        engine._amount("lots")
    with pytest.raises(ValueError, match="must be a whole number"):
        engine._number("lots")


def test_an_answers_file_is_not_followed_by_optional_questions(
    keys: PipeInput, tmp_path: Path, quiet_review: None
) -> None:
    import yaml

    data = yaml.safe_load((Path(__file__).parent.parent / "examples/voice-answers.yaml")
                          .read_text())
    for optional in ("voice_message_sent", "contact_emails"):
        data.pop(optional, None)
    data.pop("company_name")  # required and missing: this one is asked
    path = tmp_path / "voice.yaml"
    path.write_text(yaml.safe_dump(data))
    keys.send_text("Acme Health" + ENTER + FILE)
    answers = resolve_answers("voice", answers_file=path, ask=engine.ask_missing)
    assert answers.company_name == "Acme Health"
    assert answers.voice_message_sent is None or answers.voice_message_sent is False


def test_number_prompts_accept_the_way_people_type_numbers() -> None:
    assert engine._number("1,000") == 1000
    assert engine._amount("$200") == 200
    assert engine._amount("250.50") == 250.5
    with pytest.raises(ValueError, match=r"must be a whole number$"):
        engine._number("  ")


# --- the editable questionnaire: per-answer review, summary, edits, shared keys, wrapping -------


def corpus_answers(name: str) -> dict[str, Any]:
    import yaml

    path = Path(__file__).parent / "review_corpus" / name
    answers = dict(yaml.safe_load(path.read_text(encoding="utf-8"))["answers"])
    # Every optional key given too, so only the keys a test removes are asked.
    optional = {"sms": {"spend_limit_usd": 100}, "voice": {"voice_message_sent": True}}
    channel = "voice" if "consent_process" in answers else "sms"
    return {"contact_emails": ["ops@corpus.test"], **optional[channel], **answers}


def test_review_findings_show_after_the_answer_and_it_can_be_answered_again(
    keys: PipeInput, capsys: pytest.CaptureFixture[str]
) -> None:
    known = corpus_answers("good-sms-car-rental-es.yaml")
    known.pop("message_templates")
    keys.send_text("Your car is ready. Reply STOP to opt out." + ENTER + ENTER)  # no brand
    keys.send_text(ENTER)  # "Answer this question again?" defaults to yes after an error
    keys.send_text(CLEAR + "Ruta Rent a Car: your car is ready. Reply STOP to opt out." + ENTER)
    keys.send_text("Ruta Rent a Car: thanks for returning the car. Reply STOP to opt out."
                   + ENTER + ENTER)
    keys.send_text(FILE)
    answered = engine.ask_missing("sms", known)
    assert answered["message_templates"][0].startswith("Ruta Rent a Car: your car")
    err = capsys.readouterr().err
    assert "error: does not name the brand 'Ruta Rent a Car'. Fix: start it with" in err
    assert "[template-brand]" in err


def test_summary_edit_returns_to_the_summary_not_question_one(
    keys: PipeInput, capsys: pytest.CaptureFixture[str]
) -> None:
    known = corpus_answers("good-sms-car-rental-es.yaml")
    known.pop("company_name")
    keys.send_text("Ruta" + ENTER)
    keys.send_text(DOWN + ENTER)  # summary: Edit an answer
    keys.send_text(DOWN + ENTER)  # answer 2: the company name (regions are answer 1)
    keys.send_text(CLEAR + "Ruta Rent a Car" + ENTER)
    keys.send_text(FILE)  # back at the summary: file
    assert engine.ask_missing("sms", known) == {"company_name": "Ruta Rent a Car"}
    err = capsys.readouterr().err
    assert err.count("Your answers:") == 2
    assert " 2. Company or brand name that sends the messages: Ruta Rent a Car" in err
    assert " 4. What type of messages will you send?: Transactional" in err


def test_summary_opens_all_answers_in_the_editor(
    keys: PipeInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = corpus_answers("good-sms-car-rental-es.yaml")
    known.pop("company_name")
    monkeypatch.setenv("EDITOR", "sed -i s/^company_name:.*/company_name:\\ Ruta\\ Edited/")
    monkeypatch.delenv("VISUAL", raising=False)
    keys.send_text("Ruta" + ENTER)
    keys.send_text(DOWN + DOWN + ENTER)  # Open all answers in $EDITOR
    keys.send_text(FILE)
    assert engine.ask_missing("sms", known) == {"company_name": "Ruta Edited"}


def test_summary_cancel_keeps_the_answers(keys: PipeInput) -> None:
    known = corpus_answers("good-sms-car-rental-es.yaml")
    known.pop("company_name")
    keys.send_text("Ruta" + ENTER + DOWN + DOWN + DOWN + ENTER)
    with pytest.raises(Interrupted):
        engine.ask_missing("sms", known)
    assert load_saved_answers("sms")["company_name"] == "Ruta"


def test_shared_keys_from_the_other_channel_are_offered(keys: PipeInput) -> None:
    save_answers("sms", {"company_name": "Shared Co", "website_url": "https://shared.co.uk",
                         "contact_emails": ["ops@shared.co.uk"], "contact_language": "ja"})
    known = corpus_answers("good-voice-clinic-us.yaml")
    for key in engine.SHARED_KEYS:
        known.pop(key, None)
    keys.send_text(ENTER)  # company_name: offered from the SMS answers
    keys.send_text(ENTER)  # website_url
    keys.send_text(ENTER)  # contact_language: ja preselected
    keys.send_text(ENTER)  # contact_emails
    keys.send_text(ENTER)  # an "Answer again?" after a warning, if any (Enter: no)
    keys.send_text(FILE)
    answered = engine.ask_missing("voice", known)
    assert answered == {"company_name": "Shared Co", "website_url": "https://shared.co.uk",
                        "contact_language": "ja", "contact_emails": ["ops@shared.co.uk"]}


def test_period_other_asks_what_it_means(keys: PipeInput) -> None:
    known = corpus_answers("good-voice-clinic-us.yaml")
    known.pop("calls_per_number")
    keys.send_text(CLEAR + "50" + ENTER + DOWN + DOWN + DOWN + ENTER)  # count, period: other
    keys.send_text("3 days" + ENTER + FILE)
    assert engine.ask_missing("voice", known)["calls_per_number"] == {
        "count": 50, "period": "other", "period_detail": "3 days"}


@pytest.mark.parametrize("width", [60, 80, 160])
def test_help_wraps_at_word_boundaries_counting_the_prefix(
    width: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    question = next(q for q in load_questions("sms") if q.key == "regions")
    engine._show_help(question, "12/15")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert all(len(line) <= width for line in lines), lines
    assert " ".join(lines).split() == ["[12/15]", *question.help.split()]  # no word broken
