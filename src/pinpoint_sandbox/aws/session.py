"""AWS access: one botocore session per base profile for the whole process, one client per
(service, region) shared by every account, each call signed with its account's credentials.

A botocore client costs ~26 ms of CPU to build; one per account × region × service does not
scale to an organization. So clients are built once (under a lock: Sessions are not
thread-safe, clients are), and `AwsAccount.client()` hands out a thin wrapper that sets the
account's credentials in a context variable for the duration of each call. The shared clients
resolve credentials through `_ContextCredentials`, which reads that variable: every request,
including botocore's retries and paginated pages, is signed with the calling account's keys.

A process-wide semaphore bounds the calls in flight (`--max-concurrency`). Endpoints come from
boto3's own chain (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, the profile's
`endpoint_url`), never from this module. boto3/botocore are imported lazily so `--help` stays
fast.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import os
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Concatenate,
    Final,
    Generic,
    Literal,
    ParamSpec,
    TypeVar,
    cast,
    overload,
)

from pinpoint_sandbox.aws import pool
from pinpoint_sandbox.aws.botocore_data import data_session as data_session
from pinpoint_sandbox.aws.botocore_data import share_loader, shared_loader
from pinpoint_sandbox.aws.errors import (  # re-exported: aws.error_code(...) reads well
    THROTTLING_CODES as THROTTLING_CODES,
)
from pinpoint_sandbox.aws.errors import error_code as error_code
from pinpoint_sandbox.aws.errors import error_message as error_message
from pinpoint_sandbox.aws.errors import http_status as http_status
from pinpoint_sandbox.aws.errors import is_throttling as is_throttling
from pinpoint_sandbox.core.errors import AwsError, PinpointSandboxError, UsageError

if TYPE_CHECKING:  # the stubs only: nothing of boto3 is imported at runtime
    import logging

    import boto3
    from botocore.client import BaseClient
    from botocore.config import Config
    from botocore.credentials import Credentials, RefreshableCredentials
    from botocore.hooks import EventAliaser, HierarchicalEmitter
    from botocore.loaders import Loader
    from botocore.paginate import Paginator
    from botocore.session import Session
    from types_boto3_cloudtrail.client import CloudTrailClient
    from types_boto3_cloudwatch.client import CloudWatchClient
    from types_boto3_iam.client import IAMClient
    from types_boto3_organizations.client import OrganizationsClient
    from types_boto3_pinpoint_sms_voice_v2.client import PinpointSMSVoiceV2Client
    from types_boto3_service_quotas.client import ServiceQuotasClient
    from types_boto3_sts.client import STSClient
    from types_boto3_sts.type_defs import AssumeRoleRequestTypeDef
    from types_boto3_support.client import SupportClient
    from types_boto3_support.type_defs import CommunicationTypeDef

# botocore's client names; `Final` makes each a Literal, so `client(SUPPORT, …)` is typed.
SMS_VOICE: Final = "pinpoint-sms-voice-v2"
SERVICE_QUOTAS: Final = "service-quotas"
SUPPORT: Final = "support"
STS: Final = "sts"
CLOUDWATCH: Final = "cloudwatch"
CLOUDTRAIL: Final = "cloudtrail"
ORGANIZATIONS: Final = "organizations"
IAM: Final = "iam"

# The commercial signing region of Support. Callers may still pass it, but every global
# service is signed for its partition's region (`regions.global_region`, botocore's data).
SUPPORT_REGION = "us-east-1"
GLOBAL_SERVICES = frozenset({SUPPORT, ORGANIZATIONS, IAM})

REGIONAL_SERVICES = (SMS_VOICE, SERVICE_QUOTAS, CLOUDWATCH, CLOUDTRAIL)
ALL_SERVICES = (*REGIONAL_SERVICES, STS, *sorted(GLOBAL_SERVICES))  # every client this tool builds
MAX_ATTEMPTS_LIMIT = 20  # a larger value would retry a throttled call for many minutes
DEFAULT_MAX_CONCURRENCY = 64
# `AwsAccount.account_id`'s read (GetCallerIdentity needs no permission, but an explicit Deny
# would break every run).
CALLER_IDENTITY_ACTIONS = ("sts:GetCallerIdentity",)
# `_assume_role`'s call (--role-arn, a batch role_arn, each --organization member account):
# `iam-policy` grants it on the given roles only, never on "*".
ASSUME_ROLE_ACTIONS = ("sts:AssumeRole",)

# When a `Permission` is needed, in the order `iam-policy` prints their statements: every run,
# the voice checks (not with --no-voice), `--voice-test-call`, `--organization` (the listing by
# the management account).
Need = Literal["every-run", "voice", "voice-test-call", "organization"]
NEEDS: tuple[Need, ...] = ("every-run", "voice", "voice-test-call", "organization")


@dataclass(frozen=True)
class Permission:
    """IAM actions that calls other than `Fact` reads need: writes and one-off calls, which
    are never cached.

    Declared beside the call, in the module that makes it, as facts are. `iam-policy` grants
    the actions of every declaration in `PERMISSIONS` whose `needed` the run's options ask
    for, one statement per `sid`: several modules may declare under one sid (the tracker's
    calls), and an action declared twice is granted once."""

    sid: str
    actions: tuple[str, ...]
    needed: Need = "every-run"

    def __post_init__(self) -> None:
        PERMISSIONS.append(self)


PERMISSIONS: list[Permission] = []

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")


def max_attempts() -> int:
    """Total requests per call (first try included); tests lower it to keep throttling fast."""
    raw = os.environ.get("PINPOINT_SANDBOX_MAX_ATTEMPTS", "5")
    try:
        value = int(raw) if raw.isascii() else 0  # int() takes every script's digits
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ATTEMPTS_LIMIT:
        shown = repr(raw if len(raw) <= 20 else raw[:20] + "…")
        raise UsageError(
            f"PINPOINT_SANDBOX_MAX_ATTEMPTS must be a whole number from 1 to "
            f"{MAX_ATTEMPTS_LIMIT}, got {shown}: fix it or unset it (default 5)."
        )
    return value


def client_config(pool_size: int = 10, *, attempts: int | None = None) -> Config:
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
if TYPE_CHECKING:
    # botocore's (ClientError, BotoCoreError), built on first use so --help never loads botocore.
    AWS_ERRORS: tuple[type[Exception], ...]


def __getattr__(name: str) -> tuple[type[Exception], ...]:
    if name == "AWS_ERRORS":
        from botocore.exceptions import BotoCoreError, ClientError

        errors: tuple[type[Exception], ...] = (ClientError, BotoCoreError)
        globals()["AWS_ERRORS"] = errors
        return errors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


COMMUNICATIONS_PAGE = 100  # DescribeCommunications maxResults: 10..100
# Read fresh each time (a case's replies change), so not a `Fact`: the tracker's and `reply`'s.
COMMUNICATIONS_READ = Permission("PinpointSandboxTracker", ("support:DescribeCommunications",))


def communication_pages(
    client: SupportClient, case_id: str, max_pages: int
) -> Iterator[tuple[list[CommunicationTypeDef], str | None]]:
    """Each page of DescribeCommunications with the token of the next one (None: the last).
    AWS documents neither the order nor the default page size: callers sort by timeCreated.
    botocore's errors propagate; `max_pages` bounds the token loop."""
    token: str | None = None
    for _ in range(max_pages):
        page = (client.describe_communications(caseId=case_id, maxResults=COMMUNICATIONS_PAGE,
                                               nextToken=token) if token else
                client.describe_communications(caseId=case_id, maxResults=COMMUNICATIONS_PAGE))
        token = page.get("nextToken") or None
        yield list(page.get("communications") or []), token
        if token is None:
            return


