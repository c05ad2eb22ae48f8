"""Content review: each rule fires on the answer it targets, and good answers pass clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.review.lint import Finding, count_levels, lint_answers

GOOD_OPT_IN = (
    "Customers opt in on the Acme Tools checkout web form by ticking a checkbox that is "
    "unchecked by default and separate from our terms. The text next to it reads: "
    "\"Get order updates from Acme Tools by SMS. Msg frequency varies, up to 5 msgs per order. "
    "Msg & data rates may apply. Reply HELP for help, STOP to cancel. Terms: "
    "https://acme-tools.com/terms Privacy: https://acme-tools.com/privacy\""
)


def good_sms(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "company_name": "Acme Tools",
        "website_url": "https://www.acme-tools.com",
        "message_type": "transactional",
        "regions": ["eu-west-1"],
        "destination_countries": ["GB", "DE"],
        "opt_in_process": GOOD_OPT_IN,
        "message_templates": [
            "Acme Tools: order 1234 has shipped, track it at acme-tools.com/t. Reply STOP to end.",
            "Acme Tools: your parcel arrives today 10:00-12:00. Reply STOP to opt out.",
        ],
        "use_case_description": (
            "Order and delivery notifications for acme-tools.com customers in the UK and Germany, "
            "sent when an order ships, about 2,000 a month."
        ),
        "contact_language": "en",
        "spend_limit_usd": 500,
        "contact_emails": ["sms-ops@acme-tools.com"],
    }
    answers.update(overrides)
    return answers


def good_voice(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "company_name": "Clinic Ltd",
        "website_url": "https://clinic-ltd.co.uk",
        "service_description": (
            "Clinic Ltd books appointments online; a voice call reminds patients the day before."
        ),
        "regions": ["us-east-1"],
        "max_messages_per_day": 600,
        "average_call_duration_seconds": 40,
        "number_sourcing": "Patients enter their own number when they book on our website.",
        "dedicated_numbers": 3,
        "dedicated_numbers_reason": "One number per clinic site.",
        "calls_per_number": {"count": 1400, "period": "week"},
        "consent_process": (
            "Patients tick an unchecked 'Call me with reminders from Clinic Ltd' box on the "
            "booking form."
        ),
        "opt_out_process": (
            "Press 9 during any call or switch reminders off in account settings; the number is "
            "removed from the call list within 24 hours."
        ),
        "contact_language": "en",
        "contact_emails": ["ops@clinic-ltd.co.uk"],
    }
    answers.update(overrides)
    return answers


def rules(findings: list[Finding], level: str | None = None) -> set[str]:
    return {f.rule for f in findings if level is None or f.level == level}


def find(findings: list[Finding], rule: str) -> Finding:
    matches = [f for f in findings if f.rule == rule]
    assert matches, f"{rule} did not fire: {findings}"
    return matches[0]


def test_good_sms_answers_are_clean() -> None:
    assert lint_answers("sms", good_sms()) == []


def test_good_voice_answers_are_clean() -> None:
    assert lint_answers("voice", good_voice()) == []


@pytest.mark.parametrize(
    "text", ["N/A", "TBD", "users opt in", "Lorem ipsum dolor sit amet, consectetur adipiscing."]
)
def test_placeholder_opt_in_is_one_error(text: str) -> None:
    findings = lint_answers("sms", good_sms(opt_in_process=text))
    finding = find(findings, "vague-answer")
    assert (finding.level, finding.key) == ("error", "opt_in_process")
    # The other opt-in rules stay quiet: one clear message, not six.
    assert not {f.rule for f in findings if f.rule.startswith("opt-in")}


def test_vague_use_case_is_error_whatever_its_length() -> None:
    findings = lint_answers("sms", good_sms(use_case_description="We send order updates."))
    finding = find(findings, "use-case-vague")
    assert (finding.level, finding.key) == ("error", "use_case_description")
    assert "how many" in finding.message
    # 64 characters and still saying only "customers": judged by substance, not length.
    vague = "We will use SMS to communicate with customers about information."
    assert "use-case-vague" in rules(lint_answers("sms", good_sms(use_case_description=vague)))
    # Short but complete: who, what, why, how often, how many.
    terse = "Login codes for app users when they sign in, ~9,000 a month."
    assert "use-case-vague" not in rules(lint_answers("sms", good_sms(use_case_description=terse)))


def test_vague_voice_service_description() -> None:
    vague = "We are going to use the voice channel for our business needs going forward."
    findings = lint_answers("voice", good_voice(service_description=vague))
    assert find(findings, "use-case-vague").key == "service_description"


def test_opt_in_without_brand() -> None:
    text = GOOD_OPT_IN.replace("Acme Tools", "us").replace("acme-tools.com", "shop.co.uk")
    finding = find(lint_answers("sms", good_sms(opt_in_process=text)), "opt-in-brand")
    # A warning: the rejection cause is a template without the brand (template-brand).
    assert finding.level == "warning"
    assert "'Acme Tools'" in finding.message
    assert "Acme Tools" in finding.fix


def test_brand_is_recognised_without_legal_suffix_or_by_domain() -> None:
    answers = good_sms(company_name="Acme Tools Ltd")
    assert "opt-in-brand" not in rules(lint_answers("sms", answers))
    by_domain = good_sms(message_templates=["acme-tools.com: code 1234. Reply STOP to end."] * 2)
    assert "template-brand" not in rules(lint_answers("sms", by_domain))


def test_opt_in_without_method() -> None:
    text = "Acme Tools customers agree to get texts. Reply STOP to cancel, HELP for help."
    findings = lint_answers("sms", good_sms(opt_in_process=text))
    assert find(findings, "opt-in-method").level == "error"


def test_opt_in_prechecked_is_error_but_negated_is_not() -> None:
    text = GOOD_OPT_IN.replace("unchecked by default", "pre-checked")
    assert find(lint_answers("sms", good_sms(opt_in_process=text)), "opt-in-prechecked").level == (
        "error"
    )
    negated = GOOD_OPT_IN.replace("unchecked by default", "not pre-checked")
    assert "opt-in-prechecked" not in rules(lint_answers("sms", good_sms(opt_in_process=negated)))


def test_opt_in_bundled_with_terms() -> None:
    text = GOOD_OPT_IN + " Customers consent by accepting our terms of service."
    assert find(lint_answers("sms", good_sms(opt_in_process=text)), "opt-in-bundled").level == (
        "error"
    )
    fine = GOOD_OPT_IN + " Consent is not a condition of purchase."
    assert "opt-in-bundled" not in rules(lint_answers("sms", good_sms(opt_in_process=fine)))


def test_opt_in_without_stop() -> None:
    text = GOOD_OPT_IN.replace("Reply HELP for help, STOP to cancel. ", "")
    no_stop = ["Acme Tools: order 1234 has shipped.", "Acme Tools: your parcel arrives today."]
    findings = lint_answers("sms", good_sms(opt_in_process=text, message_templates=no_stop))
    assert find(findings, "opt-in-stop").level == "error"
    # Said in the templates instead: weaker, not a rejection.
    assert find(lint_answers("sms", good_sms(opt_in_process=text)), "opt-in-stop").level == (
        "warning"
    )
    otp = lint_answers("sms", good_sms(opt_in_process=text, message_type="one_time_password",
                                       message_templates=no_stop))
    assert find(otp, "opt-in-stop").level == "note"
    # Real companies describe opt-out in many ways: settings, keypad, replying STOP...
    for way in ("Customers switch alerts off in account settings.",
                "They can reply 'end' to cancel.", "Untick the box in your profile to stop."):
        answers = good_sms(opt_in_process=text + " " + way, message_templates=no_stop)
        assert "opt-in-stop" not in rules(lint_answers("sms", answers)), way


@pytest.mark.parametrize(
    ("remove", "rule"),
    [
        ("Msg frequency varies, up to 5 msgs per order. ", "opt-in-frequency"),
        ("Msg & data rates may apply. ", "opt-in-rates"),
        ("Reply HELP for help, ", "opt-in-help"),
        (
            " Terms: https://acme-tools.com/terms Privacy: https://acme-tools.com/privacy",
            "opt-in-terms-privacy",
        ),
        (" that is unchecked by default", "opt-in-unchecked"),
    ],
)
def test_opt_in_disclosures_are_warnings(remove: str, rule: str) -> None:
    assert remove in GOOD_OPT_IN
    text = GOOD_OPT_IN.replace(remove, "")
    findings = lint_answers("sms", good_sms(opt_in_process=text, destination_countries=["CA"]))
    finding = find(findings, rule)
    assert (finding.level, finding.key) == ("warning", "opt_in_process")
    assert count_levels(findings)[0] == 0
    # US/CA wording outside US/CA: at most a note.
    elsewhere = lint_answers("sms", good_sms(opt_in_process=text, destination_countries=["GB"]))
    if rule != "opt-in-unchecked":
        assert all(f.level == "note" for f in elsewhere if f.rule == rule)


def test_us_wording_is_not_demanded_of_gb_fr_otp_traffic() -> None:
    text = ("In online banking security settings customers choose 'Text me my code' (not "
            "pre-selected) and can switch back at any time.")
    answers = good_sms(message_type="one_time_password", destination_countries=["GB", "FR"],
                       opt_in_process=text,
                       message_templates=["Acme Tools: your code is {code}.",
                                          "Acme Tools: {code} confirms your new device."])
    findings = lint_answers("sms", answers)
    assert count_levels(findings)[0] == 0
    assert not {"opt-in-rates", "opt-in-help"} & rules(findings)


def test_one_template_is_warning_none_is_error() -> None:
    answers = good_sms()
    one = lint_answers("sms", good_sms(message_templates=answers["message_templates"][:1]))
    assert find(one, "templates-count").level == "warning"
    none = lint_answers("sms", good_sms(message_templates=[]))
    assert find(none, "templates-count").level == "error"


def test_template_without_brand_or_opt_out() -> None:
    findings = lint_answers(
        "sms", good_sms(message_templates=["Your appointment is today at 10:00 AM", "x"])
    )
    brand = find(findings, "template-brand")
    assert (brand.level, brand.key) == ("error", "message_templates[0]")
    opt_out = find(findings, "template-opt-out")
    assert opt_out.level == "error"
    assert {f.key for f in findings if f.rule == "template-opt-out"} == {
        "message_templates[0]",
        "message_templates[1]",
    }


def test_otp_template_without_opt_out_is_only_a_note() -> None:
    findings = lint_answers(
        "sms",
        good_sms(
            message_type="one_time_password",
            message_templates=[
                "Acme Tools: your login code is 123456.",
                "Acme Tools: code 654321 confirms your new phone.",
            ],
        ),
    )
    assert find(findings, "template-opt-out").level == "note"
    assert count_levels(findings) == (0, 0)


def test_promotional_otp_from_the_issue_is_an_error() -> None:
    findings = lint_answers("sms", good_sms(
        message_type="one_time_password",
        message_templates=["Acme Tools: your code is {code}.",
                           "Acme Tools: Check out our new savings account with 5% interest!"],
    ))
    finding = find(findings, "type-promotional-content")
    assert (finding.level, finding.key) == ("error", "message_templates[1]")


@pytest.mark.parametrize("text", [
    "Acme Tools: your new password was set.", "Acme Tools: a new device signed in.",
    "Acme Tools: please check out of room 12 by 11:00.", "Acme Tools: wholesale order shipped.",
])
def test_transactional_words_that_look_promotional_pass(text: str) -> None:
    findings = lint_answers("sms", good_sms(message_templates=[text + " Reply STOP to end."] * 2))
    assert "type-promotional-content" not in rules(findings)


def test_ignore_waives_rules_and_unknown_ids_suggest() -> None:
    from pinpoint_sandbox.review.lint import check_rule_ids, waived_rules

    answers = good_sms(website_url="https://bit.ly/x", review={"ignore": ["website-shortener"]})
    assert "website-shortener" in rules(lint_answers("sms", answers))
    assert "website-shortener" not in rules(
        lint_answers("sms", answers, ignore=waived_rules(answers))
    )
    with pytest.raises(UsageError, match="did you mean 'opt-in-help'"):
        check_rule_ids(["opt-in-hlep"])


@pytest.mark.parametrize("word", ["SALE", "20% off", "discount", "special offer", "promo code"])
def test_promotional_words_in_transactional_templates(word: str) -> None:
    template = f"Acme Tools: order shipped. {word} on your next order! Reply STOP to opt out."
    answers = good_sms(message_templates=[template, good_sms()["message_templates"][1]])
    finding = find(lint_answers("sms", answers), "type-promotional-content")
    assert (finding.level, finding.key) == ("error", "message_templates[0]")
    promotional = lint_answers("sms", {**answers, "message_type": "promotional"})
    assert "type-promotional-content" not in rules(promotional)


def test_promotional_rule_ignores_words_containing_sale() -> None:
    template = "Acme Tools: your wholesale order shipped. Reply STOP to opt out."
    answers = good_sms(message_templates=[template, template])
    assert "type-promotional-content" not in rules(lint_answers("sms", answers))


@pytest.mark.parametrize(
    ("url", "rule", "level"),
    [
        ("http://www.acme-tools.com", "website-https", "error"),
        ("https://mybiz.wixsite.com/shop", "website-free-host", "warning"),
        ("https://bit.ly/abc", "website-shortener", "error"),
        ("example", "website-url", "error"),
    ],
)
def test_website_rules(url: str, rule: str, level: str) -> None:
    finding = find(lint_answers("sms", good_sms(website_url=url)), rule)
    assert (finding.level, finding.key) == (level, "website_url")


def test_free_mail_contacts_warn() -> None:
    findings = lint_answers(
        "voice", good_voice(contact_emails=["ops@clinic-ltd.co.uk", "Bob@Gmail.com"])
    )
    finding = find(findings, "free-email")
    assert (finding.level, finding.key) == ("warning", "contact_emails[1]")
    assert len([f for f in findings if f.rule == "free-email"]) == 1


def test_high_spend_warns() -> None:
    assert "high-spend" not in rules(lint_answers("sms", good_sms(spend_limit_usd=10_000)))
    finding = find(lint_answers("sms", good_sms(spend_limit_usd=25_000)), "high-spend")
    assert finding.level == "warning"
    assert "per-country" in finding.message


def test_us_destination_warns_about_origination() -> None:
    finding = find(
        lint_answers("sms", good_sms(destination_countries=["GB", "us"])), "us-origination"
    )
    assert finding.level == "warning"
    assert "toll-free" in finding.fix


def test_voice_vague_answers() -> None:
    findings = lint_answers("voice", good_voice(number_sourcing="TBD", consent_process="N/A"))
    assert {f.key for f in findings if f.rule == "vague-answer"} == {
        "number_sourcing",
        "consent_process",
    }
    assert "voice-consent-method" not in rules(findings)


def test_voice_consent_without_method() -> None:
    text = "Clinic Ltd patients are happy to get reminder calls about their visits."
    finding = find(lint_answers("voice", good_voice(consent_process=text)), "voice-consent-method")
    assert finding.level == "error"


def test_voice_consent_without_brand_warns() -> None:
    text = "Patients tick an unchecked 'Call me with reminders' box on the booking form."
    finding = find(lint_answers("voice", good_voice(consent_process=text)), "voice-consent-brand")
    assert finding.level == "warning"


def test_voice_opt_out_needs_method_and_timing() -> None:
    no_method = lint_answers(
        "voice", good_voice(opt_out_process="We honour all requests within 24 hours.")
    )
    assert find(no_method, "voice-opt-out-method").level == "error"
    no_timing = lint_answers(
        "voice", good_voice(opt_out_process="Patients press 9 during the call to opt out.")
    )
    assert find(no_timing, "voice-opt-out-timing").level == "warning"
    assert "voice-opt-out-method" not in rules(no_timing)


def test_voice_volume_too_low_for_max_per_day() -> None:
    findings = lint_answers("voice", good_voice(calls_per_number={"count": 10, "period": "day"}))
    finding = find(findings, "voice-volume")
    assert (finding.level, finding.key) == ("warning", "calls_per_number")
    assert "against a stated maximum of 600 a day" in finding.message


def test_voice_volume_one_number_above_max_per_day() -> None:
    findings = lint_answers("voice", good_voice(calls_per_number={"count": 700, "period": "day"}))
    finding = find(findings, "voice-volume")
    assert finding.level == "warning"  # 3 × 700 against 600: over, but not far over


def test_voice_volume_far_over_max_per_day_is_error() -> None:
    # The independent reviewer's case: 2 numbers × 25,000 a day against 800 a day.
    answers = good_voice(max_messages_per_day=800, dedicated_numbers=2,
                         calls_per_number={"count": 25_000, "period": "day"})
    finding = find(lint_answers("voice", answers), "voice-volume")
    assert (finding.level, finding.key) == ("error", "calls_per_number")
    assert "50,000 calls a day, 62 times the stated maximum of 800" in finding.message


def test_voice_volume_beyond_one_call_per_second_is_error() -> None:
    answers = good_voice(max_messages_per_day=100_000, dedicated_numbers=1,
                         calls_per_number={"count": 100_000, "period": "day"})
    finding = find(lint_answers("voice", answers), "voice-volume")
    assert finding.level == "error" and "1 call per second" in finding.message


def test_voice_volume_other_period_is_not_compared() -> None:
    findings = lint_answers("voice", good_voice(calls_per_number={"count": 1, "period": "other"}))
    assert "voice-volume" not in rules(findings)


def test_long_calls_warn() -> None:
    assert "voice-call-duration" not in rules(
        lint_answers("voice", good_voice(average_call_duration_seconds=300))
    )
    finding = find(
        lint_answers("voice", good_voice(average_call_duration_seconds=301)), "voice-call-duration"
    )
    assert finding.level == "warning"


def test_errors_come_first_and_json_shape() -> None:
    findings = lint_answers(
        "sms", good_sms(website_url="http://example.com", use_case_description="short")
    )
    levels = [f.level for f in findings]
    assert levels == sorted(levels, key=lambda level: level != "error")
    assert findings[0].to_json().keys() == {"level", "key", "message", "rule", "fix"}


def test_unknown_channel_is_usage_error() -> None:
    with pytest.raises(UsageError, match="Unknown channel 'fax'"):
        lint_answers("fax", {})


# ---- the `lint` command ----------------------------------------------------------------------


def lint_app() -> Any:
    import typer

    from pinpoint_sandbox.cli.lint import register

    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps `lint` a subcommand, as in the real app."""

    register(app)
    return app


