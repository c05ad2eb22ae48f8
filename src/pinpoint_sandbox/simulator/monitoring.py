"""CloudWatch (AWS/SMSVoice spend metrics) and CloudTrail (SendVoiceMessage events): the two
places the tool looks for proof that a voice message was sent. Retention follows AWS: metric
datapoints 15 months (455 days), LookupEvents 90 days; ListMetrics hides metrics with no
datapoint in the last 14 days, as AWS does.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from pinpoint_sandbox.simulator.api import ApiError, Call, Handler, paginate, ts
from pinpoint_sandbox.simulator.state import DAY

NAMESPACE = "AWS/SMSVoice"
METRIC_RETENTION = 455 * DAY
LIST_METRICS_WINDOW = 14 * DAY
EVENT_RETENTION = 90 * DAY
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


def _dimensions(call: Call) -> list[dict[str, str]]:
    """The dimensions every simulated metric of the region is published with (CloudWatch
    matches a query's dimensions exactly, in any order)."""
    found: list[dict[str, str]] = call.region_state().get("metric_dimensions") or []
    return found


def _same_dimensions(asked: Any, published: list[dict[str, str]]) -> bool:
    def key(dims: Any) -> set[tuple[str, str]]:
        return {(str(d.get("Name")), str(d.get("Value"))) for d in dims or []}

    return key(asked) == key(published)


def _points(call: Call, namespace: Any, metric: Any, dimensions: Any) -> list[list[float]]:
    """Datapoints of one metric, for a query naming exactly its published dimensions."""
    if namespace != NAMESPACE or not _same_dimensions(dimensions, _dimensions(call)):
        return []
    points = call.region_state()["metrics"].get(str(metric), [])
    oldest = call.now - METRIC_RETENTION
    return [p for p in points if p[0] >= oldest]


def _time(call: Call, name: str) -> float:
    value = call.params.get(name)
    if value is None:
        raise ApiError("MissingRequiredParameterException", f"{name} is required.")
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    try:  # the query protocol sends ISO 8601 text
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError("InvalidParameterValueException", f"{name} is not a timestamp.") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _aggregate(values: list[float], stat: str) -> float:
    if stat == "Sum":
        return sum(values)
    if stat == "Average":
        return sum(values) / len(values)
    if stat == "Minimum":
        return min(values)
    if stat == "SampleCount":
        return float(len(values))
    return max(values)


def _buckets(points: list[list[float]], start: float, end: float,
             period: int) -> dict[float, list[float]]:
    buckets: dict[float, list[float]] = {}
    for when, value in points:
        if start <= when < end:
            slot = start + math.floor((when - start) / period) * period
            buckets.setdefault(slot, []).append(value)
    return buckets


def _period(value: Any) -> int:
    try:
        period = int(value)
    except (TypeError, ValueError) as exc:
        raise ApiError("InvalidParameterValueException", "Period must be an integer.") from exc
    if period < 1:
        raise ApiError("InvalidParameterValueException", "Period must be at least 1 second.")
    return period


def cw_get_metric_data(call: Call) -> dict[str, Any]:
    queries = call.params.get("MetricDataQueries") or []
    if not queries:
        raise ApiError("MissingRequiredParameterException", "MetricDataQueries is required.")
    start, end = _time(call, "StartTime"), _time(call, "EndTime")
    if start >= end:
        raise ApiError("InvalidParameterValueException", "StartTime must be before EndTime.")
    results = []
    for query in queries:
        if str(query.get("ReturnData", "true")).lower() == "false":
            continue
        stat = query.get("MetricStat")
        if not stat:
            results.append({"Id": query.get("Id"), "Label": query.get("Label", ""),
                            "Timestamps": [], "Values": [], "StatusCode": "Complete",
                            "Messages": [{"Code": "Unsupported",
                                          "Value": "The simulator does not evaluate "
                                                   "metric math expressions."}]})
            continue
        metric = stat.get("Metric") or {}
        points = _points(call, metric.get("Namespace"), metric.get("MetricName"),
                         metric.get("Dimensions"))
        buckets = _buckets(points, start, end, _period(stat.get("Period")))
        slots = sorted(buckets, reverse=call.params.get("ScanBy") != "TimestampAscending")
        results.append({
            "Id": query.get("Id"),
            "Label": query.get("Label") or str(metric.get("MetricName", "")),
            "Timestamps": [ts(s) for s in slots],
            "Values": [_aggregate(buckets[s], str(stat.get("Stat", "Maximum"))) for s in slots],
            "StatusCode": "Complete",
        })
    return {"MetricDataResults": results, "Messages": []}


def cw_get_metric_statistics(call: Call) -> dict[str, Any]:
    for name in ("Namespace", "MetricName", "Period"):
        if call.params.get(name) in (None, ""):
            raise ApiError("MissingRequiredParameterException", f"{name} is required.")
    start, end = _time(call, "StartTime"), _time(call, "EndTime")
    statistics = call.params.get("Statistics") or []
    if not statistics and not call.params.get("ExtendedStatistics"):
        raise ApiError("MissingRequiredParameterException",
                       "Statistics or ExtendedStatistics is required.")
    unknown = [s for s in statistics if s not in STATISTICS]
    if unknown:
        raise ApiError("InvalidParameterValueException", f"Unknown statistic {unknown[0]}.")
    points = _points(call, call.params["Namespace"], call.params["MetricName"],
                     call.params.get("Dimensions"))
    buckets = _buckets(points, start, end, _period(call.params["Period"]))
    datapoints = [
        {"Timestamp": ts(slot), "Unit": "None",
         **{s: _aggregate(values, s) for s in statistics}}
        for slot, values in sorted(buckets.items())
    ]
    return {"Label": call.params["MetricName"], "Datapoints": datapoints}


def cw_list_metrics(call: Call) -> dict[str, Any]:
    namespace = call.params.get("Namespace")
    name = call.params.get("MetricName")
    window = 3 * 3600 if call.params.get("RecentlyActive") == "PT3H" else LIST_METRICS_WINDOW
    metrics = []
    for metric_name, points in call.region_state()["metrics"].items():
        if namespace not in (None, NAMESPACE) or name not in (None, metric_name):
            continue
        published = _dimensions(call)
        wanted = call.params.get("Dimensions") or []
        # A ListMetrics filter names dimensions the metric must have (a Value is optional).
        if any(not any(p.get("Name") == w.get("Name") and w.get("Value") in (None, p.get("Value"))
                       for p in published) for w in wanted):
            continue
        if any(p[0] >= call.now - window for p in points):
            metrics.append({"Namespace": NAMESPACE, "MetricName": metric_name,
                            "Dimensions": [dict(d) for d in published]})
    page, token = paginate(metrics, call.params, max_key="MaxRecords", default_size=500,
                           invalid_token="InvalidNextToken")
    return {"Metrics": page, **({"NextToken": token} if token else {})}


LOOKUP_KEYS = {"EventName": "EventName", "EventSource": "EventSource", "EventId": "EventId",
               "ReadOnly": "ReadOnly", "AccessKeyId": "AccessKeyId", "Username": "Username"}


def ct_lookup_events(call: Call) -> dict[str, Any]:
    attributes = call.params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise ApiError("InvalidLookupAttributesException",
                       "You can specify only one lookup attribute.")
    events = [e for e in call.region_state()["events"]
              if e["EventTime"] >= call.now - EVENT_RETENTION]
    for attribute in attributes:
        key = attribute.get("AttributeKey")
        if key not in LOOKUP_KEYS and key not in ("ResourceType", "ResourceName"):
            raise ApiError("InvalidLookupAttributesException",
                           f"Invalid attribute key {key}.")
        wanted = attribute.get("AttributeValue")
        events = [e for e in events if str(e.get(LOOKUP_KEYS.get(key, ""), "")) == wanted]
    start = call.params.get("StartTime")
    end = call.params.get("EndTime")
    if start is not None and end is not None and float(start) > float(end):
        raise ApiError("InvalidTimeRangeException", "StartTime must be before EndTime.")
    if start is not None:
        events = [e for e in events if e["EventTime"] >= float(start)]
    if end is not None:
        events = [e for e in events if e["EventTime"] <= float(end)]
    size = call.params.get("MaxResults")
    if size is not None and not 1 <= int(size) <= 50:
        raise ApiError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
    events.sort(key=lambda e: e["EventTime"], reverse=True)
    page, token = paginate(events, call.params, default_size=50,
                           invalid_token="InvalidNextTokenException")
    return {"Events": [{**e, "EventTime": ts(e["EventTime"])} for e in page],
            **({"NextToken": token} if token else {})}


OPERATIONS: dict[str, dict[str, Handler]] = {
    "cloudwatch": {
        "GetMetricData": cw_get_metric_data,
        "GetMetricStatistics": cw_get_metric_statistics,
        "ListMetrics": cw_list_metrics,
    },
    "cloudtrail": {"LookupEvents": ct_lookup_events},
}