def aws_failure(what: str, exc: BaseException) -> AwsError:
    """One line for a failed read: what was asked, and AWS's code and message."""
    return AwsError(f"{what}: {error_message(exc)}")


# ---------------------------------------------------------------- shared sessions and clients

# The credentials of the account whose call is running in this thread (set by _BoundClient).
_CALLER: contextvars.ContextVar[Credentials] = contextvars.ContextVar("pinpoint_sandbox_caller")


def missing_profile(profile: str | None) -> str:
    """One message for a profile that does not exist, whether --profile or AWS_PROFILE
    named it."""
    name = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    return (f"AWS profile {name!r} was not found in the AWS config files; check its name "
            f"(--profile or AWS_PROFILE) or create it with `aws configure --profile {name}`.")


class _Limiter:
    """The process-wide bound on AWS calls in flight (a semaphore that can be resized).

    Re-entrant per thread: a call made while signing another (an assumed role's credentials
    refreshing) must not wait for a slot its own thread holds.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._semaphore = threading.BoundedSemaphore(size)
        self._local = threading.local()

    def resize(self, size: int) -> None:
        self.size = max(1, size)
        self._semaphore = threading.BoundedSemaphore(self.size)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        if getattr(self._local, "held", False):
            yield
            return
        semaphore = self._semaphore  # a resize mid-call releases the semaphore it took
        with semaphore:
            self._local.held = True
            try:
                yield
            finally:
                self._local.held = False


class _Shared:
    """Process-wide: botocore sessions (one per base profile, one model loader), clients."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.limiter = _Limiter(DEFAULT_MAX_CONCURRENCY)
        self.sessions: dict[str | None, Session] = {}
        self.signers: dict[str | None, Session] = {}  # sessions that build the shared clients
        self.clients: dict[tuple[str | None, str, str, bool], BaseClient] = {}
        self.fingerprint: tuple[tuple[str, str], ...] = ()
        self.direct: bool | None = None  # no proxy in the environment (None: not looked yet)

    def session(self, profile: str | None) -> Session:
        """The botocore session of a profile (None: the default chain). Call under `lock`."""
        found = self.sessions.get(profile)
        if found is None:
            import botocore.session
            from botocore.exceptions import ProfileNotFound

            found = share_loader(botocore.session.Session(profile=profile))
            try:
                found.get_config_variable("region")  # a wrong profile name fails here
            except ProfileNotFound as exc:
                raise UsageError(missing_profile(profile)) from exc
            self.sessions[profile] = found
        return found

    def refresh(self) -> None:
        """Forget sessions and clients when the AWS environment changed (another endpoint,
        config file or credentials: tests, or an in-process simulator started late)."""
        fingerprint = _environment()
        if fingerprint != self.fingerprint:
            with self.lock:
                self.sessions, self.signers, self.clients = {}, {}, {}
                self.direct = None
                self.fingerprint = fingerprint

    def client(self, profile: str | None, service: str, region: str, single: bool) -> BaseClient:
        key = (profile, service, region, single)
        found = self.clients.get(key)
        if found is not None:
            return found
        from botocore.config import Config
        with self.lock:
            found = self.clients.get(key)
            if found is None:
                # A private session for the shared clients: its only credential source is the
                # calling account's, so a call never goes out with someone else's keys.
                signer = self.signers.get(profile)
                if signer is None:
                    _quiet_botocore()
                    signer = _client_session(self.session(profile), shared_loader())
                    self.signers[profile] = signer
                config = client_config(self.limiter.size, attempts=1 if single else None)
                if self.direct is None:
                    self.direct = not _proxies()
                if self.direct:  # else botocore reads the environment again per client
                    config = config.merge(Config(proxies={}))
                found = signer.create_client(service, region_name=region, config=config)
                # botocore's loader caches are not locked: 64 threads asking for the same
                # paginator model at once would each list and parse the data files (seen:
                # 39,000 file opens and seconds of lock contention). Load it here, once.
                found.can_paginate(next(iter(found.meta.method_to_api_mapping)))
                self.clients[key] = found
        return found

    def credentials(self, profile: str | None) -> Credentials | None:
        with self.lock:
            return self.session(profile).get_credentials()

    def region(self, profile: str | None) -> str | None:
        with self.lock:
            region = self.session(profile).get_config_variable("region")
        return str(region) if region else None


