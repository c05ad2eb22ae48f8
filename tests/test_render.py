"""Case rendering: every answer reaches the case verbatim, overrides work, and every template
mistake a user can make is one UsageError line naming the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.filing.render import (
    SUBJECT_LIMIT,
    SUPPORT_BODY_LIMIT,
    packaged_templates_dir,
    render_case,
    template_names,
)

SMS_TARGET = Target("111122223333", "eu-west-1", "sms")
VOICE_TARGET = Target("111122223333", "us-east-1", "voice")


def sms_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "company_name": "Example Corp",
        "website_url": "https://www.example.com/app",
        "message_type": "transactional",
        "regions": ["eu-west-1", "eu-central-1"],
        "destination_countries": ["GB", "DE", "XK"],
        "opt_in_process": (
            "Customers tick an unchecked box on the Example Corp checkout web form.\n"
            "Msg & data rates may apply; reply STOP to cancel."
        ),
        "message_templates": [
            "Example Corp: order {order_id} has shipped. Reply STOP to opt out.",
            "Example Corp: your parcel arrives today between {start} and {end}. "
            "Reply STOP to opt out.",
        ],
        "use_case_description": "Shipping notifications for orders placed on example.com.",
        "contact_language": "en",
        "spend_limit_usd": None,
        "contact_emails": ["ops@example.com", "sms-team@example.com"],
    }
    answers.update(overrides)
    return answers


def voice_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "company_name": "Clinic Ltd",
        "website_url": "https://clinic.example.org",
        "service_description": "Appointment reminders read aloud to patients the day before.",
        "regions": ["us-east-1"],
        "max_messages_per_day": 1234,
        "average_call_duration_seconds": 47,
        "number_sourcing": "Patients give their phone number when they book online.",
        "dedicated_numbers": 3,
        "dedicated_numbers_reason": "One number per clinic site so patients recognise it.",
        "calls_per_number": {"count": 411, "period": "week"},
        "consent_process": "Patients tick an unchecked 'call me' box on the booking form.",
        "opt_out_process": "Press 9 during the call; removed from the list within 24 hours.",
        "contact_language": "ja",
        "voice_message_sent": True,
        "contact_emails": ["desk@clinic.example.org"],
    }
    answers.update(overrides)
    return answers


def strings_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    if value is None or isinstance(value, bool):
        return []
    return [str(value)]


# Choices print as words, never as their internal codes.
CHOICE_KEYS = {"message_type", "contact_language", "calls_per_number"}
INTERNAL = ("**", "##", "|---", "one_time_password", "(en)", "(ja)", "(transactional)",
            "_process", "_usd", "per other")


def assert_plain_text(description: str) -> None:
    for code in INTERNAL:
        assert code not in description, f"{code!r} in the case"


def test_sms_case_has_every_answer_verbatim() -> None:
    answers = sms_answers(spend_limit_usd=250)
    case = render_case(SMS_TARGET, answers)
    for key, value in answers.items():
        if key in CHOICE_KEYS:
            continue
        for text in strings_in(value):
            assert text in case.description, f"{key}: {text!r} missing"
    assert_plain_text(case.description)
    assert "Type of messages: Transactional\n" in case.description
    assert "Preferred contact language: English\n" in case.description
    assert "GB (United Kingdom), DE (Germany), XK\n" in case.description
    assert (
        "1. Region: eu-west-1 / Resource type: General Limits / Quota: SMS Production Access / "
        "New quota value: 1"
    ) in case.description
    assert "eu-west-1, eu-central-1" in case.description  # all regions being requested
    assert "\n\nCASE DETAILS\n\n" in case.description  # blank lines between sections


def test_otp_label_is_words() -> None:
    description = render_case(SMS_TARGET, sms_answers(message_type="one_time_password")).description
    assert "Type of messages: One-time password\n" in description
    assert_plain_text(description)


def test_voice_case_has_every_answer_verbatim() -> None:
    answers = voice_answers(contact_language="en")
    case = render_case(VOICE_TARGET, answers)
    for key, value in answers.items():
        if key in CHOICE_KEYS:
            continue
        for text in strings_in(value):
            assert text in case.description, f"{key}: {text!r} missing"
    assert_plain_text(case.description)
    assert "Calls per phone number: 411 messages per week\n" in case.description
    assert (
        "Region: us-east-1 / Resource type: General Limits / Quota: Production Access / "
        "New quota value: 1"
    ) in case.description
    assert "Preferred contact language: English" in case.description
    assert "already sent at least one voice message" in case.description
    assert case.subject.startswith("Voice Production Access")


def test_voice_without_optional_answers_renders() -> None:
    answers = voice_answers()
    del answers["voice_message_sent"], answers["contact_emails"]
    case = render_case(VOICE_TARGET, answers)
    assert "already sent" not in case.description
    assert "Additional contacts" not in case.description


def test_spend_row_only_when_spend_limit_given() -> None:
    without = render_case(SMS_TARGET, sms_answers()).description
    assert "Spend Threshold" not in without
    absent = sms_answers()
    del absent["spend_limit_usd"], absent["contact_emails"]
    assert "Spend Threshold" not in render_case(SMS_TARGET, absent).description

    with_spend = render_case(SMS_TARGET, sms_answers(spend_limit_usd=500.0)).description
    assert (
        "2. Region: eu-west-1 / Resource type: General Limits / Quota: Account Spend Threshold "
        "Increase / New quota value: 500 USD per month"
    ) in with_spend


def test_subject_is_one_line_with_tag() -> None:
    case = render_case(SMS_TARGET, sms_answers())
    assert case.subject.endswith("[pinpoint-sandbox sms eu-west-1 111122223333]")
    assert "\n" not in case.subject
    assert "Example Corp" in case.subject


def test_long_company_name_shortens_subject_but_keeps_tag() -> None:
    case = render_case(SMS_TARGET, sms_answers(company_name="A" * 400))
    assert len(case.subject) == SUBJECT_LIMIT
    assert case.subject.endswith(SMS_TARGET.tag)


def test_extra_context_reaches_templates(tmp_path: Path) -> None:
    (tmp_path / "subject.txt.j2").write_text("{{ backend }}/{{ quota_code }} {{ tag }}\n")
    case = render_case(
        SMS_TARGET,
        sms_answers(),
        templates_dir=tmp_path,
        extra={"backend": "support", "quota_code": "L-1234"},
    )
    assert case.subject == f"support/L-1234 {SMS_TARGET.tag}"


def test_user_override_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "sms_case.md.j2").write_text("Custom body for {{ company_name }} in {{ region }}\n")
    case = render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)
    assert case.description == "Custom body for Example Corp in eu-west-1\n"
    # The subject was not overridden: the packaged one is still used.
    assert case.subject.startswith("SMS Production Access request")


def test_override_that_drops_the_tag_is_refused(tmp_path: Path) -> None:
    (tmp_path / "subject.txt.j2").write_text("Please let us out\n")
    with pytest.raises(UsageError, match=r"dropped the tag \[pinpoint-sandbox sms eu-west-1"):
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)


def test_undefined_variable_names_file_line_and_name(tmp_path: Path) -> None:
    (tmp_path / "sms_case.md.j2").write_text("line one\nline two\nHello {{ foo }}\n")
    with pytest.raises(UsageError) as info:
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)
    message = info.value.message
    assert message.startswith("template sms_case.md.j2 (line 3): 'foo' is undefined")
    assert f"fix the template in {tmp_path} or remove it" in message
    assert "\n" not in message


def test_missing_answer_in_builtin_template_is_usage_error() -> None:
    answers = sms_answers()
    del answers["opt_in_process"]
    with pytest.raises(UsageError, match=r"sms_case.txt.j2 \(line \d+\): 'opt_in_process'"):
        render_case(SMS_TARGET, answers)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "voice_case.md.j2").write_text("ok\n{% if company_name %}\nno endif\n")
    with pytest.raises(UsageError) as info:
        render_case(VOICE_TARGET, voice_answers(), templates_dir=tmp_path)
    message = info.value.message
    assert message.startswith("template voice_case.md.j2 (line ")
    assert "syntax error" in message
    assert str(tmp_path) in message


def test_sandbox_blocks_python_internals(tmp_path: Path) -> None:
    (tmp_path / "sms_case.md.j2").write_text("{{ ''.__class__.__mro__ }}\n")
    with pytest.raises(UsageError, match=r"template sms_case.md.j2 \(line 1\).*unsafe"):
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)


def test_sandbox_blocks_unsafe_calls(tmp_path: Path) -> None:
    (tmp_path / "sms_case.md.j2").write_text("{{ company_name.format.__globals__ }}\n")
    with pytest.raises(UsageError, match=r"sms_case\.md\.j2.*unsafe"):
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)


def test_type_error_in_user_template_is_usage_error(tmp_path: Path) -> None:
    (tmp_path / "sms_case.md.j2").write_text("x\n{{ company_name + 1 }}\n")
    with pytest.raises(UsageError, match=r"template sms_case.md.j2 \(line 2\)"):
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)


def test_templates_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is not a directory"):
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path / "missing")


def test_too_long_body_names_the_longest_answer() -> None:
    answers = sms_answers(use_case_description="x" * 9000)
    with pytest.raises(UsageError) as info:
        render_case(SMS_TARGET, answers)
    message = info.value.message
    assert f"over the Support API's {SUPPORT_BODY_LIMIT:,} limit" in message
    assert "'use_case_description' (9,000 characters)" in message


def test_longest_answer_counts_list_items() -> None:
    answers = sms_answers(message_templates=["Example Corp: " + "y" * 3000] * 3)
    with pytest.raises(UsageError, match="'message_templates' \\(9,042 characters\\)"):
        render_case(SMS_TARGET, answers)


def test_packaged_templates_found_via_importlib_resources() -> None:
    root = packaged_templates_dir()
    for channel in ("sms", "voice"):
        for name in template_names(channel):
            assert (root / name).is_file(), name
            assert "{{" in (root / name).read_text(encoding="utf-8")


def test_template_names_rejects_unknown_channel() -> None:
    assert template_names("sms") == ("subject.txt.j2", "sms_case.txt.j2")
    with pytest.raises(UsageError, match="Unknown channel 'fax'"):
        template_names("fax")


@pytest.mark.parametrize(
    ("target", "answers"), [(SMS_TARGET, sms_answers()), (VOICE_TARGET, voice_answers())]
)
def test_renders_validated_answers_with_optional_keys_left_out(
    target: Target, answers: dict[str, Any]
) -> None:
    module = pytest.importorskip("pinpoint_sandbox.questionnaire.answers")
    data = {k: v for k, v in answers.items() if v is not None}
    validated = module.to_data(module.validate_answers(target.channel, data))
    case = render_case(target, validated)
    assert target.tag in case.subject
    assert validated["opt_in_process" if target.channel == "sms" else "opt_out_process"] in (
        case.description
    )


@pytest.mark.parametrize("stray", ["subject.j2", "sms.md.j2", "Sms_case.md.j2"])
def test_templates_dir_file_that_overrides_nothing_is_refused(tmp_path: Path, stray: str) -> None:
    (tmp_path / stray).write_text("{{ tag }}\n")
    (tmp_path / "README.md").write_text("not a template: ignored\n")
    (tmp_path / "_footer.j2").write_text("a partial: allowed\n")
    with pytest.raises(UsageError) as info:
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)
    message = info.value.message
    assert "\n" not in message
    assert f"{stray} matches no template" in message
    assert "subject.txt.j2, sms_case.txt.j2, voice_case.txt.j2, sms_case.md.j2" in message
    assert "README.md" not in message and "_footer.j2" not in message


def test_templates_dir_with_partial_and_other_files_renders(tmp_path: Path) -> None:
    (tmp_path / "_brand.j2").write_text("by {{ company_name }}")
    (tmp_path / "sms_case.md.j2").write_text("Body {% include '_brand.j2' %}\n")
    (tmp_path / "notes.txt").write_text("ignored\n")
    case = render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)
    assert case.description == "Body by Example Corp\n"


def test_too_long_body_from_a_user_template_blames_the_template(tmp_path: Path) -> None:
    (tmp_path / "sms_case.md.j2").write_text(
        "{% for i in range(400) %}{{ company_name }} cares about your messages. {% endfor %}\n"
    )
    with pytest.raises(UsageError) as info:
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)
    message = info.value.message
    assert message.startswith(f"the template sms_case.md.j2 in {tmp_path} produces ")
    assert f"over the Support API's {SUPPORT_BODY_LIMIT:,} limit" in message
    assert "longest answer is only" in message


def test_too_long_body_from_a_user_template_still_blames_a_huge_answer(tmp_path: Path) -> None:
    (tmp_path / "sms_case.md.j2").write_text("{{ use_case_description }}\n")
    with pytest.raises(UsageError, match="'use_case_description' \\(9,000 characters\\)"):
        render_case(SMS_TARGET, sms_answers(use_case_description="x" * 9000),
                    templates_dir=tmp_path)


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_builtin_templates_break_no_quoted_name_across_lines(channel: str) -> None:
    import re

    text = (packaged_templates_dir() / f"{channel}_case.txt.j2").read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)  # comments never reach the case
    for line in text.splitlines():
        assert line.count('"') % 2 == 0, f"quoted text broken across lines: {line!r}"


def test_spend_threshold_sentence_is_one_line_with_cents() -> None:
    description = render_case(SMS_TARGET, sms_answers(spend_limit_usd=250.5)).description
    assert (
        "Please also raise the monthly SMS spend threshold (Account Spend Threshold Increase) "
        "in eu-west-1 to 250.50 USD per month."
    ) in description.splitlines()


def test_period_other_renders_the_users_words() -> None:
    calls = {"count": 1250, "period": "other", "period_detail": "3-day campaign"}
    answers = voice_answers(calls_per_number=calls, contact_language="en")
    description = render_case(VOICE_TARGET, answers).description
    assert "Calls per phone number: 1250 messages per 3-day campaign\n" in description
    assert_plain_text(description)
    japanese = render_case(VOICE_TARGET, {**answers, "contact_language": "ja"}).description
    assert "電話番号あたりの通話数: 1250 件 (期間: 3-day campaign)\n" in japanese


def test_japanese_contact_language_gives_japanese_labels_and_answers_verbatim() -> None:
    answers = voice_answers(contact_language="ja")
    description = render_case(VOICE_TARGET, answers).description
    for label in ("会社名またはブランド名: Clinic Ltd\n", "ケースの詳細", "連絡先オプション",
                  "希望する連絡言語: 日本語\n", "電話番号あたりの通話数: 1 週間あたり 411 件\n"):
        assert label in description
    assert "CASE DETAILS" not in description
    for text in strings_in(answers["consent_process"]):
        assert text in description


def test_voice_case_names_the_brand_and_sms_says_sample_messages() -> None:
    voice = render_case(VOICE_TARGET, voice_answers(contact_language="en")).description
    assert "\nCompany or brand name: Clinic Ltd\n" in voice
    sms = render_case(SMS_TARGET, sms_answers()).description
    assert "\nSample messages:\n1. " in sms


def test_folded_yaml_spaces_between_cjk_sentences_are_removed() -> None:
    import yaml

    folded = yaml.safe_load("t: >-\n  予約を受け付けました。\n  配信停止は設定から。\n")["t"]
    assert folded == "予約を受け付けました。 配信停止は設定から。"  # what YAML gives
    description = render_case(SMS_TARGET, sms_answers(use_case_description=folded)).description
    assert "予約を受け付けました。配信停止は設定から。" in description
    mixed = render_case(SMS_TARGET, sms_answers(use_case_description="Hello world")).description
    assert "Hello world" in mixed  # spaces between Latin words stay


def test_legacy_md_override_name_still_works(tmp_path: Path) -> None:
    (tmp_path / "voice_case.md.j2").write_text(
        "{{ company_name }} {{ calls_per_number.period }} {{ message_type_label | default('') }}\n"
    )
    case = render_case(VOICE_TARGET, voice_answers(), templates_dir=tmp_path)
    assert case.description == "Clinic Ltd week \n"


def test_environment_is_built_once_per_templates_dir(tmp_path: Path) -> None:
    from pinpoint_sandbox.filing.render import environment

    assert environment(None) is environment(None)
    assert environment(tmp_path) is environment(tmp_path)
    assert environment(tmp_path) is not environment(None)


@pytest.mark.parametrize("body", [
    "{{ 'x' * 10**12 }}",
    "{{ ['a'] * 10**9 }}",
    "{{ 10 ** 100000000 }}",
    "{% for i in range(10**9) %}{% endfor %}",
    "{{ '%1000000000s' % 'x' }}",
    "{{ 'x'.ljust(10**11) }}",
    "{{ '{:>9999999999}'.format('x') }}",
    "{{ 'x' | center(10**11) }}",
    "{% for i in range(5000) %}{% for j in range(5000) %}{{ company_name }}"
    "{% endfor %}{% endfor %}",
])
def test_template_bombs_are_one_usage_line(tmp_path: Path, body: str) -> None:
    (tmp_path / "sms_case.txt.j2").write_text("ok\n" + body + "\n")
    with pytest.raises(UsageError) as info:
        render_case(SMS_TARGET, sms_answers(), templates_dir=tmp_path)
    message = info.value.message
    assert "\n" not in message
    assert "sms_case.txt.j2" in message
    assert info.value.exit_code == 2


def test_saved_multi_line_answers_load_back_as_typed() -> None:
    import yaml

    from pinpoint_sandbox.questionnaire.answers import dump_yaml

    typed = {
        "opt_in_process": "Line one.\nLine two, indented below:\n  - a checkbox\n",
        "use_case_description": "受付を開始しました。\n配信停止は設定から行えます。",
        "message_templates": ["Acme: " + "word " * 40 + "Reply STOP to opt out"],
    }
    text = dump_yaml(typed)
    assert "opt_in_process: |" in text  # a literal block: line breaks kept as typed
    assert yaml.safe_load(text) == typed
