"""One boto3 Session per account, clients built up front in the calling thread.

boto3 Sessions are not thread-safe, clients are: so `AwsAccount.prepare()` builds every client
the plan needs before any thread pool fans out, and worker threads only call `client()` for
clients that already exist. Endpoints come from boto3's own chain (`AWS_ENDPOINT_URL`,
`AWS_ENDPOINT_URL_<SERVICE>`), never from this module. boto3 is imported lazily so `--help`
stays fast.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pinpoint_sandbox.errors import AwsError, UsageError

if TYPE_CHECKING:
    import boto3

SMS_VOICE = "pinpoint-sms-voice-v2"
SERVICE_QUOTAS = "service-quotas"
SUPPORT = "support"
STS = "sts"
CLOUDWATCH = "cloudwatch"
CLOUDTRAIL = "cloudtrail"

# The Support API is global: its only commercial endpoint signs for us-east-1.
SUPPORT_REGION = "us-east-1"

REGIONAL_SERVICES = (SMS_VOICE, SERVICE_QUOTAS, CLOUDWATCH, CLOUDTRAIL)
MAX_ATTEMPTS_LIMIT = 20  # a larger value would retry a throttled call for many minutes


def max_attempts() -> int:
    """Total requests per call (first try included); tests lower it to keep throttling fast."""
    raw = os.environ.get("PINPOINT_SANDBOX_MAX_ATTEMPTS", "5")
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ATTEMPTS_LIMIT:
        shown = repr(raw if len(raw) <= 20 else raw[:20] + "…")
        raise UsageError(
            f"PINPOINT_SANDBOX_MAX_ATTEMPTS must be a whole number from 1 to "
            f"{MAX_ATTEMPTS_LIMIT}, got {shown}: fix it or unset it (default 5)."
        )
    return value


def client_config(pool_size: int = 10, *, attempts: int | None = None) -> Any:
    from botocore.config import Config

    # Pinned: botocore 1.43 defaults to `legacy`, 1.44 to `standard`.
    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts or max_attempts()},
        max_pool_connections=max(10, pool_size),
        connect_timeout=10,
        read_timeout=30,
        user_agent_extra="pinpoint-sandbox",
    )


# Error codes that say "slow down": the call was refused before doing anything.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException",
    "ProvisionedThroughputExceededException", "SlowDown", "BandwidthLimitExceeded",
    "LimitExceededException",
})

if TYPE_CHECKING:
    # botocore's (ClientError, BotoCoreError), built on first use so --help never loads botocore.
    AWS_ERRORS: tuple[type[Exception], ...]


def __getattr__(name: str) -> Any:
    if name == "AWS_ERRORS":
        from botocore.exceptions import BotoCoreError, ClientError

        errors: tuple[type[Exception], ...] = (ClientError, BotoCoreError)
        globals()["AWS_ERRORS"] = errors
        return errors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def http_status(exc: BaseException) -> int | None:
    """The HTTP status AWS answered with (None: no answer at all, e.g. a timeout)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return status if isinstance(status, int) else None
    return None


def is_throttling(exc: BaseException) -> bool:
    """A definite "slow down" refusal (4xx, a throttling code): nothing was done."""
    status = http_status(exc)
    return (
        error_code(exc) in THROTTLING_CODES
        and status is not None
        and 400 <= status < 500
    )


def aws_failure(what: str, exc: BaseException) -> AwsError:
    """One line for a failed read: what was asked, and AWS's code and message."""
    return AwsError(f"{what}: {error_message(exc)}")


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        code, msg = err.get("Code"), err.get("Message")
        if code or msg:
            return f"{code}: {msg}" if msg else str(code)
    return str(exc) or type(exc).__name__