class _DeprecatedEndpointFilter:
    """botocore warns "deprecated endpoint: us-gov-west-1" for the Support client GovCloud
    needs (its endpoint rules still sign it there): not the user's concern, keep stderr clean."""

    @staticmethod
    def filter(record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Client is configured with the deprecated endpoint")


def _quiet_botocore() -> None:
    import logging

    logger = logging.getLogger("botocore.regions")
    if not any(isinstance(f, _DeprecatedEndpointFilter) for f in logger.filters):
        logger.addFilter(_DeprecatedEndpointFilter())


def _environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))


def _proxies() -> dict[str, str]:
    """The proxies the environment names (what botocore would look up for each client)."""
    import urllib.request

    return urllib.request.getproxies()


def _client_session(base: Session, loader: Loader) -> Session:
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver
    from botocore.hooks import HierarchicalEmitter

    class ContextProvider(CredentialProvider):
        METHOD = CANONICAL_NAME = "pinpoint-sandbox-caller"

        def load(self) -> Credentials:
            return _context_credentials()

    emitter = HierarchicalEmitter()
    session = botocore.session.Session(profile=base.profile, event_hooks=emitter,
                                       include_builtin_handlers=False)
    events = _shared_aliases(emitter)
    _register_handlers(events, loader)
    session.register_component("event_emitter", events)
    session.register_component("data_loader", loader)
    session.register_component("credential_provider", CredentialResolver([ContextProvider()]))
    return session


