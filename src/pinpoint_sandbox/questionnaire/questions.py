"""The SMS and Voice questionnaires as data (`sms.yaml`, `voice.yaml`, shipped in the wheel).

One list of questions drives the interactive prompts (`engine.py`), the `init` skeleton and the
help texts; the answers model (`answers.py`) holds the validation rules, so a prompt and a file
reject the same values with the same message.

`when` is a structured condition on earlier answers — `{key: dedicated_numbers, op: ">", value: 0}`
— evaluated by `Condition.holds`, never by eval().
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pinpoint_sandbox.core.errors import UsageError

# `integer`: a whole number (counts); `number`: an amount that may have decimals (USD).
QuestionType = Literal[
    "text", "long_text", "select", "multiselect", "integer", "number", "confirm", "list", "group"
]

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "in": lambda left, right: left in right,
    "not in": lambda left, right: left not in right,
}


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    op: Literal["==", "!=", ">", ">=", "<", "<=", "in", "not in"] = "=="
    value: Any = None

    def holds(self, answers: Mapping[str, object]) -> bool:
        """False when the key is unanswered or the values cannot be compared."""
        if self.key not in answers:
            return False
        try:
            return bool(_OPERATORS[self.op](answers[self.key], self.value))
        except TypeError:
            return False


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    prompt: str
    help: str
    type: QuestionType
    choices: list[str] | None = None
    default: Any = None
    example: Any = None
    optional: bool = False
    # `list` questions: ask once and split on this separator, instead of one prompt per item.
    separator: str | None = None
    # `group` questions (calls_per_number): the sub-questions, answered into a mapping.
    fields: list[Question] | None = None
    when: Condition | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.type in ("select", "multiselect") and not self.choices and self.key != "regions":
            raise ValueError(f"{self.key}: a {self.type} question needs choices")
        if self.type == "group" and not self.fields:
            raise ValueError(f"{self.key}: a group question needs fields")
        return self

    def applies(self, answers: Mapping[str, object]) -> bool:
        return self.when is None or self.when.holds(answers)

    def choice_list(self) -> list[str]:
        """Choices; the regions question lists the regions this botocore knows."""
        if self.key == "regions":
            from pinpoint_sandbox.aws.regions import choice_regions

            return choice_regions()  # the default partition's: no GovCloud for commercial
        return list(self.choices or [])


class Questionnaire(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["sms", "voice"]
    title: str
    questions: list[Question] = Field(min_length=1)


@cache
def load_questionnaire(channel: str) -> Questionnaire:
    from importlib.resources import files

    import yaml

    if channel not in ("sms", "voice"):
        raise UsageError(f"unknown channel {channel!r}: use 'sms' or 'voice'.")
    text = (files("pinpoint_sandbox.questionnaire") / f"{channel}.yaml").read_text(encoding="utf-8")
    try:
        return Questionnaire.model_validate(yaml.safe_load(text))
    except ValidationError as exc:  # a packaging bug, not a user error: fail loudly
        raise RuntimeError(f"questions/{channel}.yaml is invalid: {exc}") from exc


def load_questions(channel: str) -> list[Question]:
    return list(load_questionnaire(channel).questions)


def localized_questions(channel: str) -> list[Question]:
    """The questions with prompts and help in the interface language (questions/i18n)."""
    return [localize(channel, q) for q in load_questions(channel)]


def localize(channel: str, question: Question) -> Question:
    """The question (a frozen pydantic model) with its prompt and help in the current
    language, sub-fields too; unchanged in English or where a translation is missing."""
    from pinpoint_sandbox.core.jsonvalue import json_object
    from pinpoint_sandbox.questionnaire.i18n import question_texts

    texts = question_texts(channel, question.key)
    if not texts:
        return question
    update: dict[str, object] = {k: texts[k] for k in ("prompt", "help") if texts.get(k)}
    if question.fields:
        sub_texts = json_object(texts.get("fields"))
        update["fields"] = [
            sub.model_copy(update={k: v for k, v in json_object(sub_texts.get(sub.key)).items()
                                   if k in ("prompt", "help") and v})
            for sub in question.fields
        ]
    return question.model_copy(update=update)


def questionnaire_title(channel: str) -> str:
    from pinpoint_sandbox.questionnaire.i18n import message

    return message(f"title_{channel}")
