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

import traceback
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pinpoint_sandbox.errors import UsageError
from pinpoint_sandbox.targets import Channel, RenderedCase, Target

if TYPE_CHECKING:
    import jinja2

# The Support API's CreateCase/AddCommunicationToCase `communicationBody` limit.
SUPPORT_BODY_LIMIT = 8000
# CreateCase `subject`: the console and API cut longer subjects.
SUBJECT_LIMIT = 255
SUBJECT_TEMPLATE = "subject.txt.j2"
# Every template a --templates-dir file can override, by name.
OVERRIDABLE_TEMPLATES = (SUBJECT_TEMPLATE, "sms_case.md.j2", "voice_case.md.j2")
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
SPEND_QUOTA_LABEL = "Account Spend Threshold Increase (TextMessageMonthlySpend)"

MESSAGE_TYPE_LABELS: dict[str, str] = {
    "one_time_password": "One-time password",
    "promotional": "Promotional",
    "transactional": "Transactional",
}
CONTACT_LANGUAGE_LABELS: dict[str, str] = {"en": "English", "ja": "Japanese"}

# Optional answers may be left out of a plain dict; templates test them with `is not none`.
OPTIONAL_ANSWERS: dict[str, dict[str, Any]] = {
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
    return SUBJECT_TEMPLATE, f"{channel}_case.md.j2"


def packaged_templates_dir() -> Traversable:
    return files("pinpoint_sandbox") / "templates"


def request_rows(target: Target, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The "Requests" section of the console form: one production-access row per target,
    plus the SMS spend threshold when the answers ask for it (a separate, often forgotten step)."""
    rows: list[dict[str, Any]] = [
        {
            "region": target.region,
            "resource_type": RESOURCE_TYPE,
            "quota": REQUEST_QUOTA_LABELS[target.channel],
            "new_value": 1,
        }
    ]
    spend = answers.get("spend_limit_usd")
    if target.channel == "sms" and spend is not None:
        rows.append(
            {
                "region": target.region,
                "resource_type": RESOURCE_TYPE,
                "quota": SPEND_QUOTA_LABEL,
                "new_value": f"{format_amount(spend)} USD per month",
            }
        )
    return rows


def format_amount(value: Any) -> str:
    """200.0 → "200", 250.5 → "250.50": a USD amount as people write one, not as a float."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    return str(value)


def country_name(code: Any) -> str:
    return COUNTRY_NAMES.get(str(code).upper(), "")


def build_context(
    target: Target, answers: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Everything a template can use; `extra` (e.g. backend, quota_code) is applied last."""
    context: dict[str, Any] = dict(OPTIONAL_ANSWERS.get(target.channel, {}))
    context.update(answers)
    context.update(
        target=target,
        channel=target.channel,
        region=target.region,
        account_id=target.account_id,
        tag=target.tag,
        quota_name=QUOTA_NAMES[target.channel],
        request_rows=request_rows(target, context),
        all_regions=list(answers.get("regions") or [target.region]),
        message_type_label=MESSAGE_TYPE_LABELS.get(
            str(answers.get("message_type")), str(answers.get("message_type", ""))
        ),
        contact_language_label=CONTACT_LANGUAGE_LABELS.get(
            str(answers.get("contact_language")), str(answers.get("contact_language", ""))
        ),
    )
    if extra:
        context.update(extra)
    return context


def render_case(
    target: Target,
    answers: Mapping[str, Any],
    *,
    templates_dir: Path | None = None,
    extra: Mapping[str, Any] | None = None,
) -> RenderedCase:
    subject_name, body_name = template_names(target.channel)
    env = _environment(templates_dir)
    context = build_context(target, answers, extra)

    subject = _render(env, subject_name, context, templates_dir)
    body = _render(env, body_name, context, templates_dir)
    return RenderedCase(
        subject=_checked_subject(subject, target, templates_dir),
        description=_checked_body(body, answers, body_name, templates_dir),
    )


def check_templates_dir(templates_dir: Path) -> None:
    """A *.j2 file that overrides nothing is a typo the user would never notice: refuse it."""
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


def _environment(templates_dir: Path | None) -> jinja2.Environment:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        if not Path(templates_dir).is_dir():
            raise UsageError(
                f"--templates-dir {templates_dir} is not a directory: create it or drop the option."
            )
        check_templates_dir(templates_dir)
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PackageLoader("pinpoint_sandbox", "templates"))
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # plain text and markdown, never HTML
    )
    env.filters["amount"] = format_amount
    env.filters["country_name"] = country_name
    return env


def _render(
    env: jinja2.Environment, name: str, context: Mapping[str, Any], templates_dir: Path | None
) -> str:
    import jinja2

    try:
        return env.get_template(name).render(context)
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
        jinja2.TemplateError,  # UndefinedError, SecurityError and the rest
        TypeError,  # from here on: a user template computing with the wrong types
        ValueError,
        ArithmeticError,
        LookupError,
        RecursionError,
    ) as exc:
        filename, lineno = _failing_frame(exc, name)
        raise _template_error(filename, lineno, _one_line(exc), templates_dir) from None


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
    body: str, answers: Mapping[str, Any], body_name: str, templates_dir: Path | None
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


def _longest_answer(answers: Mapping[str, Any]) -> tuple[str | None, int]:
    best_key, best_size = None, 0
    for key, value in answers.items():
        size = _text_size(value)
        if size > best_size:
            best_key, best_size = key, size
    return best_key, best_size


def _text_size(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, Mapping):
        return sum(_text_size(v) for v in value.values())
    if isinstance(value, list | tuple | set):
        return sum(_text_size(v) for v in value)
    return len(str(value))