def _register_handlers(events: EventAliaser, loader: Loader) -> None:
    """botocore's built-in handlers, as a Session registers them, less those of services this
    tool never builds a client for (S3, EC2, RDS…: two thirds of them). Every client copies
    the session's handler tree, so a smaller tree is a cheaper client."""
    from botocore import handlers
    from botocore.hooks import EVENT_ALIASES

    ours = set(ALL_SERVICES)
    others = set(loader.list_available_services("service-2")) - ours
    others -= {old for old, new in EVENT_ALIASES.items() if new in ours}  # "monitoring"
    for spec in handlers.BUILTIN_HANDLERS:
        event_name, handler = spec[0], spec[1]
        parts = event_name.split(".")
        # `event.<service>…` fires only for that service's clients; `docs.<section>.<service>…`
        # only when that service's documentation is written.
        at = 2 if parts[0] == "docs" else 1
        if len(parts) > at and parts[at] in others:
            continue
        if len(spec) == 2:
            events.register(event_name, handler)
        elif spec[2] is handlers.REGISTER_FIRST:
            events.register_first(event_name, handler)
        elif spec[2] is handlers.REGISTER_LAST:
            events.register_last(event_name, handler)


def _shared_aliases(emitter: HierarchicalEmitter) -> EventAliaser:
    """The clients' event emitter, its alias cache shared by every client built from it.

    Each client copies the session's emitter, and botocore's copy starts with an empty cache
    of event names: every client worked out the same names again, a loop over every alias per
    event (~15 % of the CPU of `status --all-regions`). A name's alias does not depend on the
    client, so one cache serves all (a dict: its reads and writes are thread-safe)."""
    from botocore.hooks import EventAliaser

    class SharedAliases(EventAliaser):
        def __init__(self, inner: HierarchicalEmitter, cache: dict[str, str]) -> None:
            super().__init__(inner)  # botocore's own aliases, as a Session's emitter has
            self._inner = inner
            self._alias_name_cache = cache  # botocore's cache, now one for every copy

        def __copy__(self) -> SharedAliases:  # what botocore does, keeping the cache
            return SharedAliases(copy.copy(self._inner), self._alias_name_cache)

    return SharedAliases(emitter, {})


