"""The simulator's mutable world: per-account, per-region state seeded from a scenario, the
request log, and JSON persistence (written atomically: tmp file + os.replace)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pinpoint_sandbox.simulator.scenario import (
    SPEND_LIMIT_NAMES,
    Account,
    Scenario,
    ScenarioError,
    parse_scenario,
)

STATE_VERSION = 1
T = TypeVar("T")
DAY = 86400.0

WRITE_OPERATIONS = frozenset(
    {
        "RequestServiceQuotaIncrease",
        "CreateSupportCase",
        "CreateCase",
        "AddCommunicationToCase",
        "AddAttachmentsToSet",
        "SendVoiceMessage",
        "ResolveCase",
    }
)

SMS_VOICE_SERVICE_CODE = "sms-voice"
SMS_VOICE_SERVICE_NAME = "AWS End User Messaging SMS and Voice"

# Invented quota codes: AWS does not publish the real ones, and the tool discovers them by name.
QUOTAS: dict[str, dict[str, Any]] = {
    "sms": {"code": "L-5BD4E1A9", "name": "SMS production access", "channel": "sms"},
    "voice": {"code": "L-8C1F2E07", "name": "Voice production access", "channel": "voice"},
    "text-spend": {"code": "L-2A0F4D19", "name": "TextMessageMonthlySpend", "channel": "sms"},
    "voice-spend": {"code": "L-6E3B9C42", "name": "VoiceMessageMonthlySpend", "channel": "voice"},
    "media-spend": {"code": "L-9D7A5B31", "name": "MediaMessageMonthlySpend", "channel": "sms"},
}
# Writes that change a region's enforced spend limits (kept apart from WRITE_OPERATIONS, the
# production-access writes that tests count).
SPEND_OVERRIDE_WRITES = frozenset(
    f"{verb}{kind}MessageSpendLimitOverride"
    for verb in ("Set", "Delete")
    for kind in ("Text", "Voice", "Media", "Notify", "Rcs")
)
PRODUCTION_ACCESS_QUOTAS = ("sms", "voice")
CASE_CATEGORY = {"sms": "service-code-pinpoint-sms", "voice": "pinpoint-voice"}
OPEN_QUOTA_STATUSES = ("PENDING", "CASE_OPENED")
# botocore's Communication.submittedBy: AWS Support's entries show this, with no email address.
AWS_SUBMITTER = "Amazon Web Services"


@dataclass
class RequestRecord:
    service: str
    operation: str
    account_id: str | None
    region: str | None
    params: dict[str, Any]
    status: int
    error_code: str | None
    time: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RequestRecord:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


def new_id(length: int = 16) -> str:
    return secrets.token_hex(length // 2)


def phone_number_record(
    spec: dict[str, Any], account_id: str, region: str, now: float
) -> dict[str, Any]:
    number_id = "phone-" + new_id(32)
    return {
        "PhoneNumberId": number_id,
        "PhoneNumberArn": f"arn:aws:sms-voice:{region}:{account_id}:phone-number/{number_id}",
        "PhoneNumber": spec["number"],
        "Status": spec.get("status", "ACTIVE"),
        "IsoCountryCode": spec.get("iso_country_code", "US"),
        "MessageType": spec.get("message_type", "TRANSACTIONAL"),
        "NumberCapabilities": list(spec.get("capabilities", ["SMS", "VOICE"])),
        "NumberType": spec.get("number_type", "LONG_CODE"),
        "MonthlyLeasingPrice": "1.00",
        "TwoWayEnabled": False,
        "SelfManagedOptOutsEnabled": False,
        "OptOutListName": "Default",
        "DeletionProtectionEnabled": False,
        "CreatedTimestamp": now - 30 * DAY,
        **({"RegistrationId": spec["registration_id"]} if spec.get("registration_id") else {}),
    }


def sender_id_record(spec: dict[str, Any], account_id: str, region: str) -> dict[str, Any]:
    sender, country = spec["sender_id"], spec["iso_country_code"]
    return {
        "SenderIdArn": f"arn:aws:sms-voice:{region}:{account_id}:sender-id/{sender}/{country}",
        "SenderId": sender,
        "IsoCountryCode": country,
        "MessageTypes": list(spec.get("message_types") or ["TRANSACTIONAL"]),
        "MonthlyLeasingPrice": "0.00",
        "DeletionProtectionEnabled": False,
        "Registered": bool(spec.get("registered")),
        **({"RegistrationId": spec["registration_id"]} if spec.get("registration_id") else {}),
    }


def registration_record(
    spec: dict[str, Any], account_id: str, region: str, now: float
) -> dict[str, Any]:
    reg_id = spec["registration_id"]
    complete = spec.get("status") == "COMPLETE"
    return {
        "RegistrationArn": f"arn:aws:sms-voice:{region}:{account_id}:registration/{reg_id}",
        "RegistrationId": reg_id,
        "RegistrationType": spec["registration_type"],
        "RegistrationStatus": spec.get("status", "CREATED"),
        "CurrentVersionNumber": 1,
        **({"ApprovedVersionNumber": 1} if complete else {}),
        "CreatedTimestamp": now - float(spec.get("days_ago", 1)) * DAY,
    }


def after_approval_state(
    settings: Any, account_id: str, region: str, seeded_at: float
) -> dict[str, Any]:
    """Spend limits (MaxLimit per name) and overrides, sender IDs and registrations."""
    return {
        "spend_limits": {
            name: value
            for key, name in SPEND_LIMIT_NAMES.items()
            if (value := getattr(settings.spend_limits, key)) is not None
        },
        "spend_overrides": {
            SPEND_LIMIT_NAMES[key]: value for key, value in settings.spend_overrides.items()
        },
        "sender_ids": [
            sender_id_record(s.model_dump(), account_id, region) for s in settings.sender_ids
        ],
        "registrations": [
            registration_record(r.model_dump(), account_id, region, seeded_at)
            for r in settings.registrations
        ],
    }


class SimulatorState:
    """All simulated accounts. Handlers mutate `data` under `lock`; `save()` persists it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.lock = threading.RLock()
        self._by_key: dict[str, str] | None = None
        try:
            self.scenario: Scenario = parse_scenario(data["scenario"])
        except (KeyError, TypeError) as exc:
            raise ScenarioError("simulator state file has no scenario; reset it.") from exc

    # ---- construction and persistence -------------------------------------------------
    @classmethod
    def new(cls, scenario: dict[str, Any], now: float | None = None) -> SimulatorState:
        now = time.time() if now is None else now
        data: dict[str, Any] = {
            "version": STATE_VERSION,
            "scenario": scenario,
            "seeded_at": now,
            "accounts": {},
            "sessions": {},
            "requests": [],
            "lost_responses": dict(scenario.get("faults", {}).get("lose_response", {})),
            "counter": 0,
        }
        state = cls(data)
        from pinpoint_sandbox.aws.regions import sms_voice_regions

        for account in state.scenario.accounts:
            data["accounts"][account.account_id] = {
                "cases": [], "quota_requests": [], "regions": {}
            }
            for region in sorted({*sms_voice_regions(), *account.regions}):
                state.region(account.account_id, region)
            for seed in account.support_cases:
                case = state.add_case(
                    account.account_id,
                    subject=seed.subject,
                    body=seed.body,
                    service_code=seed.service_code,
                    category_code=seed.category_code,
                    severity_code=seed.severity_code,
                    status=seed.status,
                    created=now - seed.days_ago * DAY,
                    origin="scenario",
                )
                for message in seed.communications:
                    case["communications"].append({
                        "body": message.body,
                        "submittedBy": AWS_SUBMITTER if message.by == "aws"
                        else case["submittedBy"],
                        "timeCreated": now - message.days_ago * DAY,
                    })
        return state

    @classmethod
    def load(cls, path: Path) -> SimulatorState:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ScenarioError(
                f"{path}: cannot read the simulator state ({exc}); reset it with "
                "`pinpoint-sandbox simulator reset`."
            ) from exc
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ScenarioError(
                f"{path}: not a simulator state file of this version; reset it with "
                "`pinpoint-sandbox simulator reset`."
            )
        return cls(data)

    def to_json(self) -> str:
        with self.lock:
            return json.dumps(self.data, separators=(",", ":"))  # compact: saved often

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        os.replace(tmp, path)

    def reset_caches(self) -> None:
        """After `data` was replaced by the file's newer copy."""
        self._by_key = None

    # ---- read helpers (public API) ----------------------------------------------------
    @property
    def default_account(self) -> str:
        return str(self.scenario.default_account)

    @property
    def default_region(self) -> str:
        return self.scenario.default_region

    @property
    def requests(self) -> list[RequestRecord]:
        with self.lock:
            return [RequestRecord.from_json(r) for r in self.data["requests"]]

    def account_ids(self) -> list[str]:
        return list(self.data["accounts"])

    def account_spec(self, account_id: str) -> Account:
        account = self.scenario.account(account_id)
        if account is None:
            raise KeyError(account_id)
        return account

    def cases(self, account_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self.data["accounts"][account_id]["cases"]]

    def quota_requests(self, account_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(q) for q in self.data["accounts"][account_id]["quota_requests"]]

    def tier(self, account_id: str, region: str) -> str:
        return str(self.region(account_id, region)["tier"])

    def voice_sends(self, account_id: str, region: str) -> list[dict[str, Any]]:
        return list(self.region(account_id, region)["voice_sends"])

    # ---- credentials -----------------------------------------------------------------
    def account_for_access_key(self, access_key: str | None) -> str | None:
        """The account an access key belongs to; None for an unknown key."""
        if not access_key:
            return None
        if self._by_key is None:  # one dict instead of a scan per request (many accounts)
            self._by_key = {a.access_key: a.account_id for a in self.scenario.accounts}
        if access_key in self._by_key:
            return self._by_key[access_key]
        session = self.data["sessions"].get(access_key)
        if session:
            return str(session["account_id"])
        # Temporary keys carry their account (ASIASIM<account><random>), so they outlive a reset.
        if access_key.startswith("ASIASIM") and self.scenario.account(access_key[7:19]):
            return access_key[7:19]
        return None

    def caller_arn(self, account_id: str, access_key: str | None) -> str:
        session = self.data["sessions"].get(access_key or "")
        if session:
            return str(session["arn"])
        spec = self.scenario.account(account_id)
        partition = spec.partition if spec is not None else "aws"
        return f"arn:{partition}:iam::{account_id}:user/simulator"

    def refuses_region(self, account_id: str, region: str) -> bool:
        """Whether AWS would refuse this account's keys in `region`: an opt-in region it has
        not enabled, or a region of another partition."""
        from pinpoint_sandbox.aws.regions import partition_of

        spec = self.scenario.account(account_id)
        if spec is None:
            return False
        return region in spec.disabled_regions or (
            partition_of(region) or "aws") != spec.partition

    # ---- mutation helpers ------------------------------------------------------------
    def next_number(self) -> int:
        self.data["counter"] += 1
        return int(self.data["counter"])

    def region(self, account_id: str, region: str) -> dict[str, Any]:
        """The region's state, created from the scenario on first use."""
        regions = self.data["accounts"][account_id]["regions"]
        found: dict[str, Any] | None = regions.get(region)
        if found is not None:
            return found
        settings = self.account_spec(account_id).region_settings(region)
        seeded_at = float(self.data["seeded_at"])
        found = {
            "tier": settings.tier,
            **after_approval_state(settings, account_id, region, seeded_at),
            "voice_spend_limit_reached": settings.voice_spend_limit_reached,
            "voice_available": settings.voice_available,
            "verified_destinations": [],
            "phone_numbers": [
                phone_number_record(p.model_dump(), account_id, region, seeded_at)
                for p in settings.phone_numbers
            ],
            "voice_sends": [],
            "metrics": {"VoiceMessageMonthlySpend": [], "TextMessageMonthlySpend": []},
            "metric_dimensions": [dict(d) for d in settings.cloudwatch_metric_dimensions],
            "events": [],
        }
        regions[region] = found
        for dest in settings.verified_destinations:
            spec = dest.model_dump()
            vid = "verifieddestination-" + new_id(32)
            found["verified_destinations"].append(
                {
                    "VerifiedDestinationNumberId": vid,
                    "VerifiedDestinationNumberArn": (
                        f"arn:aws:sms-voice:{region}:{account_id}:verified-destination-number/{vid}"
                    ),
                    "DestinationPhoneNumber": spec["number"],
                    "Status": spec.get("status", "VERIFIED"),
                    "CreatedTimestamp": seeded_at - 7 * DAY,
                }
            )
        self._seed_monitoring(found, settings, account_id, region, seeded_at)
        for seed in settings.quota_requests:
            self.add_quota_request(
                account_id,
                region,
                quota_key=seed.quota,
                desired_value=seed.desired_value,
                status=seed.status,
                created=seeded_at - seed.days_ago * DAY,
                with_case=seed.status != "PENDING",
            )
        return found

    def _seed_monitoring(self, found: dict[str, Any], settings: Any, account_id: str,
                         region: str, seeded_at: float) -> None:
        """CloudWatch datapoints and CloudTrail events of the scenario's voice evidence."""
        both = settings.voice_messages_sent_days_ago
        for days in [*both, *settings.cloudwatch_voice_spend_days_ago]:
            found["metrics"]["VoiceMessageMonthlySpend"].append([seeded_at - days * DAY, 0.013])
        for days in settings.cloudwatch_text_spend_days_ago:
            found["metrics"]["TextMessageMonthlySpend"].append([seeded_at - days * DAY, 0.0075])
        for days in [*both, *settings.cloudtrail_voice_sends_days_ago]:
            found["events"].append(
                self.cloudtrail_event(account_id, region, seeded_at - days * DAY, None)
            )
        for days in settings.cloudtrail_voice_dry_runs_days_ago:
            found["events"].append(self.cloudtrail_event(
                account_id, region, seeded_at - days * DAY, None, dry_run=True))

    def cloudtrail_event(
        self, account_id: str, region: str, when: float, access_key: str | None,
        *, dry_run: bool = False, error_code: str | None = None,
        error_message: str | None = None,
    ) -> dict[str, Any]:
        """A SendVoiceMessage event as CloudTrail logs it: every call, dry runs and refusals
        included (those carry `dryRun` in requestParameters, or an `errorCode`)."""
        event_id = f"{new_id(8)}-{new_id(4)}-{new_id(4)}-{new_id(4)}-{new_id(12)}"
        detail: dict[str, Any] = {
            "eventVersion": "1.09",
            "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)),
            "eventSource": "sms-voice.amazonaws.com",
            "eventName": "SendVoiceMessage",
            "awsRegion": region,
            "recipientAccountId": account_id,
            "eventID": event_id,
            "readOnly": False,
            "requestParameters": {"dryRun": dry_run},
        }
        if error_code:
            detail["errorCode"], detail["errorMessage"] = error_code, error_message or error_code
        return {
            "EventId": event_id,
            "EventName": "SendVoiceMessage",
            "ReadOnly": "false",
            "AccessKeyId": access_key or f"AKIASIM{account_id}",
            "EventTime": when,
            "EventSource": "sms-voice.amazonaws.com",
            "Username": "simulator",
            "Resources": [],
            "CloudTrailEvent": json.dumps(detail),
        }

    def add_case(
        self,
        account_id: str,
        *,
        subject: str,
        body: str,
        service_code: str,
        category_code: str,
        severity_code: str = "low",
        status: str = "opened",
        created: float | None = None,
        cc: list[str] | None = None,
        language: str = "en",
        origin: str,
    ) -> dict[str, Any]:
        created = time.time() if created is None else created
        case = {
            "caseId": f"case-{account_id}-2026-{new_id(16)}",
            "displayId": str(17_000_000_000 + self.next_number()),
            "subject": subject,
            "status": status,
            "serviceCode": service_code,
            "categoryCode": category_code,
            "severityCode": severity_code,
            "submittedBy": f"simulator@{account_id}.example.com",
            "timeCreated": created,
            "ccEmailAddresses": list(cc or []),
            "language": language,
            "origin": origin,
            "communications": [
                {"body": body, "submittedBy": f"simulator@{account_id}.example.com",
                 "timeCreated": created}
            ],
        }
        self.data["accounts"][account_id]["cases"].append(case)
        return case

    def add_quota_request(
        self,
        account_id: str,
        region: str,
        *,
        quota_key: str,
        desired_value: float,
        status: str,
        created: float | None = None,
        with_case: bool = True,
    ) -> dict[str, Any]:
        created = time.time() if created is None else created
        quota = QUOTAS[quota_key]
        request: dict[str, Any] = {
            "Id": new_id(32),
            "ServiceCode": SMS_VOICE_SERVICE_CODE,
            "ServiceName": SMS_VOICE_SERVICE_NAME,
            "QuotaCode": quota["code"],
            "QuotaName": quota["name"],
            "DesiredValue": float(desired_value),
            "Status": status,
            "Created": created,
            "LastUpdated": created,
            "Requester": f"arn:aws:iam::{account_id}:user/simulator",
            "QuotaArn": (
                f"arn:aws:servicequotas:{region}:{account_id}:"
                f"{SMS_VOICE_SERVICE_CODE}/{quota['code']}"
            ),
            "GlobalQuota": False,
            "Unit": "None",
            "QuotaRequestedAtLevel": "ACCOUNT",
            "Region": region,
        }
        if with_case and status == "PENDING":
            # AWS answers PENDING first and opens the case later (see open_quota_cases).
            request["_case_reads_left"] = self.account_spec(account_id).quota_case_opens_after_reads
        elif with_case:
            request["CaseId"] = self.quota_case(account_id, request)["displayId"]
        self.data["accounts"][account_id]["quota_requests"].append(request)
        return request

    def open_quota_case(self, account_id: str, request: dict[str, Any], now: float) -> None:
        """A read of a PENDING request whose case AWS is about to open: after the scenario's
        number of reads the case opens and `CaseId` is its display id (numeric), as AWS shows."""
        left = request.get("_case_reads_left")
        if left is None or request.get("Status") != "PENDING":
            return
        if int(left) > 0:
            request["_case_reads_left"] = int(left) - 1
            return
        del request["_case_reads_left"]
        request["Status"] = "CASE_OPENED"
        request["LastUpdated"] = now
        request["CaseId"] = self.quota_case(account_id, request)["displayId"]

    def quota_case(self, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """The support case AWS opens for a quota request (region in subject and body)."""
        quota = next(q for q in QUOTAS.values() if q["code"] == request["QuotaCode"])
        region = request["Region"]
        body = (
            f"Service: {SMS_VOICE_SERVICE_NAME}\n"
            f"Quota name: {quota['name']} ({quota['code']})\n"
            f"Requested increases:\nRegion: {region} - Desired value: {request['DesiredValue']:g}\n"
            f"Quota increase request id: {request['Id']}"
        )
        return self.add_case(
            account_id,
            subject=f"Service Quotas: {SMS_VOICE_SERVICE_NAME} {quota['name']} ({region})",
            body=body,
            service_code="service-limit-increase",
            category_code=CASE_CATEGORY[quota["channel"]],
            created=float(request["Created"]),
            status="opened" if request["Status"] in OPEN_QUOTA_STATUSES else "resolved",
            origin="service-quotas",
        )


class SharedStateFile:
    """One scenario's state file shared by processes: an exclusive `flock` on a lock file
    beside it, and the file's identity (inode, mtime, size) as last read or written here, so
    a process reads the file again only when another one changed it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._seen: tuple[int, int, int] | None = None
        self._depth = 0
        self._fd: int | None = None

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def mark_seen(self) -> None:
        self._seen = self._identity()

    def changed(self) -> SimulatorState | None:
        """The file's state when another process wrote it since; None when unchanged (or
        removed: `simulator reset` while this process runs; its next save writes it again)."""
        now = self._identity()
        if now is None or now == self._seen:
            return None
        fresh = SimulatorState.load(self.path)
        self._seen = now
        return fresh

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Re-entrant within one thread of this process (the caller holds the state's lock)."""
        if self._depth == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            _flock(self._fd, exclusive=True)
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                _flock(self._fd, exclusive=False)
                os.close(self._fd)
                self._fd = None


def _flock(fd: int, *, exclusive: bool) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: one process at a time is the user's to keep
        return
    fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_UN)


def update_state_file(path: Path, change: Callable[[SimulatorState], T]) -> T:
    """Read-modify-write of a state file under its lock (what `simulator advance` does)."""
    shared = SharedStateFile(path)
    with shared.locked():
        state = SimulatorState.load(path)
        result = change(state)
        state.save(path)
    return result
