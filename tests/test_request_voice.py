"""`request voice` and `check`: no voice evidence, nothing filed."""

from __future__ import annotations

from typing import Any

import yaml

from helpers import VOICE_ANSWERS, cli


def voice(*extra: str) -> Any:
    return cli("request", "voice", "--answers", VOICE_ANSWERS, "--output", "json", *extra)


def test_evidence_from_cloudwatch_or_cloudtrail_files_one_case_per_region(simulator: Any) -> None:
    sim = simulator("voice-ready")
    run = voice("-r", "us-east-1", "-r", "us-west-2", "--yes")
    assert run.exit_code == 0, run
    assert run.actions() == {"us-east-1": "filed", "us-west-2": "filed"}
    increases = [w for w in sim.write_calls() if w.operation == "RequestServiceQuotaIncrease"]
    assert sorted(w.region for w in increases) == ["us-east-1", "us-west-2"]


def test_no_evidence_and_no_attestation_is_blocked_with_exit_3(simulator: Any) -> None:
    sim = simulator("voice-ready")
    run = voice("-r", "eu-west-1", "--yes")
    assert run.exit_code == 3, run
    [result] = run.results
    assert result["action"] == "blocked"
    assert "voice message" in result["reason"]
    assert "--send-test-call" in result["reason"] or "voice_message_sent" in result["reason"]
    assert sim.write_calls() == []


def test_attestation_unblocks_when_api_evidence_is_missing(simulator: Any) -> None:
    simulator("voice-ready")
    run = voice("-r", "eu-west-1", "--yes", "--set", "voice_message_sent=true")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "filed"}


def test_region_without_voice_is_blocked(simulator: Any) -> None:
    sim = simulator("voice-ready")
    run = voice("-r", "ap-southeast-2", "--yes", "--set", "voice_message_sent=true")
    assert run.exit_code == 3, run
    assert "not available" in run.results[0]["reason"]
    assert sim.write_calls() == []


def test_rendered_voice_case_contains_every_answer_verbatim(simulator: Any) -> None:
    simulator("voice-ready")
    run = voice("-r", "us-east-1", "--dry-run")
    assert run.exit_code == 0, run
    description = run.results[0]["description"]
    answers = yaml.safe_load(VOICE_ANSWERS.read_text())
    for key, value in answers.items():
        if key in ("regions", "contact_language", "voice_message_sent", "contact_emails"):
            continue
        if isinstance(value, dict):
            for inner in value.values():
                assert str(inner) in description, (key, inner)
        else:
            assert str(value).strip() in description, key


def test_send_test_call_then_files(simulator: Any) -> None:
    sim = simulator("voice-ready")
    run = voice("-r", "eu-west-1", "--yes", "--send-test-call", "+12065550199")
    assert run.exit_code == 0, run
    assert run.actions() == {"eu-west-1": "filed"}
    ops = [w.operation for w in sim.write_calls()]
    assert ops[0] == "SendVoiceMessage" and ops.count("SendVoiceMessage") == 1
    assert "RequestServiceQuotaIncrease" in ops


def test_send_test_call_to_unverified_number_is_one_line_and_files_nothing(
    simulator: Any,
) -> None:
    sim = simulator("voice-ready")
    run = voice("-r", "eu-west-1", "--yes", "--send-test-call", "+12065550198")
    assert run.exit_code == 3, run
    assert [x for x in run.stderr.splitlines() if x.strip()][-1].startswith("Error:")
    assert "verification" in run.stderr.lower()
    assert not [w for w in sim.write_calls() if w.operation != "SendVoiceMessage"]


def test_send_test_call_with_a_bad_number_is_exit_2_before_any_call(simulator: Any) -> None:
    sim = simulator("voice-ready")
    run = voice("-r", "eu-west-1", "--yes", "--send-test-call", "12345")
    assert run.exit_code == 2, run
    assert sim.write_calls() == []