def _context_credentials_class() -> Credentials:
    from botocore.credentials import Credentials, ReadOnlyCredentials
    from botocore.exceptions import NoCredentialsError

    class ContextCredentials(Credentials):
        """Whatever account is calling in this thread: resolved at signing time."""

        def __init__(self) -> None:
            super().__init__("unset", "unset", method="pinpoint-sandbox-caller")

        def get_frozen_credentials(self) -> ReadOnlyCredentials:
            caller = _CALLER.get(None)
            if caller is None:
                raise NoCredentialsError()
            return caller.get_frozen_credentials()

    return ContextCredentials()


def _context_credentials() -> Credentials:
    global _CONTEXT_CREDENTIALS
    if _CONTEXT_CREDENTIALS is None:  # stateless: the caller is read at signing time
        _CONTEXT_CREDENTIALS = _context_credentials_class()
    return _CONTEXT_CREDENTIALS


_CONTEXT_CREDENTIALS: Credentials | None = None
_SHARED = _Shared()


def set_max_concurrency(size: int) -> None:
    """Bound the AWS calls in flight across the whole process (`--max-concurrency`)."""
    if size < 1:
        raise UsageError(f"--max-concurrency must be at least 1, got {size}.")
    _SHARED.limiter.resize(size)
    pool.set_size(size)


def max_concurrency() -> int:
    return _SHARED.limiter.size


class _BoundClient:
    """A shared client seen through one account: every call is signed with its credentials."""

    def __init__(self, client: BaseClient, credentials: Credentials) -> None:
        self._client = client
        self._credentials = credentials

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._client, name)
        if name == "get_paginator":
            return lambda operation: _BoundPaginator(attr(operation), self._credentials)
        if name in self._client.meta.method_to_api_mapping:
            return lambda **kwargs: _call(self._credentials, attr, kwargs)
        return attr


def _call(credentials: Credentials, method: Callable[..., T], kwargs: dict[str, object]) -> T:
    token = _CALLER.set(credentials)
    try:
        with _SHARED.limiter.slot():
            return method(**kwargs)
    finally:
        _CALLER.reset(token)


class _BoundPaginator:
    def __init__(self, paginator: Paginator[object], credentials: Credentials) -> None:
        self._paginator = paginator
        self._credentials = credentials

    def paginate(self, **kwargs: object) -> Iterator[object]:
        pages = iter(self._paginator.paginate(**kwargs))
        while True:
            page = _call(self._credentials, lambda: next(pages, None), {})
            if page is None:
                return
            yield page


# ------------------------------------------------------------------------------- accounts


class _Facts:
    """Facts read once, even when many threads ask at the same time (per-entry locks: a slow
    read of one key does not hold up the others). A failure is not kept: the next reader asks
    again (readers of one key may turn it into different errors)."""

    def __init__(self) -> None:
        self._values: dict[Hashable, object] = {}
        self._lock = threading.Lock()
        self._entry_locks: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T], *, refresh: bool = False) -> T:
        # A key names one fact and its arguments: its value is what that fact's read returned.
        if not refresh and key in self._values:
            return cast(T, self._values[key])
        with self._lock:
            entry = self._entry_locks.setdefault(key, threading.Lock())
        with entry:
            if not refresh and key in self._values:
                return cast(T, self._values[key])
            value = compute()
            self._values[key] = value
            return value

    def forget(self, name: str) -> None:
        """Drop every entry of one fact (its arguments aside), so the next read asks AWS."""
        with self._lock:
            for key in [k for k in self._values if isinstance(k, tuple) and k[0] == name]:
                del self._values[key]


