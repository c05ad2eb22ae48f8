"""The answers models (DESIGN "Answers file"), their validators, and the text of every problem.

The keys are the fixed contract of DESIGN "Answers file", plus `review` (settings for the content
review, not a question). Every problem is reported as one line that names where the value came
from, the key, and the fix — pydantic's own multi-line dump is never shown, and no value is
quoted whole (`show_value` cuts before it formats). Where answers come from is `sources`.
"""

from __future__ import annotations

import difflib
import math
import re
import reprlib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Annotated, Literal, TypeAlias, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic_core import ErrorDetails

from pinpoint_sandbox.aws.regions import region_problem
from pinpoint_sandbox.core.errors import AnswersError, UsageError
from pinpoint_sandbox.core.jsonvalue import JsonObject
from pinpoint_sandbox.questionnaire.questions import load_questions

# Short one-line values (names, URLs) vs. paragraphs. The Support API caps a case body at
# 8,000 characters, and the case also carries the other answers, so paragraphs stay under 3,000.
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 3000
# One SMS template: 10 concatenated segments of 160 GSM characters.
TEMPLATE_MAX = 1600
MAX_TEMPLATES = 10
MAX_CONTACT_EMAILS = 10
# A monthly SMS spend threshold: a USD amount in cents. Above this it is a typo (an extra zero)
# far more often than a real request, and AWS reviews such amounts by hand anyway.
MAX_SPEND_USD = 1_000_000
# Rule ids a `review: {ignore: [...]}` may list: far more than there are lint rules.
MAX_IGNORED_RULES = 50
# Problem lines reported for one set of answers (every answer key could fail at once: ~15).
MAX_PROBLEM_LINES = 25

T = TypeVar("T")

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


# --- field validators (each raises ValueError with the text shown after "key: ") -------------


def _no_bool(value: object) -> object:
    # YAML turns `yes`/`no`/`on`/`off` into booleans, and pydantic would take True as 1.
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not true/false (got {value!r})")
    return value


def _usd_number(value: object) -> object:
    # One clear message for every non-number, instead of one per branch of `int | float`.
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not true/false (got {value!r})")
    if isinstance(value, str):
        try:
            if not value.isascii():  # float() takes every script's digits: ASCII only
                raise ValueError(value)
            return float(value.strip())
        except ValueError:
            raise ValueError(f"must be a number (got {show_value(value)})") from None
    if not isinstance(value, int | float):
        raise ValueError(f"must be a number (got {show_value(value)})")
    return value


def _usd_amount(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a USD amount such as 200 or 250.50 (got {show_value(value)})")
    if value <= 0:
        raise ValueError(f"must be a USD amount greater than 0 (got {format_usd(value)})")
    if value > MAX_SPEND_USD:
        raise ValueError(
            f"must be at most {MAX_SPEND_USD:,} USD per month (got {format_usd(value)}): "
            "check for an extra zero"
        )
    if round(value, 2) != value:
        raise ValueError(
            f"must be a USD amount with at most 2 decimals, such as 250.50 (got {value!r})"
        )
    # 200.0 → 200: saved answers and the case show the amount as the user typed it.
    return int(value) if float(value).is_integer() else value


def format_usd(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


_BARE_DOMAIN = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:[/?#]\S*)?")


def _https_url(value: str) -> str:
    if "://" not in value and _BARE_DOMAIN.fullmatch(value):
        value = f"https://{value}"  # acmewidgets.co.uk is what people type: complete it
    if not value.lower().startswith("https://"):
        raise ValueError(f"must start with https:// (got {show_value(value)})")
    parts = urlsplit(value)
    host = parts.hostname or ""
    if " " in value or "." not in host or host.startswith(".") or host.endswith("."):
        raise ValueError(f"must be a full https:// address such as https://www.example.com "
                         f"(got {show_value(value)})")
    return value


def _region(value: str) -> str:
    problem = region_problem(value)
    if problem:
        raise ValueError(problem)
    return value


@cache
def _country_codes() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def _country(value: object) -> str:
    if isinstance(value, bool):
        # YAML 1.1 reads an unquoted NO (Norway) as false.
        raise ValueError(f"got {value!r}: quote country codes in YAML, e.g. 'NO' for Norway")
    if not isinstance(value, str):
        raise ValueError(
            f"must be a two-letter ISO 3166-1 code such as US (got {show_value(value)})"
        )
    code = value.strip().upper()
    if code == "UK":
        raise ValueError("'UK' is not an ISO 3166-1 code: use 'GB' for the United Kingdom")
    if code not in _country_codes():
        raise ValueError(
            f"{show_value(value)} is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)"
        )
    return code


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{show_value(value)} is not an email address")
    return value


def _unique(values: list[T]) -> list[T]:
    return list(dict.fromkeys(values))


# --- reusable field types -------------------------------------------------------------------

ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TEXT_MAX)
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LONG_TEXT_MAX)
]
Template = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEMPLATE_MAX)
]
HttpsUrl = Annotated[ShortText, AfterValidator(_https_url)]
Region = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_region)]
Regions = Annotated[list[Region], Field(min_length=1), AfterValidator(_unique)]
Country = Annotated[str, BeforeValidator(_country)]
Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_email)]
PositiveInt = Annotated[int, BeforeValidator(_no_bool), Field(gt=0)]
Language = Literal["en", "ja"]


