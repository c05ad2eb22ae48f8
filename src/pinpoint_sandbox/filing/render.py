"""Render a case (subject + description) for one target from Jinja templates.

Templates ship in the package (`pinpoint_sandbox/templates`, a symlink to the top-level
`templates/` dir) and a same-named file in `--templates-dir` overrides the packaged one
(commitizen style). Rendering runs in a `SandboxedEnvironment` with `StrictUndefined`: a user
template can read the answers but cannot reach Python internals, and a typo is an error, not an
empty string in a case AWS reviews.

Every problem a user can cause (a broken override, answers too long for the Support API) is one
`UsageError` line; nothing else is raised.
"""

from __future__ import annotations

import re
import threading
import traceback
from collections.abc import Callable, Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.core.targets import Channel, RenderedCase, Target

if TYPE_CHECKING:
    import jinja2
    from jinja2.runtime import Context

# The Support API's CreateCase/AddCommunicationToCase `communicationBody` limit.
SUPPORT_BODY_LIMIT = 8000
# CreateCase `subject`: the console and API cut longer subjects.
SUBJECT_LIMIT = 255
SUBJECT_TEMPLATE = "subject.txt.j2"
# Case bodies are plain text (the Support Center box shows Markdown literally): *.txt.j2. A
# user's override under the old Markdown-era name (*.md.j2) is still honoured.
BODY_TEMPLATES = {"sms": "sms_case.txt.j2", "voice": "voice_case.txt.j2"}
LEGACY_BODY_TEMPLATES = {"sms": "sms_case.md.j2", "voice": "voice_case.md.j2"}
# Every template a --templates-dir file can override, by name.
OVERRIDABLE_TEMPLATES = (
    SUBJECT_TEMPLATE, *BODY_TEMPLATES.values(), *LEGACY_BODY_TEMPLATES.values()
)
# Files for `{% include %}` in a --templates-dir start with this, so a misnamed override
# (which would be silently ignored) can be told from a partial.
PARTIAL_PREFIX = "_"
# A body over the limit is the template's doing when no answer is at least this share of it.
ANSWER_SHARE_TO_BLAME = 0.25

QUOTA_NAMES: dict[str, str] = {
    "sms": "SMS Production Access",
    "voice": "Voice Production Access",
}
# The quota as the console form names it in the "Requests" section (seed doc, steps 7 and 9).
REQUEST_QUOTA_LABELS: dict[str, str] = {
    "sms": "SMS Production Access",
    "voice": "Production Access",
}
RESOURCE_TYPE = "General Limits"
SPEND_QUOTA_LABEL = "Account Spend Threshold Increase"


# Resource limits of user templates (a template is code the user did not necessarily write):
# range() length, the length of one string or list built by `*`, `%` or padding, and the whole
# output. The case body may hold 8,000 characters, so anything far beyond is a runaway template.
MAX_RANGE = 10_000
MAX_BUILT_LENGTH = 100_000
MAX_OUTPUT = 4 * SUPPORT_BODY_LIMIT
MAX_EXPONENT = 64

# Optional answers may be left out of a plain dict; templates test them with `is not none`.
OPTIONAL_ANSWERS: dict[str, dict[str, object]] = {
    "sms": {"spend_limit_usd": None, "contact_emails": []},
    "voice": {"voice_message_sent": None, "contact_emails": []},
}

# Names for the destinations people ask about most; phonenumbers has no country names.
# A code missing here is printed alone, which the reviewer reads just as well.
COUNTRY_NAMES: dict[str, str] = {
    "AE": "United Arab Emirates", "AR": "Argentina", "AT": "Austria", "AU": "Australia",
    "BE": "Belgium", "BR": "Brazil", "CA": "Canada", "CH": "Switzerland", "CL": "Chile",
    "CN": "China", "CO": "Colombia", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark",
    "EG": "Egypt", "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom",
    "GR": "Greece", "HK": "Hong Kong", "HU": "Hungary", "ID": "Indonesia", "IE": "Ireland",
    "IL": "Israel", "IN": "India", "IT": "Italy", "JP": "Japan", "KE": "Kenya",
    "KR": "South Korea", "MX": "Mexico", "MY": "Malaysia", "NG": "Nigeria",
    "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand", "PE": "Peru",
    "PH": "Philippines", "PK": "Pakistan", "PL": "Poland", "PT": "Portugal", "RO": "Romania",
    "SA": "Saudi Arabia", "SE": "Sweden", "SG": "Singapore", "TH": "Thailand", "TR": "Türkiye",
    "TW": "Taiwan", "UA": "Ukraine", "US": "United States", "VN": "Vietnam",
    "ZA": "South Africa",
}


