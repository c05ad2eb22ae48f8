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
from typing import Any

from pinpoint_sandbox.core.errors import UsageError

DEFAULT = "en"
_chosen: dict[str, str | None] = {"lang": None}


@cache
def available() -> tuple[str, ...]:
    from importlib.resources import files

    folder = files("pinpoint_sandbox.questionnaire") / "i18n"
    names = [p.name for p in folder.iterdir() if p.name.endswith(".yaml")]
    return tuple(sorted(n.removesuffix(".yaml") for n in names))


@cache
def catalogue(lang: str) -> dict[str, Any]:
    from pinpoint_sandbox.core.yamlio import packaged_mapping

    return packaged_mapping("pinpoint_sandbox.questionnaire", "i18n", f"{lang}.yaml")


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


def message(key: str, **params: Any) -> str:
    """An interface message in the current language (English when it has none)."""
    text = catalogue(language()).get("messages", {}).get(key)
    if text is None:
        text = catalogue(DEFAULT)["messages"][key]
    return str(text).format(**params) if params else str(text)


def label(value: str) -> str:
    """The word for a choice value (message type, contact language, period)."""
    labels = catalogue(language()).get("labels") or {}
    return str(labels.get(value) or catalogue(DEFAULT)["labels"].get(value, value))


def _question_texts(channel: str, key: str) -> Mapping[str, Any]:
    if language() == DEFAULT:
        return {}
    questions = catalogue(language()).get("questions") or {}
    return (questions.get(channel) or {}).get(key) or {}


def localize(channel: str, question: Any) -> Any:
    """The question (a frozen pydantic model) with its prompt and help in the current
    language, sub-fields too; unchanged in English or where a translation is missing."""
    texts = _question_texts(channel, question.key)
    if not texts:
        return question
    update: dict[str, Any] = {k: texts[k] for k in ("prompt", "help") if texts.get(k)}
    if question.fields:
        sub_texts = texts.get("fields") or {}
        update["fields"] = [
            sub.model_copy(update={k: v for k, v in (sub_texts.get(sub.key) or {}).items()
                                   if k in ("prompt", "help") and v})
            for sub in question.fields
        ]
    return question.model_copy(update=update)


def problem(text: str) -> str:
    """A validation message in the current language (phrase by phrase, English kept where a
    phrase has no translation)."""
    for pattern, replacement in catalogue(language()).get("problems") or []:
        text = re.sub(pattern, replacement, text)
    return text


def finding_texts(finding: Any, brand: str = "") -> tuple[str, str]:
    """(message, fix) of a review finding in the current language."""
    texts = (catalogue(language()).get("findings") or {}).get(finding.rule)
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