class _Answers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmsAnswers(_Answers):
    regions: Regions
    company_name: ShortText
    website_url: HttpsUrl
    message_type: Literal["one_time_password", "promotional", "transactional"]
    destination_countries: Annotated[list[Country], Field(min_length=1), AfterValidator(_unique)]
    opt_in_process: LongText
    message_templates: Annotated[list[Template], Field(min_length=1, max_length=MAX_TEMPLATES)]
    use_case_description: LongText
    contact_language: Language = "en"
    spend_limit_usd: (
        Annotated[int | float, BeforeValidator(_usd_number), AfterValidator(_usd_amount)]
        | None
    ) = None
    contact_emails: (
        Annotated[list[Email], Field(max_length=MAX_CONTACT_EMAILS), AfterValidator(_unique)]
        | None
    ) = None
    review: ReviewSettings = Field(default_factory=lambda: ReviewSettings())


class CallsPerNumber(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    count: PositiveInt
    period: Literal["day", "week", "month", "other"]
    # "other" alone tells the reviewer nothing: the period in words ("per quarter") is required.
    period_detail: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=SHORT_TEXT_MAX)]
        | None
    ) = Field(default=None, validate_default=True)

    @field_validator("period_detail")
    @classmethod
    def _detail_for_other(cls, value: str | None, info: ValidationInfo) -> str | None:
        period = info.data.get("period")
        if period == "other" and not value:
            raise ValueError(
                "is required when period is other: say the period in words, e.g. 'per quarter'"
            )
        if period not in (None, "other") and value:
            raise ValueError(
                f"is only for period: other (period is {period}): remove it or use period: other"
            )
        return value or None


