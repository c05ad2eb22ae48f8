"""Operations of sts, pinpoint-sms-voice-v2, service-quotas and support, over SimulatorState.

Each handler takes a `Call` and returns the response dict in the shape of the botocore model,
or raises `ApiError`. The server holds the state lock around each call, so handlers mutate freely.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pinpoint_sandbox.simulator.api import ApiError, Call, Handler, paginate, require, ts
from pinpoint_sandbox.simulator.lifecycle import apply_timeline
from pinpoint_sandbox.simulator.state import (
    DAY,
    OPEN_QUOTA_STATUSES,
    PRODUCTION_ACCESS_QUOTAS,
    QUOTAS,
    SMS_VOICE_SERVICE_CODE,
    SMS_VOICE_SERVICE_NAME,
    SPEND_OVERRIDE_WRITES,
    new_id,
)

# ------------------------------------------------------------------------------------ sts

MEMBER_ACCESS_ROLE = "OrganizationAccountAccessRole"
_ROLE_ARN = re.compile(
    r"^arn:aws(?:-[a-z-]+)?:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")


def sts_get_caller_identity(call: Call) -> dict[str, Any]:
    return {
        "UserId": (call.access_key or "AIDASIMULATOR") + ":simulator",
        "Account": call.account_id,
        "Arn": call.state.caller_arn(call.account_id, call.access_key),
    }


def sts_assume_role(call: Call) -> dict[str, Any]:
    require(call, "RoleArn", "RoleSessionName")
    role_arn = str(call.params["RoleArn"])
    session_name = str(call.params["RoleSessionName"])
    match = _ROLE_ARN.match(role_arn)
    if not match:
        raise ApiError("ValidationError", f"{role_arn} is invalid")
    account_id, role_name = match.groups()
    spec = call.state.scenario.account(account_id)
    denied = ApiError(
        "AccessDenied",
        f"User: {call.state.caller_arn(call.account_id, call.access_key)} is not authorized to "
        f"perform: sts:AssumeRole on resource: {role_arn}",
        status=403,
    )
    if spec is None or spec.role_missing or spec.state != "ACTIVE":
        raise denied  # no such role, or a suspended account: AWS answers AccessDenied
    if not ({"*", role_name} & set(spec.assumable_roles)):
        raise denied
    org = call.state.scenario.organization
    if (org is not None and account_id == org.management_account
            and role_name == MEMBER_ACCESS_ROLE):
        raise denied  # AWS creates this role only in member accounts, never the management's
    duration = int(call.params.get("DurationSeconds") or 3600)
    if duration > 3600 and ":assumed-role/" in call.state.caller_arn(call.account_id,
                                                                      call.access_key):
        raise ApiError("ValidationError", "The requested DurationSeconds exceeds the 1 hour "
                       "session limit for roles assumed by role chaining.")
    access_key = f"ASIASIM{account_id}{new_id(8).upper()}"
    arn = f"arn:{spec.partition}:sts::{account_id}:assumed-role/{role_name}/{session_name}"
    call.state.data["sessions"][access_key] = {"account_id": account_id, "arn": arn}
    return {
        "Credentials": {
            "AccessKeyId": access_key,
            "SecretAccessKey": "simulator-secret-" + new_id(24),
            "SessionToken": "simulator-session-" + new_id(48),
            "Expiration": ts(call.now + duration),
        },
        "AssumedRoleUser": {"AssumedRoleId": f"AROASIM{account_id}:{session_name}", "Arn": arn},
        "PackedPolicySize": 0,
    }


# ------------------------------------------------------------------------ sms-voice v2

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
ACCOUNT_LIMIT_MAX = {
    "PHONE_NUMBERS": 10,
    "POOLS": 4,
    "CONFIGURATION_SETS": 25,
    "OPT_OUT_LISTS": 25,
    "SENDER_IDS": 100,
    "REGISTRATIONS": 5,
    "REGISTRATION_ATTACHMENTS": 50,
    "VERIFIED_DESTINATION_NUMBERS": 10,
}
VOICE_DAILY_LIMIT = 20
VOICE_PER_RECIPIENT_LIMIT = 5


def _filters(call: Call, allowed: dict[str, str]) -> list[tuple[str, set[str]]]:
    """Filters as (record key, accepted values); unknown filter names are a ValidationException."""
    found = []
    for item in call.params.get("Filters") or []:
        name = item.get("Name")
        if name not in allowed:
            raise ApiError(
                "ValidationException",
                f"Invalid filter name {name!r}; valid names: {', '.join(sorted(allowed))}",
                Reason="INVALID_FILTER_VALUES",
            )
        found.append((allowed[name], {str(v) for v in item.get("Values") or []}))
    return found


def _matches(record: dict[str, Any], filters: list[tuple[str, set[str]]]) -> bool:
    """Case-insensitive: a record matches when, for every filter, one of its values is wanted."""
    for key, wanted in filters:
        value = record.get(key)
        have = value if isinstance(value, list) else [value]
        if not {str(v).lower() for v in have} & {w.lower() for w in wanted}:
            return False
    return True


def smsv_describe_account_attributes(call: Call) -> dict[str, Any]:
    apply_timeline(call.state, call.now)
    return {"AccountAttributes": [{"Name": "ACCOUNT_TIER", "Value": call.region_state()["tier"]}]}


def smsv_describe_spend_limits(call: Call) -> dict[str, Any]:
    region = call.region_state()
    overrides = region.get("spend_overrides", {})
    items = [
        {
            "Name": name,
            "EnforcedLimit": int(overrides.get(name, value)),
            "MaxLimit": int(value),
            "Overridden": name in overrides,
        }
        for name, value in region["spend_limits"].items()
    ]
    page, token = paginate(items, call.params)
    return {"SpendLimits": page, **({"NextToken": token} if token else {})}


def _spend_limit_name(operation: str) -> str:
    """SetTextMessageSpendLimitOverride → TEXT_MESSAGE_MONTHLY_SPEND_LIMIT."""
    kind = operation.removeprefix("Set").removeprefix("Delete").removesuffix(
        "MessageSpendLimitOverride"
    )
    return f"{kind.upper()}_MESSAGE_MONTHLY_SPEND_LIMIT"


def smsv_set_spend_limit_override(call: Call) -> dict[str, Any]:
    require(call, "MonthlyLimit")
    region = call.region_state()
    name = _spend_limit_name(call.operation)
    value = int(call.params["MonthlyLimit"])
    maximum = region["spend_limits"].get(name)
    if maximum is None:
        raise ApiError("ValidationException", f"No spend limit {name} in {call.region}.",
                       Reason="INVALID_PARAMETER")
    if not 0 <= value <= int(maximum):
        raise ApiError(
            "ValidationException",
            f"MonthlyLimit {value} must be between 0 and the account's maximum {maximum}.",
            Reason="MONTHLY_LIMIT_OUT_OF_RANGE" if value > int(maximum) else "INVALID_PARAMETER",
        )
    region.setdefault("spend_overrides", {})[name] = value
    return {"MonthlyLimit": value}


def smsv_delete_spend_limit_override(call: Call) -> dict[str, Any]:
    region = call.region_state()
    name = _spend_limit_name(call.operation)
    removed = region.setdefault("spend_overrides", {}).pop(name, None)
    return {} if removed is None else {"MonthlyLimit": int(removed)}


def smsv_describe_sender_ids(call: Call) -> dict[str, Any]:
    items = list(call.region_state().get("sender_ids", []))
    wanted = call.params.get("SenderIds") or []
    if wanted:
        keys = {(w.get("SenderId"), w.get("IsoCountryCode")) for w in wanted}
        found = [i for i in items if (i["SenderId"], i["IsoCountryCode"]) in keys
                 or (i["SenderIdArn"], i["IsoCountryCode"]) in keys]
        if len(found) < len(keys):
            raise ApiError("ResourceNotFoundException", "Sender ID not found",
                           ResourceType="sender-id", ResourceId=str(wanted[0].get("SenderId")))
        items = found
    filters = _filters(call, {
        "sender-id": "SenderId", "iso-country-code": "IsoCountryCode",
        "message-type": "MessageTypes", "deletion-protection-enabled": "DeletionProtectionEnabled",
        "registered": "Registered",
    })
    items = [i for i in items if _matches(i, filters)]
    page, token = paginate(items, call.params)
    return {"SenderIds": page, **({"NextToken": token} if token else {})}


def smsv_describe_registrations(call: Call) -> dict[str, Any]:
    items = list(call.region_state().get("registrations", []))
    ids = call.params.get("RegistrationIds") or []
    if ids:
        known = {i["RegistrationId"] for i in items} | {i["RegistrationArn"] for i in items}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ApiError("ResourceNotFoundException", f"Registration {missing[0]} not found",
                           ResourceType="registration", ResourceId=missing[0])
        items = [i for i in items if {i["RegistrationId"], i["RegistrationArn"]} & set(ids)]
    filters = _filters(call, {"registration-type": "RegistrationType",
                              "registration-status": "RegistrationStatus"})
    items = [i for i in items if _matches(i, filters)]
    page, token = paginate(items, call.params)
    return {
        "Registrations": [{**i, "CreatedTimestamp": ts(i["CreatedTimestamp"])} for i in page],
        **({"NextToken": token} if token else {}),
    }


def smsv_describe_account_limits(call: Call) -> dict[str, Any]:
    region = call.region_state()
    used = {
        "PHONE_NUMBERS": len(region["phone_numbers"]),
        "VERIFIED_DESTINATION_NUMBERS": len(region["verified_destinations"]),
    }
    items = [
        {"Name": name, "Used": used.get(name, 0), "Max": limit}
        for name, limit in ACCOUNT_LIMIT_MAX.items()
    ]
    page, token = paginate(items, call.params)
    return {"AccountLimits": page, **({"NextToken": token} if token else {})}


def smsv_describe_verified_destination_numbers(call: Call) -> dict[str, Any]:
    items = list(call.region_state()["verified_destinations"])
    ids = call.params.get("VerifiedDestinationNumberIds") or []
    numbers = call.params.get("DestinationPhoneNumbers") or []
    if ids:
        known = {i["VerifiedDestinationNumberId"] for i in items}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ApiError(
                "ResourceNotFoundException",
                f"Verified destination number {missing[0]} not found",
                ResourceType="verified-destination-number",
                ResourceId=missing[0],
            )
        items = [i for i in items if i["VerifiedDestinationNumberId"] in ids]
    if numbers:
        items = [i for i in items if i["DestinationPhoneNumber"] in numbers]
    filters = _filters(call, {"status": "Status"})
    items = [i for i in items if _matches(i, filters)]
    page, token = paginate(items, call.params)
    return {
        "VerifiedDestinationNumbers": [{**i, "CreatedTimestamp": ts(i["CreatedTimestamp"])}
                                       for i in page],
        **({"NextToken": token} if token else {}),
    }


def smsv_describe_phone_numbers(call: Call) -> dict[str, Any]:
    items = list(call.region_state()["phone_numbers"])
    ids = call.params.get("PhoneNumberIds") or []
    if ids:
        known = {i["PhoneNumberId"] for i in items} | {i["PhoneNumberArn"] for i in items}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ApiError(
                "ResourceNotFoundException",
                f"Phone number {missing[0]} not found",
                ResourceType="phone-number",
                ResourceId=missing[0],
            )
        items = [i for i in items if {i["PhoneNumberId"], i["PhoneNumberArn"]} & set(ids)]
    filters = _filters(
        call,
        {
            "status": "Status",
            "iso-country-code": "IsoCountryCode",
            "message-type": "MessageType",
            "number-capability": "NumberCapabilities",
            "number-type": "NumberType",
            "two-way-enabled": "TwoWayEnabled",
        },
    )
    items = [i for i in items if _matches(i, filters)]
    page, token = paginate(items, call.params)
    return {
        "PhoneNumbers": [{**i, "CreatedTimestamp": ts(i["CreatedTimestamp"])} for i in page],
        **({"NextToken": token} if token else {}),
    }


def smsv_send_voice_message(call: Call) -> dict[str, Any]:
    """CloudTrail records the call whatever its outcome: a dry run carries `dryRun` in its
    requestParameters, a refused call an `errorCode` (a real send is logged below)."""
    dry_run = call.params.get("DryRun") is True
    try:
        found = _send_voice_message(call)
    except ApiError as exc:
        _trail_voice_call(call, dry_run=dry_run, error_code=exc.code, error=exc.message)
        raise
    if dry_run:
        _trail_voice_call(call, dry_run=True)
    return found


def _trail_voice_call(
    call: Call, *, dry_run: bool, error_code: str | None = None, error: str | None = None
) -> None:
    call.region_state()["events"].append(call.state.cloudtrail_event(
        call.account_id, call.region, call.now, call.access_key,
        dry_run=dry_run, error_code=error_code, error_message=error,
    ))


def _voice_origination(call: Call, region: dict[str, Any], origination: str) -> None:
    """The origination identity exists here, is ACTIVE and can place voice calls."""
    number = next(
        (
            n
            for n in region["phone_numbers"]
            if origination in (n["PhoneNumber"], n["PhoneNumberId"], n["PhoneNumberArn"])
        ),
        None,
    )
    if number is None:
        raise ApiError(
            "ResourceNotFoundException",
            f"Origination identity {origination} was not found in {call.region}.",
            ResourceType="phone-number",
            ResourceId=origination,
        )
    if number["Status"] != "ACTIVE":
        raise ApiError(
            "ValidationException",
            f"Origination identity {origination} is {number['Status']}, not ACTIVE.",
            Reason="RESOURCE_NOT_ACCESSIBLE",
        )
    if "VOICE" not in number["NumberCapabilities"]:
        raise ApiError(
            "ValidationException",
            f"Origination identity {origination} does not have the VOICE capability.",
            Reason="INVALID_PARAMETER",
        )


def _send_voice_message(call: Call) -> dict[str, Any]:
    require(call, "DestinationPhoneNumber", "OriginationIdentity")
    region = call.region_state()
    destination = str(call.params["DestinationPhoneNumber"])
    origination = str(call.params["OriginationIdentity"])
    if not region["voice_available"]:
        raise ApiError(
            "ValidationException",
            f"Voice messaging is not available in {call.region}.",
            Reason="VOICE_CAPABILITY_NOT_AVAILABLE",
        )
    if not _E164.match(destination):
        raise ApiError(
            "ValidationException",
            f"DestinationPhoneNumber {destination} is not a valid E.164 phone number.",
            Reason="INVALID_PARAMETER",
        )
    _voice_origination(call, region, origination)
    sandbox = region["tier"] != "PRODUCTION"
    if sandbox:
        _require_verified(region, destination)
    _require_voice_limits(call, region, destination, sandbox=sandbox)
    message_id = str(uuid.uuid4())
    if call.params.get("DryRun"):
        return {"MessageId": message_id}
    region["voice_sends"].append(
        {"time": call.now, "destination": destination, "origination": origination,
         "message_id": message_id}
    )
    # What AWS does on a send: a spend datapoint in CloudWatch and an event in CloudTrail.
    region["metrics"]["VoiceMessageMonthlySpend"].append([call.now, 0.013])
    region["events"].append(
        call.state.cloudtrail_event(call.account_id, call.region, call.now, call.access_key)
    )
    return {"MessageId": message_id}

def _require_verified(region: dict[str, Any], destination: str) -> None:
    """In the sandbox, a voice message goes only to a verified destination number."""
    verified = {
        d["DestinationPhoneNumber"]
        for d in region["verified_destinations"]
        if d["Status"] == "VERIFIED"
    }
    if destination not in verified:
        raise ApiError(
            "ConflictException",
            f"In the sandbox, {destination} must be a verified destination number.",
            Reason="DESTINATION_PHONE_NUMBER_NOT_VERIFIED",
            ResourceType="verified-destination-number",
            ResourceId=destination,
        )


def _require_voice_limits(call: Call, region: dict[str, Any], destination: str, *,
                          sandbox: bool) -> None:
    """The monthly spend limit, and the daily and per-recipient message limits."""
    if region["voice_spend_limit_reached"]:
        raise ApiError(
            "ServiceQuotaExceededException",
            "The monthly spend limit for voice messages has been reached.",
            Reason="MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE",
        )
    recent = [s for s in region["voice_sends"] if s["time"] > call.now - DAY]
    to_recipient = [s for s in recent if s["destination"] == destination]
    if len(to_recipient) >= VOICE_PER_RECIPIENT_LIMIT or (
        sandbox and len(recent) >= VOICE_DAILY_LIMIT
    ):
        raise ApiError(
            "ServiceQuotaExceededException",
            "The daily voice message limit was reached (20 per day, 5 per recipient per 24 "
            "hours in the sandbox).",
            Reason="DAILY_DESTINATION_CALL_LIMIT",
        )



# ------------------------------------------------------------------------ service-quotas

SQ_SERVICES = [
    ("cloudwatch", "Amazon CloudWatch"),
    ("ec2", "Amazon Elastic Compute Cloud (Amazon EC2)"),
    ("lambda", "AWS Lambda"),
    ("pinpoint", "Amazon Pinpoint"),
    ("ses", "Amazon Simple Email Service (Amazon SES)"),
    (SMS_VOICE_SERVICE_CODE, SMS_VOICE_SERVICE_NAME),
    ("sns", "Amazon Simple Notification Service (Amazon SNS)"),
    ("vpc", "Amazon Virtual Private Cloud (Amazon VPC)"),
]


def _quota_keys(call: Call) -> list[str]:
    spec = call.state.account_spec(call.account_id)
    keys = ["text-spend", "voice-spend", "media-spend"]
    if spec.production_access_quotas:
        keys = [*PRODUCTION_ACCESS_QUOTAS, *keys]
    return keys


def _quota(call: Call, key: str, applied: bool) -> dict[str, Any]:
    quota = QUOTAS[key]
    region = call.region_state()
    if key in PRODUCTION_ACCESS_QUOTAS:
        value = 1.0 if applied and region["tier"] == "PRODUCTION" else 0.0
        description = f"Whether this account can send {quota['channel'].upper()} messages " \
            "outside the sandbox in this Region."
    else:
        limit_name = {
            "text-spend": "TEXT_MESSAGE_MONTHLY_SPEND_LIMIT",
            "voice-spend": "VOICE_MESSAGE_MONTHLY_SPEND_LIMIT",
            "media-spend": "MEDIA_MESSAGE_MONTHLY_SPEND_LIMIT",
        }[key]
        value = float(region["spend_limits"][limit_name]) if applied else 1.0
        description = "The maximum monthly spend, in US dollars."
    return {
        "ServiceCode": SMS_VOICE_SERVICE_CODE,
        "ServiceName": SMS_VOICE_SERVICE_NAME,
        "QuotaArn": f"arn:aws:servicequotas:{call.region}:{call.account_id}:"
        f"{SMS_VOICE_SERVICE_CODE}/{quota['code']}",
        "QuotaCode": quota["code"],
        "QuotaName": quota["name"],
        "Value": value,
        "Unit": "None",
        "Adjustable": key not in PRODUCTION_ACCESS_QUOTAS
        or call.state.account_spec(call.account_id).production_access_adjustable,
        "GlobalQuota": False,
        "QuotaAppliedAtLevel": "ACCOUNT",
        "Description": description,
    }


def _require_service(call: Call) -> None:
    require(call, "ServiceCode", error="IllegalArgumentException")
    if call.params["ServiceCode"] not in {code for code, _ in SQ_SERVICES}:
        raise ApiError("NoSuchResourceException",
                       f"Service {call.params['ServiceCode']} not found.")


def sq_list_services(call: Call) -> dict[str, Any]:
    items = [{"ServiceCode": c, "ServiceName": n} for c, n in SQ_SERVICES]
    page, token = paginate(items, call.params, default_size=100,
                           invalid_token="InvalidPaginationTokenException")
    return {"Services": page, **({"NextToken": token} if token else {})}


def _list_quotas(call: Call, applied: bool) -> dict[str, Any]:
    _require_service(call)
    items: list[dict[str, Any]] = []
    if call.params["ServiceCode"] == SMS_VOICE_SERVICE_CODE:
        items = [_quota(call, key, applied) for key in _quota_keys(call)]
        if call.state.account_spec(call.account_id).quota_listings_omit_adjustability:
            omitted = ("Adjustable", "QuotaAppliedAtLevel")
            items = [{k: v for k, v in q.items() if k not in omitted} for q in items]
        if call.params.get("QuotaCode"):
            items = [q for q in items if q["QuotaCode"] == call.params["QuotaCode"]]
    page, token = paginate(items, call.params, default_size=100,
                           invalid_token="InvalidPaginationTokenException")
    return {"Quotas": page, **({"NextToken": token} if token else {})}


def sq_list_aws_default_service_quotas(call: Call) -> dict[str, Any]:
    return _list_quotas(call, applied=False)


def sq_list_service_quotas(call: Call) -> dict[str, Any]:
    return _list_quotas(call, applied=True)


def sq_get_service_quota(call: Call) -> dict[str, Any]:
    _require_service(call)
    require(call, "QuotaCode", error="IllegalArgumentException")
    return {"Quota": _quota(call, _find_quota_key(call), applied=True)}


def sq_get_aws_default_service_quota(call: Call) -> dict[str, Any]:
    """AWS's default value of a quota (the tool's fallback when GetServiceQuota has none)."""
    _require_service(call)
    require(call, "QuotaCode", error="IllegalArgumentException")
    return {"Quota": _quota(call, _find_quota_key(call), applied=False)}


def _find_quota_key(call: Call) -> str:
    code = call.params.get("QuotaCode")
    if call.params.get("ServiceCode") == SMS_VOICE_SERVICE_CODE:
        for key in _quota_keys(call):
            if QUOTAS[key]["code"] == code:
                return key
    raise ApiError(
        "NoSuchResourceException",
        f"The request failed because the specified quota {code} of service "
        f"{call.params.get('ServiceCode')} does not exist.",
    )


def _public_request(request: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in request.items() if k != "Region" and not k.startswith("_")}
    shown["Created"] = ts(request["Created"])
    shown["LastUpdated"] = ts(request["LastUpdated"])
    return shown


def _region_requests(call: Call) -> list[dict[str, Any]]:
    call.region_state()  # seeds this region's scenario requests on first use
    return [
        q for q in call.account_state()["quota_requests"] if q["Region"] == call.region
    ]


def sq_request_service_quota_increase(call: Call) -> dict[str, Any]:
    require(call, "ServiceCode", "QuotaCode", "DesiredValue", error="IllegalArgumentException")
    _require_service(call)
    key = _find_quota_key(call)
    code = QUOTAS[key]["code"]
    if any(
        q["QuotaCode"] == code and q["Status"] in OPEN_QUOTA_STATUSES
        for q in _region_requests(call)
    ):
        raise ApiError(
            "ResourceAlreadyExistsException",
            "Only one open service quota increase request is allowed per quota",
        )
    with_case = call.params.get("SupportCaseAllowed", True) is not False
    request = call.state.add_quota_request(
        call.account_id,
        call.region,
        quota_key=key,
        desired_value=float(call.params["DesiredValue"]),
        status="PENDING",  # AWS opens the case later: no CaseId yet
        created=call.now,
        with_case=with_case,
    )
    return {"RequestedQuota": _public_request(request)}


def _find_request(call: Call) -> dict[str, Any]:
    require(call, "RequestId", error="IllegalArgumentException")
    requests: list[dict[str, Any]] = call.account_state()["quota_requests"]
    for request in requests:
        if request["Id"] == call.params["RequestId"]:
            return request
    raise ApiError("NoSuchResourceException", f"Request {call.params['RequestId']} not found.")


def sq_get_requested_service_quota_change(call: Call) -> dict[str, Any]:
    apply_timeline(call.state, call.now)
    request = _find_request(call)
    call.state.open_quota_case(call.account_id, request, call.now)
    return {"RequestedQuota": _public_request(request)}


def sq_create_support_case(call: Call) -> dict[str, Any]:
    request = _find_request(call)
    if request.get("CaseId"):
        raise ApiError("ResourceAlreadyExistsException",
                       f"A support case already exists for request {request['Id']}.")
    if request["Status"] != "PENDING":
        raise ApiError("InvalidResourceStateException",
                       f"Request {request['Id']} is {request['Status']}, not PENDING.")
    request.pop("_case_reads_left", None)
    request["CaseId"] = call.state.quota_case(call.account_id, request)["displayId"]
    request["Status"] = "CASE_OPENED"
    request["LastUpdated"] = call.now
    return {}


def _history(call: Call, items: list[dict[str, Any]]) -> dict[str, Any]:
    if call.params.get("Status"):
        items = [q for q in items if q["Status"] == call.params["Status"]]
    # AWS: "Responses include any open or closed requests within 90 days".
    items = [q for q in items if q["Created"] >= call.now - 90 * DAY]
    for request in items:
        call.state.open_quota_case(call.account_id, request, call.now)
    items.sort(key=lambda q: q["Created"], reverse=True)
    page, token = paginate(items, call.params, default_size=100,
                           invalid_token="InvalidPaginationTokenException")
    return {
        "RequestedQuotas": [_public_request(q) for q in page],
        **({"NextToken": token} if token else {}),
    }


def sq_list_requested_service_quota_change_history(call: Call) -> dict[str, Any]:
    items = _region_requests(call)
    if call.params.get("ServiceCode"):
        _require_service(call)
        items = [q for q in items if q["ServiceCode"] == call.params["ServiceCode"]]
    return _history(call, items)


def sq_list_requested_service_quota_change_history_by_quota(call: Call) -> dict[str, Any]:
    require(call, "ServiceCode", "QuotaCode", error="IllegalArgumentException")
    _require_service(call)
    code = call.params["QuotaCode"]
    items = [q for q in _region_requests(call) if q["QuotaCode"] == code
             and q["ServiceCode"] == call.params["ServiceCode"]]
    return _history(call, items)


# -------------------------------------------------------------------------------- support

SUPPORT_SERVICES: list[dict[str, Any]] = [
    {
        "code": "service-limit-increase",
        "name": "Service Limit Increase",
        "categories": [
            {"code": "service-code-pinpoint-sms", "name": "AWS End User Messaging SMS (Pinpoint)"},
            {"code": "pinpoint-voice", "name": "AWS End User Messaging Voice (Pinpoint)"},
            {"code": "service-code-sns-text-messaging", "name": "SNS Text Messaging"},
            {"code": "service-code-ses", "name": "SES Sending Limits"},
        ],
    },
    {
        "code": "amazon-pinpoint",
        "name": "Amazon Pinpoint",
        "categories": [
            {"code": "sms", "name": "SMS"},
            {"code": "voice", "name": "Voice"},
            {"code": "other", "name": "Other"},
        ],
    },
    {
        "code": "account-management",
        "name": "Account Management",
        "categories": [{"code": "billing", "name": "Billing"}, {"code": "other", "name": "Other"}],
    },
    {
        "code": "general-info",
        "name": "General Info and Getting Started",
        "categories": [{"code": "using-aws", "name": "Using AWS & Services"}],
    },
]
SEVERITY_LEVELS = [
    {"code": "low", "name": "General guidance"},
    {"code": "normal", "name": "System impaired"},
    {"code": "high", "name": "Production system impaired"},
    {"code": "urgent", "name": "Production system down"},
    {"code": "critical", "name": "Business-critical system down"},
]
CASE_LIMIT_PER_HOUR = 10
BODY_MAX = 8000


def support_gate(call: Call) -> None:
    """Basic and Developer plans have no Support API (every operation)."""
    if call.state.account_spec(call.account_id).support_plan in ("basic", "developer"):
        raise ApiError(
            "SubscriptionRequiredException",
            "Amazon Web Services Premium Support Subscription is required to use this service.",
        )


def support_describe_services(call: Call) -> dict[str, Any]:
    wanted = call.params.get("serviceCodeList") or []
    services = [s for s in SUPPORT_SERVICES if not wanted or s["code"] in wanted]
    return {"services": services}


def support_describe_severity_levels(call: Call) -> dict[str, Any]:
    return {"severityLevels": SEVERITY_LEVELS}


def _invalid(message: str) -> ApiError:
    # Support models no such error; its Common Errors page documents InvalidParameterValue.
    return ApiError("InvalidParameterValue", message)


def support_create_case(call: Call) -> dict[str, Any]:
    params = call.params
    for name in ("subject", "communicationBody"):
        if not params.get(name):
            raise _invalid(f"Missing required parameter: {name}")
    body = str(params["communicationBody"])
    if len(body) > BODY_MAX:
        raise _invalid(f"communicationBody is longer than {BODY_MAX} characters.")
    service_code = params.get("serviceCode") or "general-info"
    service = next((s for s in SUPPORT_SERVICES if s["code"] == service_code), None)
    if service is None:
        raise _invalid(f"Invalid service code: {service_code}")
    category_code = params.get("categoryCode") or service["categories"][0]["code"]
    if category_code not in {c["code"] for c in service["categories"]}:
        raise _invalid(f"Invalid category code {category_code} for service {service_code}")
    severity = params.get("severityCode") or "low"
    if severity not in {s["code"] for s in SEVERITY_LEVELS}:
        raise _invalid(f"Invalid severity code: {severity}")
    cc = list(params.get("ccEmailAddresses") or [])
    if len(cc) > 10:
        raise _invalid("ccEmailAddresses accepts at most 10 addresses.")
    language = params.get("language") or "en"
    if language not in ("en", "ja", "zh", "ko"):
        raise _invalid(f"Invalid language: {language}")
    spec = call.state.account_spec(call.account_id)
    issue_type = params.get("issueType") or "technical"
    refused = issue_type in spec.support_refuses_issue_types
    if refused or (spec.support_issue_types and issue_type not in spec.support_issue_types):
        raise _invalid(f"Invalid value for issueType: {issue_type}")
    recent = [
        c for c in call.account_state()["cases"]
        if c["origin"] == "support-api" and c["timeCreated"] > call.now - 3600
    ]
    if len(recent) >= CASE_LIMIT_PER_HOUR:
        raise ApiError("CaseCreationLimitExceeded",
                       "You have exceeded your limit of 10 cases per hour")
    _dry_run_stop(call)
    case = call.state.add_case(
        call.account_id,
        subject=str(params["subject"]),
        body=body,
        service_code=service_code,
        category_code=category_code,
        severity_code=severity,
        created=call.now,
        cc=cc,
        language=language,
        origin="support-api",
    )
    case["issueType"] = issue_type
    return {"caseId": case["caseId"]}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_time(value: Any) -> float | None:
    if value in (None, ""):
        return None
    text = str(value).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _invalid(f"Invalid time: {value}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _public_case(case: dict[str, Any], with_communications: bool) -> dict[str, Any]:
    shown = {
        key: case[key]
        for key in ("caseId", "displayId", "subject", "status", "serviceCode", "categoryCode",
                    "severityCode", "submittedBy", "ccEmailAddresses", "language")
    }
    shown["timeCreated"] = _iso(case["timeCreated"])
    if with_communications:
        shown["recentCommunications"] = {
            "communications": [
                {"caseId": case["caseId"], "body": c["body"], "submittedBy": c["submittedBy"],
                 "timeCreated": _iso(c["timeCreated"])}
                for c in reversed(case["communications"][-5:])
            ]
        }
    return shown


def _dry_run_stop(call: Call) -> None:
    """Every Support operation takes `dryRun`: validated, nothing done, and AWS answers
    DryRunOperationException (an error, HTTP 400) where it would have succeeded."""
    if call.params.get("dryRun") is True:
        raise ApiError("DryRunOperationException",
                       "The request was valid, but the operation wasn't performed because "
                       "dryRun was set to true.")


def _dry_run_after(handler: Handler) -> Handler:
    """A read: answered as usual unless dryRun, which turns the answer into the dry-run error."""
    def wrapped(call: Call) -> dict[str, Any]:
        result = handler(call)
        _dry_run_stop(call)
        return result
    return wrapped


def _find_case(call: Call) -> dict[str, Any]:
    case_id = call.params.get("caseId")
    cases: list[dict[str, Any]] = call.account_state()["cases"]
    for case in cases:
        if case["caseId"] == case_id:
            return case
    raise ApiError("CaseIdNotFound", f"Case {case_id} not found")


def support_describe_cases(call: Call) -> dict[str, Any]:
    apply_timeline(call.state, call.now)
    params = call.params
    cases = list(call.account_state()["cases"])
    ids = params.get("caseIdList") or []
    if len(ids) > 100:
        raise _invalid("caseIdList accepts at most 100 case ids.")
    if ids:
        known = {c["caseId"] for c in cases}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ApiError("CaseIdNotFound", f"Case {missing[0]} not found")
        cases = [c for c in cases if c["caseId"] in ids]
    if params.get("displayId"):
        cases = [c for c in cases if c["displayId"] == params["displayId"]]
    if not params.get("includeResolvedCases"):
        cases = [c for c in cases if c["status"] != "resolved"]
    after, before = _parse_time(params.get("afterTime")), _parse_time(params.get("beforeTime"))
    if after is not None:
        cases = [c for c in cases if c["timeCreated"] >= after]
    if before is not None:
        cases = [c for c in cases if c["timeCreated"] <= before]
    cases.sort(key=lambda c: c["timeCreated"], reverse=True)
    size = params.get("maxResults")
    if size is not None and not 10 <= int(size) <= 100:
        raise _invalid("maxResults must be between 10 and 100.")
    page, token = paginate(cases, params, token_key="nextToken", max_key="maxResults",
                           default_size=100, invalid_token="InvalidParameterValue")
    with_comms = params.get("includeCommunications", True) is not False
    return {
        "cases": [_public_case(c, with_comms) for c in page],
        **({"nextToken": token} if token else {}),
    }


def support_add_communication_to_case(call: Call) -> dict[str, Any]:
    if not call.params.get("communicationBody"):
        raise _invalid("Missing required parameter: communicationBody")
    body = str(call.params["communicationBody"])
    if len(body) > BODY_MAX:
        raise _invalid(f"communicationBody is longer than {BODY_MAX} characters.")
    case = _find_case(call)
    _dry_run_stop(call)
    attachments = _take_attachment_set(call, call.params.get("attachmentSetId"))
    case["communications"].append(
        {"body": body, "submittedBy": f"simulator@{call.account_id}.example.com",
         "timeCreated": call.now, "attachments": attachments}
    )
    if case["status"] == "pending-customer-action":
        case["status"] = "customer-action-completed"  # AWS's turn again
    for address in call.params.get("ccEmailAddresses") or []:
        if address not in case["ccEmailAddresses"]:
            case["ccEmailAddresses"].append(address)
    return {"result": True}


ATTACHMENTS_PER_SET = 3
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_SET_TTL = 3600.0


def support_add_attachments_to_set(call: Call) -> dict[str, Any]:
    """Up to 3 files of 5 MB each per set; the set expires one hour after it is created."""
    import base64
    import binascii

    attachments = call.params.get("attachments") or []
    if not attachments:
        raise _invalid("Missing required parameter: attachments")
    _dry_run_stop(call)
    sets = call.account_state().setdefault("attachment_sets", {})
    set_id = call.params.get("attachmentSetId")
    if set_id:
        found = _attachment_set(call, set_id)
    else:
        set_id = "as-" + new_id(24)
        found = sets[set_id] = {"files": [], "expires": call.now + ATTACHMENT_SET_TTL}
    if len(found["files"]) + len(attachments) > ATTACHMENTS_PER_SET:
        raise ApiError("AttachmentLimitExceeded",
                       f"An attachment set holds at most {ATTACHMENTS_PER_SET} attachments.")
    for item in attachments:
        try:
            data = base64.b64decode(str(item.get("data") or ""), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _invalid("attachments.data is not base64.") from exc
        if len(data) > ATTACHMENT_MAX_BYTES:
            raise ApiError("AttachmentSizeLimitExceeded",
                           f"{item.get('fileName')} is larger than 5 MB.")
        found["files"].append({"fileName": str(item.get("fileName") or ""), "size": len(data)})
    return {"attachmentSetId": set_id, "expiryTime": _iso(found["expires"])}


def _attachment_set(call: Call, set_id: str) -> dict[str, Any]:
    found = call.account_state().get("attachment_sets", {}).get(set_id)
    if found is None:
        raise ApiError("AttachmentSetIdNotFound", f"Attachment set {set_id} not found.")
    if found["expires"] < call.now:
        raise ApiError("AttachmentSetExpired", f"Attachment set {set_id} has expired.")
    return dict(found)


def _take_attachment_set(call: Call, set_id: Any) -> list[dict[str, Any]]:
    """The attachments of a set named in AddCommunicationToCase (a set is used once)."""
    if not set_id:
        return []
    files = list(_attachment_set(call, str(set_id))["files"])
    del call.account_state()["attachment_sets"][str(set_id)]
    return files


# Env knobs over the scenario's `listings` (e.g. for `simulator serve`): AWS documents neither
# DescribeCommunications' order nor its page size, so the tool is tested against any.
COMMUNICATIONS_ORDER_ENV = "PINPOINT_SANDBOX_SIM_COMMUNICATIONS_ORDER"
COMMUNICATIONS_PAGE_ENV = "PINPOINT_SANDBOX_SIM_COMMUNICATIONS_PAGE_SIZE"


def _communications_listing(call: Call) -> tuple[str, int | None]:
    import os

    listings = call.state.scenario.listings
    order = os.environ.get(COMMUNICATIONS_ORDER_ENV) or listings.communications_order
    raw = os.environ.get(COMMUNICATIONS_PAGE_ENV)
    size = int(raw) if raw and raw.isdigit() and int(raw) > 0 else listings.communications_page_size
    return order, size


def _ordered(items: list[dict[str, Any]], order: str, case_id: str) -> list[dict[str, Any]]:
    import random

    found = sorted(items, key=lambda c: c["timeCreated"], reverse=order != "oldest_first")
    if order == "shuffled":  # stable across pages of one case: seeded by the case
        random.Random(case_id).shuffle(found)
    return found


def support_describe_communications(call: Call) -> dict[str, Any]:
    """maxResults 10..100; the order and page size are the scenario's (`listings`)."""
    apply_timeline(call.state, call.now)
    case = _find_case(call)
    size = call.params.get("maxResults")
    if size is not None and not 10 <= int(size) <= 100:
        raise _invalid("maxResults must be between 10 and 100.")
    after, before = _parse_time(call.params.get("afterTime")), _parse_time(
        call.params.get("beforeTime"))
    items = [c for c in case["communications"]
             if (after is None or c["timeCreated"] >= after)
             and (before is None or c["timeCreated"] <= before)]
    order, cap = _communications_listing(call)
    items = _ordered(items, order, case["caseId"])
    params = dict(call.params)
    if cap is not None:  # AWS may answer fewer than maxResults
        params["maxResults"] = min(cap, int(size or 100))
    page, token = paginate(items, params, token_key="nextToken", max_key="maxResults",
                           default_size=100, invalid_token="InvalidParameterValue")
    return {
        "communications": [
            {"caseId": case["caseId"], "body": c["body"], "submittedBy": c["submittedBy"],
             "timeCreated": _iso(c["timeCreated"]),
             "attachmentSet": [{"attachmentId": f"att-{i}", "fileName": a["fileName"]}
                               for i, a in enumerate(c.get("attachments") or [])]}
            for c in page
        ],
        **({"nextToken": token} if token else {}),
    }


