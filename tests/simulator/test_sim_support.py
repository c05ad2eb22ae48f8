from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "444455556666"


def _case(support: Any, **overrides: Any) -> str:
    params = {"subject": "Production access [pinpoint-sandbox sms eu-west-1 444455556666]",
              "communicationBody": "Region: eu-west-1", "serviceCode": "service-limit-increase",
              "categoryCode": "service-code-pinpoint-sms", "language": "en",
              "issueType": "service-limit-increase", **overrides}
    return str(support.create_case(**params)["caseId"])


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


@pytest.mark.parametrize("plan", ["basic", "developer"])
def test_subscription_required_on_every_operation(simulator: Any, client: Any,
                                                  plan: str) -> None:
    simulator({"name": "t", "accounts": [{"account_id": "123412341234", "support_plan": plan}]})
    support = client("support")
    calls = [support.describe_severity_levels, support.describe_services,
             support.describe_cases, lambda: _case(support),
             lambda: support.resolve_case(caseId="case-x")]
    for call in calls:
        with pytest.raises(ClientError) as info:
            call()
        assert _code(info) == "SubscriptionRequiredException"
        assert "Premium Support Subscription is required" in str(info.value)


def test_describe_services_and_severity(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    support = client("support")
    services = support.describe_services(serviceCodeList=["service-limit-increase"])["services"]
    assert [s["code"] for s in services] == ["service-limit-increase"]
    categories = {c["code"]: c["name"] for c in services[0]["categories"]}
    assert categories["service-code-pinpoint-sms"] == "AWS End User Messaging SMS (Pinpoint)"
    assert categories["pinpoint-voice"] == "AWS End User Messaging Voice (Pinpoint)"
    assert len(support.describe_services()["services"]) > 1
    levels = [s["code"] for s in support.describe_severity_levels()["severityLevels"]]
    assert levels[0] == "low" and "urgent" in levels


def test_create_case_stored_and_described(simulator: Any, client: Any) -> None:
    sim = simulator("business-mixed")
    support = client("support")
    case_id = _case(support, ccEmailAddresses=["ops@example.com"])
    assert case_id.startswith(f"case-{ACCOUNT}-2026-") and len(case_id.rsplit("-", 1)[1]) == 16
    stored = next(c for c in sim.state.cases(ACCOUNT) if c["caseId"] == case_id)
    assert stored["status"] == "opened" and stored["ccEmailAddresses"] == ["ops@example.com"]
    cases = support.describe_cases(caseIdList=[case_id])["cases"]
    assert cases[0]["subject"].endswith("[pinpoint-sandbox sms eu-west-1 444455556666]")
    assert cases[0]["displayId"].isdigit()
    body = cases[0]["recentCommunications"]["communications"][0]["body"]
    assert body == "Region: eu-west-1"
    assert "recentCommunications" not in support.describe_cases(
        caseIdList=[case_id], includeCommunications=False)["cases"][0]


@pytest.mark.parametrize(
    "overrides",
    [
        {"serviceCode": "no-such-service"},
        {"categoryCode": "no-such-category"},
        {"communicationBody": "x" * 8001},
        {"severityCode": "apocalyptic"},
    ],
)
def test_create_case_validation(simulator: Any, client: Any, overrides: dict[str, Any]) -> None:
    simulator("business-mixed")
    with pytest.raises(ClientError) as info:
        _case(client("support"), **overrides)
    assert _code(info) == "InvalidParameterValue"


def test_case_creation_limit(simulator: Any, client: Any) -> None:
    sim = simulator("business-mixed")
    support = client("support")
    for n in range(10):
        _case(support, subject=f"case {n}")
    with pytest.raises(ClientError) as info:
        _case(support, subject="case 11")
    assert _code(info) == "CaseCreationLimitExceeded"
    assert "10 cases per hour" in str(info.value)
    # The quota-request case seeded by the scenario does not count; 10 API cases were stored.
    assert sum(c["origin"] == "support-api" for c in sim.state.cases(ACCOUNT)) == 10


def test_describe_cases_pagination_and_filters(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    support = client("support")
    ids = [_case(support, subject=f"case {n}") for n in range(10)]
    support.resolve_case(caseId=ids[0])
    # 9 open API cases + the case of the seeded eu-west-1 quota request
    page = support.describe_cases(maxResults=10)
    assert len(page["cases"]) == 10 and "nextToken" not in page
    everything = support.get_paginator("describe_cases").paginate(
        includeResolvedCases=True, PaginationConfig={"PageSize": 10})
    pages = list(everything)
    assert len(pages) == 2
    found = [c["caseId"] for p in pages for c in p["cases"]]
    assert len(found) == 11 and set(ids) <= set(found)
    recent = support.describe_cases(afterTime="2099-01-01T00:00:00Z")["cases"]
    assert recent == []


def test_communications_and_resolve(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    support = client("support")
    case_id = _case(support)
    assert support.add_communication_to_case(caseId=case_id,
                                             communicationBody="More detail")["result"] is True
    comms = support.describe_cases(caseIdList=[case_id])["cases"][0]["recentCommunications"]
    assert [c["body"] for c in comms["communications"]] == ["More detail", "Region: eu-west-1"]
    resolved = support.resolve_case(caseId=case_id)
    assert resolved == {**resolved, "initialCaseStatus": "opened", "finalCaseStatus": "resolved"}
    with pytest.raises(ClientError) as info:
        support.add_communication_to_case(caseId="case-nope", communicationBody="x")
    assert _code(info) == "CaseIdNotFound"


def test_quota_request_case_visible_in_support(simulator: Any, client: Any) -> None:
    simulator("business-mixed")
    cases = client("support").describe_cases()["cases"]
    assert len(cases) == 1
    assert cases[0]["categoryCode"] == "service-code-pinpoint-sms"
    assert "eu-west-1" in cases[0]["subject"]


def test_communications_order_and_page_size_from_the_environment(
    simulator: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AWS documents neither: `simulator serve` can be told to list oldest first, two a page.
    monkeypatch.setenv("PINPOINT_SANDBOX_SIM_COMMUNICATIONS_ORDER", "oldest_first")
    monkeypatch.setenv("PINPOINT_SANDBOX_SIM_COMMUNICATIONS_PAGE_SIZE", "2")
    simulator({"name": "order", "accounts": [{
        "account_id": "111111111111", "support_plan": "business",
        "support_cases": [{"subject": "s", "days_ago": 3, "communications": [
            {"body": f"message {i}", "days_ago": 2 - i * 0.5} for i in range(3)]}],
    }]})
    support = client("support")
    case_id = support.describe_cases()["cases"][0]["caseId"]
    first = support.describe_communications(caseId=case_id, maxResults=10)
    assert len(first["communications"]) == 2 and first["nextToken"]
    rest = support.describe_communications(caseId=case_id, maxResults=10,
                                           nextToken=first["nextToken"])
    bodies = [c["body"] for c in first["communications"] + rest["communications"]]
    assert bodies[1:] == ["message 0", "message 1", "message 2"]  # after the opening body
    assert "nextToken" not in rest
