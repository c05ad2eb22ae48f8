from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

SMS_QUOTA = "L-5BD4E1A9"


def _names(quotas: list[dict[str, Any]]) -> list[str]:
    return [q["QuotaName"] for q in quotas]


def test_list_services_paginates(simulator: Any, client: Any) -> None:
    simulator()
    sq = client("service-quotas", "eu-west-1")
    first = sq.list_services(MaxResults=3)
    assert len(first["Services"]) == 3 and first["NextToken"]
    pages = sq.get_paginator("list_services").paginate(PaginationConfig={"PageSize": 3})
    services = {s["ServiceCode"]: s["ServiceName"] for p in pages for s in p["Services"]}
    assert services["sms-voice"] == "AWS End User Messaging SMS and Voice"
    assert len(services) >= 5


def test_quotas_include_production_access_by_default(simulator: Any, client: Any) -> None:
    simulator()
    sq = client("service-quotas", "eu-west-1")
    defaults = sq.list_aws_default_service_quotas(ServiceCode="sms-voice")["Quotas"]
    applied = sq.list_service_quotas(ServiceCode="sms-voice")["Quotas"]
    for quotas in (defaults, applied):
        assert _names(quotas) == ["SMS production access", "Voice production access",
                                  "TextMessageMonthlySpend", "VoiceMessageMonthlySpend",
                                  "MediaMessageMonthlySpend"]
        assert all(q["Adjustable"] and q["QuotaCode"].startswith("L-") for q in quotas)


def test_production_access_quotas_knob(simulator: Any, client: Any) -> None:
    simulator({"name": "t", "accounts": [{"account_id": "123412341234",
                                          "production_access_quotas": False}]})
    quotas = client("service-quotas").list_service_quotas(ServiceCode="sms-voice")["Quotas"]
    assert _names(quotas) == ["TextMessageMonthlySpend", "VoiceMessageMonthlySpend",
                              "MediaMessageMonthlySpend"]
    with pytest.raises(ClientError) as info:
        client("service-quotas").request_service_quota_increase(
            ServiceCode="sms-voice", QuotaCode=SMS_QUOTA, DesiredValue=1)
    assert info.value.response["Error"]["Code"] == "NoSuchResourceException"


def test_request_once_then_already_exists(simulator: Any, client: Any) -> None:
    sim = simulator()
    sq = client("service-quotas", "eu-west-1")
    requested = sq.request_service_quota_increase(
        ServiceCode="sms-voice", QuotaCode=SMS_QUOTA, DesiredValue=1)["RequestedQuota"]
    # AWS's first answer: PENDING, no CaseId. The case opens later, named by its display id.
    assert requested["Status"] == "PENDING" and "CaseId" not in requested
    assert requested["Created"].year >= 2026  # parsed by botocore as a datetime
    opened = sq.get_requested_service_quota_change(RequestId=requested["Id"])["RequestedQuota"]
    assert opened["Status"] == "CASE_OPENED" and opened["CaseId"].isdigit()
    [case] = [c for c in sim.state.cases("111122223333") if c["displayId"] == opened["CaseId"]]
    assert case["caseId"].startswith("case-111122223333-2026-")  # the Support API's own id
    with pytest.raises(ClientError) as info:
        sq.request_service_quota_increase(
            ServiceCode="sms-voice", QuotaCode=SMS_QUOTA, DesiredValue=1)
    assert info.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert "Only one open service quota increase request" in str(info.value)
    # Another region is another target: allowed.
    client("service-quotas", "eu-central-1").request_service_quota_increase(
        ServiceCode="sms-voice", QuotaCode=SMS_QUOTA, DesiredValue=1)
    requests = sim.state.quota_requests("111122223333")
    assert sorted(r["Region"] for r in requests) == ["eu-central-1", "eu-west-1"]
    # The case AWS opens carries the region.
    case = next(c for c in sim.state.cases("111122223333") if c["caseId"] == case["caseId"])
    assert "eu-west-1" in case["subject"] and "eu-west-1" in case["communications"][0]["body"]


def test_history_and_get(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    sq = client("service-quotas", "eu-west-1")
    history = sq.list_requested_service_quota_change_history_by_quota(
        ServiceCode="sms-voice", QuotaCode=SMS_QUOTA)["RequestedQuotas"]
    assert [(q["QuotaName"], q["Status"]) for q in history] == [
        ("SMS production access", "CASE_OPENED")]
    assert sq.list_requested_service_quota_change_history_by_quota(
        ServiceCode="sms-voice", QuotaCode=SMS_QUOTA, Status="APPROVED")["RequestedQuotas"] == []
    everything = sq.list_requested_service_quota_change_history(ServiceCode="sms-voice")
    assert [q["Id"] for q in everything["RequestedQuotas"]] == [history[0]["Id"]]
    got = sq.get_requested_service_quota_change(RequestId=history[0]["Id"])["RequestedQuota"]
    assert got["CaseId"] == history[0]["CaseId"]
    # Other regions see nothing.
    assert client("service-quotas", "us-east-1").list_requested_service_quota_change_history(
        ServiceCode="sms-voice")["RequestedQuotas"] == []
    with pytest.raises(ClientError) as info:
        sq.get_requested_service_quota_change(RequestId="nope")
    assert info.value.response["Error"]["Code"] == "NoSuchResourceException"
    with pytest.raises(ClientError) as info:  # the seeded request is still open
        sq.request_service_quota_increase(ServiceCode="sms-voice", QuotaCode=SMS_QUOTA,
                                          DesiredValue=1)
    assert info.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"


def test_create_support_case_for_pending_request(simulator: Any, client: Any) -> None:
    sim = simulator()
    sq = client("service-quotas", "eu-west-1")
    pending = sq.request_service_quota_increase(
        ServiceCode="sms-voice", QuotaCode=SMS_QUOTA, DesiredValue=1,
        SupportCaseAllowed=False)["RequestedQuota"]
    assert pending["Status"] == "PENDING" and "CaseId" not in pending
    assert sim.state.cases("111122223333") == []
    sq.create_support_case(RequestId=pending["Id"])
    after = sq.get_requested_service_quota_change(RequestId=pending["Id"])["RequestedQuota"]
    assert after["Status"] == "CASE_OPENED" and after["CaseId"]
    assert [c["displayId"] for c in sim.state.cases("111122223333")] == [after["CaseId"]]
    with pytest.raises(ClientError) as info:
        sq.create_support_case(RequestId=pending["Id"])
    assert info.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"


def test_unknown_service_and_quota(simulator: Any, client: Any) -> None:
    simulator()
    sq = client("service-quotas")
    with pytest.raises(ClientError) as info:
        sq.list_service_quotas(ServiceCode="no-such-service")
    assert info.value.response["Error"]["Code"] == "NoSuchResourceException"
    with pytest.raises(ClientError) as info:
        sq.request_service_quota_increase(ServiceCode="sms-voice", QuotaCode="L-00000000",
                                          DesiredValue=1)
    assert info.value.response["Error"]["Code"] == "NoSuchResourceException"