def write_answers(tmp_path: Any, data: dict[str, Any], name: str = "answers.yaml") -> Any:
    import yaml

    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def run_lint(*args: str) -> Any:
    from typer.testing import CliRunner

    pytest.importorskip("pinpoint_sandbox.questionnaire.answers")
    return CliRunner().invoke(lint_app(), ["lint", *args])


def test_cli_good_file_exits_0(tmp_path: Any) -> None:
    path = write_answers(tmp_path, good_sms())
    result = run_lint(str(path))
    assert result.exit_code == 0, result.output
    assert "answers.yaml: no problems found (sms)." in result.stdout


def test_cli_errors_exit_2_with_table_and_summary(tmp_path: Any) -> None:
    path = write_answers(
        tmp_path, good_sms(message_templates=["Your appointment is today at 10:00 AM"])
    )
    result = run_lint(str(path))
    assert result.exit_code == 2
    assert "message_templates[0]" in result.stdout  # printed as written, not eaten as markup
    assert "template-brand" in result.stdout
    assert "answers.yaml: 2 errors, 1 warning (sms) — fix the errors before filing." in (
        result.stdout
    )


def test_cli_json_output(tmp_path: Any) -> None:
    import json

    path = write_answers(tmp_path, good_voice(average_call_duration_seconds=600), "voice.yaml")
    result = run_lint(str(path), "--output", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["file"] == str(path)
    assert doc["channel"] == "voice"  # inferred from voice-only keys
    assert (doc["errors"], doc["warnings"]) == (0, 1)
    assert doc["findings"][0]["rule"] == "voice-call-duration"
    assert "1 warning (voice)" in result.stderr


def test_cli_channel_option_overrides_inference(tmp_path: Any) -> None:
    path = write_answers(tmp_path, good_sms())
    result = run_lint(str(path), "--channel", "voice")
    # Validated as voice answers: SMS keys are unknown there.
    assert isinstance(result.exception, UsageError)
    assert result.exception.exit_code == 2


def test_cli_invalid_answers_are_usage_error(tmp_path: Any) -> None:
    data = good_sms()
    del data["company_name"]
    result = run_lint(str(write_answers(tmp_path, data)))
    assert isinstance(result.exception, UsageError)
    assert "company_name" in result.exception.message


def test_cli_mixed_keys_ask_for_channel(tmp_path: Any) -> None:
    data = {**good_sms(), "consent_process": good_voice()["consent_process"]}
    result = run_lint(str(write_answers(tmp_path, data)))
    assert isinstance(result.exception, UsageError)
    assert "pass --channel" in result.exception.message


# ---- placeholders from the `init` skeleton ---------------------------------------------------


@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_untouched_skeleton_is_not_ready_to_file(channel: str) -> None:
    import yaml

    from pinpoint_sandbox.questionnaire.answers import to_data, validate_answers
    from pinpoint_sandbox.questionnaire.skeleton import render_skeleton

    skeleton = to_data(validate_answers(channel, yaml.safe_load(render_skeleton(channel))))
    findings = lint_answers(channel, skeleton)
    placeholders = {f.key for f in findings if f.rule == "placeholder-value"}
    assert all(f.level == "error" for f in findings if f.rule == "placeholder-value")
    assert {"website_url", "company_name"} <= placeholders
    assert ("opt_in_process" if channel == "sms" else "consent_process") in placeholders


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.com", "https://example.net/x", "https://shop.example.org",
        "https://acme.example", "https://acme.test", "https://acme.invalid",
        "https://app.localhost", "https://localhost",
    ],
)
def test_reserved_domains_are_placeholder_errors(url: str) -> None:
    finding = find(lint_answers("sms", good_sms(website_url=url)), "placeholder-value")
    assert (finding.level, finding.key) == ("error", "website_url")
    assert "reserved example domain" in finding.message


