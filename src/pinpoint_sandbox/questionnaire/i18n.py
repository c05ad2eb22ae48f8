"""The interface language: messages, question texts, validation messages and review findings.

Translations are data beside the questions: `i18n/<lang>.yaml` (English, `en.yaml`, is the
reference; question texts in English are `sms.yaml`/`voice.yaml` themselves). Adding a language
is adding a file. The language is `--lang`, else LC_ALL, LC_MESSAGES or LANG (the first one
set, as POSIX reads them: "fr_FR.UTF-8" → fr), else English. Only what the user reads changes:
the answers keys, the skeleton's example values and the case text sent to AWS (in the contact
language, English or Japanese) are the same whatever the interface language.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from typing import Protocol

from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.core.jsonvalue import JsonObject, json_list, json_object

DEFAULT = "en"
_chosen: dict[str, str | None] = {"lang": None}


@cache
def available() -> tuple[str, ...]:
    from importlib.resources import files

    folder = files("pinpoint_sandbox.questionnaire") / "i18n"
    names = [p.name for p in folder.iterdir() if p.name.endswith(".yaml")]
    return tuple(sorted(n.removesuffix(".yaml") for n in names))


@cache
def catalogue(lang: str) -> JsonObject:
    from pinpoint_sandbox.core.yamlio import packaged_mapping

    return packaged_mapping("pinpoint_sandbox.questionnaire", "i18n", f"{lang}.yaml")


def _section(lang: str, name: str) -> JsonObject:
    """One part of a language's catalogue (messages, labels, questions, findings)."""
    return json_object(catalogue(lang).get(name))


def set_language(lang: str | None) -> None:
    """`--lang`: an available language code, or None for the environment's."""
    if lang is not None:
        code = lang.strip().lower().replace("_", "-").split("-")[0]
        if code not in available():
            raise UsageError(
                f"--lang {lang!r} is not an interface language: use one of "
                f"{', '.join(available())}."
            )
        lang = code
    _chosen["lang"] = lang


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            code = value.split(".")[0].split("_")[0].split("-")[0].lower()
            return code if code in available() else DEFAULT
    return DEFAULT


def language() -> str:
    return _chosen["lang"] or from_environment()


def message(key: str, **params: object) -> str:
    """An interface message in the current language (English when it has none)."""
    text = _section(language(), "messages").get(key)
    if text is None:
        text = _section(DEFAULT, "messages")[key]
    return str(text).format(**params) if params else str(text)


def label(value: str) -> str:
    """The word for a choice value (message type, contact language, period)."""
    labels = _section(language(), "labels")
    return str(labels.get(value) or _section(DEFAULT, "labels").get(value, value))


def question_texts(channel: str, key: str) -> JsonObject:
    """A question's prompt, help and sub-fields in the current language ({} in English)."""
    if language() == DEFAULT:
        return {}
    return json_object(json_object(_section(language(), "questions").get(channel)).get(key))


def problem(text: str) -> str:
    """A validation message in the current language (phrase by phrase, English kept where a
    phrase has no translation)."""
    for pair in json_list(catalogue(language()).get("problems")):
        if isinstance(pair, list) and len(pair) == 2:  # [pattern, replacement]
            text = re.sub(str(pair[0]), str(pair[1]), text)
    return text


class ReviewFinding(Protocol):
    """What a content-review finding says (review.lint.Finding), read for its translation."""

    @property
    def rule(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def fix(self) -> str: ...


def finding_texts(finding: ReviewFinding, brand: str = "") -> tuple[str, str]:
    """(message, fix) of a review finding in the current language."""
    texts = json_object(_section(language(), "findings").get(finding.rule))
    if language() == DEFAULT or not texts:
        return finding.message, finding.fix
    if not brand:  # the English message quotes it: "does not name the brand 'Acme'."
        quoted = re.search(r"'([^']+)'", finding.message)
        brand = quoted.group(1) if quoted else ""
    values = {"brand": repr(brand) if brand else "", "key": finding.key}
    return (str(texts.get("message", finding.message)).format(**values),
            str(texts.get("fix", finding.fix)).format(**values))


def level(name: str) -> str:
    return message(f"level_{name}")
