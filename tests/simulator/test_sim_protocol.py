from __future__ import annotations

import contextlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sim_http import AUTH, raw_json, raw_post

SMS_QUOTA = "L-5BD4E1A9"


def _faulty(**faults: Any) -> dict[str, Any]:
    return {"name": "faulty", "accounts": [{"account_id": "123412341234",
                                             "support_plan": "business"}], "faults": faults}


def _json_headers(target: str, version: str = "1.0") -> dict[str, str]:
    return {"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}",
            "Authorization": AUTH.format(service="sms-voice")}


def test_unknown_operation_of_known_service(simulator: Any) -> None:
    sim = simulator()
    status, _, body = raw_post(sim.url, b"{}", _json_headers("PinpointSMSVoiceV2.DeleteEverything"))
    assert status == 400
    assert json.loads(body)["__type"] == "UnknownOperationException"
    assert sim.requests[-1].error_code == "UnknownOperationException"


def test_unknown_target_prefix(simulator: Any) -> None:
    sim = simulator()
    status, _, body = raw_post(sim.url, b"{}", _json_headers("DynamoDB_20120810.ListTables"))
    assert status == 400
    assert "DynamoDB_20120810" in json.loads(body)["message"]


def test_malformed_json(simulator: Any) -> None:
    sim = simulator()
    status, _, body = raw_post(sim.url, b"{not json",
                               _json_headers("PinpointSMSVoiceV2.DescribeSpendLimits"))
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"
    assert sim.requests[-1].error_code == "SerializationException"


def test_unroutable_request(simulator: Any) -> None:
    sim = simulator()
    status, _, body = raw_post(sim.url, b"hello", {"Content-Type": "text/plain"})
    assert status == 400 and b"InvalidAction" in body


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("pinpoint-sms-voice-v2", lambda c: c.describe_spend_limits(), "ThrottlingException"),
        ("service-quotas", lambda c: c.list_services(), "TooManyRequestsException"),
        ("sts", lambda c: c.get_caller_identity(), "Throttling"),
        ("cloudwatch", lambda c: c.list_metrics(), "Throttling"),
    ],
)
def test_throttling_surfaces_after_retries(simulator: Any, client: Any, service: str,
                                           call: Any, code: str) -> None:
    sim = simulator(_faulty(throttle_rate=1.0))
    with pytest.raises(ClientError) as info:
        call(client(service, attempts=2))
    assert info.value.response["Error"]["Code"] == code
    assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [r.error_code for r in sim.requests] == [code, code]


def test_server_errors_are_retried(simulator: Any, client: Any) -> None:
    sim = simulator(_faulty(error_rate=1.0))
    with pytest.raises(ClientError) as info:
        client("support", attempts=2).describe_severity_levels()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert [r.status for r in sim.requests] == [500, 500]


def test_faults_limited_to_operations(simulator: Any, client: Any) -> None:
    sim = simulator(_faulty(throttle_rate=1.0, operations=["ListServices"]))
    assert client("pinpoint-sms-voice-v2").describe_spend_limits()["SpendLimits"]
    with pytest.raises(ClientError):
        client("service-quotas").list_services()
    assert [r.status for r in sim.requests] == [200, 400]


def test_seeded_faults_are_reproducible(simulator: Any, client: Any) -> None:
    outcomes = []
    for _ in range(2):
        sim = simulator(_faulty(throttle_rate=0.5, seed=7))
        sms = client("pinpoint-sms-voice-v2")
        for _call in range(8):
            with contextlib.suppress(ClientError):
                sms.describe_spend_limits()
        outcomes.append([r.status for r in sim.requests])
    assert outcomes[0] == outcomes[1] and {200, 400} == set(outcomes[0])


def test_lose_response_performs_the_write(simulator: Any, client: Any) -> None:
    sim = simulator(_faulty(lose_response={"RequestServiceQuotaIncrease": 1}))
    sq = client("service-quotas", "eu-west-1", attempts=2)
    with pytest.raises(ClientError) as info:
        sq.request_service_quota_increase(ServiceCode="sms-voice", QuotaCode=SMS_QUOTA,
                                          DesiredValue=1)
    # First attempt: done, answered 500. The retry finds the open request.
    assert info.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert [(r.status, r.error_code) for r in sim.write_calls()] == [
        (500, "LostResponse"), (400, "ResourceAlreadyExistsException")]
    assert len(sim.state.quota_requests("123412341234")) == 1
    # Only the next N calls lose their response.
    other = client("service-quotas", "eu-central-1").request_service_quota_increase(
        ServiceCode="sms-voice", QuotaCode=SMS_QUOTA, DesiredValue=1)
    assert other["RequestedQuota"]["Status"] == "PENDING"  # answered: AWS's first status


def test_control_endpoints(simulator: Any, client: Any) -> None:
    sim = simulator()
    client("sts").get_caller_identity()
    requests = raw_json(sim.url, "/_simulator/requests")
    assert [r["operation"] for r in requests] == ["GetCallerIdentity"]
    state = raw_json(sim.url, "/_simulator/state")
    assert "111122223333" in state["accounts"]
    assert raw_json(sim.url, "/_simulator/reset", method="POST") == {"reset": True}
    assert sim.requests == []


def test_concurrent_burst(simulator: Any, client: Any) -> None:
    sim = simulator()
    clients = [client("pinpoint-sms-voice-v2", region) for region in
               ("us-east-1", "eu-west-1", "eu-central-1", "ap-south-1")] * 5
    barrier = threading.Barrier(len(clients))

    def call(c: Any) -> str:
        barrier.wait()
        return str(c.describe_account_attributes()["AccountAttributes"][0]["Value"])

    with ThreadPoolExecutor(len(clients)) as pool:
        tiers = list(pool.map(call, clients))
    assert tiers == ["SANDBOX"] * 20
    assert len(sim.requests) == 20


def test_malformed_cbor(simulator: Any) -> None:
    sim = simulator()
    status, headers, body = raw_post(
        sim.url + "/service/GraniteServiceVersion20100801/operation/ListMetrics", b"\xbf\x61",
        {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor",
         "Authorization": AUTH.format(service="monitoring")})
    assert status == 400 and headers.get("smithy-protocol") == "rpc-v2-cbor"
    assert b"SerializationException" in body
