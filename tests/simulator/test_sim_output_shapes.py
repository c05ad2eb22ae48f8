"""Every answer the simulator gives is held to botocore's model: each operation it implements is
called over HTTP in states that fill its optional parts, and every response it produced is
validated against the operation's output shape the way botocore's `Stubber.add_response` does
(`botocore.validate.validate_parameters`: required members, types, unknown keys, lengths), plus
the documented enum values, which the validator leaves alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

ORG_MEMBER = "222222222222"
HUB = "111111111111"
REGION = "eu-west-1"


def _scenario() -> dict[str, Any]:
    region = {
        "phone_numbers": [
            {"number": "+447700900123", "capabilities": ["SMS", "VOICE"],
             "iso_country_code": "GB", "registration_id": "registration-gb"},
        ],
        "verified_destinations": ["+447700900456"],
        "voice_messages_sent_days_ago": [3],
        "cloudtrail_voice_dry_runs_days_ago": [1],
        "cloudwatch_text_spend_days_ago": [2],
        "spend_limits": {"text": 100, "voice": 50, "media": 100, "notify": 10, "rcs": 5},
        "spend_overrides": {"text": 20},
        "sender_ids": [{"sender_id": "EXAMPLECO", "iso_country_code": "IE", "registered": True}],
        "registrations": [{"registration_id": "registration-gb",
                           "registration_type": "US_TOLL_FREE_REGISTRATION",
                           "status": "COMPLETE", "days_ago": 5}],
        "quota_requests": [{"quota": "sms", "status": "CASE_OPENED", "days_ago": 2},
                           {"quota": "voice", "status": "PENDING", "days_ago": 1},
                           {"quota": "text-spend", "status": "APPROVED", "days_ago": 9}],
    }
    return {
        "name": "shapes", "default_account": HUB, "default_region": REGION,
        "organization": {"ous": {"ou-sim0-apps": "r-sim0"}},
        "accounts": [
            {"account_id": HUB, "support_plan": "business", "regions": {REGION: region},
             "support_cases": [{
                 "subject": f"SMS [pinpoint-sandbox sms {REGION} {HUB}]",
                 "status": "pending-customer-action",
                 "communications": [{"body": "Please send the opt-in form.", "by": "aws"}],
             }]},
            {"account_id": ORG_MEMBER, "ou": "ou-sim0-apps", "name": "apps",
             "tags": {"team": "sms"}},
        ],
    }


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, Any]]]:
    """Every successful handler result, as the server is about to encode it."""
    from pinpoint_sandbox.simulator import server
    from pinpoint_sandbox.simulator.api import ApiError

    seen: list[tuple[str, str, Any]] = []
    for service, handlers in server.OPERATIONS.items():
        wrapped = {}
        for operation, handler in handlers.items():
            def record(call: Any, _h: Any = handler, _s: str = service, _o: str = operation) -> Any:
                try:
                    result = _h(call)
                except ApiError as exc:
                    seen.append((_s, _o, exc))
                    raise
                seen.append((_s, _o, result))
                return result
            wrapped[operation] = record
        monkeypatch.setitem(server.OPERATIONS, service, wrapped)
    yield seen


def _quiet(call: Any) -> None:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as exc:  # an answer AWS documents as an error (e.g. DryRunOperation)
        code = exc.response["Error"]["Code"]
        assert code in ("DryRunOperationException", "DryRunOperation"), exc


def _drive(client: Any) -> None:
    """One call (or more, for the states) per operation the simulator implements."""
    _drive_sts_and_sms(client)
    _drive_quotas(client)
    _drive_support(client)
    _drive_monitoring_and_organizations(client)


def _drive_sts_and_sms(client: Any) -> None:
    sts = client("sts", REGION)
    sts.get_caller_identity()
    sts.assume_role(RoleArn=f"arn:aws:iam::{ORG_MEMBER}:role/OrganizationAccountAccessRole",
                    RoleSessionName="shapes")

    sms = client("pinpoint-sms-voice-v2", REGION)
    sms.describe_account_attributes()
    sms.describe_account_limits()
    sms.describe_spend_limits()
    sms.describe_verified_destination_numbers()
    sms.describe_phone_numbers()
    sms.describe_sender_ids()
    sms.describe_registrations()
    sms.send_voice_message(DestinationPhoneNumber="+447700900456",
                           OriginationIdentity="+447700900123", DryRun=True)
    sms.send_voice_message(DestinationPhoneNumber="+447700900456",
                           OriginationIdentity="+447700900123", MessageBody="Test call")
    for kind in ("Text", "Voice", "Media", "Notify", "Rcs"):
        getattr(sms, f"set_{kind.lower()}_message_spend_limit_override")(MonthlyLimit=2)
        getattr(sms, f"delete_{kind.lower()}_message_spend_limit_override")()


def _drive_quotas(client: Any) -> None:
    sq = client("service-quotas", REGION)
    sq.list_services()
    defaults = sq.list_aws_default_service_quotas(ServiceCode="sms-voice")["Quotas"]
    sq.list_service_quotas(ServiceCode="sms-voice")
    for quota in defaults:
        sq.get_service_quota(ServiceCode="sms-voice", QuotaCode=quota["QuotaCode"])
        sq.get_aws_default_service_quota(ServiceCode="sms-voice", QuotaCode=quota["QuotaCode"])
    history = sq.list_requested_service_quota_change_history(ServiceCode="sms-voice")
    for request in history["RequestedQuotas"]:
        sq.get_requested_service_quota_change(RequestId=request["Id"])
        sq.list_requested_service_quota_change_history_by_quota(
            ServiceCode="sms-voice", QuotaCode=request["QuotaCode"])
    voice = next(q for q in defaults if "voice" in q["QuotaName"].lower()
                 and "production" in q["QuotaName"].lower())
    fresh = client("service-quotas", "us-west-2")
    made = fresh.request_service_quota_increase(ServiceCode="sms-voice",
                                                QuotaCode=voice["QuotaCode"], DesiredValue=1)
    fresh.get_requested_service_quota_change(RequestId=made["RequestedQuota"]["Id"])
    pending = next(r for r in history["RequestedQuotas"] if r["Status"] == "PENDING")
    _quiet(lambda: sq.create_support_case(RequestId=pending["Id"]))


def _drive_support(client: Any) -> None:
    support = client("support", "us-east-1")
    support.describe_services()
    support.describe_severity_levels()
    _quiet(lambda: support.create_case(subject="Dry", communicationBody="Dry run",
                                       dryRun=True))
    case_id = support.create_case(subject="Shapes", communicationBody="Filed.")["caseId"]
    attachment_set = support.add_attachments_to_set(
        attachments=[{"fileName": "opt-in.txt", "data": b"opt-in"}])["attachmentSetId"]
    support.add_communication_to_case(caseId=case_id, communicationBody="Here it is.",
                                      attachmentSetId=attachment_set)
    support.describe_cases(includeResolvedCases=True, includeCommunications=True)
    for case in support.describe_cases(includeResolvedCases=True)["cases"]:
        support.describe_communications(caseId=case["caseId"])
    support.resolve_case(caseId=case_id)
    support.describe_cases(caseIdList=[case_id], includeResolvedCases=True)


def _drive_monitoring_and_organizations(client: Any) -> None:
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    cw = client("cloudwatch", REGION)
    for metric in ("VoiceMessageMonthlySpend", "TextMessageMonthlySpend"):
        cw.list_metrics(Namespace="AWS/SMSVoice", MetricName=metric)
        cw.get_metric_statistics(Namespace="AWS/SMSVoice", MetricName=metric,
                                 StartTime=now - dt.timedelta(days=30), EndTime=now,
                                 Period=86400, Statistics=["Maximum"])
        cw.get_metric_data(StartTime=now - dt.timedelta(days=30), EndTime=now,
                           MetricDataQueries=[{"Id": "m", "MetricStat": {
                               "Metric": {"Namespace": "AWS/SMSVoice", "MetricName": metric},
                               "Period": 86400, "Stat": "Maximum"}}])
    client("cloudtrail", REGION).lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "SendVoiceMessage"}])

    org = client("organizations", "us-east-1")
    org.describe_organization()
    org.list_accounts()
    root = org.list_roots()["Roots"][0]["Id"]
    org.list_children(ParentId=root, ChildType="ORGANIZATIONAL_UNIT")
    org.list_accounts_for_parent(ParentId="ou-sim0-apps")
    org.list_tags_for_resource(ResourceId=ORG_MEMBER)


def _drive_the_tool(sim: Any) -> None:
    """The tool's own flows, for the states they reach (filed, asked, answered, approved)."""
    from helpers import SMS_ANSWERS, VOICE_ANSWERS, cli
    from pinpoint_sandbox.simulator.lifecycle import advance

    def run(*args: Any) -> None:
        assert cli(*map(str, args)).exit_code in (0, 3), args

    run("request", "sms", "-a", SMS_ANSWERS, "-r", "ap-south-1", "--yes")
    run("request", "voice", "-a", VOICE_ANSWERS, "-r", REGION, "--yes",
        "--set", "voice_message_sent=true")
    run("request", "sms", "-a", SMS_ANSWERS, "-r", "eu-central-1", "--backend", "support",
        "--yes")
    advance(sim.state, HUB, "eu-central-1", "sms", "ask", "Which countries?")
    run("status", "-r", f"{REGION},ap-south-1,eu-central-1")
    run("reply", f"{HUB}/eu-central-1/sms", "--message", "Ireland and the UK.")
    advance(sim.state, HUB, "ap-south-1", "sms", "approve")
    run("status", "-r", "eu-central-1,ap-south-1")


