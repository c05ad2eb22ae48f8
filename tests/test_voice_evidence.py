"""voice_evidence and voice_available against the built-in simulator, over HTTP through boto3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from helpers import cli
from pinpoint_sandbox.aws.session import AwsAccount
from pinpoint_sandbox.checks.voice_evidence import VoiceEvidence, voice_available, voice_evidence

ACCOUNT = "111122223333"


def scenario(
    regions: dict[str, Any] | None = None, faults: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "name": "voice-evidence",
        "accounts": [{"account_id": ACCOUNT, "regions": regions or {}}],
        "faults": faults or {},
    }


def operations(sim: Any, service: str) -> list[str]:
    return [r.operation for r in sim.requests if r.service == service]


def test_cloudwatch_datapoint_is_evidence(simulator: Any) -> None:
    simulator(scenario({"eu-west-1": {"cloudwatch_voice_spend_days_ago": [3]}}))
    evidence = voice_evidence(AwsAccount(), "eu-west-1")

    assert evidence.found is True
    assert evidence.source == "cloudwatch"
    expected_day = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%d")
    assert expected_day in evidence.detail
    assert len(evidence.checked) == 1 and evidence.checked[0].startswith("cloudwatch:")


def test_one_cloudwatch_call_when_a_message_was_sent(simulator: Any) -> None:
    # The metric is published without dimensions: GetMetricData answers alone (#13's budget).
    sim = simulator(scenario({"eu-west-1": {"cloudwatch_voice_spend_days_ago": [3]}}))
    assert voice_evidence(AwsAccount(), "eu-west-1").found is True
    assert operations(sim, "cloudwatch") == ["GetMetricData"]
    assert operations(sim, "cloudtrail") == []


def test_metric_with_dimensions_is_found_through_list_metrics(simulator: Any) -> None:
    dims = [{"Name": "Channel", "Value": "VOICE"}]
    sim = simulator(scenario({"eu-west-1": {"cloudwatch_voice_spend_days_ago": [3],
                                            "cloudwatch_metric_dimensions": dims}}))
    evidence = voice_evidence(AwsAccount(), "eu-west-1")
    assert evidence.found is True and evidence.source == "cloudwatch"
    # The query without dimensions finds nothing, ListMetrics names the set, the second finds it.
    assert operations(sim, "cloudwatch") == ["GetMetricData", "ListMetrics", "GetMetricData"]
    queried = [r.params for r in sim.requests if r.operation == "GetMetricData"][-1]
    assert queried["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"] == dims


def test_nothing_sent_reads_every_source_once(simulator: Any) -> None:
    sim = simulator(scenario({"eu-west-1": {}}))
    assert voice_evidence(AwsAccount(), "eu-west-1").found is False
    # ListMetrics shows no dimension set: no second GetMetricData.
    assert operations(sim, "cloudwatch") == ["GetMetricData", "ListMetrics"]
    assert operations(sim, "cloudtrail") == ["LookupEvents"]


def test_old_datapoint_found_although_list_metrics_hides_it(simulator: Any) -> None:
    # 200 days idle: ListMetrics (14-day window) shows nothing, GetMetricData still has it.
    sim = simulator(scenario({"eu-west-1": {"cloudwatch_voice_spend_days_ago": [200]}}))
    client = AwsAccount().client("cloudwatch", "eu-west-1")
    listed = client.list_metrics(Namespace="AWS/SMSVoice", MetricName="VoiceMessageMonthlySpend")
    assert listed["Metrics"] == []

    evidence = voice_evidence(AwsAccount(), "eu-west-1")
    assert evidence.found and evidence.source == "cloudwatch"
    assert "GetMetricData" in operations(sim, "cloudwatch")


def test_datapoint_older_than_retention_is_not_evidence(simulator: Any) -> None:
    simulator(scenario({"eu-west-1": {"cloudwatch_voice_spend_days_ago": [500]}}))
    evidence = voice_evidence(AwsAccount(), "eu-west-1")
    assert evidence.found is False


def test_text_spend_is_not_voice_evidence(simulator: Any) -> None:
    simulator(scenario({"eu-west-1": {"cloudwatch_text_spend_days_ago": [2]}}))
    assert voice_evidence(AwsAccount(), "eu-west-1").found is False


def test_cloudtrail_event_is_evidence(simulator: Any) -> None:
    simulator(scenario({"eu-west-1": {"cloudtrail_voice_sends_days_ago": [10]}}))
    evidence = voice_evidence(AwsAccount(), "eu-west-1")

    assert evidence.found is True
    assert evidence.source == "cloudtrail"
    assert "SendVoiceMessage" in evidence.detail
    assert evidence.checked[0].startswith("cloudwatch: no VoiceMessageMonthlySpend datapoints")
    assert evidence.checked[1].startswith("cloudtrail: SendVoiceMessage event at ")


def test_cloudtrail_only_looks_back_90_days(simulator: Any) -> None:
    simulator(scenario({"eu-west-1": {"cloudtrail_voice_sends_days_ago": [120]}}))
    evidence = voice_evidence(AwsAccount(), "eu-west-1")
    assert evidence.found is False
    assert "cloudtrail: no SendVoiceMessage in 90 days" in evidence.checked


def test_cloudtrail_pages_are_followed(simulator: Any) -> None:
    # 60 events > one LookupEvents page of 50: the first page is enough, and is used.
    sends = [1 + i * 0.5 for i in range(60)]
    simulator(scenario({"eu-west-1": {"cloudtrail_voice_sends_days_ago": sends}}))
    evidence = voice_evidence(AwsAccount(), "eu-west-1")
    assert evidence.source == "cloudtrail"


def test_attestation_when_aws_shows_nothing(simulator: Any) -> None:
    simulator(scenario())
    evidence = voice_evidence(AwsAccount(), "eu-west-1", attestation=True)

    assert evidence.found is True
    assert evidence.source == "attestation"
    assert "voice_message_sent" in evidence.detail
    # AWS was still asked first, and said so.
    assert [line.split(":")[0] for line in evidence.checked] == [
        "cloudwatch",
        "cloudtrail",
        "attestation",
    ]


def test_api_evidence_beats_attestation(simulator: Any) -> None:
    simulator(scenario({"eu-west-1": {"voice_messages_sent_days_ago": [5]}}))
    evidence = voice_evidence(AwsAccount(), "eu-west-1", attestation=True)
    assert evidence.source == "cloudwatch"


def test_no_evidence_says_how_to_fix(simulator: Any) -> None:
    simulator(scenario())
    evidence = voice_evidence(AwsAccount(), "eu-west-1")

    assert evidence == VoiceEvidence(False, None, evidence.detail, evidence.checked)
    assert "--send-test-call" in evidence.detail
    assert "voice_message_sent: true" in evidence.detail
    assert evidence.checked == (
        "cloudwatch: no VoiceMessageMonthlySpend datapoints in 455 days",
        "cloudtrail: no SendVoiceMessage in 90 days",
    )


def test_failed_cloudwatch_read_falls_through_to_cloudtrail(simulator: Any) -> None:
    simulator(
        scenario(
            {"eu-west-1": {"voice_messages_sent_days_ago": [5]}},
            faults={"throttle_rate": 1.0, "operations": ["GetMetricData", "ListMetrics"]},
        )
    )
    evidence = voice_evidence(AwsAccount(), "eu-west-1")

    assert evidence.found is True
    assert evidence.source == "cloudtrail"
    assert any("could not read VoiceMessageMonthlySpend" in line for line in evidence.checked)


def test_every_source_failing_is_not_a_crash(simulator: Any) -> None:
    simulator(
        scenario(
            {"eu-west-1": {"voice_messages_sent_days_ago": [5]}},
            faults={"error_rate": 1.0, "operations": ["GetMetricData", "LookupEvents"]},
        )
    )
    evidence = voice_evidence(AwsAccount(), "eu-west-1")

    assert evidence.found is False
    assert any(line.startswith("cloudwatch: could not read") for line in evidence.checked)
    assert any(line.startswith("cloudtrail: could not read") for line in evidence.checked)


def test_now_moves_the_window(simulator: Any) -> None:
    simulator(scenario({"eu-west-1": {"cloudtrail_voice_sends_days_ago": [10]}}))
    # From 30 days ago, the send 10 days ago is in the future: nothing to find.
    earlier = datetime.now(UTC) - timedelta(days=30)
    assert voice_evidence(AwsAccount(), "eu-west-1", now=earlier).found is False


def test_voice_available(simulator: Any) -> None:
    sim = simulator(
        scenario(
            {
                "eu-west-1": {
                    "phone_numbers": ["+12065550100"],
                    "verified_destinations": ["+14255550101"],
                },
                "eu-west-2": {"phone_numbers": ["+12065550100"], "voice_available": False},
            }
        )
    )
    account = AwsAccount()
    assert voice_available(account, "eu-west-1") is True
    assert voice_available(account, "eu-west-2") is False
    assert voice_available(account, "eu-central-1") is None  # no voice number to probe with

    probes = [r for r in sim.requests if r.operation == "SendVoiceMessage"]
    assert probes and all(r.params.get("DryRun") is True for r in probes)
    # A DryRun sends nothing, so it must not create evidence.
    assert voice_evidence(account, "eu-west-1").found is False


def test_builtin_voice_ready_scenario(simulator: Any) -> None:
    simulator("voice-ready")
    account = AwsAccount()
    found = {
        region: voice_evidence(account, region).source
        for region in ("us-east-1", "us-west-2", "eu-west-1")
    }
    assert found == {"us-east-1": "cloudtrail", "us-west-2": "cloudwatch", "eu-west-1": None}
    assert voice_available(account, "eu-west-1") is True
    assert voice_available(account, "ap-southeast-2") is False


def _event(detail: dict[str, Any] | str | None) -> dict[str, Any]:
    import json

    event: dict[str, Any] = {"EventName": "SendVoiceMessage"}
    if detail is not None:
        event["CloudTrailEvent"] = detail if isinstance(detail, str) else json.dumps(detail)
    return event


def test_dry_run_and_refused_calls_are_not_sends() -> None:
    # The filter on the event shape alone (the simulator logs both kinds too, tested below).
    from pinpoint_sandbox.checks.voice_evidence import _is_real_send

    assert _is_real_send(_event({"requestParameters": {"destinationPhoneNumber": "+1"}}))
    assert _is_real_send(_event(None))  # no detail: trust the event name
    assert _is_real_send(_event("not json"))
    assert not _is_real_send(_event({"requestParameters": {"dryRun": True}}))
    assert not _is_real_send(_event({"requestParameters": {"DryRun": "true"}}))
    assert _is_real_send(_event({"requestParameters": {"dryRun": False}}))
    assert _is_real_send(_event({"requestParameters": {"dryRun": "false"}}))
    assert not _is_real_send(_event({"errorCode": "ConflictException"}))


def test_voice_available_without_probe_sends_nothing(simulator: Any) -> None:
    sim = simulator("voice-ready")
    assert voice_available(AwsAccount(), "ap-southeast-2", probe=False) is None
    assert sim.requests == []


def test_simulator_logs_dry_runs_and_refusals_like_cloudtrail(simulator: Any) -> None:
    import json

    simulator(scenario({"eu-west-1": {"phone_numbers": ["+12065550100"],
                                      "verified_destinations": ["+14255550101"]}}))
    client = AwsAccount().client("pinpoint-sms-voice-v2", "eu-west-1")
    client.send_voice_message(DestinationPhoneNumber="+14255550101",
                              OriginationIdentity="+12065550100", DryRun=True)
    try:  # not a verified destination: refused, and still logged
        client.send_voice_message(DestinationPhoneNumber="+14255550199",
                                  OriginationIdentity="+12065550100")
    except Exception as exc:
        assert "ConflictException" in str(exc)
    else:
        raise AssertionError("an unverified destination was accepted in the sandbox")
    trail = AwsAccount().client("cloudtrail", "eu-west-1").lookup_events()["Events"]
    details = [json.loads(e["CloudTrailEvent"]) for e in trail]
    assert len(details) == 2
    assert [d["requestParameters"]["dryRun"] for d in details].count(True) == 1
    assert [d.get("errorCode") for d in details].count("ConflictException") == 1
    assert voice_evidence(AwsAccount(), "eu-west-1").found is False


def test_check_voice_with_only_a_dry_run_in_cloudtrail_is_blocked(simulator: Any) -> None:
    sim = simulator(scenario({"eu-west-1": {"cloudtrail_voice_dry_runs_days_ago": [2]}}))
    run = cli("check", "voice", "-r", "eu-west-1", "--output", "json")
    assert run.exit_code == 3, run
    (row,) = run.json["checks"]
    assert row["status"] == "blocked" and row["voice_evidence"]["found"] is False
    assert "DryRun or failed" in run.stdout  # the check says what it ignored
    assert all(r.operation != "SendVoiceMessage" or r.params.get("DryRun") for r in sim.requests)