def test_check_reports_per_region_and_exits_3_when_one_is_not_ready(simulator: Any) -> None:
    sim = simulator("voice-ready")
    run = cli("check", "voice", "-r", "us-east-1", "-r", "us-west-2", "-r", "eu-west-1",
              "--output", "json")
    assert run.exit_code == 3, run
    rows = {row["region"]: row for row in run.json["checks"]}
    assert rows["us-east-1"]["voice_evidence"]["source"] == "cloudtrail"
    assert rows["us-west-2"]["voice_evidence"]["source"] == "cloudwatch"
    assert rows["eu-west-1"]["status"] == "blocked"
    assert rows["us-east-1"]["ready"] and rows["us-east-1"]["backend"] == "service-quotas"
    assert rows["us-east-1"]["support_plan"] == "business"
    assert sim.write_calls() == []


def test_check_sms_is_ready_everywhere_on_a_fresh_account(simulator: Any) -> None:
    simulator("fresh-sandbox")
    run = cli("check", "sms", "-r", "us-east-1,eu-west-1")
    assert run.exit_code == 0, run
    assert "2 of 2 region(s) ready" in run.stderr


def test_send_test_call_is_not_sent_on_dry_run(simulator: Any) -> None:
    sim = simulator("voice-ready")
    run = voice("-r", "eu-west-1", "--dry-run", "--yes", "--send-test-call", "+12065550199")
    assert "no test call was sent" in run.stderr
    assert not [r for r in sim.requests if r.operation == "SendVoiceMessage"]


def test_send_test_call_is_sent_once_across_reruns(simulator: Any) -> None:
    sim = simulator("voice-ready")
    for _ in range(2):
        run = voice("-r", "eu-west-1", "--yes", "--send-test-call", "+12065550199")
        assert run.exit_code == 0, run
    sends = [r for r in sim.requests if r.operation == "SendVoiceMessage"
             and not r.params.get("DryRun")]
    assert len(sends) == 1
    assert "no test call needed" in run.stderr


def test_declining_the_confirmation_files_nothing_and_exits_0(simulator: Any) -> None:
    """Library level: a Reporter that says no (the CLI's prompt is covered under tmux)."""
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.filing.plan import Request, RunOptions, SilentReporter, run
    from pinpoint_sandbox.questionnaire.answers import load_answers_file, validate_answers

    sim = simulator("voice-ready")
    answers = validate_answers("voice", {**load_answers_file(VOICE_ANSWERS),
                                         "regions": ["us-east-1"]})
    report = run([Request("voice", AwsAccount(), ["us-east-1"], answers)], RunOptions(),
                 SilentReporter())  # SilentReporter.confirm answers no
    assert report.exit_code == 0
    assert [(r.action, r.reason) for r in report.results] == [
        ("previewed", "not confirmed: nothing filed")
    ]
    assert sim.write_calls() == []


def test_unreadable_evidence_is_a_failure_not_a_missing_prerequisite(simulator: Any) -> None:
    from pinpoint_sandbox.simulator import load_scenario

    data = load_scenario("voice-ready")
    data["faults"] = {"error_rate": 1.0,
                      "operations": ["GetMetricData", "GetMetricStatistics", "LookupEvents"]}
    sim = simulator(data)
    run = cli("check", "voice", "-r", "us-west-2", "--output", "json")
    assert run.exit_code == 4, run
    [row] = run.json["checks"]
    assert row["status"] == "failed" and "could not check" in row["reason"]
    assert "--send-test-call" not in row["reason"]
    assert row["support_plan"] == "business"
    assert sim.write_calls() == []


def test_dry_run_still_checks_the_test_call_destination(simulator: Any) -> None:
    sim = simulator("voice-ready")
    run = voice("-r", "eu-west-1", "--dry-run", "--yes", "--send-test-call", "+12065550198")
    assert run.exit_code == 3, run
    assert "pending verification" in run.stderr
    assert not [r for r in sim.requests if r.operation == "SendVoiceMessage"]


def test_check_validates_the_attestation_it_reads(simulator: Any, tmp_path: Any) -> None:
    simulator("voice-ready")
    bad = tmp_path / "v.yaml"
    bad.write_text("voice_message_sent: maybe\n")
    run = cli("check", "voice", "-a", bad, "-r", "eu-west-1")
    assert run.exit_code == 2, run
    assert "voice_message_sent" in run.stderr
    good = tmp_path / "ok.yaml"
    good.write_text("voice_message_sent: true\n")
    assert cli("check", "voice", "-a", good, "-r", "eu-west-1").exit_code == 0
