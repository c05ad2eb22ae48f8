from __future__ import annotations

import datetime
from typing import Any

import botocore.model
import pytest

NOW = datetime.datetime.now(datetime.UTC)
VOICE_METRIC = {"Namespace": "AWS/SMSVoice", "MetricName": "VoiceMessageMonthlySpend"}


def _voice_datapoints(cw: Any, days: int = 455) -> list[Any]:
    result = cw.get_metric_data(
        MetricDataQueries=[{"Id": "voice", "MetricStat": {"Metric": VOICE_METRIC,
                                                          "Period": 86400, "Stat": "Maximum"}}],
        StartTime=NOW - datetime.timedelta(days=days), EndTime=NOW,
    )["MetricDataResults"]
    assert [r["Id"] for r in result] == ["voice"]
    return list(result[0]["Timestamps"])


def _voice_events(ct: Any) -> list[Any]:
    return list(ct.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "SendVoiceMessage"}])["Events"])


def test_evidence_differs_by_region(simulator: Any, client: Any) -> None:
    simulator("voice-ready")
    assert len(_voice_events(client("cloudtrail", "us-east-1"))) == 1
    assert _voice_datapoints(client("cloudwatch", "us-east-1")) == []
    assert _voice_events(client("cloudtrail", "us-west-2")) == []
    stamps = _voice_datapoints(client("cloudwatch", "us-west-2"))
    assert len(stamps) == 1 and isinstance(stamps[0], datetime.datetime)
    assert _voice_events(client("cloudtrail", "eu-west-1")) == []
    assert _voice_datapoints(client("cloudwatch", "eu-west-1")) == []


def test_cloudwatch_retention_and_list_metrics(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    cw = client("cloudwatch", "us-east-1")
    assert len(_voice_datapoints(cw)) == 2  # 12 and 200 days ago
    assert len(_voice_datapoints(cw, days=30)) == 1
    # ListMetrics hides metrics without data in the last 14 days: voice (12 days) shows,
    listed = cw.list_metrics(Namespace="AWS/SMSVoice")["Metrics"]
    assert sorted(m["MetricName"] for m in listed) == ["TextMessageMonthlySpend",
                                                       "VoiceMessageMonthlySpend"]
    simulator({"name": "old", "accounts": [{"account_id": "123412341234", "region_defaults": {
        "cloudwatch_voice_spend_days_ago": [20, 500]}}]})
    cw = client("cloudwatch", "us-east-1")
    assert cw.list_metrics(Namespace="AWS/SMSVoice")["Metrics"] == []  # 20 days: hidden
    assert len(_voice_datapoints(cw)) == 1  # 500 days: past the 15-month retention


def test_cloudtrail_retention_time_range_and_pagination(simulator: Any, client: Any) -> None:
    simulator({"name": "ct", "accounts": [{"account_id": "123412341234", "region_defaults": {
        "cloudtrail_voice_sends_days_ago": [1, 2, 3, 100]}}]})
    ct = client("cloudtrail", "us-east-1")
    assert len(_voice_events(ct)) == 3  # 100 days ago is past LookupEvents' 90 days
    window = ct.lookup_events(StartTime=NOW - datetime.timedelta(days=1.5), EndTime=NOW)
    assert len(window["Events"]) == 1
    pages = list(ct.get_paginator("lookup_events").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["Events"]) for p in pages] == [2, 1]
    assert ct.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "CreateCase"}])["Events"] == []


def test_get_metric_statistics(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    points = client("cloudwatch", "eu-west-1").get_metric_statistics(
        **VOICE_METRIC, StartTime=NOW - datetime.timedelta(days=30), EndTime=NOW,
        Period=86400, Statistics=["Maximum", "SampleCount"])["Datapoints"]
    assert len(points) == 1 and points[0]["SampleCount"] == 1.0


@pytest.mark.parametrize("protocol", ["smithy-rpc-v2-cbor", "query", "json"])
def test_cloudwatch_every_protocol_botocore_may_pick(
    simulator: Any, client: Any, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    # botocore 1.44.8 picks JSON 1.0 from the model's list; newer ones may prefer CBOR.
    others = [p for p in ("json", "smithy-rpc-v2-cbor", "query") if p != protocol]
    monkeypatch.setattr(botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS",
                        (protocol, *others))
    sim = simulator("business-mixed")
    cw = client("cloudwatch", "us-east-1")
    assert cw.meta.service_model.resolved_protocol == protocol
    stamps = _voice_datapoints(cw)
    assert len(stamps) == 2 and stamps[0] > stamps[1]
    assert len(cw.list_metrics(Namespace="AWS/SMSVoice")["Metrics"]) == 2
    assert sim.requests[-1].operation == "ListMetrics" and sim.requests[-1].status == 200
