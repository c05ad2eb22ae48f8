"""Has this account sent at least one voice message in this region? (the voice prerequisite)

No AWS API answers that directly (aws-api-facts.md §2), so the sources are tried strongest first
and the first one that finds something wins:

1. CloudWatch `AWS/SMSVoice` `VoiceMessageMonthlySpend` datapoints (kept ~15 months). Only
   GetMetricData counts: ListMetrics hides metrics idle for more than two weeks, so it is used
   for nothing but finding other dimension sets, and only when the query without dimensions
   found nothing (one call per region when a message was sent).
2. CloudTrail `SendVoiceMessage` events (LookupEvents keeps 90 days). DryRun and failed calls
   are logged too, and are not sends, so they are skipped.
3. The user's attestation (`voice_message_sent: true` in the answers).

A source that cannot be read (AccessDenied, throttled after retries) is noted in `checked` and
the next source is tried: the answer degrades, it never crashes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.session import (
    CLOUDTRAIL,
    CLOUDWATCH,
    SMS_VOICE,
    AwsAccount,
    Permission,
    error_code,
)
from pinpoint_sandbox.aws.session import error_message as aws_error_message

if TYPE_CHECKING:
    from types_boto3_cloudtrail.type_defs import EventTypeDef
    from types_boto3_cloudwatch.client import CloudWatchClient
    from types_boto3_cloudwatch.type_defs import DimensionTypeDef, MetricDataQueryTypeDef
    from types_boto3_pinpoint_sms_voice_v2.client import PinpointSMSVoiceV2Client

Source = Literal["cloudwatch", "cloudtrail", "attestation"]

NAMESPACE = "AWS/SMSVoice"
METRIC = "VoiceMessageMonthlySpend"
CLOUDWATCH_DAYS = 455  # CloudWatch keeps 1-day datapoints for 15 months
CLOUDTRAIL_DAYS = 90  # LookupEvents only sees the last 90 days
EVENT_NAME = "SendVoiceMessage"
# GetMetricData takes up to 500 queries; a handful of dimension sets is all we expect.
MAX_DIMENSION_SETS = 20

# The evidence reads below, made fresh each run (a message may have been sent since).
# GetMetricStatistics is not called (GetMetricData is): granted since the first policy, kept
# so the printed policy does not change.
EVIDENCE_READS = Permission("PinpointSandboxVoiceEvidence", (
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "cloudtrail:LookupEvents",
), needed="voice")
# `voice_available`'s DryRun probe. Granted only with --voice-test-call: without it AWS refuses
# the probe, which then answers "cannot tell", and the voice checks go on without it.
AVAILABILITY_PROBE = Permission("PinpointSandboxVoiceTestCall", ("sms-voice:SendVoiceMessage",),
                                needed="voice-test-call")

HOW_TO_FIX = (
    "send one voice message from this account in this region (e.g. with "
    "`--send-test-call +E164` to a verified number, or the SendVoiceMessage API or console), "
    "then rerun; if one was sent more than 90 days ago and CloudWatch has no data (no "
    "service-linked role), set `voice_message_sent: true` in the answers"
)


UNREADABLE = "could not read"


@dataclass(frozen=True)
class VoiceEvidence:
    found: bool
    source: Source | None
    detail: str
    checked: tuple[str, ...] = ()  # one line per source looked at, in order

    @property
    def unreadable(self) -> tuple[str, ...]:
        """Sources that could not be asked: "nothing found" is then not "nothing sent"."""
        return tuple(line for line in self.checked if UNREADABLE in line)


def _utc(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _day(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d")


def _metric_dimension_sets(client: CloudWatchClient) -> list[list[DimensionTypeDef]]:
    """Dimension sets ListMetrics knows for the metric (empty when it shows none)."""
    sets: list[list[DimensionTypeDef]] = []
    pages = client.get_paginator("list_metrics").paginate(Namespace=NAMESPACE, MetricName=METRIC)
    for page in pages:
        for metric in page.get("Metrics", []):
            dims: list[DimensionTypeDef] = [
                {"Name": str(d["Name"]), "Value": str(d["Value"])}
                for d in metric.get("Dimensions", [])
            ]
            if dims and dims not in sets:
                sets.append(dims)
    return sets[:MAX_DIMENSION_SETS]


def _latest_datapoint(
    client: CloudWatchClient, dimension_sets: list[list[DimensionTypeDef]], start: datetime,
    end: datetime,
) -> tuple[datetime, float] | None:
    queries: list[MetricDataQueryTypeDef] = [
        {
            "Id": f"m{index}",
            "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": METRIC, "Dimensions": dims},
                "Period": 86400,
                "Stat": "Maximum",
            },
            "ReturnData": True,
        }
        for index, dims in enumerate(dimension_sets)
    ]
    latest: tuple[datetime, float] | None = None
    pages = client.get_paginator("get_metric_data").paginate(
        MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampDescending"
    )
    for page in pages:
        for result in page.get("MetricDataResults", []):
            for stamp, value in zip(
                result.get("Timestamps", []), result.get("Values", []), strict=False
            ):
                when = _utc(stamp)
                if when is not None and (latest is None or when > latest[0]):
                    latest = (when, float(value))
    return latest


def _from_cloudwatch(
    account: AwsAccount, region: str, now: datetime, checked: list[str]
) -> VoiceEvidence | None:
    """One GetMetricData for the metric without dimensions (how AWS publishes it, and what
    finds it in one call per region); only when that finds nothing, ListMetrics for other
    dimension sets and one GetMetricData for them."""
    client: CloudWatchClient = account.client(CLOUDWATCH, region)
    errors = aws.AWS_ERRORS
    # Start at midnight UTC so each one-day bucket is a calendar day and dates read right.
    start = (now - timedelta(days=CLOUDWATCH_DAYS)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    try:
        latest = _latest_datapoint(client, [[]], start, now)
    except errors as exc:
        checked.append(f"cloudwatch: {UNREADABLE} {METRIC} ({aws_error_message(exc)})")
        return None
    if latest is None:
        try:
            dimension_sets = _metric_dimension_sets(client)
        except errors as exc:
            dimension_sets = []  # the no-dimension query above has answered already
            checked.append(f"cloudwatch: ListMetrics failed ({aws_error_message(exc)})")
        if dimension_sets:
            try:
                latest = _latest_datapoint(client, dimension_sets, start, now)
            except errors as exc:
                checked.append(f"cloudwatch: {UNREADABLE} {METRIC} with dimensions "
                               f"({aws_error_message(exc)})")
                return None
    if latest is None:
        checked.append(f"cloudwatch: no {METRIC} datapoints in {CLOUDWATCH_DAYS} days")
        return None
    when, value = latest
    line = f"cloudwatch: {NAMESPACE} {METRIC} has datapoints, latest {_day(when)} (${value:g})"
    checked.append(line)
    return VoiceEvidence(
        True,
        "cloudwatch",
        f"CloudWatch {NAMESPACE} {METRIC} in {region} has a datapoint on {_day(when)} "
        f"(value {value:g} USD): voice messages were sent",
        tuple(checked),
    )


def _is_real_send(event: EventTypeDef) -> bool:
    """False for DryRun calls and calls AWS refused: those are logged but sent nothing."""
    raw = event.get("CloudTrailEvent")
    if not raw:
        return True
    try:
        detail = json.loads(raw)
    except (TypeError, ValueError):
        return True
    if not isinstance(detail, dict):
        return True
    if detail.get("errorCode"):
        return False
    params = detail.get("requestParameters")
    if not isinstance(params, dict):
        return True
    # A JSON boolean as CloudTrail logs it; "true" as text too (never "false" as truthy).
    return not any(key.lower() == "dryrun" and str(value).lower() == "true"
                   for key, value in params.items())


def _from_cloudtrail(
    account: AwsAccount, region: str, now: datetime, checked: list[str]
) -> VoiceEvidence | None:
    client = account.client(CLOUDTRAIL, region)
    pages = client.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": EVENT_NAME}],
        StartTime=now - timedelta(days=CLOUDTRAIL_DAYS),
        EndTime=now,
    )
    skipped = 0
    try:
        for page in pages:
            sends = [e for e in page.get("Events", []) if _is_real_send(e)]
            skipped += len(page.get("Events", [])) - len(sends)
            times = [t for e in sends if (t := _utc(e.get("EventTime"))) is not None]
            if sends:
                # Events come newest first; stop at the first page with a real send.
                when = max(times) if times else None
                at = f" at {when.isoformat(timespec='seconds')}" if when else ""
                checked.append(f"cloudtrail: {EVENT_NAME} event{at}")
                return VoiceEvidence(
                    True,
                    "cloudtrail",
                    f"CloudTrail in {region} has a {EVENT_NAME} event{at}: a voice message "
                    "was sent",
                    tuple(checked),
                )
    except aws.AWS_ERRORS as exc:
        checked.append(f"cloudtrail: {UNREADABLE} {EVENT_NAME} ({aws_error_message(exc)})")
        return None
    note = f" (ignored {skipped} DryRun or failed calls)" if skipped else ""
    checked.append(f"cloudtrail: no {EVENT_NAME} in {CLOUDTRAIL_DAYS} days{note}")
    return None


def voice_evidence(
    account: AwsAccount,
    region: str,
    *,
    attestation: bool = False,
    now: datetime | None = None,
) -> VoiceEvidence:
    """The strongest evidence that a voice message was sent from this account in `region`."""
    now = _utc(now) or datetime.now(UTC)
    checked: list[str] = []
    for source in (_from_cloudwatch, _from_cloudtrail):
        found = source(account, region, now, checked)
        if found is not None:
            return found
    if attestation:
        checked.append("attestation: voice_message_sent is true in the answers")
        return VoiceEvidence(
            True,
            "attestation",
            "the user states a voice message was sent (voice_message_sent: true); "
            + ("CloudWatch/CloudTrail could not be read to confirm it"
               if any(UNREADABLE in line for line in checked) else "AWS shows no record of it"),
            tuple(checked),
        )
    # Say what was not counted: a user who ran a DryRun would otherwise wonder.
    ignored = next((f" (CloudTrail: {line.rsplit('(', 1)[1].rstrip(')')})"
                    for line in checked if "DryRun or failed" in line), "")
    return VoiceEvidence(
        False,
        None,
        f"no evidence of a voice message sent in {region}{ignored}; to fix, {HOW_TO_FIX}",
        tuple(checked),
    )


def _first_verified(client: PinpointSMSVoiceV2Client) -> str | None:
    pages = client.get_paginator("describe_verified_destination_numbers").paginate(
        Filters=[{"Name": "status", "Values": ["VERIFIED"]}]
    )
    for page in pages:
        for item in page.get("VerifiedDestinationNumbers", []):
            if item.get("Status") == "VERIFIED":
                return str(item["DestinationPhoneNumber"])
    return None


def voice_available(account: AwsAccount, region: str, *, probe: bool = True) -> bool | None:
    """False when AWS says voice is not available in `region`; None when it cannot tell.

    No read API says so; a DryRun SendVoiceMessage (validated, never sent, but it needs the
    sms-voice:SendVoiceMessage permission) from an ACTIVE voice number is the only probe.
    Without such a number, or with `probe=False`, there is nothing to ask: None.
    """
    from pinpoint_sandbox.aws.facts import VOICE_NUMBERS

    if not probe:
        return None
    errors = aws.AWS_ERRORS
    try:
        numbers = account.read(VOICE_NUMBERS, region)
    except errors:
        return None
    if not numbers:
        return None
    origination = str(numbers[0].get("PhoneNumber") or numbers[0].get("PhoneNumberId"))
    client = account.client(SMS_VOICE, region)
    try:
        # A verified destination keeps sandbox rules from hiding the answer.
        destination = _first_verified(client) or origination
        client.send_voice_message(
            DestinationPhoneNumber=destination,
            OriginationIdentity=origination,
            MessageBody="pinpoint-sandbox voice availability check",
            DryRun=True,
        )
    except errors as exc:
        response = getattr(exc, "response", None) or {}
        if (
            error_code(exc) == "ValidationException"
            and response.get("Reason") == "VOICE_CAPABILITY_NOT_AVAILABLE"
        ):
            return False
        return None
    return True