class ReviewSettings(BaseModel):
    """`review: {ignore: [RULE_ID, ...]}`: content-review findings the author has accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: Annotated[
        list[ShortText], Field(max_length=MAX_IGNORED_RULES), AfterValidator(_unique)
    ] = Field(default_factory=list)


class VoiceAnswers(_Answers):
    regions: Regions
    company_name: ShortText
    website_url: HttpsUrl
    service_description: LongText
    max_messages_per_day: PositiveInt
    average_call_duration_seconds: PositiveInt
    number_sourcing: LongText
    # At least one: a voice message is always sent from a number the account owns, and AWS asks
    # why that many; "0" has no sensible reason to give.
    dedicated_numbers: Annotated[int, BeforeValidator(_no_bool), Field(ge=1)]
    dedicated_numbers_reason: LongText
    calls_per_number: CallsPerNumber
    consent_process: LongText
    opt_out_process: LongText
    contact_language: Language = "en"
    voice_message_sent: bool | None = None
    contact_emails: (
        Annotated[list[Email], Field(max_length=MAX_CONTACT_EMAILS), AfterValidator(_unique)]
        | None
    ) = None
    review: ReviewSettings = Field(default_factory=lambda: ReviewSettings())


Answers: TypeAlias = SmsAnswers | VoiceAnswers
ANSWER_MODELS: dict[str, type[SmsAnswers] | type[VoiceAnswers]] = {
    "sms": SmsAnswers,
    "voice": VoiceAnswers,
}
# Keys of an answers file that are settings, not questions: never asked, never in the skeleton.
SETTING_KEYS = ("review",)


def _model(channel: str) -> type[SmsAnswers] | type[VoiceAnswers]:
    try:
        return ANSWER_MODELS[channel]
    except KeyError:
        raise UsageError(f"unknown channel {channel!r}: use 'sms' or 'voice'.") from None


def answer_keys(channel: str) -> list[str]:
    """The questionnaire's answer keys of a channel (DESIGN's keys), in questionnaire order."""
    return [k for k in _model(channel).model_fields if k not in SETTING_KEYS]


def file_keys(channel: str) -> list[str]:
    """Every key an answers file may hold: the answer keys, then the settings (`review`)."""
    return list(_model(channel).model_fields)


def required_keys(channel: str) -> list[str]:
    """Keys that must be answered (those with no default)."""
    fields = _model(channel).model_fields
    return [k for k in answer_keys(channel) if fields[k].is_required()]


def max_items(channel: str, key: str) -> int | None:
    """The most items a list answer may hold, when the model caps it directly."""
    from annotated_types import MaxLen

    info = _model(channel).model_fields[key]
    return next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)


def to_data(answers: Answers) -> JsonObject:
    """Plain YAML/JSON-ready dict of the answers, optional keys left out when unset."""
    data: JsonObject = answers.model_dump(mode="json", exclude_none=True)
    if not answers.review.ignore:
        data.pop("review", None)  # the default: an answers file without `review`
    return data


# --- problem lines --------------------------------------------------------------------------


def _short_repr() -> reprlib.Repr:
    short = reprlib.Repr()
    short.maxstring = short.maxother = short.maxlong = 60
    short.maxlist = short.maxtuple = short.maxdict = short.maxset = 4
    short.maxlevel = 2
    return short


_SHORT_REPR = _short_repr()


def show_value(value: object, limit: int = 60) -> str:
    """A value for a problem line: cut while formatting, so a huge value costs nothing."""
    text = _SHORT_REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def loc_text(loc: Iterable[int | str]) -> str:
    """`requests[1].regions[0]`; a part that is file content (an odd key) is cut short."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = str(part) if len(str(part)) <= 40 else str(part)[:37] + "..."
            text += f".{name}" if text else name
    return text


def unknown_key_problem(key: str, known: Iterable[str]) -> str:
    known = list(known)
    # Settings keys (`review`) are valid but not listed: they are not questions.
    candidates = [*known, *SETTING_KEYS]
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6) if len(key) <= 100 else []
    hint = f" — did you mean {close[0]!r}?" if close else f" — valid keys: {', '.join(known)}"
    return f"unknown key {show_value(key, 40)}{hint}"


def missing_problem(key: str) -> str:
    return f"missing answer for {key!r} — add it to the answers file"


def set_example(channel: str, key: str) -> str:
    """How to give `key` on the command line: `--region` for regions, `[a, b]` for lists."""
    if key == "regions":
        return "--region REGION"
    kind = question_kinds(channel).get(key, ("text", None))[0]
    if kind in ("list", "multiselect"):
        return f"--set '{key}=[a, b]'"
    if kind == "group":
        return f"--set {key}.count=N --set {key}.period=day"
    return f"--set {key}=..."


@cache
def question_kinds(channel: str) -> dict[str, tuple[str, str | None]]:
    """key → (question type, list separator) from the questionnaire data."""
    return {q.key: (q.type, q.separator) for q in load_questions(channel)}


def question_defaults(channel: str) -> dict[str, object]:
    """The questionnaire's default answers (the lowest layer of precedence)."""
    return {q.key: q.default for q in load_questions(channel) if q.default is not None}


