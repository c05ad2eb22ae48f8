"""The answers `check` renders its case from, so AWS can check the exact filing unfiled.

`check` accepts a partial answers file (only the keys it reads must be there; every value present
is validated by `answers.answers_for_check`). When the file makes complete answers, the case is
rendered from them. Otherwise (or without `--answers`) it is rendered from the questionnaire's
examples and the row says so: the dry run then still proves the plan, the service and category
codes, the issue type and the language, but not your text.
"""

from __future__ import annotations

from pinpoint_sandbox.questionnaire.answers import Answers, CheckAnswers, validate_answers
from pinpoint_sandbox.questionnaire.questions import load_questionnaire

EXAMPLE_NOTE = "case rendered from the example answers: pass --answers to have yours checked"


def example_answers(channel: str) -> dict[str, object]:
    """Every required answer's example value (they pass validation; `init` writes them)."""
    return {
        q.key: q.example for q in load_questionnaire(channel).questions if not q.optional
    }


def case_answers(channel: str, read: CheckAnswers) -> tuple[Answers, str | None]:
    """(answers to render the checked case from, a note when they are the examples)."""
    if read.answers is not None:
        return read.answers, None
    extra: dict[str, object] = {"voice_message_sent": True} if read.voice_message_sent else {}
    if read.regions:
        extra["regions"] = read.regions
    if read.destination_countries:  # the destination readiness checks the user's countries
        extra["destination_countries"] = read.destination_countries
    return validate_answers(channel, {**example_answers(channel), **extra}), EXAMPLE_NOTE
