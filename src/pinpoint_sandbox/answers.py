"""Answers to the SMS and Voice production-access questionnaires: models, files, precedence.

The keys are the fixed contract of DESIGN "Answers file". Every problem is reported as one line
that names where the value came from, the key, and the fix — pydantic's own multi-line dump is
never shown. Precedence (DESIGN): `--set` > `--answers` file > saved answers of the last run >
question default > interactive prompt.

Interactive runs prompt for every key not given by `--set`, the answers file or `--region`;
saved answers and question defaults are the prompts' prefilled values, so a rerun is a string of
Enter presses instead of retyping.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
    model_validator,
)

from pinpoint_sandbox.errors import AnswersError, NoTerminalError, UsageError

CHANNEL_NAMES = ("sms", "voice")

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

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


# --- field validators (each raises ValueError with the text shown after "key: ") -------------


def _no_bool(value: Any) -> Any:
    # YAML turns `yes`/`no`/`on`/`off` into booleans, and pydantic would take True as 1.
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not true/false (got {value!r})")
    return value


def _usd_number(value: Any) -> Any:
    # One clear message for every non-number, instead of one per branch of `int | float`.
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not true/false (got {value!r})")
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise ValueError(f"must be a number (got {_show(value)})") from None
    if not isinstance(value, int | float):
        raise ValueError(f"must be a number (got {_show(value)})")
    return value


def _usd_amount(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a USD amount such as 200 or 250.50 (got {_show(value)})")
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


def _https_url(value: str) -> str:
    if not value.lower().startswith("https://"):
        raise ValueError(f"must start with https:// (got {_show(value)})")
    parts = urlsplit(value)
    host = parts.hostname or ""
    if " " in value or "." not in host or host.startswith(".") or host.endswith("."):
        raise ValueError(f"must be a full https:// address such as https://www.example.com "
                         f"(got {_show(value)})")
    return value


def _region(value: str) -> str:
    from pinpoint_sandbox.regions import region_problem

    problem = region_problem(value)
    if problem:
        raise ValueError(problem)
    return value


@cache
def _country_codes() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def _country(value: Any) -> str:
    if isinstance(value, bool):
        # YAML 1.1 reads an unquoted NO (Norway) as false.
        raise ValueError(f"got {value!r}: quote country codes in YAML, e.g. 'NO' for Norway")
    if not isinstance(value, str):
        raise ValueError(f"must be a two-letter ISO 3166-1 code such as US (got {_show(value)})")
    code = value.strip().upper()
    if code == "UK":
        raise ValueError("'UK' is not an ISO 3166-1 code: use 'GB' for the United Kingdom")
    if code not in _country_codes():
        raise ValueError(
            f"{_show(value)} is not an ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)"
        )
    return code


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{_show(value)} is not an email address")
    return value


def _unique(values: list[Any]) -> list[Any]:
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


class ReviewSettings(BaseModel):
    """`review: {ignore: [rule, ...]}`: content-review rules the author waives on purpose."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] = []


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
    review: ReviewSettings | None = None