class Fact(Generic[P, T_co]):
    """One AWS fact: how it is read, and the IAM actions that read needs.

    Read it through `account.read(FACT, *args)`: once per account and arguments for the run,
    typed by its read. `aws_wide` facts are AWS's, not the account's (default quotas): read
    once for every account entered from one base (an organization run). Every fact is
    declared in `DECLARED`, which the IAM policy's read statement is built from, except
    those read only to file (`every_run=False`: the filing backend's statements grant them).
    """

    def __init__(self, name: str, read: Callable[Concatenate[AwsAccount, P], T_co], *,
                 actions: tuple[str, ...], aws_wide: bool = False,
                 every_run: bool = True) -> None:
        self.name = name
        self.actions = actions
        self.aws_wide = aws_wide
        self.every_run = every_run
        self._read = read
        DECLARED.append(self)

    def __repr__(self) -> str:
        return f"Fact({self.name!r})"

    def _get(self, account: AwsAccount, refresh: bool, *args: P.args,
             **kwargs: P.kwargs) -> T_co:
        key = (self.name, args, tuple(sorted(kwargs.items())))
        facts = account._aws_facts if self.aws_wide else account._facts
        return facts.get(key, lambda: self._read(account, *args, **kwargs), refresh=refresh)


DECLARED: list[Fact[..., object]] = []


