"""The ledger: an append-only JSON-lines journal of every write the tool makes.

Before each write call an *intent* line is written and fsynced; after it, an *outcome* line.
A crash between the two leaves an intent without an outcome: the next run reconciles it against
AWS (is there a case or request for this target?) before it may file anything again. Together
with a process lock this keeps the rule: one case per target, never two.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pinpoint_sandbox.core.errors import Busy, PinpointSandboxError, UsageError
from pinpoint_sandbox.core.targets import CHANNELS, Channel, Target
from pinpoint_sandbox.ledger.lifecycle import AwsView
from pinpoint_sandbox.ledger.lines import Record, bounded_lines, parse_line

if TYPE_CHECKING:
    from pydantic import JsonValue

LEDGER_VERSION = 1

# filed: AWS has the case/request.  awaiting_user: the manual backend wrote the case for the user.
# refused: AWS said no before creating anything (safe to retry).  unknown: the write may or may
# not have happened (lost response) and reconciling found nothing yet.
OutcomeStatus = Literal["filed", "awaiting_user", "refused", "unknown"]
OUTCOME_STATUSES: tuple[OutcomeStatus, ...] = ("filed", "awaiting_user", "refused", "unknown")
DONE_STATUSES: frozenset[str] = frozenset({"filed", "awaiting_user"})


@dataclass
class Step:
    """One tracked write other than a filing (`step` on its intent and outcome lines): the
    description's delivery, a reply, a spend change. `key` names what must happen once."""

    step: str
    key: str
    write_id: str
    time: str
    of: str | None = None  # the filing intent it belongs to, if any
    status: OutcomeStatus | None = None  # None: intent without outcome
    fields: dict[str, JsonValue] = field(default_factory=dict)  # intent's, then outcome's

    @property
    def needs_reconcile(self) -> bool:
        return self.status is None or self.status == "unknown"

    @property
    def done(self) -> bool:
        """The write happened (AWS has it): `filed`, the same word as a filing's outcome."""
        return self.status == "filed"


@dataclass
class Entry:
    """The latest knowledge about one target, folded from its lines."""

    target: Target
    intent_id: str
    backend: str
    time: str
    status: OutcomeStatus | None = None  # None: intent without outcome
    # What the backend said it files (Backend.kind), as it wrote the intent; None in ledgers
    # from before it was recorded.
    kind: str | None = None
    request_id: str | None = None
    case_id: str | None = None
    detail: str | None = None
    extra: dict[str, JsonValue] = field(default_factory=dict)
    # Lifecycle (appended later; absent in old ledgers): AWS's state as last read, the time
    # the intent was written, replies sent on the case, the answers the case was filed with.
    view: AwsView | None = None
    filed_at: str | None = None
    replies: list[Record] = field(default_factory=list)
    answers: dict[str, JsonValue] | None = None
    # The Support Center's display id of the case (Service Quotas names the case by it), and
    # the newest delivery of the rendered description to the case (a Step).
    display_id: str | None = None
    delivery: Step | None = None

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def denied(self) -> bool:
        """AWS said no (as last read): a new request may be filed with --refile."""
        return self.view is not None and self.view.state == "denied"

    @property
    def needs_reconcile(self) -> bool:
        return self.status is None or self.status == "unknown"


class LedgerError(PinpointSandboxError):
    """The ledger could not be written (or read): exit 4. Raised before the write call."""


def _warn_once(path: Path, number: int, why: str) -> None:
    """One warning per skipped line per process (the ledger is read several times a run)."""
    _say_once((str(path), str(number)), f"Warning: ledger {path}, line {number}: {why}; "
              "skipped (the other lines are read).")


def _reason(exc: LedgerError) -> str:
    cause = exc.__cause__
    return str(getattr(cause, "strerror", None) or cause or exc.message)


def _say_once(key: tuple[str, str], line: str) -> None:
    import sys

    from pinpoint_sandbox.core.text import clean  # a path may hold control characters

    with _said_lock:
        if key in _said:
            return
        _said.add(key)
    sys.stderr.write(clean(line) + "\n")


_said: set[tuple[str, str]] = set()
# path → (identity, valid records, skipped count) of the last read: read-only for callers.
_parsed: dict[str, tuple[tuple[object, ...], list[Record], int]] = {}
_said_lock = threading.Lock()


def lock_wait_seconds() -> float:
    """How long a run waits for another one holding the ledger (PINPOINT_SANDBOX_LOCK_WAIT)."""
    import math

    raw = os.environ.get("PINPOINT_SANDBOX_LOCK_WAIT", "30")
    try:
        value = float(raw) if raw.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not 0 <= value <= 86400:  # nan and inf too
        raise UsageError(f"PINPOINT_SANDBOX_LOCK_WAIT must be a number of seconds from 0 to "
                         f"86400, got {raw[:20]!r}: fix it or unset it (default 30).")
    return value


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# A line's fields have the types `ledger.lines` validated; these narrow them for the reader.
def _text(value: JsonValue) -> str | None:
    return value if isinstance(value, str) else None


def _object(value: JsonValue) -> dict[str, JsonValue]:
    return value if isinstance(value, dict) else {}


def _status(value: JsonValue) -> OutcomeStatus | None:
    return next((status for status in OUTCOME_STATUSES if status == value), None)


def _channel(value: JsonValue) -> Channel | None:
    return next((channel for channel in CHANNELS if channel == value), None)


def _line_target(line: Record) -> Target | None:
    t = _object(line.get("target"))
    channel = _channel(t.get("channel"))
    if channel is None or "account_id" not in t or "region" not in t:
        return None
    return Target(str(t["account_id"]), str(t["region"]), channel)


def _fold(entry: Entry, kind: JsonValue, line: Record) -> None:
    """Apply one line to its request's entry."""
    if kind == "outcome":
        entry.status = _status(line.get("status"))
        entry.request_id = _text(line.get("request_id"))
        entry.case_id = _text(line.get("case_id"))
        entry.detail = _text(line.get("detail"))
        entry.extra = _object(line.get("extra"))
        entry.time = _text(line.get("time")) or entry.time
    elif kind == "state":
        view = AwsView.from_json(line)
        if view is not None:
            entry.view = view
            entry.case_id = entry.case_id or view.case_id
            entry.request_id = entry.request_id or view.request_id
    elif kind == "record":
        # A case the user opened by hand (or into which they pasted the description).
        entry.case_id = _text(line.get("case_id")) or entry.case_id
        entry.status = entry.status or "filed"
        entry.extra = {**entry.extra, "recorded": True}
    elif kind == "reply":
        entry.replies.append({k: line.get(k) for k in ("time", "case_id", "delivered",
                                                         "chars", "attachments")})
    elif kind == "answers" and isinstance(answers := line.get("answers"), dict):
        entry.answers = answers
    elif kind == "ids":
        # A display id resolved to the Support API's caseId: both are kept.
        entry.case_id = _text(line.get("case_id")) or entry.case_id
        entry.display_id = _text(line.get("display_id")) or entry.display_id


def _fold_step(steps: dict[str, Step], line: Record) -> Step | None:
    """Apply one step line to its write (by key); the write it belongs to, or None."""
    key, write_id = str(line.get("key", "")), str(line.get("id", ""))
    fields = dict(_object(line.get("fields")))
    step = steps.get(key)
    if line.get("type") == "intent" or step is None or step.write_id != write_id:
        if line.get("type") != "intent":
            return None  # an outcome whose intent this ledger lost: nothing to fold
        step = Step(str(line.get("step")), key, write_id, str(line.get("time", "")),
                    of=_text(line.get("of")), fields=fields)
        steps[key] = step
        return step
    step.status = _status(line.get("status"))
    step.time = str(line.get("time", step.time))
    step.fields = {**step.fields, **fields}
    return step


def _fold_step_into(entry: Entry, step: Step) -> None:
    if step.step == "deliver":
        entry.delivery = step
        entry.case_id = _text(step.fields.get("case_id")) or entry.case_id
        entry.display_id = _text(step.fields.get("display_id")) or entry.display_id
    elif step.step == "reply" and step.done:
        entry.replies.append({"time": step.time, "case_id": step.fields.get("case_id"),
                              "delivered": True, "chars": step.fields.get("chars"),
                              "attachments": step.fields.get("attachments") or []})


def _step_json(step: Step) -> dict[str, object]:
    return {"step": step.step, "key": step.key, "of": step.of, "fields": step.fields}