class CallsPerNumber(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    count: PositiveInt
    period: Literal["day", "week", "month", "other"]
    # What "other" means, in the user's words, read after "per" ("3 days", "campaign").
    period_detail: ShortText | None = None

    @model_validator(mode="after")
    def _detail_for_other(self) -> CallsPerNumber:
        if self.period == "other" and not self.period_detail:
            raise ValueError(
                "period is 'other': say what it means in period_detail, e.g. '3 days'"
            )
        return self


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
    review: ReviewSettings | None = None


Answers = SmsAnswers | VoiceAnswers
ANSWER_MODELS: dict[str, type[BaseModel]] = {"sms": SmsAnswers, "voice": VoiceAnswers}


def _model(channel: str) -> type[BaseModel]:
    try:
        return ANSWER_MODELS[channel]
    except KeyError:
        raise UsageError(f"unknown channel {channel!r}: use 'sms' or 'voice'.") from None


def answer_keys(channel: str) -> list[str]:
    """The answer keys of a channel, in questionnaire order."""
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


def to_data(answers: Answers) -> dict[str, Any]:
    """Plain YAML/JSON-ready dict of the answers, optional keys left out when unset."""
    return answers.model_dump(mode="json", exclude_none=True)


# --- problem lines --------------------------------------------------------------------------


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _loc_text(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def unknown_key_problem(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f" — did you mean {close[0]!r}?" if close else f" — valid keys: {', '.join(known)}"
    return f"unknown key {key!r}{hint}"


def missing_problem(key: str) -> str:
    return f"missing answer for {key!r} — add it to the answers file"


def set_example(channel: str, key: str) -> str:
    """How to give `key` on the command line: `--region` for regions, `[a, b]` for lists."""
    if key == "regions":
        return "--region REGION"
    kind = _question_kinds(channel).get(key, ("text", None))[0]
    if kind in ("list", "multiselect"):
        return f"--set '{key}=[a, b]'"
    if kind == "group":
        return f"--set {key}.count=N --set {key}.period=day"
    return f"--set {key}=..."


@cache
def _question_kinds(channel: str) -> dict[str, tuple[str, str | None]]:
    """key → (question type, list separator) from the questionnaire data."""
    from pinpoint_sandbox.questions import load_questions

    return {q.key: (q.type, q.separator) for q in load_questions(channel)}


def channel_mismatch(channel: str, data: Mapping[str, Any]) -> str | None:
    """The other channel, when `data` is plainly that channel's answers (a wrong file, not typos).

    Plainly: at least two keys only the other channel has, and more of them than keys only
    `channel` has.
    """
    other = "voice" if channel == "sms" else "sms"
    mine, theirs = set(answer_keys(channel)), set(answer_keys(other))
    foreign = len((theirs - mine) & data.keys())
    own = len((mine - theirs) & data.keys())
    return other if foreign >= 2 and foreign > own else None


def channel_mismatch_problem(name: str, channel: str, other: str, but: str) -> str:
    """One line for an answers file of the other channel, instead of one per foreign key.

    `but` says where the channel came from, e.g. "the request's channel is voice".
    """
    kind = {"sms": "an SMS", "voice": "a voice"}
    return (
        f"{name} looks like {kind[other]} answers file but {but}: use {kind[channel]} "
        f"answers file (`pinpoint-sandbox init {channel} FILE` writes one)"
    )


def _error_text(error: Mapping[str, Any]) -> str:
    """One pydantic error as the text after "key: "."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = f" (got {_show(value)})"
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
    return f"{error['msg']}{got}"


def _leaf_errors(errors: list[Any]) -> list[Any]:
    """Drop the per-branch noise of `X | None` unions: report the non-None branch only."""
    kept = []
    for error in errors:
        loc = list(error["loc"])
        # Union branches appear in loc as type names (e.g. 'list[...]', 'int', 'float');
        # the `none` branch always fails with none_required and says nothing useful.
        if error["type"] == "none_required":
            continue
        error = dict(error)
        error["loc"] = tuple(p for p in loc if not (isinstance(p, str) and _is_branch(p)))
        kept.append(error)
    # `int | float` reports one error per branch for the same location: keep the first.
    seen: set[tuple[Any, ...]] = set()
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


def _problems(
    channel: str,
    data: Mapping[str, Any],
    where: Callable[[str], str],
    missing_text: Callable[[str], str] = missing_problem,
    *,
    check_missing: bool = True,
) -> tuple[list[str], Answers | None]:
    """Validate `data`; `where(key)` gives the line prefix for a key (its source)."""
    model = _model(channel)
    keys = answer_keys(channel)
    problems = [
        f"{where(str(key))}: {unknown_key_problem(str(key), keys)}"
        for key in data
        if key not in keys
    ]
    clean = {k: v for k, v in data.items() if k in keys}
    try:
        answers = model.model_validate(clean)
    except ValidationError as exc:
        for error in _leaf_errors(exc.errors()):
            loc = error["loc"]
            key = str(loc[0]) if loc else ""
            if error["type"] == "missing" and len(loc) == 1:
                if check_missing:
                    problems.append(f"{where(key)}: {missing_text(key)}")
                continue
            problems.append(f"{where(key)}: {_loc_text(loc)}: {_error_text(error)}")
        return problems, None
    if problems:
        return problems, None
    return [], answers  # type: ignore[return-value]


def validate_answers(
    channel: str,
    data: Any,
    source: str = "answers",
    missing_text: Callable[[str], str] = missing_problem,
) -> Answers:
    """Validated answers, or AnswersError with one line per problem (all of them)."""
    if not isinstance(data, Mapping):
        raise AnswersError(
            [f"{source}: must be a mapping of answer keys (got {type(data).__name__})"], source
        )
    problems, answers = _problems(channel, data, lambda _key: source, missing_text)
    if answers is None:
        raise AnswersError(problems, source)
    return answers


@cache
def _field_model(channel: str, key: str) -> type[BaseModel]:
    info = _model(channel).model_fields[key]
    return create_model(f"_One_{channel}_{key}", **{key: (info.annotation, info)})  # type: ignore[call-overload]


def validate_field(channel: str, key: str, value: Any) -> str | None:
    """None when `value` is a valid answer for `key`, else the same line a file would get."""
    if key not in answer_keys(channel):
        return unknown_key_problem(key, answer_keys(channel))
    try:
        _field_model(channel, key).model_validate({key: value})
    except ValidationError as exc:
        errors = _leaf_errors(exc.errors())
        if errors:
            error = errors[0]
            return f"{_loc_text(error['loc'])}: {_error_text(error)}"
    return None


def coerce_field(channel: str, key: str, value: Any) -> Any:
    """The validated, normalised value (stripped, upper-cased countries...) of one field."""
    model = _field_model(channel, key).model_validate({key: value})
    return getattr(model, key)


# --- files and flags ------------------------------------------------------------------------


def _read_yaml(path: Path, what: str) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a directory, not a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        if "\\t" in problem or "\t" in problem:
            problem += " (indent with spaces, not tabs)"
        raise UsageError(f"{path.name}: not valid YAML{where}: {problem}") from None


def load_answers_file(path: Path) -> dict[str, Any]:
    """The mapping in an answers file (not validated yet); an empty file is an empty mapping."""
    path = Path(path)
    data = _read_yaml(path, "answers file")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(
            f"{path.name}: must be a YAML mapping of answer keys, not a {type(data).__name__} "
            f"(see `pinpoint-sandbox init sms` for a skeleton)"
        )
    return {str(k): v for k, v in data.items()}


def parse_set_value(text: str) -> Any:
    """A `--set` value: YAML flow lists/mappings and plain scalars are typed, prose stays text."""
    import yaml

    stripped = text.strip()
    try:
        value = yaml.safe_load(stripped) if stripped else ""
    except yaml.YAMLError:
        return stripped
    if stripped.startswith(("[", "{")):
        return value
    # "Users opt in: via our site" would parse as a mapping; prose must stay prose.
    if isinstance(value, dict | list):
        return stripped
    return value


def _typed_for_key(channel: str, key: str, raw: str, value: Any) -> Any:
    """Fit a parsed `--set` value to the question's type (YAML guesses without knowing it).

    Text and choice answers keep what the user typed (`company_name=123`, `=yes`, a date);
    list answers accept a plain value or a comma list (`destination_countries=US,GB`).
    """
    kind, separator = _question_kinds(channel).get(key, ("", None))
    text = raw.strip()
    if kind in ("text", "long_text", "select"):
        scalar = value is not None and not isinstance(value, str | list | dict)
        return text if scalar else value
    if kind in ("list", "multiselect") and not isinstance(value, list | dict) and text:
        # Sample messages hold commas of their own: one --set is one message.
        split_on = separator or ("," if kind == "multiselect" else None)
        if split_on is None:
            return [text]
        return [part.strip() for part in text.split(split_on) if part.strip()]
    return value


def parse_set_options(items: Iterable[str], channel: str | None = None) -> dict[str, Any]:
    """`--set KEY=VALUE` options as a nested dict (`calls_per_number.count=3` → nested).

    With `channel`, top-level values are fitted to the question's type (see `_typed_for_key`).
    """
    result: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(
                f"--set {item!r}: expected KEY=VALUE, e.g. --set company_name='Example Corp'"
            )
        parts = key.split(".")
        if any(not p for p in parts):
            raise UsageError(f"--set {item!r}: empty part in key {key!r}")
        target = result
        for part in parts[:-1]:
            node = target.get(part)
            if not isinstance(node, dict):
                node = target[part] = {}
            target = node
        value = parse_set_value(raw)
        if channel is not None and len(parts) == 1:
            value = _typed_for_key(channel, key, raw, value)
        target[parts[-1]] = value
    return result


def deep_merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers win; nested mappings (calls_per_number) merge key by key."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = deep_merge(merged[key], value)
            else:
                merged[key] = value
    return merged


@cache
def _dumper() -> type[Any]:
    import yaml

    class AnswersDumper(yaml.SafeDumper):
        """Readable answers files: paragraphs folded (`>-`), short lists inline."""

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else (">" if len(value) > 100 else None)
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
        short = all(isinstance(v, str | int | float) and len(str(v)) <= 40 for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)

    AnswersDumper.add_representer(str, represent_str)
    AnswersDumper.add_representer(list, represent_list)
    return AnswersDumper


def dump_yaml(data: Mapping[str, Any]) -> str:
    """YAML for answers files (saved answers, --save-answers, init skeleton)."""
    import yaml

    return yaml.dump(
        dict(data), Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=96
    )


def load_saved_answers(channel: str) -> dict[str, Any]:
    """Answers of the last run (possibly partial); unreadable or stale state is ignored."""
    import yaml

    from pinpoint_sandbox.paths import saved_answers_path

    path = saved_answers_path(channel)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    if not isinstance(data, dict):
        return {}
    # Saved answers are our own cache: keys of an older version are dropped, not reported.
    keys = answer_keys(channel)
    return {k: v for k, v in data.items() if k in keys}


def save_answers(channel: str, data: Mapping[str, Any]) -> Path:
    from pinpoint_sandbox.paths import saved_answers_path

    keys = answer_keys(channel)
    path = saved_answers_path(channel)
    ordered = {k: data[k] for k in keys if k in data and data[k] is not None}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(dump_yaml(ordered), encoding="utf-8")
    tmp.replace(path)  # atomic: an interrupted write never leaves half a file
    return path


# --- precedence -----------------------------------------------------------------------------


def _question_defaults(channel: str) -> dict[str, Any]:
    from pinpoint_sandbox.questions import load_questions

    return {q.key: q.default for q in load_questions(channel) if q.default is not None}


def resolve_answers(
    channel: str,
    *,
    answers_file: Path | None = None,
    sets: list[str] | None = None,
    regions: list[str] | None = None,
    use_saved: bool = True,
    interactive: bool = False,
    save_to: Path | None = None,
    preselect_regions: list[str] | None = None,
) -> Answers:
    """Final answers from every layer (DESIGN precedence); saved for the next run on success.

    `regions` (from --region) replaces the regions key. With `interactive`, keys given by
    neither --set, the file nor --region are prompted for, prefilled from saved answers and
    question defaults (`preselect_regions` preselects the region checkboxes when nothing is
    saved). Without it, saved answers and defaults fill in and anything still missing is an error.
    """
    set_values = parse_set_options(sets or [], channel)
    file_values = load_answers_file(answers_file) if answers_file is not None else {}
    saved = load_saved_answers(channel) if use_saved else {}
    defaults = _question_defaults(channel)
    override = {"regions": list(regions)} if regions else {}
    if answers_file is not None:
        other = channel_mismatch(channel, file_values)
        if other is not None:
            problem = channel_mismatch_problem(
                answers_file.name, channel, other, f"this is `request {channel}`"
            )
            raise AnswersError([problem], answers_file.name)
    elif not interactive and not set_values and not saved:
        raise _no_answers_error(channel)
    # Lines about keys nobody gave name the sources that were given (never a file that wasn't).
    given_sources = [
        name
        for name, layer in (("--set", set_values), ("--region", override), ("saved answers", saved))
        if layer
    ]
    file_label = (
        answers_file.name if answers_file is not None else " + ".join(given_sources) or "answers"
    )

    # Where each key came from, so a problem line points at the layer to fix.
    origin: dict[str, str] = {}
    for label, layer in (
        ("question default", defaults),
        (f"saved answers ({_saved_path_text(channel)})", saved),
        (file_label, file_values),
        ("--set", set_values),
        ("--region", override),
    ):
        for key in layer:
            origin[key] = label

    def where(key: str) -> str:
        return origin.get(key, file_label)

    given = deep_merge(file_values, set_values, override)
    if interactive:
        problems, _ = _problems(channel, given, where, check_missing=False)
        if problems:
            raise AnswersError(problems, file_label)
        from pinpoint_sandbox.questions.engine import ask_missing

        prefill = deep_merge(defaults, saved)
        asked = ask_missing(
            channel, given, preselect_regions=preselect_regions, prefill=prefill,
            required_only=answers_file is not None,
        )
        for key in asked:
            origin.setdefault(key, "your answer")
        merged = deep_merge(given, asked)
    else:
        merged = deep_merge(defaults, saved, given)
    def missing_text(key: str) -> str:
        how = set_example(channel, key)
        if answers_file is not None:
            return f"missing answer for {key!r} — add it to {answers_file.name} or pass {how}"
        return f"missing answer for {key!r} — pass {how} (or put all answers in --answers FILE)"

    problems, answers = _problems(channel, merged, where, missing_text)
    if answers is None:
        raise AnswersError(problems, file_label)
    save_answers(channel, to_data(answers))
    if save_to is not None:
        save_to.write_text(dump_yaml(to_data(answers)), encoding="utf-8")
    return answers


def _no_answers_error(channel: str) -> UsageError:
    """No file, no --set, nothing saved, and no prompt allowed: one line, not one per key."""
    from pinpoint_sandbox.questions.engine import has_terminal

    write_one = f"write one with `pinpoint-sandbox init {channel} FILE`"
    if has_terminal():
        return UsageError(
            f"no answers given and --no-input forbids asking: pass --answers FILE ({write_one}) "
            "or drop --no-input to be asked"
        )
    return NoTerminalError(
        f"no answers given and no terminal to ask on: pass --answers FILE ({write_one}) "
        "or run in a terminal"
    )


def _saved_path_text(channel: str) -> str:
    from pinpoint_sandbox.paths import saved_answers_path

    return str(saved_answers_path(channel))