def _enum_problems(value: Any, shape: Any, path: str) -> list[str]:
    """Strings outside the documented enum (botocore's validator does not check enums)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return [p for key, item in value.items() if key in shape.members
                for p in _enum_problems(item, shape.members[key], f"{path}.{key}")]
    if kind == "list" and isinstance(value, list):
        return [p for i, item in enumerate(value)
                for p in _enum_problems(item, shape.member, f"{path}[{i}]")]
    if kind == "map" and isinstance(value, dict):
        return [p for key, item in value.items()
                for p in _enum_problems(item, shape.value, f"{path}.{key}")]
    enum = getattr(shape, "enum", None) or []
    if kind == "string" and enum and value not in enum:
        return [f"{path}: {value!r} is not one of {enum}"]
    return []


def _plain(value: Any) -> Any:
    """The handler's value as botocore's parser would hand it over: Timestamp → datetime."""
    import datetime as dt

    from pinpoint_sandbox.simulator.cbor import Timestamp

    if isinstance(value, Timestamp):
        return dt.datetime.fromtimestamp(float(value), dt.UTC)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_every_simulator_response_matches_botocore_output_shapes(
    simulator: Any, client: Any, captured: list[tuple[str, str, Any]]
) -> None:
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.stub import Stubber

    from pinpoint_sandbox.simulator.server import OPERATIONS

    sim = simulator(_scenario())
    _drive(client)
    _drive_the_tool(sim)

    implemented = {(s, o) for s, ops in OPERATIONS.items() for o in ops}
    answered = {(s, o) for s, o, r in captured if isinstance(r, dict)}
    assert implemented - answered == set(), "operations the test did not reach"

    session = botocore.session.get_session()
    problems: list[str] = []
    stubs: dict[str, Stubber] = {}
    for service, operation, result in captured:
        if not isinstance(result, dict):
            continue  # errors: the next test
        if service not in stubs:
            stubs[service] = Stubber(session.create_client(
                service, region_name="us-east-1", aws_access_key_id="x",
                aws_secret_access_key="y"))
        stub = stubs[service]
        method = stub.client.meta.method_to_api_mapping
        name = next(m for m, api in method.items() if api == operation)
        try:
            stub.add_response(name, _plain(result))  # validates against the output shape
        except ParamValidationError as exc:
            problems.append(f"{service}.{operation}: {exc}")
        shape = stub.client.meta.service_model.operation_model(operation).output_shape
        if shape is not None:
            problems += [f"{service}.{operation}: {p}"
                         for p in _enum_problems(result, shape, operation)]
    assert problems == [], "\n".join(sorted(set(problems)))


def test_the_shape_check_catches_a_deviation() -> None:
    """The mechanism itself fails on what AWS would never send."""
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.stub import Stubber

    stub = Stubber(botocore.session.get_session().create_client(
        "service-quotas", region_name="us-east-1", aws_access_key_id="x",
        aws_secret_access_key="y"))
    with pytest.raises(ParamValidationError):
        stub.add_response("get_requested_service_quota_change",
                          {"RequestedQuota": {"CaseId": 10000000}})  # a number, not a string
    with pytest.raises(ParamValidationError):
        stub.add_response("get_requested_service_quota_change", {"Unknown": 1})
    model = botocore.session.get_session().get_service_model("service-quotas")
    shape = model.operation_model("GetRequestedServiceQuotaChange").output_shape
    assert _enum_problems({"RequestedQuota": {"Status": "WAITING"}}, shape, "x")


# Errors any AWS API may answer (botocore's models list only each operation's own).
COMMON_ERRORS = frozenset({
    "ThrottlingException", "Throttling", "ValidationException", "ValidationError",
    "InternalFailure", "InternalServerError", "ServiceUnavailable", "AccessDeniedException",
    "AccessDenied", "UnrecognizedClientException", "InvalidClientTokenId",
    "SerializationException", "UnknownOperationException", "InvalidAction",
    "MissingRequiredParameterException", "DryRunOperationException", "InvalidParameterValue",
})


def _drive_errors(client: Any) -> None:
    from botocore.exceptions import ClientError

    def refused(call: Any) -> None:
        with pytest.raises(ClientError):
            call()

    support = client("support", "us-east-1")
    refused(lambda: support.describe_cases(caseIdList=["case-000000000000-nope"]))
    refused(lambda: support.describe_communications(caseId="case-000000000000-nope"))
    refused(lambda: support.add_communication_to_case(caseId="case-000000000000-nope",
                                                      communicationBody="x"))
    refused(lambda: support.add_communication_to_case(
        caseId=support.describe_cases()["cases"][0]["caseId"], communicationBody="x" * 8001))
    refused(lambda: support.add_communication_to_case(
        caseId=support.describe_cases()["cases"][0]["caseId"], communicationBody="x",
        attachmentSetId="nope"))
    refused(lambda: support.create_case(subject="s", communicationBody="x" * 8001))
    sms = client("pinpoint-sms-voice-v2", REGION)
    refused(lambda: sms.send_voice_message(DestinationPhoneNumber="+447700900999",
                                           OriginationIdentity="+447700900123"))
    refused(lambda: sms.send_voice_message(DestinationPhoneNumber="+447700900456",
                                           OriginationIdentity="+15550000000"))
    sq = client("service-quotas", REGION)
    refused(lambda: sq.get_requested_service_quota_change(RequestId="nope"))
    refused(lambda: sq.get_service_quota(ServiceCode="sms-voice", QuotaCode="L-NOPE"))
    voice = next(q for q in sq.list_service_quotas(ServiceCode="sms-voice")["Quotas"]
                 if q["QuotaName"].lower().startswith("voice production"))
    refused(lambda: sq.request_service_quota_increase(
        ServiceCode="sms-voice", QuotaCode=voice["QuotaCode"], DesiredValue=1))
    org = client("organizations", "us-east-1")
    refused(lambda: org.list_accounts_for_parent(ParentId="ou-sim0-nope"))
    refused(lambda: org.list_tags_for_resource(ResourceId="333333333333"))


def test_every_simulator_error_is_one_botocore_models(
    simulator: Any, client: Any, captured: list[tuple[str, str, Any]]
) -> None:
    import botocore.session
    from botocore.exceptions import ParamValidationError
    from botocore.stub import Stubber

    simulator(_scenario())
    _drive_errors(client)
    session = botocore.session.get_session()
    errors = [(s, o, e) for s, o, e in captured if not isinstance(e, dict)]
    assert len(errors) >= 12
    problems = []
    for service, operation, err in errors:
        model = session.get_service_model(service)
        modeled = {shape.error_code for shape in model.error_shapes}
        if err.code not in modeled | COMMON_ERRORS:
            problems.append(f"{service}.{operation}: {err.code} is not an error of {service}")
            continue
        if err.fields and err.code in modeled:
            stub = Stubber(session.create_client(service, region_name="us-east-1",
                                                 aws_access_key_id="x",
                                                 aws_secret_access_key="y"))
            try:
                stub.add_client_error(
                    next(m for m, api in stub.client.meta.method_to_api_mapping.items()
                         if api == operation),
                    service_error_code=err.code, modeled_fields=err.fields)
            except ParamValidationError as exc:
                problems.append(f"{service}.{operation} {err.code}: {exc}")
    assert problems == [], "\n".join(sorted(set(problems)))


def _missing_keys(example: Any, ours: Any, path: str) -> list[str]:
    """Keys botocore's example answer has that ours lacks (lists: their first items)."""
    if isinstance(example, dict) and isinstance(ours, dict):
        return [p for key, value in example.items()
                for p in ([f"{path}.{key}"] if key not in ours
                          else _missing_keys(value, ours[key], f"{path}.{key}"))]
    if isinstance(example, list) and isinstance(ours, list) and example and ours:
        return _missing_keys(example[0], ours[0], f"{path}[0]")
    return []


# Example keys the model documents as deprecated ("Do not use").
DEPRECATED = frozenset({"organizations.DescribeOrganization.Organization.AvailablePolicyTypes"})


def test_simulator_answers_carry_what_botocore_examples_show(
    simulator: Any, client: Any, captured: list[tuple[str, str, Any]]
) -> None:
    """examples-1.json (sts, organizations have them): every key an example answer shows,
    the simulator's answer shows too."""
    import botocore.session

    simulator(_scenario())
    _drive(client)
    loader = botocore.session.get_session().get_component("data_loader")
    problems: list[str] = []
    checked = 0
    for service, operation, result in captured:
        if not isinstance(result, dict):
            continue
        examples = loader.load_service_model(service, "examples-1").get("examples", {})
        for example in examples.get(operation, []):
            if example.get("output"):
                checked += 1
                problems += [p for p in _missing_keys(example["output"], result,
                                                      f"{service}.{operation}")
                             if p not in DEPRECATED]
    assert checked >= 6
    assert problems == [], "\n".join(sorted(set(problems)))