def template_names(channel: Channel | str) -> tuple[str, str]:
    """(subject, body) template file names for a channel."""
    if channel not in QUOTA_NAMES:
        raise UsageError(f"Unknown channel {channel!r}: use 'sms' or 'voice'.")
    return SUBJECT_TEMPLATE, BODY_TEMPLATES[channel]


def body_template_name(channel: Channel | str, templates_dir: Path | None) -> str:
    """The body template to render: a user override under the new or the legacy name wins."""
    name = template_names(channel)[1]
    if templates_dir is not None:
        legacy = LEGACY_BODY_TEMPLATES[channel]
        if not (Path(templates_dir) / name).is_file() and (Path(templates_dir) / legacy).is_file():
            return legacy
    return name


def packaged_templates_dir() -> Traversable:
    return files("pinpoint_sandbox.filing") / "templates"


class RequestRow(TypedDict):
    """One row of the console form's "Requests" section, and that row on one line."""

    region: str
    resource_type: str
    quota: str
    new_value: int | str
    line: str


def request_rows(target: Target, answers: Mapping[str, object]) -> list[RequestRow]:
    """The "Requests" section of the console form: one production-access row per target,
    plus the SMS spend threshold when the answers ask for it (a separate, often forgotten step)."""
    rows = [_request_row(target.region, REQUEST_QUOTA_LABELS[target.channel], 1)]
    spend = answers.get("spend_limit_usd")
    if target.channel == "sms" and spend is not None:
        rows.append(_request_row(target.region, SPEND_QUOTA_LABEL,
                                 f"{format_amount(spend)} USD per month"))
    return rows


def _request_row(region: str, quota: str, new_value: int | str) -> RequestRow:
    return RequestRow(region=region, resource_type=RESOURCE_TYPE, quota=quota,
                      new_value=new_value,
                      line=request_line(region, RESOURCE_TYPE, quota, new_value))


def request_line(region: str, resource_type: str, quota: str, new_value: int | str) -> str:
    """One request as the console form reads it, on one line."""
    return (
        f"Region: {region} / Resource type: {resource_type} / "
        f"Quota: {quota} / New quota value: {new_value}"
    )


def calls_per_number_text(calls: object, labels: Mapping[str, str] | None = None) -> str:
    """"1250 messages per day"; with period "other", the user's own words for the period;
    in the case's language when `labels` (case_labels) are given."""
    if not isinstance(calls, Mapping):
        return ""
    words = labels or case_labels("en")
    period = str(calls.get("period", ""))
    detail = calls.get("period_detail")
    if period == "other" and detail:
        return words["calls_other"].format(count=calls.get("count"), period=detail)
    return words["calls"].format(count=calls.get("count"), period=words.get(period, period))


@cache
def case_labels(language: str) -> dict[str, str]:
    """The case text's labels in a contact language (templates/case_labels.yaml); English for
    any language AWS Support does not answer in."""
    import yaml

    data = yaml.safe_load((packaged_templates_dir() / "case_labels.yaml").read_text("utf-8"))
    return {str(k): str(v) for k, v in (data.get(language) or data["en"]).items()}


# Folded YAML (`>`) joins lines with a space, which in Chinese or Japanese is a stray space
# between two sentences: "…です。 次の…". Only a single space with CJK on both sides goes.
_CJK = r"\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_FOLD_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def unfold_cjk(value: object) -> object:
    """An answer with folding spaces between CJK characters removed (lists and groups too)."""
    if isinstance(value, str):
        return _CJK_FOLD_SPACE.sub("", value)
    if isinstance(value, list):
        return [unfold_cjk(v) for v in value]
    return value