class AwsAccount:
    """Clients for one set of credentials (a profile, an assumed role, or the default chain)."""

    def __init__(
        self,
        *,
        profile: str | None = None,
        role_arn: str | None = None,
        session: boto3.Session | None = None,
    ) -> None:
        self.profile = profile
        self.role_arn = role_arn
        self._session = session
        self._clients: dict[tuple[str, str, bool], Any] = {}
        self._account_id: str | None = None
        self.caller_arn: str | None = None  # from GetCallerIdentity: its partition is the caller's
        self._lock = threading.Lock()
        # Read results shared by this account's targets (e.g. the quota catalogue per region).
        self.cache: dict[tuple[str, str], Any] = {}

    @property
    def label(self) -> str:
        if self.role_arn:
            return f"role {self.role_arn}"
        return f"profile {self.profile}" if self.profile else "default credentials"

    def expected_account_id(self) -> str | None:
        """The account a role ARN names, known before any call (for error reports)."""
        if self.role_arn and self.role_arn.count(":") >= 5:
            candidate = self.role_arn.split(":")[4]
            return candidate if candidate.isdigit() else None
        return None

    @property
    def session(self) -> boto3.Session:
        if self._session is None:
            self._session = _make_session(self.profile, self.role_arn)
        return self._session

    def default_region(self) -> str | None:
        return self.session.region_name

    def client(self, service: str, region: str) -> Any:
        """A client for reads: botocore retries throttling and 5xx for us."""
        return self._client(service, region, single_attempt=False)

    def write_client(self, service: str, region: str) -> Any:
        """A client for write calls: exactly one attempt.

        CreateCase and RequestServiceQuotaIncrease are not idempotent: a retry after a lost
        response could file a second case. The caller reconciles against AWS instead.
        """
        return self._client(service, region, single_attempt=True)

    def _client(self, service: str, region: str, *, single_attempt: bool) -> Any:
        if service == SUPPORT:
            region = SUPPORT_REGION
        key = (service, region, single_attempt)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                config = client_config(attempts=1 if single_attempt else None)
                found = self.session.client(service, region_name=region, config=config)  # type: ignore[call-overload]
                self._clients[key] = found
            return found

    def prepare(
        self,
        regions: Iterable[str],
        services: Iterable[str] = REGIONAL_SERVICES,
        *,
        writes: bool = True,
    ) -> None:
        """Build every client up front, in this thread (Sessions are not thread-safe)."""
        regions = list(regions)
        services = list(services)
        for region in regions:
            for service in services:
                self.client(service, region)
            if writes:
                self.write_client(SERVICE_QUOTAS, region)
                self.write_client(SMS_VOICE, region)
        self.client(SUPPORT, SUPPORT_REGION)
        if writes:
            self.write_client(SUPPORT, SUPPORT_REGION)
        self.client(STS, regions[0] if regions else SUPPORT_REGION)

    def account_id(self, region: str | None = None) -> str:
        """The caller's account (sts GetCallerIdentity needs no permissions)."""
        if self._account_id is None:
            from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

            sts = self.client(STS, region or self.default_region() or SUPPORT_REGION)
            try:
                identity = sts.get_caller_identity()
                self._account_id = str(identity["Account"])
                self.caller_arn = identity.get("Arn")
            except NoCredentialsError as exc:
                raise UsageError(
                    "No AWS credentials found: configure a profile (aws configure, --profile, "
                    "AWS_PROFILE) or try the built-in simulator with --simulate."
                ) from exc
            except (ClientError, BotoCoreError) as exc:
                raise AwsError(
                    f"Could not identify the AWS account for {self.label}: {error_message(exc)}"
                ) from exc
        return self._account_id


def _make_session(profile: str | None, role_arn: str | None) -> boto3.Session:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    try:
        base = boto3.Session(profile_name=profile) if profile else boto3.Session()
    except ProfileNotFound as exc:
        name = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
        source = "" if profile else " (from AWS_PROFILE)"
        raise UsageError(
            f"AWS profile {name!r}{source} was not found in the AWS config files; check its "
            f"name or create it with `aws configure --profile {name}`."
        ) from exc
    if not role_arn:
        return base
    region = base.region_name or SUPPORT_REGION
    sts = base.client("sts", region_name=region, config=client_config())
    try:
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="pinpoint-sandbox")["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        raise AwsError(f"Could not assume role {role_arn}: {error_message(exc)}") from exc
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )
