"""One ledger line, parsed with bounds and validated before anything reads it.

A ledger is a file on disk: it can be torn by a crash, edited by hand, or written by a newer
version. A line counts only when it is whole JSON within `MAX_LINE_BYTES` and `MAX_DEPTH`
levels of nesting, and its fields have the types and shapes this version writes: account ids
of 12 ASCII digits, regions shaped like AWS's, ids without path separators. Anything else is
skipped with a reason, so one bad line never hides the others (and is never used as a path,
region or URL). Line types this version does not know are kept when their common fields are
valid, so a newer writer's lines pass through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Annotated, BinaryIO, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

# One ledger line as read: a JSON object (validated by the models below before any use).
Record = dict[str, JsonValue]

MAX_LINE_BYTES = 1024 * 1024  # an answers line is a few KiB; a bound far above it
MAX_DEPTH = 8  # the deepest line this version writes (answers with lists) has 4 levels

AccountId = Annotated[StrictStr, Field(pattern=r"^[0-9]{12}$")]
Region = Annotated[StrictStr, Field(pattern=r"^[a-z]{2,6}(-[a-z]{2,12}){1,3}-[0-9]{1,2}$",
                                    max_length=40)]
LineId = Annotated[StrictStr, Field(pattern=r"^[0-9A-Za-z_.:-]{1,128}$")]
Short = Annotated[StrictStr, Field(max_length=4096)]
Text = Annotated[StrictStr, Field(max_length=65536)]
# Case and request ids: ASCII letters, digits and . _ : - only (they end up in URLs and
# file names: no separators, queries or fragments).
Ident = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9._:-]{1,256}$")]


class _Target(BaseModel):
    model_config = ConfigDict(extra="ignore")
    account_id: AccountId
    region: Region
    channel: Literal["sms", "voice"]


class Line(BaseModel):
    """The fields every line carries."""

    model_config = ConfigDict(extra="allow")
    type: Annotated[StrictStr, Field(pattern=r"^[a-z_-]{1,32}$")]
    id: LineId
    # ISO 8601 with its UTC offset, as this tool writes it (a naive time cannot be compared).
    time: Annotated[StrictStr, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
                                             r"(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})$")]
    target: _Target
    v: StrictInt | None = None
    # A tracked write besides filings (delivery, reply, spend): its name, what must happen
    # once, the filing it belongs to and its fields.
    step: Annotated[StrictStr, Field(pattern=r"^[a-z_-]{1,32}$")] | None = None
    key: Short | None = None
    of: LineId | None = None
    fields: dict[str, object] | None = None


class IntentLine(Line):
    backend: Annotated[StrictStr, Field(pattern=r"^[a-z-]{1,32}$")]
    subject: Text | None = None


class OutcomeLine(Line):
    backend: Annotated[StrictStr, Field(pattern=r"^[a-z-]{1,32}$")] | None = None
    status: Literal["filed", "awaiting_user", "refused", "unknown", "done"]
    request_id: Ident | None = None
    case_id: Ident | None = None
    detail: Text | None = None
    extra: dict[str, object] = Field(default_factory=dict)


class StateLine(Line):
    state: StrictStr
    aws_status: Short | None = None
    case_id: Ident | None = None
    request_id: Ident | None = None
    last_message: Text | None = None
    read_at: Short | None = None
    note: Text | None = None


class RecordLine(Line):
    case_id: Ident
    backend: Short | None = None


class ReplyLine(Line):
    case_id: Ident | None = None
    delivered: StrictBool | None = None
    chars: StrictInt | None = None
    attachments: list[Short] = Field(default_factory=list)


class AnswersLine(Line):
    answers: dict[str, object]


class IdsLine(Line):
    """A Support Center display id resolved to the Support API's caseId."""

    case_id: Ident
    display_id: Ident | None = None


# A newer line type gets its model here; unknown types are checked as `Line`.
MODELS: dict[str, type[Line]] = {
    "intent": IntentLine, "outcome": OutcomeLine, "state": StateLine, "record": RecordLine,
    "reply": ReplyLine, "answers": AnswersLine, "ids": IdsLine,
}


def bounded_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each line, never holding more than MAX_LINE_BYTES + 1 of one
    line: a longer one is passed on cut (parse_line refuses it) and its rest skipped."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(65536)) and not rest.endswith(b"\n"):
                pass
        yield number, line


def _depth_within(raw: str, bound: int) -> bool:
    """Nesting of objects and arrays stays within `bound` (strings skipped). Cheap path: a
    line with few brackets cannot be deep."""
    if raw.count("{") + raw.count("[") <= bound:
        return True
    depth, in_string, escaped = 0, False, False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
            if depth > bound:
                return False
        elif char in "}]":
            depth -= 1
    return True


def parse_line(raw: str | bytes) -> Record | str:
    """The validated record of one line, or why it is skipped (one short phrase)."""
    if len(raw) > MAX_LINE_BYTES:
        return f"longer than {MAX_LINE_BYTES:,} bytes"
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "not UTF-8 text"
    if not _depth_within(raw, MAX_DEPTH):
        return f"nested more than {MAX_DEPTH} levels deep"
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return "not a whole JSON line (torn by a crash or edited)"
    if not isinstance(record, dict):
        return "not a JSON object"
    kind = record.get("type")
    model = MODELS.get(kind, Line) if isinstance(kind, str) else Line
    try:
        model.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "line"
        return f"{where}: {first.get('msg', 'wrong type')}"
    region = record["target"]["region"]
    if region not in _known_regions():  # shaped like one is not enough: it becomes a URL
        return f"target.region {region!r} is not an AWS region with SMS and Voice"
    return record


@cache
def _known_regions() -> frozenset[str]:
    from pinpoint_sandbox.aws.regions import sms_voice_regions

    return frozenset(sms_voice_regions())