def format_amount(value: object) -> str:
    """200.0 → "200", 250.5 → "250.50": a USD amount as people write one, not as a float."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    return str(value)


def country_name(code: object) -> str:
    return COUNTRY_NAMES.get(str(code).upper(), "")


def build_context(
    target: Target, answers: Mapping[str, object], extra: Mapping[str, object] | None = None
) -> dict[str, object]:
    """Everything a template can use; `extra` (e.g. backend, quota_code) is applied last."""
    context: dict[str, object] = dict(OPTIONAL_ANSWERS.get(target.channel, {}))
    regions = answers.get("regions")
    context.update({key: unfold_cjk(value) for key, value in answers.items()})
    labels = case_labels(str(answers.get("contact_language") or "en"))
    context.update(
        labels=labels,
        target=target,
        channel=target.channel,
        region=target.region,
        account_id=target.account_id,
        tag=target.tag,
        quota_name=QUOTA_NAMES[target.channel],
        request_rows=request_rows(target, context),
        all_regions=list(regions) if isinstance(regions, list | tuple) and regions
        else [target.region],
        message_type_label=labels.get(
            str(answers.get("message_type")), str(answers.get("message_type", ""))
        ),
        contact_language_label=labels.get(
            f"lang_{answers.get('contact_language')}", str(answers.get("contact_language", ""))
        ),
        calls_per_number_text=calls_per_number_text(answers.get("calls_per_number"), labels),
    )
    if extra:
        context.update(extra)
    return context


def render_case(
    target: Target,
    answers: Mapping[str, object],
    *,
    templates_dir: Path | None = None,
    extra: Mapping[str, object] | None = None,
) -> RenderedCase:
    subject_name = SUBJECT_TEMPLATE
    body_name = body_template_name(target.channel, templates_dir)
    env = environment(templates_dir)
    context = build_context(target, answers, extra)

    subject = _render(env, subject_name, context, templates_dir)
    body = _render(env, body_name, context, templates_dir)
    return RenderedCase(
        subject=_checked_subject(subject, target, templates_dir),
        description=_checked_body(body, answers, body_name, templates_dir),
    )


def check_templates_dir(templates_dir: Path) -> None:
    """A *.j2 file that overrides nothing is a typo the user would never notice: refuse it."""
    for path in Path(templates_dir).glob("*.j2"):
        if not path.is_file():  # a FIFO would hang the render, a device never end
            raise UsageError(f"--templates-dir {templates_dir}: {path.name} is not a regular "
                             "file; give template files.")
    stray = sorted(
        path.name
        for path in Path(templates_dir).glob("*.j2")
        if path.name not in OVERRIDABLE_TEMPLATES and not path.name.startswith(PARTIAL_PREFIX)
    )
    if stray:
        raise UsageError(
            f"--templates-dir {templates_dir}: {', '.join(stray)} "
            f"match{'es' if len(stray) == 1 else ''} no template: name overrides "
            f"{', '.join(OVERRIDABLE_TEMPLATES)} (files for {{% include %}} start with "
            f"'{PARTIAL_PREFIX}')."
        )


_ENVIRONMENTS: dict[str, jinja2.Environment] = {}
_ENVIRONMENTS_LOCK = threading.Lock()


def environment(templates_dir: Path | None) -> jinja2.Environment:
    """One environment per templates dir per process: templates compile once, not per target.

    Thread-safe (plans are built by a pool); a Jinja environment renders concurrently."""
    key = "" if templates_dir is None else str(Path(templates_dir).resolve())
    with _ENVIRONMENTS_LOCK:
        env = _ENVIRONMENTS.get(key)
        if env is None:
            env = _ENVIRONMENTS[key] = _new_environment(templates_dir)
        return env


def _new_environment(templates_dir: Path | None) -> jinja2.Environment:
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        if not Path(templates_dir).is_dir():
            raise UsageError(
                f"--templates-dir {templates_dir} is not a directory: create it or drop the option."
            )
        check_templates_dir(templates_dir)
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PackageLoader("pinpoint_sandbox.filing", "templates"))
    env = _limited_environment_class()(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # plain text, never HTML
    )
    env.filters["amount"] = format_amount
    env.filters["country_name"] = country_name
    return env


_PRINTF_WIDTH = re.compile(r"%[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?")
_FORMAT_WIDTH = re.compile(r"\d+")
# str methods whose int arguments size the result.
_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


def _limit(size: int, what: str) -> None:
    from jinja2.exceptions import SecurityError

    if size > MAX_BUILT_LENGTH:
        raise SecurityError(
            f"{what} would build {size:,} characters or items, over the template limit of "
            f"{MAX_BUILT_LENGTH:,}"
        )


def _check_binop(operator: str, left: object, right: object) -> None:
    from jinja2.exceptions import SecurityError

    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                _limit(len(seq) * times, "repetition")
    elif operator == "**":
        if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent {right:,} is over the template limit of {MAX_EXPONENT}")
    elif operator == "%" and isinstance(left, str):
        _check_printf(left, right)


def _check_printf(spec: str, args: object) -> None:
    values = args if isinstance(args, tuple) else (args,)
    star = any("*" in m.group(0) for m in _PRINTF_WIDTH.finditer(spec))
    widths = [int(n) for m in _PRINTF_WIDTH.finditer(spec) for n in m.groups() if n and n != "*"]
    if star:
        widths += [v for v in values if isinstance(v, int)]
    _limit(max(widths, default=0), "a %-format width")


def _check_call(obj: object, args: tuple[object, ...]) -> None:
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in _PADDING_METHODS:
        _limit(max([a for a in args if isinstance(a, int)], default=0), f"str.{name}()")
    elif name in ("format", "format_map"):
        _limit(max((int(n) for n in _FORMAT_WIDTH.findall(owner)), default=0), "a format width")


def _bounded_filter(original: Callable[..., object], width_arg: int) -> Callable[..., object]:
    """A padding filter (center, indent, format) that refuses widths over the limit."""

    def bounded(value: object, *args: object, **kwargs: object) -> object:
        width = args[width_arg - 1] if len(args) > width_arg - 1 else None
        if isinstance(width, int):
            _limit(width, "a filter width")
        return original(value, *args, **kwargs)

    return bounded


def _bounded_format(value: object, *args: object, **kwargs: object) -> str:
    _check_printf(str(value), tuple(args))
    return str(value) % (kwargs or args)


def _limited_range(*args: int) -> range:
    from jinja2.exceptions import SecurityError

    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(
            f"range() of {len(rng):,} items is over the template limit of {MAX_RANGE:,}"
        )
    return rng


_LIMITED_CLASS: list[type[jinja2.Environment]] = []


def _limited_environment_class() -> type[jinja2.Environment]:
    """SandboxedEnvironment with resource limits; built on first use (jinja2 is lazy)."""
    if _LIMITED_CLASS:
        return _LIMITED_CLASS[0]
    from jinja2.filters import FILTERS
    from jinja2.sandbox import SandboxedEnvironment

    class LimitedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%"})

        def __init__(self, **options: object) -> None:
            super().__init__(**options)
            self.globals["range"] = _limited_range
            self.filters["center"] = _bounded_filter(FILTERS["center"], 1)
            self.filters["indent"] = _bounded_filter(FILTERS["indent"], 1)
            self.filters["format"] = _bounded_format

        def call_binop(
            self, context: Context, operator: str, left: object, right: object
        ) -> object:
            _check_binop(operator, left, right)
            return super().call_binop(context, operator, left, right)

        def wrap_str_format(self, value: object) -> Callable[..., str] | None:
            # str.format is sandboxed at attribute access: check the widths there too.
            owner = getattr(value, "__self__", None)
            if isinstance(owner, str) and getattr(value, "__name__", "") in (
                "format", "format_map"
            ):
                _limit(max((int(n) for n in _FORMAT_WIDTH.findall(owner)), default=0),
                       "a format width")
            return super().wrap_str_format(value)

        def call(__self, __context: Context, __obj: object, *args: object,
                 **kwargs: object) -> object:
            _check_call(__obj, args)
            return super().call(__context, __obj, *args, **kwargs)

    _LIMITED_CLASS.append(LimitedSandbox)
    return LimitedSandbox


def _render(
    env: jinja2.Environment, name: str, context: Mapping[str, object], templates_dir: Path | None
) -> str:
    import jinja2

    try:
        return _bounded_output(env.get_template(name), context, name, templates_dir)
    except jinja2.TemplateSyntaxError as exc:
        filename = exc.filename or exc.name or name
        problem = f"syntax error: {_one_line(exc.message or exc)}"
        raise _template_error(filename, exc.lineno, problem, templates_dir) from None
    except jinja2.TemplateNotFound as exc:
        looked = f"{templates_dir} and the built-in templates" if templates_dir else "the package"
        raise UsageError(
            f"template {exc.name} not found in {looked}: add it to --templates-dir "
            "or fix the include that names it."
        ) from None
    except (
        jinja2.TemplateError,  # UndefinedError, SecurityError (our limits too) and the rest
        TypeError,  # from here on: a user template computing with the wrong types
        ValueError,
        ArithmeticError,
        LookupError,
        RecursionError,
        MemoryError,  # a way around the limits nobody thought of: still one line
    ) as exc:
        filename, lineno = _failing_frame(exc, name)
        problem = "ran out of memory" if isinstance(exc, MemoryError) else _one_line(exc)
        raise _template_error(filename, lineno, problem, templates_dir) from None


def _bounded_output(
    template: jinja2.Template, context: Mapping[str, object], name: str, templates_dir: Path | None
) -> str:
    """Render piece by piece and stop once the output is far past anything the API accepts."""
    parts: list[str] = []
    size = 0
    for part in template.generate(context):
        size += len(part)
        if size > MAX_OUTPUT:
            where = f"in {templates_dir}" if templates_dir else "(built-in)"
            raise UsageError(
                f"template {name} {where} produces more than {MAX_OUTPUT:,} characters (the "
                f"Support API takes {SUPPORT_BODY_LIMIT:,}): shorten the template or its loops."
            )
        parts.append(part)
    return "".join(parts)


def _template_error(
    filename: str, lineno: int | None, problem: str, templates_dir: Path | None
) -> UsageError:
    base = Path(filename).name
    where = f"template {base} (line {lineno})" if lineno else f"template {base}"
    return UsageError(f"{where}: {problem} — {_fix_hint(filename, templates_dir)}")


def _one_line(problem: object) -> str:
    return " ".join(str(problem).split()).rstrip(".") or type(problem).__name__


def _failing_frame(exc: BaseException, fallback: str) -> tuple[str, int | None]:
    """Jinja rewrites tracebacks so template frames carry the template file and line."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno
    return fallback, None


