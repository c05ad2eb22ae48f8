"""What the one error handler (`cli.HandledGroup`) says about an error: one line, no secret.

Expected errors carry their own message and exit code (errors.py). Anything else is described
here: bad AWS settings in the environment are bad input (exit 2, naming the variable), the rest
is an unexpected failure (exit 4). Every line goes through `redact` before it is printed.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from pinpoint_sandbox.core.errors import ExitCode
from pinpoint_sandbox.core.redaction import SECRET_VARIABLES
from pinpoint_sandbox.core.redaction import redact as redact
from pinpoint_sandbox.core.redaction import remember_secrets as remember_secrets

MAX_LINE = 400

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