def prefetch(read: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run a cached read ahead of its reader, e.g. in a pool so the reads of a region go out
    together instead of one after another. Never raises: a failed read is not kept, so its
    reader asks again and reports the failure its own way."""
    with contextlib.suppress(Exception):  # the reader meets (and reports) it
        read(*args, **kwargs)


class AwsAccount:
    """One set of credentials (a profile, an assumed role, or the default chain) and its
    per-run facts. Clients are the process's shared ones (see the module docstring)."""

    def __init__(
        self,
        *,
        profile: str | None = None,
        role_arn: str | None = None,
        session: boto3.Session | None = None,
        base: AwsAccount | None = None,
        external_id: str | None = None,
        duration_seconds: int | None = None,
        account_id: str | None = None,
        name: str | None = None,
    ) -> None:
        _SHARED.refresh()  # a new account sees the AWS environment as it is now
        self.profile: str | None = profile if base is None else base.profile
        self.role_arn = role_arn
        self._session = session
        self._base = base  # whose credentials assume role_arn (default: the profile's)
        self.external_id = external_id
        self.duration_seconds = duration_seconds
        self.name = name
        self._known_account_id = account_id
        self._account_id: str | None = None
        self._credentials: Credentials | None = None
        # From GetCallerIdentity, or AssumeRole's AssumedRoleUser: its partition is the caller's.
        self.caller_arn: str | None = None
        self._lock = threading.Lock()
        self._error: Exception | None = None  # why credentials could not be had (not retried)
        self._facts = _Facts()
        # AWS's facts (default quotas per region): the accounts entered from one base (an
        # organization run) read them once, not once per account.
        self._aws_facts: _Facts = base._aws_facts if base is not None else _Facts()

    @property
    def label(self) -> str:
        if self.role_arn:
            return f"role {self.role_arn}"
        return f"profile {self.profile}" if self.profile else "default credentials"

    def expected_account_id(self) -> str | None:
        """The account a role ARN names, known before any call (for error reports)."""
        if self._known_account_id:
            return self._known_account_id
        if self.role_arn and self.role_arn.count(":") >= 5:
            candidate = self.role_arn.split(":")[4]
            return candidate if candidate.isdigit() else None
        return None

    @property
    def session(self) -> boto3.Session:
        """A boto3 Session with this account's credentials (for callers outside the tool)."""
        if self._session is None:
            import boto3

            frozen = self.credentials().get_frozen_credentials()
            self._session = boto3.Session(
                aws_access_key_id=frozen.access_key, aws_secret_access_key=frozen.secret_key,
                aws_session_token=frozen.token, region_name=self.default_region(),
            )
        return self._session

    def default_region(self) -> str | None:
        if self._session is not None:
            return self._session.region_name
        return _SHARED.region(self.profile)

    # The one cache API: a fact is read through it, never through a dict.
    def read(self, fact: Fact[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fact` of this account, read once for the run even when many threads ask at the
        same time; botocore's error propagates, and a failure is not kept."""
        return fact._get(self, False, *args, **kwargs)

    def reread(self, fact: Fact[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fact` read again (after a write whose outcome is unknown, or a poll)."""
        return fact._get(self, True, *args, **kwargs)

    def prefetch(self, fact: Fact[P, T], *args: P.args, **kwargs: P.kwargs) -> None:
        """`read`, ahead of its reader and never raising (the reader meets the failure)."""
        with contextlib.suppress(Exception):
            fact._get(self, False, *args, **kwargs)

    def forget(self, fact: Fact[..., object]) -> None:
        """Drop what was read of `fact` (every argument), so the next read asks AWS."""
        (self._aws_facts if fact.aws_wide else self._facts).forget(fact.name)

    def credentials(self) -> Credentials:
        """botocore credentials of this account, resolved (or the role assumed) once; a
        failure is remembered too, so an unreachable account costs one call, not one per use."""
        if self._credentials is None:
            with self._lock:
                if self._error is not None:
                    raise self._error
                if self._credentials is None:
                    try:
                        self._credentials = self._resolve_credentials()
                    except PinpointSandboxError as exc:
                        self._error = exc
                        raise
        return self._credentials

    def _resolve_credentials(self) -> Credentials:
        if self._session is not None:
            found = self._session.get_credentials()
        elif self.role_arn:
            base = self._base or AwsAccount(profile=self.profile)
            return _assume_role(self, base)
        else:
            found = _SHARED.credentials(self.profile)
        if found is None:
            raise UsageError(
                "No AWS credentials found: configure a profile (aws configure, --profile, "
                "AWS_PROFILE) or try the built-in simulator with --simulate."
            )
        from pinpoint_sandbox.core.redaction import remember_secrets

        fields = vars(found)  # not the properties: a refreshable one could call STS
        remember_secrets(*(fields.get(k) for k in ("secret_key", "_secret_key", "token",
                                                   "_token")))
        return found

    # A read client: botocore retries throttling and 5xx for us. Typed per service by the
    # types-boto3 stubs; the object is a shared client signed with this account's keys.
    @overload
    def client(self, service: Literal["pinpoint-sms-voice-v2"],
               region: str) -> PinpointSMSVoiceV2Client: ...
    @overload
    def client(self, service: Literal["service-quotas"], region: str) -> ServiceQuotasClient: ...
    @overload
    def client(self, service: Literal["support"], region: str) -> SupportClient: ...
    @overload
    def client(self, service: Literal["sts"], region: str) -> STSClient: ...
    @overload
    def client(self, service: Literal["cloudwatch"], region: str) -> CloudWatchClient: ...
    @overload
    def client(self, service: Literal["cloudtrail"], region: str) -> CloudTrailClient: ...
    @overload
    def client(self, service: Literal["organizations"], region: str) -> OrganizationsClient: ...
    @overload
    def client(self, service: Literal["iam"], region: str) -> IAMClient: ...
    @overload
    def client(self, service: str, region: str) -> BaseClient: ...  # a name known at run time
    def client(self, service: str, region: str) -> object:
        """A client for reads: botocore retries throttling and 5xx for us."""
        return self._client(service, region, single_attempt=False)

    # A write client: exactly one attempt. CreateCase and RequestServiceQuotaIncrease are not
    # idempotent: a retry after a lost response could file a second case. The caller
    # reconciles against AWS instead.
    @overload
    def write_client(self, service: Literal["pinpoint-sms-voice-v2"],
                     region: str) -> PinpointSMSVoiceV2Client: ...
    @overload
    def write_client(self, service: Literal["service-quotas"],
                     region: str) -> ServiceQuotasClient: ...
    @overload
    def write_client(self, service: Literal["support"], region: str) -> SupportClient: ...
    @overload
    def write_client(self, service: Literal["iam"], region: str) -> IAMClient: ...
    def write_client(self, service: str, region: str) -> object:
        """A client for write calls: exactly one attempt (see above)."""
        return self._client(service, region, single_attempt=True)

    def partition(self) -> str:
        """The credentials' partition: the caller's or role's ARN, else the default region's."""
        from pinpoint_sandbox.aws.regions import DEFAULT_PARTITION, known_partition

        return known_partition(self)[0] or DEFAULT_PARTITION

    def global_region(self, service: str) -> str:
        """Where a global service is signed for this account (us-gov-west-1 in GovCloud)."""
        from pinpoint_sandbox.aws.regions import global_region

        return global_region(service, self.partition())

    def _client(self, service: str, region: str, *, single_attempt: bool) -> _BoundClient:
        if service in GLOBAL_SERVICES:
            region = self.global_region(service)  # whatever the caller passed
        shared = _SHARED.client(self.profile, service, region, single_attempt)
        return _BoundClient(shared, self.credentials())

    def warm(self, regions: Iterable[str], services: Iterable[str]) -> None:
        """Build the shared read clients ahead of their first call, e.g. while the caller is
        identified (a round trip): they are built one at a time, ~3 ms of CPU each. Never
        raises: a client that cannot be built fails again, and is reported, where it is used."""
        with contextlib.suppress(Exception):
            wanted = list(services)
            for service in (s for s in wanted if s in GLOBAL_SERVICES):  # signed in one region
                _SHARED.client(self.profile, service, self.global_region(service), False)
            for region in regions:
                for service in (s for s in wanted if s not in GLOBAL_SERVICES):
                    _SHARED.client(self.profile, service, region, False)

    def account_id(self, region: str | None = None) -> str:
        """The caller's account: known from an assumed role, else sts GetCallerIdentity."""
        if self._account_id is None:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                self.credentials()  # first: assuming a role names the caller's partition
                if self.role_arn and self.expected_account_id():
                    self._account_id = self.expected_account_id()  # AssumeRole proved it
                    return str(self._account_id)
                sts = self.client(STS, region or self.default_region()
                                  or self.global_region(STS))
                identity = sts.get_caller_identity()
                self._account_id = str(identity["Account"])
                self.caller_arn = identity.get("Arn")
            except (ClientError, BotoCoreError) as exc:
                if type(exc).__name__ == "NoCredentialsError":
                    raise UsageError(
                        "No AWS credentials found: configure a profile (aws configure, "
                        "--profile, AWS_PROFILE) or try the built-in simulator with --simulate."
                    ) from exc
                raise AwsError(
                    f"Could not identify the AWS account for {self.label}: {error_message(exc)}"
                ) from exc
        return self._account_id



def _assume_role(account: AwsAccount, base: AwsAccount) -> RefreshableCredentials:
    """Refreshable credentials for `account.role_arn`, assumed with `base`'s credentials."""
    from botocore.credentials import RefreshableCredentials
    from botocore.exceptions import BotoCoreError, ClientError

    region = base.default_region() or base.global_region(STS)
    params: AssumeRoleRequestTypeDef = {"RoleArn": str(account.role_arn),
                                        "RoleSessionName": "pinpoint-sandbox"}
    if account.external_id:
        params["ExternalId"] = account.external_id
    if account.duration_seconds:
        params["DurationSeconds"] = account.duration_seconds

    def fetch() -> dict[str, str]:
        sts = base.client(STS, region)
        try:
            answer = sts.assume_role(**params)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(
                f"Could not assume role {account.role_arn}: {error_message(exc)}"
            ) from exc
        account.caller_arn = answer.get("AssumedRoleUser", {}).get("Arn")
        creds = answer["Credentials"]
        expiry = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.isoformat() if hasattr(expiry, "isoformat") else str(expiry),
        }

    # botocore refreshes 15 min before expiry by default: a 15-min session (900 s) would be
    # assumed again on every call. Refresh in the last quarter of the session instead.
    lifetime = account.duration_seconds or 3600
    return RefreshableCredentials.create_from_metadata(
        fetch(), refresh_using=fetch, method="assume-role",
        advisory_timeout=min(900, lifetime // 4), mandatory_timeout=min(600, lifetime // 8),
    )