def _fix_hint(filename: str | None, templates_dir: Path | None) -> str:
    if templates_dir is not None and filename and _is_under(Path(filename), templates_dir):
        return f"fix the template in {templates_dir} or remove it to use the built-in one"
    # A built-in template failed: the answers given to it are incomplete.
    return "check that the answers file has every key for this channel"


def _is_under(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(Path(directory).resolve())
    except ValueError:
        return False
    return True


def _checked_subject(subject: str, target: Target, templates_dir: Path | None) -> str:
    # One line whatever the template does with whitespace.
    line = " ".join(subject.split())
    if target.tag not in line:
        where = f"in {templates_dir}" if templates_dir else "(built-in)"
        raise UsageError(
            f"template {SUBJECT_TEMPLATE} {where} dropped the tag {target.tag}: keep "
            "{{ tag }} in the subject, it is how pinpoint-sandbox avoids filing twice."
        )
    if len(line) <= SUBJECT_LIMIT:
        return line
    if line.endswith(target.tag):
        # Shorten the free text, never the tag.
        room = SUBJECT_LIMIT - len(target.tag) - 2
        return line[: len(line) - len(target.tag)].rstrip()[:room].rstrip() + "… " + target.tag
    raise UsageError(
        f"the case subject is {len(line):,} characters, over the {SUBJECT_LIMIT} limit: "
        f"shorten {SUBJECT_TEMPLATE} or end it with {{{{ tag }}}} so it can be shortened."
    )


def _checked_body(
    body: str, answers: Mapping[str, object], body_name: str, templates_dir: Path | None
) -> str:
    if len(body) <= SUPPORT_BODY_LIMIT:
        return body
    key, size = _longest_answer(answers)
    user_template = templates_dir is not None and (Path(templates_dir) / body_name).is_file()
    if user_template and size < ANSWER_SHARE_TO_BLAME * len(body):
        # No answer is big enough to explain it: the override repeats or pads its text.
        raise UsageError(
            f"the template {body_name} in {templates_dir} produces {len(body):,} characters, "
            f"over the Support API's {SUPPORT_BODY_LIMIT:,} limit (the longest answer is only "
            f"{size:,}): shorten the template or remove it to use the built-in one."
        )
    longest = f"; the longest answer is {key!r} ({size:,} characters) — shorten it" if key else ""
    raise UsageError(
        f"case description is {len(body):,} characters, over the Support API's "
        f"{SUPPORT_BODY_LIMIT:,} limit{longest}."
    )


def _longest_answer(answers: Mapping[str, object]) -> tuple[str | None, int]:
    best_key, best_size = None, 0
    for key, value in answers.items():
        size = _text_size(value)
        if size > best_size:
            best_key, best_size = key, size
    return best_key, best_size


def _text_size(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, Mapping):
        return sum(_text_size(v) for v in value.values())
    if isinstance(value, list | tuple | set):
        return sum(_text_size(v) for v in value)
    return len(str(value))