@pytest.mark.parametrize(
    "url", ["https://www.example-shop.com", "https://counterexample.com", "https://test.io"]
)
def test_lookalike_domains_are_not_placeholders(url: str) -> None:
    assert "placeholder-value" not in rules(lint_answers("sms", good_sms(website_url=url)))


def test_skeleton_texts_are_placeholders_even_reflowed() -> None:
    from pinpoint_sandbox.questionnaire.questions import load_questions

    example = {q.key: q.example for q in load_questions("sms")}
    reflowed = "\n".join(example["use_case_description"].split(" "))
    findings = lint_answers(
        "sms",
        good_sms(use_case_description=reflowed,
                 message_templates=[good_sms()["message_templates"][0],
                                    example["message_templates"][1]],
                 contact_emails=["team@mail.example.org"]),
    )
    assert {f.key for f in findings if f.rule == "placeholder-value"} == {
        "use_case_description", "message_templates[1]", "contact_emails[0]"
    }


@pytest.mark.parametrize("name", ["sms-answers.yaml", "voice-answers.yaml"])
def test_shipped_examples_pass_lint(name: str) -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / name
    result = run_lint(str(path))
    assert result.exit_code == 0, result.output
    assert "placeholder-value" not in result.stdout


# ---- the `lint` command: files that are not answers, guesses, hints ----------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"version": 1, "requests": [{"channel": "sms"}]}, "a batch file"),
        ({"name": "x", "accounts": [{"account_id": "111122223333"}]}, "a simulator scenario file"),
    ],
)
def test_cli_batch_or_scenario_file_is_one_line(tmp_path: Any, data: dict[str, Any],
                                                kind: str) -> None:
    result = run_lint(str(write_answers(tmp_path, data, "thing.yaml")))
    assert isinstance(result.exception, UsageError)
    assert result.exception.exit_code == 2
    assert f"thing.yaml is {kind}, not an answers file" in result.exception.message
    assert "\n" not in result.exception.message