def not_answers_problem(name: str, channel: str, data: Mapping[str, object]) -> str | None:
    """One line, quoting nothing, when no key of `data` is an answer key of either channel.

    Such a file is something else (a batch path pointing at /etc/shadow, a config file): its
    keys are its contents, so they are neither listed nor "did you mean"-ed.
    """
    known = set(file_keys("sms")) | set(file_keys("voice"))
    if not data or known & {str(key) for key in data}:
        return None
    return (
        f"{name} is not an answers file: none of its {len(data)} key(s) is an answer key "
        f"(`pinpoint-sandbox init {channel} FILE` writes one)"
    )


def empty_answers_problem(name: str, channel: str) -> str:
    """One line for an empty answers file, instead of one "missing answer" line per key."""
    return (
        f"{name} is empty: fill it in (`pinpoint-sandbox init {channel} FILE` writes a "
        "skeleton with every question)"
    )


def channel_mismatch(channel: str, data: Mapping[str, object]) -> str | None:
    """The other channel, when `data` is plainly that channel's answers (a wrong file, not typos).

    Plainly: at least two keys only the other channel has, and more of them than keys only
    `channel` has.
    """
    other = "voice" if channel == "sms" else "sms"
    mine, theirs = set(answer_keys(channel)), set(answer_keys(other))
    foreign = len((theirs - mine) & data.keys())
    own = len((mine - theirs) & data.keys())
    return other if foreign >= 2 and foreign > own else None


def answers_file_problem(
    name: str, channel: str, data: Mapping[str, object], but: str
) -> str | None:
    """The one line for a file that is not this channel's answers at all, else None.

    Empty, not answers (quotes nothing of it), or the other channel's answers: one line each
    instead of one per missing or unknown key. `but` says where the channel came from.
    """
    if not data:
        return empty_answers_problem(name, channel)
    problem = not_answers_problem(name, channel, data)
    if problem is not None:
        return problem
    other = channel_mismatch(channel, data)
    return None if other is None else channel_mismatch_problem(name, channel, other, but)


def channel_mismatch_problem(name: str, channel: str, other: str, but: str) -> str:
    """One line for an answers file of the other channel, instead of one per foreign key.

    `but` says where the channel came from, e.g. "the request's channel is voice".
    """
    kind = {"sms": "an SMS", "voice": "a voice"}
    return (
        f"{name} looks like {kind[other]} answers file but {but}: use {kind[channel]} "
        f"answers file (`pinpoint-sandbox init {channel} FILE` writes one)"
    )


