"""What the one error handler (`cli.HandledGroup`) says about an error: one line, no secret.

Expected errors carry their own message and exit code (errors.py). Anything else is described
here: bad AWS settings in the environment are bad input (exit 2, naming the variable), the rest
is an unexpected failure (exit 4). Every line goes through `redact` before it is printed.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from pinpoint_sandbox.core.errors import ExitCode

MAX_LINE = 400
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(aws_secret_access_key|aws_session_token|secret_?access_?key|session_?token|"
    r"password|secret)(\s*[=:]\s*|['\"]\s*:\s*['\"]?)[^\s,'\"}]+"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")

# botocore errors that mean "your AWS configuration is wrong": bad input, not an AWS failure.
CONFIG_ERRORS = frozenset({
    "ConfigNotFound", "ConfigParseError", "InvalidConfigError", "InvalidDefaultsMode",
    "InvalidEndpointConfigurationError", "InvalidEndpointDiscoveryConfigurationError",
    "InvalidIMDSEndpointError", "InvalidIMDSEndpointModeError", "InvalidMaxRetryAttemptsError",
    "InvalidProxiesConfigError", "InvalidRegionError", "InvalidRetryConfigurationError",
    "InvalidRetryModeError", "InvalidSTSRegionalEndpointsConfigError", "NoRegionError",
    "PartialCredentialsError", "ProfileNotFound", "UnknownCredentialError",
    "InvalidChecksumConfigError", "UnknownRegionError",
})


_REMEMBERED: set[str] = set()


def remember_secrets(*values: object) -> None:
    """Credential parts resolved from any source (profile files, roles): never printed."""
    _REMEMBERED.update(v for v in values if isinstance(v, str) and len(v) >= 4)


def _secret_forms(value: str) -> set[str]:
    """A secret as it may appear in an exception text: whole, each of its lines (a pasted
    token holding a newline is shown split or quoted), and quoted (repr, JSON, bytes)."""
    import json

    forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1],
             value.encode("unicode_escape").decode("ascii")}
    forms.update(line.strip() for line in value.splitlines())
    return {form for form in forms if len(form) >= 4}


def redact(text: str) -> str:
    """Drop credentials from a text: every part of every secret (env values and credentials
    resolved), key=value secrets, URL passwords."""
    secrets = {os.environ.get(name) or "" for name in SECRET_VARIABLES} | _REMEMBERED
    forms = {form for value in secrets if len(value) >= 4 for form in _secret_forms(value)}
    for form in sorted(forms, key=len, reverse=True):  # longest first: no half-redacted rest
        text = text.replace(form, "***")
    text = _SECRET_ASSIGNMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _URL_USERINFO.sub(r"\1***@", text)


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """Lines joined, cut to `limit` characters: an error never floods the terminal."""
    flat = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def endpoint_problem() -> str | None:
    """One line naming the first AWS_ENDPOINT_URL* variable that is not an http(s) URL."""
    for name in sorted(os.environ):
        if not (name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_")):
            continue
        value = os.environ[name]
        if not value:
            continue
        shown = one_line(redact(repr(value)), 80)
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            return f"{name}={shown} is not a valid URL ({exc}): fix it or unset it."
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return (f"{name}={shown} is not an http(s) URL such as https://host:port: "
                    "fix it or unset it.")
    return None


def credential_problem() -> str | None:
    """A credential variable holding a line break or control character (a copy-paste
    accident) is bad input: named, never shown."""
    for name in ("AWS_ACCESS_KEY_ID", *SECRET_VARIABLES):
        value = os.environ.get(name) or ""
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            return (f"{name} holds a line break or control character (a copy-paste "
                    "accident?): set it again on one line.")
    return None


def environment_problem() -> str | None:
    """Bad AWS or pinpoint-sandbox settings in the environment, before any call."""
    problem = endpoint_problem() or credential_problem()
    if problem:
        return problem
    from pinpoint_sandbox.aws.session import max_attempts
    from pinpoint_sandbox.core.errors import UsageError

    try:
        max_attempts()
    except UsageError as exc:
        return exc.message
    return None


def describe_unexpected(exc: BaseException) -> tuple[str, int]:
    """(one line, exit code) for an exception that is not one of ours."""
    name = type(exc).__name__
    if isinstance(exc, MemoryError):
        return ("out of memory (an input is too large; rerun with --debug for details)",
                int(ExitCode.AWS_FAILED))
    if isinstance(exc, RecursionError):
        return ("an input is nested too deeply (RecursionError; rerun with --debug for "
                "details)", int(ExitCode.AWS_FAILED))
    if isinstance(exc, (ValueError, TypeError)) or name in CONFIG_ERRORS:
        problem = endpoint_problem()
        if problem:
            return problem, int(ExitCode.USAGE)
    if name == "ProfileNotFound":
        from pinpoint_sandbox.aws.session import missing_profile

        profile = getattr(exc, "kwargs", {}).get("profile")
        return redact(missing_profile(str(profile) if profile else None)), int(ExitCode.USAGE)
    if name in CONFIG_ERRORS:
        text = one_line(redact(str(exc)))
        return (f"the AWS configuration is not usable: {text} (check AWS_* variables, "
                "--profile and ~/.aws/config)", int(ExitCode.USAGE))
    text = one_line(redact(str(exc))) or "no details"
    return (f"unexpected {name}: {text} (rerun with --debug for details)",
            int(ExitCode.AWS_FAILED))
