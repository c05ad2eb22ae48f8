"""Batch files (DESIGN "Batch file"): many accounts × regions × channels in one YAML document.

`load_batch` validates everything — the file's shape and every request's merged answers — and
reports all problems at once, one line each, before anything is filed. Lines name the place to
fix: `batch.yaml: requests[1].regions[0]: ...` (indexes count from 0, as in the file's list).

Answer layers per request, later wins: question defaults < `defaults.answers` < `answers_file`
< inline `answers`; the request's `regions`, when given, replace the answers' regions. The order
is `answers.AnswersMap`'s, the same object `request` uses. An `answers_file` that is not an
answers file (a path to /etc/shadow, a binary) is named with its problem, its contents never.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from pinpoint_sandbox.backends import registry
from pinpoint_sandbox.core.errors import AnswersError, UsageError
from pinpoint_sandbox.core.yamlio import read_yaml_file
from pinpoint_sandbox.questionnaire.answers import (
    Answers,
    AnswersMap,
    Region,
    answer_keys,
    answers_file_problem,
    error_text,
    file_keys,
    leaf_errors,
    load_answers_file,
    loc_text,
    question_defaults,
    show_value,
    unknown_key_problem,
)

if TYPE_CHECKING:
    from pinpoint_sandbox.tracking.tracker import Scope
    BackendField = str
else:  # the registry's names: a new backend is a valid batch `backend` with no edit here
    BackendField = Literal[registry.choices()]

# ASCII only ([0-9], not \d), one line (\Z, not $, which allows a trailing newline).
_ROLE_ARN = re.compile(r"\Aarn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}\Z")


def _role_arn(value: str) -> str:
    if not _ROLE_ARN.match(value):
        raise ValueError(
            "must be an IAM role ARN like arn:aws:iam::111122223333:role/Name "
            f"(got {show_value(value)})"
        )
    return value


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["sms", "voice"]
    profile: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    role_arn: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_role_arn)] | None = None  # noqa: E501
    # Empty: use the regions of the merged answers.
    regions: list[Region] = Field(default_factory=list)
    answers_file: Path | None = None
    answers: dict[str, object] = Field(default_factory=dict)
    backend: BackendField | None = None

    @model_validator(mode="after")
    def _one_identity(self) -> BatchRequest:
        if self.profile and self.role_arn:
            raise ValueError("give either profile or role_arn, not both")
        return self


class BatchDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: BackendField | None = None
    answers: dict[str, object] = Field(default_factory=dict)


class BatchOrganization(BaseModel):
    """`organization:` — run the requests in every selected account of an AWS Organization."""

    model_config = ConfigDict(extra="forbid")

    ou: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    role_name: str | None = None
    external_id: str | None = None
    session_duration: int | None = None
    # Which requests fan out across the accounts (default: all) and their regions (override).
    channels: list[Literal["sms", "voice"]] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)

    @field_validator("ou", "exclude", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | int) else value


class BatchFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    defaults: BatchDefaults = Field(default_factory=BatchDefaults)
    organization: BatchOrganization | None = None
    requests: list[BatchRequest] = Field(min_length=1)

    _source: Path = PrivateAttr(default=Path("batch.yaml"))

    @property
    def source(self) -> Path:
        return self._source


def load_batch(path: Path) -> BatchFile:
    """The validated batch; AnswersError lists every problem in the file and its answers."""
    path = Path(path)
    name = path.name
    data = read_yaml_file(path, "batch file")
    if not isinstance(data, dict):
        raise UsageError(
            f"{name}: must be a YAML mapping with version, defaults and requests "
            f"(got {type(data).__name__})"
        )
    if data and not set(BatchFile.model_fields) & {str(key) for key in data}:
        # Some other file: its keys are its contents, so none of them is quoted.
        raise UsageError(
            f"{name} is not a batch file: none of its {len(data)} key(s) is version, defaults "
            "or requests (see the README's batch file example)"
        )
    try:
        batch = BatchFile.model_validate(data)
    except ValidationError as exc:
        lines = _shape_problems(name, exc)
        # Still check the answers of every request that is well-formed: all problems at once.
        lines += _answers_problems_of_valid_parts(path, data)
        raise AnswersError(lines, name) from None
    batch._source = path
    for request in batch.requests:
        _resolve_answers_file(request, path)

    problems = _defaults_problems(batch)
    for index in range(len(batch.requests)):
        problems += _request_problems(batch, index)[0]
    if problems:
        raise AnswersError(problems, name)
    return batch


def _resolve_answers_file(request: BatchRequest, batch_path: Path) -> None:
    if request.answers_file is not None and not request.answers_file.is_absolute():
        request.answers_file = batch_path.parent / request.answers_file


def _shape_problems(name: str, exc: ValidationError) -> list[str]:
    lines = []
    for error in leaf_errors(exc.errors()):
        where = loc_text(error["loc"])
        if error["type"] == "extra_forbidden":
            lines.append(f"{name}: {where}: unknown key")
        elif error["type"] == "missing":
            lines.append(f"{name}: {where}: is required")
        else:
            lines.append(f"{name}: {where}: {error_text(error)}")
    return lines


def _answers_problems_of_valid_parts(path: Path, data: Mapping[str, object]) -> list[str]:
    try:
        defaults = BatchDefaults.model_validate(data.get("defaults") or {})
    except ValidationError:
        return []  # defaults feed every request: their errors are already listed
    raw_requests = data.get("requests")
    if not isinstance(raw_requests, list):
        return []
    problems: list[str] = []
    for index, raw in enumerate(raw_requests):
        try:
            request = BatchRequest.model_validate(raw)
        except ValidationError:
            continue  # already reported as a shape problem
        _resolve_answers_file(request, path)
        problems += _merge_problems(path.name, defaults, request, index)[0]
    return problems


def request_answers(batch: BatchFile, index: int) -> Answers:
    """Fully validated answers of request `index` (defaults < answers_file < inline)."""
    problems, answers = _request_problems(batch, index)
    if answers is None:
        raise AnswersError(problems, batch.source.name)
    return answers


def _defaults_problems(batch: BatchFile) -> list[str]:
    # Defaults feed both channels, so a key is unknown only if neither channel has it.
    known = set(file_keys("sms")) | set(file_keys("voice"))
    listed = list(dict.fromkeys(answer_keys("sms") + answer_keys("voice")))
    return [
        f"{batch.source.name}: defaults.answers: {unknown_key_problem(key, listed)}"
        for key in batch.defaults.answers
        if key not in known
    ]


def _request_problems(batch: BatchFile, index: int) -> tuple[list[str], Answers | None]:
    return _merge_problems(batch.source.name, batch.defaults, batch.requests[index], index)


def _merge_problems(
    name: str, batch_defaults: BatchDefaults, request: BatchRequest, index: int
) -> tuple[list[str], Answers | None]:
    here = f"{name}: requests[{index}]"
    keys = file_keys(request.channel)
    layers = AnswersMap(
        request.channel,
        region={"regions": list(request.regions)} if request.regions else {},
        set=dict(request.answers),
        shared={k: v for k, v in batch_defaults.answers.items() if k in keys},
        default=question_defaults(request.channel),
        labels={"region": here, "set": f"{here}.answers", "shared": f"{name}: defaults.answers"},
        fallback=here,
    )
    if request.answers_file is not None:
        try:
            layers.file = load_answers_file(request.answers_file)
        except UsageError as exc:
            return [f"{here}.answers_file: {exc.message}"], None
        # Empty, not answers at all, or the other channel's: one line (quoting nothing of it).
        problem = answers_file_problem(
            f"{here}.answers_file {request.answers_file.name}",
            request.channel,
            layers.file,
            f"the request's channel is {request.channel}",
        )
        if problem is not None:
            return [problem], None
        layers.labels["file"] = f"{request.answers_file.name} ({here})"
    return layers.problems(
        lambda key: (
            f"missing answer for {key!r} — add it to this request's answers, its answers_file "
            f"or defaults.answers"
        ),
    )


def scopes_from_batch(path: Path) -> list[Scope]:
    """A batch file's targets (validated as a whole first, like `batch`)."""
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.tracking.tracker import Scope

    spec = load_batch(path)
    scopes: list[Scope] = []
    for index, item in enumerate(spec.requests):
        regions = list(request_answers(spec, index).regions)
        account = AwsAccount(profile=item.profile, role_arn=item.role_arn)
        scopes.append(Scope(account, pairs=[(r, item.channel) for r in regions]))
    return scopes
