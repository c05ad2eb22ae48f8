"""AWS's side of a request's life in the simulator: approve, deny, or ask a question on a
target's quota request and case — what `simulator advance` does, so a newcomer can watch
`status` follow a request from filed to production."""

from __future__ import annotations

import contextlib
import time
from typing import Any, Literal

from pinpoint_sandbox.simulator.scenario import ScenarioError
from pinpoint_sandbox.simulator.state import (
    AWS_SUBMITTER,
    OPEN_QUOTA_STATUSES,
    QUOTAS,
    SimulatorState,
)

Action = Literal["approve", "deny", "ask"]
ACTIONS: tuple[str, ...] = ("approve", "deny", "ask")
DEFAULT_MESSAGES = {
    "approve": "Your account has been moved out of the sandbox in {region}.",
    "deny": "We are unable to approve this request: the opt-in process is not described in "
            "enough detail. Please open a new request with more information.",
    "ask": "Thank you for your request. Please describe how recipients opt in to your "
           "messages, with a link to the opt-in form or a screenshot.",
}


def _latest_request(state: SimulatorState, account_id: str, region: str,
                    channel: str) -> dict[str, Any] | None:
    state.region(account_id, region)  # seeds this region's scenario requests
    code = QUOTAS[channel]["code"]
    found = [q for q in state.data["accounts"][account_id]["quota_requests"]
             if q["Region"] == region and q["QuotaCode"] == code]
    return max(found, key=lambda q: q["Created"]) if found else None


def _latest_case(state: SimulatorState, account_id: str, region: str, channel: str,
                 request: dict[str, Any] | None) -> dict[str, Any] | None:
    cases = state.data["accounts"][account_id]["cases"]
    if request is not None and request.get("CaseId"):
        # Service Quotas names the case by its display id, as AWS does.
        return next((c for c in cases if request["CaseId"] in (c["displayId"], c["caseId"])),
                    None)
    tag = f"[pinpoint-sandbox {channel} {region} {account_id}]"

    def ours(subject: str) -> bool:  # our tag, or a production-access case opened by hand
        lowered = subject.lower()
        return tag in subject or (f"{channel} production access" in lowered
                                  and region in lowered)

    found = [c for c in cases if ours(c["subject"])]
    return max(found, key=lambda c: c["timeCreated"]) if found else None


def advance(
    state: SimulatorState, account_id: str, region: str, channel: str, action: Action,
    message: str | None = None, *, now: float | None = None,
) -> str:
    """Apply AWS's decision or question to the target's newest request; a one-line summary."""
    if channel not in ("sms", "voice") or action not in ACTIONS:
        raise ScenarioError(f"advance: unknown channel {channel!r} or action {action!r}.")
    now = time.time() if now is None else now
    with state.lock:
        if account_id not in state.data["accounts"]:
            raise ScenarioError(f"advance: account {account_id} is not in the scenario.")
        request = _latest_request(state, account_id, region, channel)
        case = _latest_case(state, account_id, region, channel, request)
        if action != "approve" and request is None and case is None:
            raise ScenarioError(
                f"advance: nothing was requested for {account_id}/{region}/{channel} yet.")
        text = message or DEFAULT_MESSAGES[action].format(region=region)
        if action == "approve":
            state.region(account_id, region)["tier"] = "PRODUCTION"
        if request is not None:
            request["LastUpdated"] = now
            if action == "approve":
                request["Status"] = "APPROVED"
            elif action == "deny":
                request["Status"] = "DENIED"
            elif request["Status"] not in OPEN_QUOTA_STATUSES:
                raise ScenarioError("advance: the request is closed; AWS cannot ask on it.")
        if case is not None:
            case["communications"].append(
                {"body": text, "submittedBy": AWS_SUBMITTER, "timeCreated": now})
            case["status"] = "pending-customer-action" if action == "ask" else "resolved"
    done = {"approve": "approved", "deny": "denied", "ask": "asked a question on"}[action]
    ids = ", ".join(x for x in (request and f"request {request['Id']}",
                                case and f"case {case['caseId']}") if x)
    return f"AWS {done} {account_id}/{region}/{channel} ({ids or 'tier only'})."


def apply_timeline(state: SimulatorState, now: float) -> None:
    """Play the scenario's timeline events that are due (called on the reads `status` makes)."""
    events = state.scenario.timeline
    if not events:
        return
    with state.lock:
        done: list[int] = state.data.setdefault("timeline_done", [])
        for index, event in enumerate(events):
            if index in done:
                continue
            parts = event.target.split("/")
            account_id = parts[0] if len(parts) == 3 else state.default_account
            region, channel = parts[-2], parts[-1]
            if account_id not in state.data["accounts"]:
                continue
            request = _latest_request(state, account_id, region, channel)
            case = _latest_case(state, account_id, region, channel, request)
            anchor = request["Created"] if request else case["timeCreated"] if case else None
            if anchor is None or now < float(anchor) + event.after_s:
                continue
            # Asking on a closed request has nothing to act on: the event is spent anyway.
            with contextlib.suppress(ScenarioError):
                advance(state, account_id, region, channel, event.action, event.message,
                        now=now)
            done.append(index)