def test_cli_notes_a_guessed_channel(tmp_path: Any) -> None:
    path = write_answers(tmp_path, {"company_name": "Acme Tools", "regions": ["eu-west-1"]})
    result = run_lint(str(path))
    assert "note: channel guessed as sms (no voice-only keys); pass --channel" in result.stderr
    # Missing keys: the fix is the file, not a --set lint does not have.
    assert isinstance(result.exception, UsageError)
    assert (
        "answers.yaml: missing answer for 'website_url' — add `website_url:` to answers.yaml"
        in result.exception.message
    )
    assert "--set" not in result.exception.message


def test_cli_no_note_when_keys_show_the_channel(tmp_path: Any) -> None:
    result = run_lint(str(write_answers(tmp_path, good_sms())))
    assert result.exit_code == 0, result.output
    assert "guessed" not in result.stderr
    result = run_lint(str(write_answers(tmp_path, good_sms())), "--channel", "sms")
    assert "guessed" not in result.stderr


def test_cli_channel_option_on_the_other_channels_file_is_one_line(tmp_path: Any) -> None:
    result = run_lint(str(write_answers(tmp_path, good_sms())), "--channel", "voice")
    assert isinstance(result.exception, UsageError)
    assert result.exception.message == (
        "answers.yaml looks like an SMS answers file but --channel is voice: use a voice "
        "answers file (`pinpoint-sandbox init voice FILE` writes one)"
    )