def error_text(error: ErrorDetails) -> str:
    """One pydantic error as the text after "key: "."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = f" (got {show_value(value)})"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters (got {len(str(value))})"
    if kind == "too_short":
        least = ctx.get("min_length")
        return f"needs at least {least} item{'' if least == 1 else 's'}"
    if kind == "too_long":
        most, actual = ctx.get("max_length"), ctx.get("actual_length")
        return f"has too many items: at most {most} (got {actual})"
    if kind == "string_type":
        return f"must be text{got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number{got}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number{got}"
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        word = "greater than" if kind == "greater_than" else "at least"
        return f"must be {word} {bound}{got}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false{got}"
    if kind == "list_type":
        return f"must be a list, e.g. [a, b]{got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping{got}"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key (not allowed here)"
    return f"{error['msg']}{got}"


def leaf_errors(errors: Iterable[ErrorDetails]) -> list[ErrorDetails]:
    """Drop the per-branch noise of `X | None` unions: report the non-None branch only."""
    kept = []
    for error in errors:
        loc = list(error["loc"])
        # Union branches appear in loc as type names (e.g. 'list[...]', 'int', 'float');
        # the `none` branch always fails with none_required and says nothing useful.
        if error["type"] == "none_required":
            continue
        trimmed = error.copy()
        trimmed["loc"] = tuple(p for p in loc if not (isinstance(p, str) and _is_branch(p)))
        kept.append(trimmed)
    # `int | float` reports one error per branch for the same location: keep the first.
    seen: set[tuple[int | str, ...]] = set()
    unique = []
    for error in kept:
        if error["loc"] in seen:
            continue
        seen.add(error["loc"])
        unique.append(error)
    return unique


def _is_branch(part: str) -> bool:
    return part in ("int", "float", "str", "bool") or part.startswith(
        ("list[", "function-", "constrained-", "lax-", "json-or-python", "literal[")
    )


def collect_problems(
    channel: str,
    data: Mapping[str, object],
    where: Callable[[str], str],
    missing_text: Callable[[str], str] = missing_problem,
    *,
    check_missing: bool = True,
) -> tuple[list[str], Answers | None]:
    """Validate `data`; `where(key)` gives the line prefix for a key (its source)."""
    model = _model(channel)
    keys = file_keys(channel)
    problems = [
        f"{where(str(key))}: {unknown_key_problem(str(key), answer_keys(channel))}"
        for key in data
        if key not in keys
    ]
    clean = {k: v for k, v in data.items() if k in keys}
    try:
        answers = model.model_validate(clean)
    except ValidationError as exc:
        for error in leaf_errors(exc.errors()):
            loc = error["loc"]
            key = str(loc[0]) if loc else ""
            if error["type"] == "missing" and len(loc) == 1:
                if check_missing:
                    problems.append(f"{where(key)}: {missing_text(key)}")
                continue
            problems.append(f"{where(key)}: {loc_text(loc)}: {error_text(error)}")
        return _capped(problems), None
    if problems:
        return _capped(problems), None
    return [], answers


def _capped(problems: list[str]) -> list[str]:
    """At most MAX_PROBLEM_LINES lines: a file of 10,000 bad items is not 10,000 lines."""
    if len(problems) <= MAX_PROBLEM_LINES:
        return problems
    rest = len(problems) - MAX_PROBLEM_LINES + 1
    return [*problems[: MAX_PROBLEM_LINES - 1], f"... and {rest} more problems like these"]


def validate_answers(
    channel: str,
    data: object,
    source: str = "answers",
    missing_text: Callable[[str], str] = missing_problem,
) -> Answers:
    """Validated answers, or AnswersError with one line per problem (all of them)."""
    if not isinstance(data, Mapping):
        raise AnswersError(
            [f"{source}: must be a mapping of answer keys (got {type(data).__name__})"], source
        )
    problems, answers = collect_problems(channel, data, lambda _key: source, missing_text)
    if answers is None:
        raise AnswersError(problems, source)
    return answers


@cache
def _field_model(channel: str, key: str) -> type[BaseModel]:
    info = _model(channel).model_fields[key]
    # The field's name is data: create_model's keywords cannot be typed one by one.
    one_field: Callable[..., type[BaseModel]] = create_model
    return one_field(f"_One_{channel}_{key}", **{key: (info.annotation, info)})


def validate_field(channel: str, key: str, value: object) -> str | None:
    """None when `value` is a valid answer for `key`, else the same line a file would get."""
    if key not in file_keys(channel):
        return unknown_key_problem(key, answer_keys(channel))
    try:
        _field_model(channel, key).model_validate({key: value})
    except ValidationError as exc:
        errors = leaf_errors(exc.errors())
        if errors:
            # Every bad item, each in words ("item 2"), not "destination_countries[1]".
            parts = [_within(error["loc"]) + error_text(error) for error in errors]
            return f"{key}: " + "; ".join(parts)
    return None


def _within(loc: Iterable[int | str]) -> str:
    """Where inside one answer: "item 2: ", "count: " ("" for the answer itself)."""
    words = [f"item {part + 1}" if isinstance(part, int) else str(part).replace("_", " ")
             for part in list(loc)[1:]]
    return ", ".join(words) + ": " if words else ""


def coerce_field(channel: str, key: str, value: object) -> object:
    """The validated, normalised value (stripped, upper-cased countries...) of one field."""
    model = _field_model(channel, key).model_validate({key: value})
    return getattr(model, key)


