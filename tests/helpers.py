"""Shared test helpers: run the real CLI in-process and read its JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from pinpoint_sandbox.cli import app, normalize_argv

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SMS_ANSWERS = EXAMPLES / "sms-answers.yaml"
VOICE_ANSWERS = EXAMPLES / "voice-answers.yaml"


class Run:
    def __init__(self, exit_code: int, stdout: str, stderr: str, exception: Any) -> None:
        self.exit_code, self.stdout, self.stderr, self.exception = (
            exit_code, stdout, stderr, exception,
        )

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def results(self) -> list[dict[str, Any]]:
        return list(self.json["results"])

    def actions(self) -> dict[str, str]:
        return {r["region"]: r["action"] for r in self.results}

    def __repr__(self) -> str:
        return f"Run(exit={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


def cli(*args: str) -> Run:
    result = CliRunner().invoke(app, normalize_argv([str(a) for a in args]))
    return Run(result.exit_code, result.stdout, result.stderr, result.exception)


def scenario(accounts: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {"name": "test", "accounts": accounts, **top}


def account(
    account_id: str = "111122223333", *, plan: str = "basic", quotas: bool = True, **kw: Any
) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "support_plan": plan,
        "production_access_quotas": quotas,
        **kw,
    }