def _target_json(target: Target) -> dict[str, str]:
    return {"account_id": target.account_id, "region": target.region, "channel": target.channel}


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_fd: int | None = None
        self.torn_lines = 0
        # Incremental index of intents for intent_times (see there).
        self._intents: dict[tuple[str | None, str | None], list[tuple[str, dt.datetime]]] = {}
        self._refused: set[str] = set()
        self._index_file: tuple[int, int] | None = None
        self._index_offset = 0

    @property
    def held(self) -> bool:
        """This object holds the ledger lock (a filing run): its writes need no other."""
        return self._lock_fd is not None

    # -- locking: one filing run per ledger at a time ---------------------------------------
    @contextmanager
    def locked(self, on_wait: Callable[[str], None] | None = None, *,
               wait: float | None = None) -> Iterator[Ledger]:
        """Hold the ledger for one filing run (or one tracked write). Another run holding it
        is waited for, up to `wait` or `lock_wait_seconds()` (a message goes to `on_wait`
        once), then Busy (exit 4)."""
        import fcntl

        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise LedgerError(
                f"cannot write the ledger {self.path}: its lock cannot be taken "
                f"({exc.strerror or exc}); nothing was sent: make its directory writable (or "
                "pass --ledger FILE), then rerun."
            ) from exc
        limit = lock_wait_seconds() if wait is None else wait
        deadline = time.monotonic() + limit
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise Busy(
                        f"Another pinpoint-sandbox run is filing with the ledger {self.path} "
                        f"(waited {limit:g} s); wait for it to finish, then rerun."
                    ) from exc
                if on_wait is not None:
                    on_wait(f"Another pinpoint-sandbox run is filing with the ledger "
                            f"{self.path}; waiting up to {limit:g} s for it to finish…")
                    on_wait = None
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        self._lock_fd = fd
        try:
            yield self
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            self._lock_fd = None

    # -- reading ----------------------------------------------------------------------------
    def lines(self) -> list[Record]:
        """Every valid record. A line that is not whole JSON, is nested or sized beyond the
        bounds, or has wrong types is skipped with one warning naming its line number
        (ledger_lines.parse_line); the others are read. A torn line is safe to skip: an intent
        is fsynced whole before its write call starts, so a torn intent means no call was made,
        and a torn outcome leaves its intent open for reconciling."""
        out: list[Record] = []
        self.torn_lines = 0
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LedgerError(f"cannot read the ledger {self.path} ({exc.strerror or exc}); "
                              "check its permissions or pass --ledger FILE.") from None
        with fh:
            info = os.fstat(fh.fileno())
            # A run reads the ledger several times: the same bytes are validated once.
            key = (str(self.path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            with _said_lock:
                cached = _parsed.get(key[0])
            if cached is not None and cached[0] == key:
                self.torn_lines = cached[2]
                return list(cached[1])
            for number, raw in bounded_lines(fh):
                raw = raw.strip()
                if not raw:
                    continue
                record = parse_line(raw)
                if isinstance(record, str):
                    self.torn_lines += 1
                    _warn_once(self.path, number, record)
                    continue
                out.append(record)
        with _said_lock:
            _parsed[key[0]] = (key, out, self.torn_lines)
        return list(out)

    def entries(self) -> dict[Target, Entry]:
        """Latest entry per target (later lines win)."""
        return {target: history[-1] for target, history in self.histories().items()}

    def histories(self) -> dict[Target, list[Entry]]:
        """Every request ever made per target, oldest first, with its lifecycle lines folded in."""
        by_intent: dict[str, Entry] = {}
        history: dict[Target, list[Entry]] = {}
        steps: dict[str, Step] = {}
        for line in self.lines():
            if line.get("step"):  # a tracked write of a filed request (delivery, reply)
                step = _fold_step(steps, line)
                owner = by_intent.get(str(step.of)) if step is not None else None
                if step is not None and owner is not None:
                    _fold_step_into(owner, step)
                continue
            target = _line_target(line)
            if target is None:
                continue
            kind, line_id = line.get("type"), str(line.get("id", ""))
            entry = by_intent.get(line_id)
            if kind == "intent" or (entry is None and kind in ("outcome", "record")):
                entry = Entry(target, line_id, _text(line.get("backend")) or "?",
                              _text(line.get("time")) or "", kind=_text(line.get("kind")),
                              filed_at=_text(line.get("time")))
                by_intent[line_id] = entry
                history.setdefault(target, []).append(entry)
            if entry is None:
                continue  # a lifecycle line for an intent this ledger lost: nothing to fold
            _fold(entry, kind, line)
        return history

    def entry(self, target: Target) -> Entry | None:
        return self.entries().get(target)

    def steps(self) -> dict[str, Step]:
        """The newest tracked write (other than filings) per key."""
        steps: dict[str, Step] = {}
        for line in self.lines():
            if line.get("step"):
                _fold_step(steps, line)
        return steps

    def intent_times(self, account_id: str, backend: str, since: dt.datetime) -> list[dt.datetime]:
        """When this ledger sent write calls of one backend for one account, oldest first.

        Calls AWS refused (e.g. over its limit) created nothing and are not counted. Asked
        before every Support filing, so it reads only what was appended since it last looked
        (the ledger is append-only) instead of parsing the whole file each time."""
        self._update_index()
        return sorted(
            when for intent_id, when in self._intents.get((account_id, backend), [])
            if intent_id not in self._refused and when >= since
        )

    def _update_index(self) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            stat = None
        identity = (stat.st_dev, stat.st_ino) if stat else None
        if stat is None or identity != self._index_file or stat.st_size < self._index_offset:
            self._intents, self._refused = {}, set()
            self._index_file, self._index_offset = identity, 0
        if stat is None or stat.st_size == self._index_offset:
            return
        with self.path.open("rb") as fh:
            fh.seek(self._index_offset)
            data = fh.read()
        complete = data.rfind(b"\n") + 1  # a line still being written is read next time
        for raw in data[:complete].splitlines():
            self._index_line(raw)
        self._index_offset += complete

    def _index_line(self, raw: bytes) -> None:
        line = parse_line(raw.strip())
        if isinstance(line, str):
            return  # skipped (and said) by lines()
        if line.get("type") == "outcome" and line.get("status") == "refused":
            self._refused.add(str(line.get("id")))
        if line.get("type") != "intent" or line.get("step"):
            return  # only filings count against a backend's rate limit
        try:
            when = dt.datetime.fromisoformat(str(line["time"]))
        except (KeyError, TypeError, ValueError):
            return
        key = (_text(_object(line.get("target")).get("account_id")), _text(line.get("backend")))
        self._intents.setdefault(key, []).append((str(line.get("id")), when))

    # -- writing ----------------------------------------------------------------------------
    def _append(self, record: Mapping[str, object]) -> None:
        """One whole line, fsynced. Any failure (disk full, read-only, gone) is LedgerError:
        the caller must not make the write call the line announces. A short write is
        continued; whatever part of a line a failure leaves is not JSON, so it never counts."""
        from pinpoint_sandbox.core.paths import private_dir
        from pinpoint_sandbox.core.safeio import tighten

        data = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
        try:
            # The ledger holds case ids and the answers filed: a new directory is private,
            # and an existing ledger readable by others is tightened (said once).
            private_dir(self.path.parent, ours=False)
            tighten(self.path, "the ledger")
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            view = memoryview(b"")
            try:
                size = os.lseek(fd, 0, os.SEEK_END)
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # a torn line from a crash: never glue a record onto it
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:
                if 0 < len(view) < len(data):
                    self._torn_by_us(fd, len(data) - len(view), data.startswith(b"\n"))
                raise
            finally:
                os.close(fd)
        except OSError as exc:
            raise LedgerError(
                f"cannot write the ledger {self.path} ({exc.strerror or exc}); nothing was sent "
                "for this target: free space or make it writable, then rerun."
            ) from exc

    def _torn_by_us(self, fd: int, written: int, newline_first: bool) -> None:
        """A failed append left the start of a line: this process knows why (it said so in
        the target's result), so reading it again later in the run warns about it no more."""
        try:
            start = os.lseek(fd, 0, os.SEEK_CUR) - written + (1 if newline_first else 0)
            before, offset = 0, 0
            while offset < start:
                chunk = os.pread(fd, min(1 << 20, start - offset), offset)
                if not chunk:
                    break
                before += chunk.count(b"\n")
                offset += len(chunk)
        except OSError:
            return
        with _said_lock:
            _said.add((str(self.path), str(before + 1)))

    def record_intent(self, target: Target, backend: str, subject: str, *,
                      step: Step | None = None, kind: str | None = None) -> str:
        """The fsynced line before a write. A filing's, or (with `step`) a tracked write's:
        the same line, with the step's name, key, filing and fields. `kind`: what the
        filing's backend says it files."""
        intent_id = step.write_id if step is not None else uuid.uuid4().hex
        self._append(
            {
                "v": LEDGER_VERSION,
                "type": "intent",
                "id": intent_id,
                "time": _now(),
                "target": _target_json(target),
                "backend": backend,
                **({"kind": kind} if kind is not None else {}),
                "subject": subject,
                **(_step_json(step) if step is not None else {}),
            }
        )
        return intent_id

    def record_step_outcome(self, step: Step, target: Target, status: OutcomeStatus,
                            fields: Mapping[str, object] | None = None) -> None:
        """The outcome line of a tracked write (see record_intent)."""
        self._append({"v": LEDGER_VERSION, "type": "outcome", "id": step.write_id,
                      "time": _now(), "target": _target_json(target), "backend": step.step,
                      "status": status, **_step_json(step), "fields": fields or {}})

    def record_ids(self, entry: Entry, case_id: str, display_id: str | None) -> None:
        """A display id resolved to the Support API's caseId (both kept)."""
        self._append({"v": LEDGER_VERSION, "type": "ids", "id": entry.intent_id,
                      "time": _now(), "target": _target_json(entry.target),
                      "case_id": case_id, "display_id": display_id})

    def record_outcome(
        self,
        intent_id: str,
        target: Target,
        backend: str,
        status: OutcomeStatus,
        *,
        request_id: str | None = None,
        case_id: str | None = None,
        detail: str | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        self._append(
            {
                "v": LEDGER_VERSION,
                "type": "outcome",
                "id": intent_id,
                "time": _now(),
                "target": _target_json(target),
                "backend": backend,
                "status": status,
                "request_id": request_id,
                "case_id": case_id,
                "detail": detail,
                "extra": extra or {},
            }
        )

    # -- lifecycle lines (appended; an old ledger is migrated by nothing but these) ----------
    def record_state(self, entry: Entry, view: AwsView) -> None:
        """Cache what AWS said about the request, with the time it was read."""
        self._append({"v": LEDGER_VERSION, "type": "state", "id": entry.intent_id,
                      "time": _now(), "target": _target_json(entry.target), **view.to_json()})

    def cache_state(self, entry: Entry, view: AwsView) -> None:
        """record_state for commands that only read (`status`, `check`): a ledger that cannot
        be written (read-only state dir, full disk) costs the cache only, said once."""
        try:
            self.record_state(entry, view)
        except LedgerError as exc:
            _say_once(("cache", str(self.path)), f"Note: could not cache what AWS said in the "
                      f"ledger {self.path} ({_reason(exc)}); it is read again next time.")

    def record_case(self, target: Target, case_id: str, entry: Entry | None, *,
                    backend: str, kind: str) -> None:
        """`record`: the case id of a request filed by hand (a new history item if none);
        `backend` (of `kind`) is the one that follows cases filed by hand."""
        self._append({"v": LEDGER_VERSION, "type": "record",
                      "id": entry.intent_id if entry else uuid.uuid4().hex, "time": _now(),
                      "target": _target_json(target), "backend": backend, "kind": kind,
                      "case_id": case_id})

    def record_reply(self, entry: Entry, case_id: str, *, delivered: bool, chars: int,
                     attachments: list[str]) -> None:
        self._append({"v": LEDGER_VERSION, "type": "reply", "id": entry.intent_id,
                      "time": _now(), "target": _target_json(entry.target), "case_id": case_id,
                      "delivered": delivered, "chars": chars, "attachments": attachments})

    def record_answers(self, target: Target, intent_id: str,
                       answers: Mapping[str, object]) -> None:
        """The answers a request was filed with, so a refile can say what changed."""
        self._append({"v": LEDGER_VERSION, "type": "answers", "id": intent_id, "time": _now(),
                      "target": _target_json(target), "answers": answers})
