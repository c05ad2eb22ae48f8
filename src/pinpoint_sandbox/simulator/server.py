"""The HTTP side: a stdlib ThreadingHTTPServer that speaks the AWS wire protocols botocore uses
(query/XML for sts, JSON 1.0/1.1 with X-Amz-Target, Smithy RPC v2 CBOR for CloudWatch on
botocore >= 1.44), identifies the caller from the SigV4 Authorization header (no signature
check), injects faults, logs every request, and persists state after each one.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from pinpoint_sandbox.simulator import cbor
from pinpoint_sandbox.simulator.api import ApiError, Call, Handler
from pinpoint_sandbox.simulator.monitoring import OPERATIONS as MONITORING_OPERATIONS
from pinpoint_sandbox.simulator.organizations import OPERATIONS as ORGANIZATIONS_OPERATIONS
from pinpoint_sandbox.simulator.scenario import load_scenario
from pinpoint_sandbox.simulator.services import OPERATIONS as SERVICE_OPERATIONS
from pinpoint_sandbox.simulator.services import support_gate
from pinpoint_sandbox.simulator.state import (
    SPEND_OVERRIDE_WRITES,
    WRITE_OPERATIONS,
    RequestRecord,
    SharedStateFile,
    SimulatorState,
)

# Operations whose effect must be on disk before the answer leaves (other processes read it).
STATE_CHANGING_OPERATIONS = (
    WRITE_OPERATIONS | SPEND_OVERRIDE_WRITES | {"AssumeRole", "CreateSupportCase"}
)
SAVE_INTERVAL = 0.5  # seconds between saves caused by reads alone

OPERATIONS: dict[str, dict[str, Handler]] = {
    **SERVICE_OPERATIONS, **MONITORING_OPERATIONS, **ORGANIZATIONS_OPERATIONS,
}

# X-Amz-Target prefixes (JSON protocols) and Smithy service names (RPC v2 CBOR).
TARGET_PREFIXES = {
    "PinpointSMSVoiceV2": "pinpoint-sms-voice-v2",
    "ServiceQuotasV20190624": "service-quotas",
    "AWSSupport_20130415": "support",
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101": "cloudtrail",
    "GraniteServiceVersion20100801": "cloudwatch",
    "AWSOrganizationsV20161128": "organizations",
}
# SigV4 signing names of the query-protocol services.
QUERY_SERVICES = {"sts": "sts", "monitoring": "cloudwatch"}
XML_NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "cloudwatch": "http://monitoring.amazonaws.com/doc/2010-08-01/",
}
THROTTLE_CODES = {"service-quotas": "TooManyRequestsException", "sts": "Throttling",
                  "organizations": "TooManyRequestsException",
                  "cloudwatch": "Throttling"}
SERVER_ERROR_CODES = {
    "pinpoint-sms-voice-v2": "InternalServerException",
    "service-quotas": "ServiceException",
    "support": "InternalServerError",
    "cloudtrail": "InternalFailure",
    "cloudwatch": "InternalServiceFault",
    "sts": "InternalFailure",
    "organizations": "ServiceException",
}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/?]+)")


class Reply:
    """What goes back on the wire."""

    def __init__(self, status: int, body: bytes, content_type: str,
                 headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


class Wire:
    """One request's protocol: how to read params and how to write answers and errors."""

    def __init__(self, kind: str, service: str | None, operation: str | None,
                 json_version: str = "1.1") -> None:
        self.kind = kind  # "json" | "cbor" | "query"
        self.service = service
        self.operation = operation
        self.json_version = json_version

    def success(self, body: dict[str, Any], request_id: str) -> Reply:
        if self.kind == "query":
            return Reply(200, _xml_success(self.service or "sts", self.operation or "", body,
                                           request_id), "text/xml")
        return self._encode(200, body, request_id)

    def error(self, err: ApiError, request_id: str) -> Reply:
        if self.kind == "query":
            return Reply(err.status, _xml_error(self.service or "sts", err, request_id),
                         "text/xml")
        body: dict[str, Any] = {"__type": err.code, "message": err.message, **err.fields}
        reply = self._encode(err.status, body, request_id)
        if self.service == "cloudwatch":
            # CloudWatch is awsQueryCompatible: botocore reads the query-style code from here.
            kind = "Receiver" if err.status >= 500 else "Sender"
            reply.headers["x-amzn-query-error"] = f"{err.code};{kind}"
        return reply

    def _encode(self, status: int, body: dict[str, Any], request_id: str) -> Reply:
        headers = {"x-amzn-RequestId": request_id}
        if self.kind == "cbor":
            headers["smithy-protocol"] = "rpc-v2-cbor"
            return Reply(status, cbor.encode(body), "application/cbor", headers)
        return Reply(status, json.dumps(body).encode(),
                     f"application/x-amz-json-{self.json_version}", headers)


