"""`init`: a commented answers-file skeleton built from the questionnaire data.

Every key appears with its help text as comments and an example value that passes validation,
so the skeleton loads as-is; optional keys are commented out because they are choices (and
`voice_message_sent` is an attestation) the user has to make.
"""

from __future__ import annotations

import textwrap

from pinpoint_sandbox.questionnaire.answers import dump_yaml
from pinpoint_sandbox.questionnaire.i18n import label, language, message
from pinpoint_sandbox.questionnaire.questions import (
    Question,
    localized_questions,
    questionnaire_title,
)

WIDTH = 96


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in textwrap.wrap(text, WIDTH - len(indent) - 2)]


def _shell_word(text: str) -> str:
    """The file name as one copy-pasteable shell word; one line whatever it holds."""
    import shlex

    return shlex.quote(" ".join(text.splitlines()))


def _yaml_value(key: str, value: object) -> list[str]:
    return dump_yaml({key: value}).rstrip("\n").splitlines()


def _question_block(question: Question) -> list[str]:
    lines = [f"# --- {question.key}: {question.prompt}"]
    lines += _comment(question.help)
    if question.choices:
        # Outside English, each value with its word ("transactional (Transactionnel)").
        words = [c if language() == "en" else f"{c} ({label(c)})" for c in question.choices]
        lines.append(f"# {message('skeleton_one_of', choices=', '.join(words))}")
    for sub in question.fields or []:
        choices = f" (one of: {', '.join(sub.choices)})" if sub.choices else ""
        lines.append(f"#   {sub.key}: {sub.help}{choices}")
    value = _yaml_value(question.key, question.example)
    if question.optional:
        lines.append(f"# {message('skeleton_optional')}")
        lines += [f"# {line}" for line in value]
    else:
        lines += value
    return lines


def render_skeleton(channel: str, file_name: str | None = None) -> str:
    """The commented YAML answers file for `channel` ('sms' or 'voice').

    `file_name` is what the header's commands name; `<file>` when the skeleton goes to stdout.
    """
    name = _shell_word(file_name) if file_name else "<file>"
    lines = [
        f"# {message('skeleton_title', title=questionnaire_title(channel))}",
        "#",
        *_comment(message("skeleton_replace")),
        *_comment(message("skeleton_examples_rejected")),
        f"# {message('skeleton_check', name=name)}",
        f"# {message('skeleton_file', channel=channel, name=name)}",
        "",
    ]
    for question in localized_questions(channel):
        lines += _question_block(question)
        lines.append("")
    lines += [
        f"# --- {message('skeleton_review')}",
        f"# {message('skeleton_optional')}",
        "# review: {ignore: [opt-in-frequency]}",
        "",
    ]
    return "\n".join(lines)