def support_resolve_case(call: Call) -> dict[str, Any]:
    case = _find_case(call)
    _dry_run_stop(call)
    initial = case["status"]
    case["status"] = "resolved"
    return {"initialCaseStatus": initial, "finalCaseStatus": "resolved"}


OPERATIONS: dict[str, dict[str, Handler]] = {
    "sts": {"GetCallerIdentity": sts_get_caller_identity, "AssumeRole": sts_assume_role},
    "pinpoint-sms-voice-v2": {
        "DescribeAccountAttributes": smsv_describe_account_attributes,
        "DescribeSpendLimits": smsv_describe_spend_limits,
        "DescribeAccountLimits": smsv_describe_account_limits,
        "DescribeVerifiedDestinationNumbers": smsv_describe_verified_destination_numbers,
        "DescribePhoneNumbers": smsv_describe_phone_numbers,
        "SendVoiceMessage": smsv_send_voice_message,
        "DescribeSenderIds": smsv_describe_sender_ids,
        "DescribeRegistrations": smsv_describe_registrations,
        **{
            op: smsv_set_spend_limit_override if op.startswith("Set")
            else smsv_delete_spend_limit_override
            for op in sorted(SPEND_OVERRIDE_WRITES)
        },
    },
    "service-quotas": {
        "ListServices": sq_list_services,
        "ListAWSDefaultServiceQuotas": sq_list_aws_default_service_quotas,
        "ListServiceQuotas": sq_list_service_quotas,
        "GetServiceQuota": sq_get_service_quota,
        "GetAWSDefaultServiceQuota": sq_get_aws_default_service_quota,
        "RequestServiceQuotaIncrease": sq_request_service_quota_increase,
        "GetRequestedServiceQuotaChange": sq_get_requested_service_quota_change,
        "ListRequestedServiceQuotaChangeHistory": sq_list_requested_service_quota_change_history,
        "ListRequestedServiceQuotaChangeHistoryByQuota":
            sq_list_requested_service_quota_change_history_by_quota,
        "CreateSupportCase": sq_create_support_case,
    },
    "support": {
        "DescribeServices": _dry_run_after(support_describe_services),
        "DescribeSeverityLevels": _dry_run_after(support_describe_severity_levels),
        "CreateCase": support_create_case,
        "DescribeCases": _dry_run_after(support_describe_cases),
        "AddCommunicationToCase": support_add_communication_to_case,
        "AddAttachmentsToSet": support_add_attachments_to_set,
        "DescribeCommunications": support_describe_communications,
        "ResolveCase": support_resolve_case,
    },
}