def _xml_value(name: str, value: Any) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml_value(k, v) for k, v in value.items() if v is not None)
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, list):
        inner = "".join(_xml_value("member", v) for v in value)
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, cbor.Timestamp):
        text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(value)))
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return f"<{name}>{escape(text)}</{name}>"


def _xml_success(service: str, operation: str, body: dict[str, Any], request_id: str) -> bytes:
    namespace = XML_NAMESPACES.get(service, XML_NAMESPACES["sts"])
    result = _xml_value(f"{operation}Result", body)
    return (
        f'<{operation}Response xmlns="{namespace}">{result}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    ).encode()


def _xml_error(service: str, err: ApiError, request_id: str) -> bytes:
    namespace = XML_NAMESPACES.get(service, XML_NAMESPACES["sts"])
    kind = "Receiver" if err.status >= 500 else "Sender"
    return (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type>'
        f"<Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def _unflatten_query(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`A.member.1.B=x` → {"A": [{"B": "x"}]} (the query protocol's list encoding)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.split(".")
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part in ("member", "entry") and not last:
                continue
            if part.isdigit():
                index = int(part) - 1
                while len(node) <= index:
                    node.append({})
                if last:
                    node[index] = value
                else:
                    nxt = parts[i + 1]
                    if nxt in ("member", "entry") and not isinstance(node[index], list):
                        node[index] = []
                    node = node[index]
                continue
            if last:
                node[part] = value
            else:
                nxt = parts[i + 1]
                default: Any = [] if nxt in ("member", "entry") or nxt.isdigit() else {}
                node = node.setdefault(part, default)
    return root


def _caller(headers: Any) -> tuple[str | None, str | None, str | None]:
    """(access key id, region, signing name) from the SigV4 Authorization header."""
    match = _CREDENTIAL.search(headers.get("Authorization", "") or "")
    if not match:
        return None, None, None
    return match.group(1), match.group(2), match.group(3)


class Engine:
    """Protocol-independent request handling: identify, fault, dispatch, log, persist."""

    def __init__(self, state: SimulatorState, state_file: Path | None, seed: int | None) -> None:
        self.state = state
        self.state_file = state_file
        faults = state.scenario.faults
        self.rng = random.Random(seed if seed is not None else faults.seed)
        self.rng_lock = threading.Lock()
        # Faults.throttle_first: how many more calls of each operation answer throttling.
        self.throttles_left = dict(faults.throttle_first)
        self._last_save = 0.0
        self._dirty = False
        # Other processes (`simulator advance`, `serve`, another --simulate run) change the
        # same state file: every call reads it again if it changed (under the file lock), and
        # the request log lines this process has not saved yet are kept across that reload.
        self._files = SharedStateFile(state_file) if state_file is not None else None
        self._unsaved: list[dict[str, Any]] = []
        if self._files is not None:
            self._files.mark_seen()

    def replace_state(self, state: SimulatorState) -> None:
        self.state = state
        self.throttles_left = dict(state.scenario.faults.throttle_first)
        self._unsaved = []
        self.save(sync=False)

    @contextlib.contextmanager
    def exclusive(self, *, sync: bool = True) -> Iterator[None]:
        """This process's lock, then the state file's: the state is the file's newest."""
        with self.state.lock:
            if self._files is None:
                yield
                return
            with self._files.locked():
                if sync:
                    self._sync()
                yield

    def _sync(self) -> None:
        assert self._files is not None
        fresh = self._files.changed()
        if fresh is None:
            return
        fresh.data["requests"].extend(self._unsaved)
        self.state.data = fresh.data
        self.state.reset_caches()

    def save(self, *, force: bool = True, sync: bool = True) -> None:
        """Persist the state. Reads only add to the request log, so their saves are batched
        (at most one per SAVE_INTERVAL); writes, stop() and process exit always save."""
        if self.state_file is None or self._files is None:
            return
        now = time.monotonic()
        with self.exclusive(sync=sync):
            if not force and now - self._last_save < SAVE_INTERVAL:
                self._dirty = True
                return
            self.state.save(self.state_file)
            self._files.mark_seen()
            self._last_save, self._dirty, self._unsaved = now, False, []

    def flush(self) -> None:
        if self._dirty:
            self.save()

    def handle(self, wire: Wire, params: dict[str, Any], access_key: str | None,
               region: str | None) -> Reply:
        request_id = str(uuid.uuid4())
        state = self.state
        service, operation = wire.service or "unknown", wire.operation or "unknown"
        account_id = state.account_for_access_key(access_key)
        if account_id is None:
            # Unknown keys (e.g. dummy test credentials) act as the scenario's default account.
            account_id = state.default_account
        region = region or state.default_region
        status, error_code = 200, None
        handler: Handler | None = None
        try:  # before the locks: latency faults must not serialise the calls
            handler = self._handler(wire, service, operation, params)
            refuse_region(wire, state, account_id, region)
            check_scope(state, service, account_id, region)
            check_allowed(wire, state, service, operation, account_id, access_key)
            self._faults(service, operation)
        except ApiError as err:  # faults and identity problems, raised before dispatch
            handler = None
            reply, status, error_code = wire.error(err, request_id), err.status, err.code
        with self.exclusive():
            state = self.state
            if handler is not None:
                try:
                    reply, status, error_code = self._dispatch(
                        wire, handler, service, operation, params, account_id, access_key,
                        region, request_id)
                except Exception as exc:  # a simulator bug: an AWS-shaped 500, not a hang
                    bug = ApiError(SERVER_ERROR_CODES.get(service, "InternalFailure"),
                                   f"Simulator internal error: {type(exc).__name__}: {exc}",
                                   status=500)
                    reply, status, error_code = wire.error(bug, request_id), 500, bug.code
            record = RequestRecord(service, operation, account_id, region, _jsonable(params),
                                   status, error_code, time.time()).to_json()
            state.data["requests"].append(record)
            self._unsaved.append(record)
            self.save(force=operation in STATE_CHANGING_OPERATIONS)
        delay = state.scenario.faults.slow_response_ms.get(operation, 0)
        if delay and status == 200:
            time.sleep(delay / 1000)  # the write is done and logged; the answer is late
        return reply

    def _faults(self, service: str, operation: str) -> None:
        faults = self.state.scenario.faults
        with self.rng_lock:
            first = self.throttles_left.get(operation, 0)
            if first > 0:
                self.throttles_left[operation] = first - 1
        if first > 0:
            raise ApiError(THROTTLE_CODES.get(service, "ThrottlingException"), "Rate exceeded")
        if faults.operations and operation not in faults.operations:
            return
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        with self.rng_lock:
            throttle = faults.throttle_rate and self.rng.random() < faults.throttle_rate
            broken = faults.error_rate and self.rng.random() < faults.error_rate
        if throttle:
            raise ApiError(THROTTLE_CODES.get(service, "ThrottlingException"), "Rate exceeded")
        if broken:
            raise ApiError(SERVER_ERROR_CODES.get(service, "InternalFailure"),
                           "We encountered an internal error. Please try again.", status=500)

    def _handler(self, wire: Wire, service: str, operation: str,
                 params: dict[str, Any]) -> Handler:
        handler = OPERATIONS.get(service, {}).get(operation)
        if operation in self.state.scenario.faults.unsupported_operations:
            handler = None
        if handler is None:
            if wire.kind == "query":
                raise ApiError("InvalidAction", f"Could not find operation {operation} for "
                               f"version {params.get('Version', 'unknown')}")
            raise ApiError("UnknownOperationException",
                           f"Operation {operation} is not supported by {service} (simulator).")
        return handler

    def _dispatch(self, wire: Wire, handler: Handler, service: str, operation: str,
                  params: dict[str, Any], account_id: str, access_key: str | None, region: str,
                  request_id: str) -> tuple[Reply, int, str | None]:
        """One call on the newest state (the caller holds both locks)."""
        state = self.state
        call = Call(state, service, operation, account_id, region, access_key, params,
                    time.time())
        try:
            if service == "support":
                support_gate(call)
            result = handler(call)
        except ApiError as refused:
            return wire.error(refused, request_id), refused.status, refused.code
        lost = state.data["lost_responses"]
        if lost.get(operation, 0) > 0:
            # The write happened; the caller only sees a 5xx (a response lost on the way).
            lost[operation] -= 1
            err = ApiError(SERVER_ERROR_CODES.get(service, "InternalFailure"),
                           "We encountered an internal error. Please try again.", status=500)
            return wire.error(err, request_id), 500, "LostResponse"
        return wire.success(result, request_id), 200, None


def refuse_region(wire: Wire, state: SimulatorState, account_id: str, region: str) -> None:
    """As AWS answers keys used in a region the account cannot use (opt-in region not
    enabled, another partition): "the security token is invalid"."""
    if not state.refuses_region(account_id, region):
        return
    message = "The security token included in the request is invalid."
    if wire.kind == "query" or wire.service == "cloudwatch":
        raise ApiError("InvalidClientTokenId", message, status=403)
    raise ApiError("UnrecognizedClientException", message)


# Global services: one signing region per partition (botocore's endpoint rules).
GLOBAL_SERVICES = frozenset({"support", "organizations", "iam"})


def check_scope(state: SimulatorState, service: str, account_id: str, region: str) -> None:
    """A global service's endpoint accepts only its partition's signing region in the SigV4
    credential scope, as AWS does ("Credential should be scoped to a valid region")."""
    if service not in GLOBAL_SERVICES:
        return
    from pinpoint_sandbox.aws.regions import global_region

    spec = state.scenario.account(account_id)
    expected = global_region(service, spec.partition if spec is not None else "aws")
    if region != expected:
        raise ApiError("InvalidSignatureException",
                       f"Credential should be scoped to a valid region, not '{region}'. "
                       f"Expected '{expected}'.", status=403)


# botocore service name → IAM action prefix.
IAM_PREFIXES = {"pinpoint-sms-voice-v2": "sms-voice", "service-quotas": "servicequotas"}


def check_allowed(wire: Wire, state: SimulatorState, service: str, operation: str,
                  account_id: str, access_key: str | None) -> None:
    """The scenario's `denied_actions`: AccessDenied as AWS words it (the caller, the action)."""
    spec = state.scenario.account(account_id)
    action = f"{IAM_PREFIXES.get(service, service)}:{operation}"
    if spec is None or action not in spec.denied_actions:
        return
    code = "AccessDenied" if wire.kind == "query" else "AccessDeniedException"
    raise ApiError(code, f"User: {state.caller_arn(account_id, access_key)} is not authorized "
                   f"to perform: {action} because no identity-based policy allows the "
                   f"{action} action", status=403 if wire.kind == "query" else 400)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        return float(value)
    return value


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops SYNs under a 20-way burst (1 s retransmit)
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], engine: Engine,
                 control: dict[str, Callable[[], Any]]) -> None:
        super().__init__(address, _RequestHandler)
        self.engine = engine
        self.control = control

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Client disconnects and the like: nothing for stderr."""


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's
    # delayed ACK, 40 ms a call that AWS does not add.
    disable_nagle_algorithm = True
    # A socket timeout: a client that sends less than Content-Length cannot hang a thread forever.
    timeout = 30
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            reply = self._route(body)
        except Exception as exc:  # never a traceback on the wire or stderr
            err = {"__type": "InternalFailure", "message": f"Simulator error: {exc}"}
            reply = Reply(500, json.dumps(err).encode(), "application/x-amz-json-1.1")
        try:
            self._send(reply)
        except OSError:
            self.close_connection = True

    def _route(self, body: bytes) -> Reply:
        path = urlsplit(self.path)
        if path.path.startswith("/_simulator/"):
            return self._control(path.path.removeprefix("/_simulator/").strip("/"))
        access_key, region, signing_name = _caller(self.headers)
        engine = self.server.engine
        target = self.headers.get("X-Amz-Target")
        content_type = self.headers.get("Content-Type", "") or ""
        cbor_path = _CBOR_PATH.match(path.path)
        if target:
            prefix, _, operation = target.rpartition(".")
            version = "1.0" if "1.0" in content_type else "1.1"
            service = TARGET_PREFIXES.get(prefix)
            wire = Wire("json", service, operation, version)
            if service is None:
                err = ApiError("UnknownServiceException",
                               f"The simulator does not serve X-Amz-Target prefix {prefix!r}; "
                               f"it knows {', '.join(sorted(TARGET_PREFIXES))}.")
                return wire.error(err, str(uuid.uuid4()))
            try:
                params = json.loads(body) if body.strip() else {}
                if not isinstance(params, dict):
                    raise ValueError("the body is not a JSON object")
            except ValueError:
                err = ApiError("SerializationException",
                               "Start of structure or map found where not expected.")
                return self._log_and(wire, err, access_key, region)
            return engine.handle(wire, params, access_key, region)
        if cbor_path or self.headers.get("smithy-protocol"):
            prefix = cbor_path.group(1) if cbor_path else ""
            service = TARGET_PREFIXES.get(prefix)
            wire = Wire("cbor", service, cbor_path.group(2) if cbor_path else None)
            if service is None:
                err = ApiError("UnknownServiceException",
                               f"The simulator does not serve RPC v2 service {prefix!r}.")
                return wire.error(err, str(uuid.uuid4()))
            try:
                params = cbor.decode(body)
                if not isinstance(params, dict):
                    raise ValueError("the body is not a CBOR map")
            except (ValueError, UnicodeDecodeError):
                err = ApiError("SerializationException", "The request body is not valid CBOR.")
                return self._log_and(wire, err, access_key, region)
            return engine.handle(wire, params, access_key, region)
        pairs = parse_qsl(path.query, keep_blank_values=True)
        if "x-www-form-urlencoded" in content_type or not content_type:
            pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        params = _unflatten_query(pairs)
        action = params.pop("Action", None)
        service = QUERY_SERVICES.get(signing_name or "sts") if signing_name else "sts"
        wire = Wire("query", service or "sts", action)
        if service is None or not action:
            what = (f"signing name {signing_name!r}" if service is None
                    else "a request without Action")
            err = ApiError("InvalidAction",
                           f"The simulator cannot route {what}: use X-Amz-Target (JSON), "
                           "/service/<name>/operation/<op> (RPC v2 CBOR) or Action= (query).")
            return wire.error(err, str(uuid.uuid4()))
        return engine.handle(wire, params, access_key, region)

    def _log_and(self, wire: Wire, err: ApiError, access_key: str | None,
                 region: str | None) -> Reply:
        engine = self.server.engine
        state = engine.state
        record = RequestRecord(wire.service or "unknown", wire.operation or "unknown",
                               state.account_for_access_key(access_key) or state.default_account,
                               region or state.default_region, {}, err.status, err.code)
        with engine.exclusive():
            line = record.to_json()
            engine.state.data["requests"].append(line)
            engine._unsaved.append(line)
            engine.save()
        return wire.error(err, str(uuid.uuid4()))

    def _control(self, name: str) -> Reply:
        action = self.server.control.get(f"{self.command} {name}")
        if action is None:
            body = {"message": f"unknown simulator endpoint {self.command} /_simulator/{name}; "
                    "try GET requests, GET state, POST reset"}
            return Reply(404, json.dumps(body).encode(), "application/json")
        return Reply(200, json.dumps(action()).encode(), "application/json")


class Simulator:
    """A simulated AWS on 127.0.0.1 (see the package docstring)."""

    def __init__(self, scenario: Any = None, *, state_file: Path | None = None,
                 seed: int | None = None, port: int = 0) -> None:
        self.scenario_source = scenario
        self.state_file = Path(state_file) if state_file is not None else None
        self.seed = seed
        self.port = port
        self._state: SimulatorState | None = None
        self._engine: Engine | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._files_dir: Path | None = None
        self._temp_dir: str | None = None

    # ---- lifecycle --------------------------------------------------------------------
    def _initial_state(self) -> SimulatorState:
        if self.state_file is not None and self.state_file.exists():
            return SimulatorState.load(self.state_file)
        state = SimulatorState.new(load_scenario(self.scenario_source))
        if self.state_file is not None:
            state.save(self.state_file)
        return state

    @property
    def state(self) -> SimulatorState:
        if self._engine is not None:
            return self._engine.state
        if self._state is None:
            self._state = self._initial_state()
        return self._state

    def start(self) -> str:
        if self._server is not None:
            return self.url
        self._engine = Engine(self.state, self.state_file, self.seed)
        control: dict[str, Callable[[], Any]] = {
            "GET requests": lambda: [r.to_json() for r in self.requests],
            "GET state": lambda: json.loads(self.state.to_json()),
            "POST reset": self._reset_endpoint,
        }
        self._server = _Server(("127.0.0.1", self.port), self._engine, control)
        # A short poll interval keeps stop() (shutdown) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="pinpoint-sandbox-simulator", daemon=True)
        self._thread.start()
        self._write_aws_files()
        return self.url

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.flush()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ---- inspection -------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        return self.state.requests

    def _reset_endpoint(self) -> dict[str, Any]:
        self.reset()
        return {"reset": True}

    def write_calls(self) -> list[RequestRecord]:
        """Requests of WRITE_OPERATIONS, minus dry runs (`DryRun`/`dryRun` true changes nothing)."""
        return [
            r for r in self.requests
            if r.operation in WRITE_OPERATIONS
            and not (r.params.get("DryRun") is True or r.params.get("dryRun") is True)
        ]

    def reset(self) -> None:
        """Back to the scenario's starting state (the scenario that seeded the current state)."""
        fresh = SimulatorState.new(self.state.data["scenario"])
        if self._engine is not None:
            with self._engine.state.lock:
                self._engine.replace_state(fresh)
        else:
            self._state = fresh
            if self.state_file is not None:
                fresh.save(self.state_file)

    # ---- environment for boto3 ----------------------------------------------------------
    def aws_files(self) -> tuple[Path, Path]:
        """(credentials file, config file) written next to the state file, or in a temp dir."""
        if self._files_dir is None:
            if self.state_file is not None:
                self._files_dir = self.state_file.parent
            else:
                self._temp_dir = tempfile.mkdtemp(prefix="pinpoint-sandbox-sim-")
                self._files_dir = Path(self._temp_dir)
        stem = self.state_file.stem if self.state_file is not None else "simulator"
        return (self._files_dir / f"{stem}.aws-credentials",
                self._files_dir / f"{stem}.aws-config")

    def _write_aws_files(self) -> None:
        scenario = self.state.scenario
        credentials_path, config_path = self.aws_files()
        default = scenario.account(self.state.default_account)
        assert default is not None
        credentials = [f"[default]\naws_access_key_id = {default.access_key}\n"
                       f"aws_secret_access_key = {default.secret_key}\n"]
        config = [f"[default]\nregion = {scenario.default_region}\nendpoint_url = {self.url}\n"]
        for account in scenario.accounts:
            if not account.profile:
                continue
            section = [f"[profile {account.profile}]", f"region = {scenario.default_region}",
                       f"endpoint_url = {self.url}"]
            if account.source_profile:
                section += [f"role_arn = arn:aws:iam::{account.account_id}:role/"
                            f"{account.role_name}", f"source_profile = {account.source_profile}"]
            else:
                credentials.append(f"[{account.profile}]\naws_access_key_id = "
                                   f"{account.access_key}\naws_secret_access_key = "
                                   f"{account.secret_key}\n")
            config.append("\n".join(section) + "\n")
        for path, parts in ((credentials_path, credentials), (config_path, config)):
            tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
            tmp.write_text("\n".join(parts), encoding="utf-8")
            os.replace(tmp, path)

    def env(self) -> dict[str, str]:
        """Everything a boto3 process needs to talk to this simulator (see DESIGN)."""
        scenario = self.state.scenario
        default = scenario.account(self.state.default_account)
        assert default is not None
        credentials_path, config_path = self.aws_files()
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": default.access_key,
            "AWS_SECRET_ACCESS_KEY": default.secret_key,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_DEFAULT_REGION": scenario.default_region,
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials_path),
            "AWS_CONFIG_FILE": str(config_path),
        }


def reset_state(state_file: Path) -> bool:
    """Delete a persisted simulator state (and its AWS files); True when something was removed."""
    state_file = Path(state_file)
    removed = False
    for path in (state_file,
                 state_file.with_name(f"{state_file.stem}.aws-credentials"),
                 state_file.with_name(f"{state_file.stem}.aws-config")):
        if path.exists():
            path.unlink()
            removed = removed or path == state_file
    return removed
