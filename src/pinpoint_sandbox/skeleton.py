"""`init`: a commented answers-file skeleton built from the questionnaire data.

Every key appears with its help text as comments and an example value that passes validation,
so the skeleton loads as-is; optional keys are commented out because they are choices (and
`voice_message_sent` is an attestation) the user has to make.
"""

from __future__ import annotations

import textwrap
from typing import Any

from pinpoint_sandbox.answers import dump_yaml
from pinpoint_sandbox.questions import Question, load_questionnaire

WIDTH = 96


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in textwrap.wrap(text, WIDTH - len(indent) - 2)]


def _shell_word(text: str) -> str:
    """The file name as one copy-pasteable shell word; one line whatever it holds."""
    import shlex

    return shlex.quote(" ".join(text.splitlines()))


def _yaml_value(key: str, value: Any) -> list[str]:
    return dump_yaml({key: value}).rstrip("\n").splitlines()


def _question_block(question: Question) -> list[str]:
    lines = [f"# --- {question.key}: {question.prompt}"]
    lines += _comment(question.help)
    if question.choices:
        lines.append(f"# One of: {', '.join(question.choices)}")
    for sub in question.fields or []:
        choices = f" (one of: {', '.join(sub.choices)})" if sub.choices else ""
        lines.append(f"#   {sub.key}: {sub.help}{choices}")
    value = _yaml_value(question.key, question.example)
    if question.optional:
        lines.append("# Optional: remove the leading '# ' to use it.")
        lines += [f"# {line}" for line in value]
    else:
        lines += value
    return lines


def render_skeleton(channel: str, file_name: str | None = None) -> str:
    """The commented YAML answers file for `channel` ('sms' or 'voice').

    `file_name` is what the header's commands name; `<file>` when the skeleton goes to stdout.
    """
    questionnaire = load_questionnaire(channel)
    name = _shell_word(file_name) if file_name else "<file>"
    lines = [
        f"# pinpoint-sandbox answers: {questionnaire.title}",
        "#",
        "# Replace every example value with your own; AWS reviewers read all of it",
        "# (`lint` rejects the examples left in place).",
        f"# Check it with:  pinpoint-sandbox lint {name}",
        f"# Then file with: pinpoint-sandbox request {channel} --answers {name}",
        "",
    ]
    for question in questionnaire.questions:
        lines += _question_block(question)
        lines.append("")
    lines += [
        "# --- review: content-review rules to waive on purpose (`lint` shows rule ids).",
        "# Optional: remove the leading '# ' to use it.",
        "# review: {ignore: [opt-in-frequency]}",
        "",
    ]
    return "\n".join(lines)
