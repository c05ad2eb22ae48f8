"""No secret in any output: every credential part this process has seen is dropped from text.

Credentials are remembered where they are resolved (aws.session) and removed wherever text
leaves the process (the error handler, `--debug` tracebacks).
"""

from __future__ import annotations

import os
import re

SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(aws_secret_access_key|aws_session_token|secret_?access_?key|session_?token|"
    r"password|secret)(\s*[=:]\s*|['\"]\s*:\s*['\"]?)[^\s,'\"}]+"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")

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
