"""The answers `check` renders its case from, so AWS can check the exact filing unfiled.

`check` takes no full answers file (only the keys it reads must be valid): the answers file's
keys are laid over the questionnaire's examples. When they do not make valid answers, the
examples alone are used and the row says so: the dry run then still proves the plan, the
service and category codes, the issue type and the language, but not your text.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pinpoint_sandbox.answers import load_answers_file, validate_answers, validate_field
from pinpoint_sandbox.errors import AnswersError, UsageError
from pinpoint_sandbox.questions import load_questionnaire

EXAMPLE_NOTE = "case rendered from the example answers: pass --answers to have yours checked"


def example_answers(channel: str) -> dict[str, Any]:
    """Every required answer's example value (they pass validation; `init` writes them)."""
    return {
        q.key: q.example for q in load_questionnaire(channel).questions if not q.optional
    }


def read_check_file(channel: str, path: Path) -> dict[str, Any]:
    """The answers file's data; the keys `check` itself uses are validated as `request` would."""
    data = load_answers_file(path)
    for key in ("voice_message_sent", "regions"):
        if data.get(key) is not None and (problem := validate_field(channel, key, data[key])):
            raise UsageError(f"{path.name}: {key}: {problem.removeprefix(key + ': ')}")
    return data


def answers_for_check(channel: str, data: Mapping[str, Any] | None) -> tuple[Any, str | None]:
    """(validated answers, a note when they are not entirely the user's)."""
    examples = example_answers(channel)
    if data:
        try:
            return validate_answers(channel, {**examples, **data}), (
                None if set(examples) <= set(data) else
                "keys missing from the answers file were filled with the examples"
            )
        except AnswersError:
            pass
    attested = bool(data and data.get("voice_message_sent") is True)
    extra = {"voice_message_sent": True} if attested else {}
    return validate_answers(channel, {**examples, **extra}), EXAMPLE_NOTE