def test_lint_explains_empty_files_and_tabs(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pinpoint_sandbox.cli import app

    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    tabs = tmp_path / "tabs.yaml"
    tabs.write_text("company_name: x\n\tbad: 1\n")
    runner = CliRunner()
    first = runner.invoke(app, ["lint", str(empty)])
    assert first.exit_code == 2 and "is empty" in first.stderr and "init" in first.stderr
    second = runner.invoke(app, ["lint", str(tabs)])
    assert second.exit_code == 2 and "not tabs" in second.stderr


@pytest.mark.parametrize(("sourcing", "bought"), [
    ("Phone numbers of homeowners are licensed from a consumer-data provider.", True),
    ("We rent a list of homeowners from a marketing agency.", True),
    ("Numbers are collected by our event marketing partners at home shows.", True),
    ("Customers give us their own number; we never buy, rent or share lists.", False),
    ("Patients enter their number on the booking form provided by our partner clinic.", False),
])
def test_number_sourcing_is_judged_on_the_number_sourcing_field(sourcing: str,
                                                               bought: bool) -> None:
    findings = lint_answers("voice", good_voice(number_sourcing=sourcing))
    keys = [f.key for f in findings if f.rule == "purchased-list"]
    assert keys == (["number_sourcing"] if bought else [])
