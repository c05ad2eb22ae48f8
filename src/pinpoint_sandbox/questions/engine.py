"""Turn the questionnaire data into questionary prompts.

Every typed value goes through `answers.validate_field`, so a prompt rejects exactly what an
answers file would, with the same message, and asks again. Prompts never start without a
terminal (they would hang or print "Aborted."), and Ctrl-C keeps what was typed so far as the
next run's prefilled answers. questionary is imported lazily: it costs ~150 ms at import.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pinpoint_sandbox.answers import (
    load_saved_answers,
    max_items,
    save_answers,
    validate_field,
)
from pinpoint_sandbox.errors import Interrupted, NoTerminalError
from pinpoint_sandbox.questions import Question, load_questions


class _Cancelled(Exception):
    """Ctrl-C at a prompt."""


class _InputEnded(Exception):
    """The input stream closed mid-questionnaire."""


_SKIP = object()  # an optional question left empty


def has_terminal() -> bool:
    """Prompts need an interactive stdin; tests driving pipe input patch this."""
    return sys.stdin.isatty()


def ask_missing(
    channel: str,
    known: Mapping[str, Any],
    *,
    preselect_regions: list[str] | None = None,
    prefill: Mapping[str, Any] | None = None,
    required_only: bool = False,
) -> dict[str, Any]:
    """Prompt for every question whose key is not in `known` (and whose `when` holds).

    `prefill` gives the prefilled value per key (default: saved answers of the last run over
    the question defaults). Returns only the newly answered keys; optional questions left
    empty are left out. `required_only`: an answers file was given, so its author left the
    optional keys out on purpose; ask only what is missing and required.
    """
    questions = load_questions(channel)
    pending = [q for q in questions if q.key not in known and not (required_only and q.optional)]
    if not pending:
        return {}
    if not has_terminal():
        required = [q.key for q in pending if not q.optional] or [q.key for q in pending]
        raise NoTerminalError(
            f"{channel} request needs answers but there is no terminal to ask on: pass "
            f"--answers FILE or --set KEY=VALUE (missing: {', '.join(required)})"
        )
    if prefill is None:
        defaults = {q.key: q.default for q in questions if q.default is not None}
        prefill = {**defaults, **load_saved_answers(channel)}
    answered: dict[str, Any] = {}
    try:
        with _prompt_output():
            _show_intro(channel, len(pending), known)
            for number, question in enumerate(pending, 1):
                if not question.applies({**known, **answered}):
                    continue
                _show_help(question, f"{number}/{len(pending)}")
                value = _ask(channel, question, prefill.get(question.key), preselect_regions)
                if value is not _SKIP:
                    answered[question.key] = value
    except (_Cancelled, _InputEnded) as stop:
        # Merge into (not over) the last saved answers, so Ctrl-C never loses earlier work.
        save_answers(channel, {**load_saved_answers(channel), **answered})
        if isinstance(stop, _InputEnded) and not has_terminal():
            raise NoTerminalError(
                "input ended before every question was answered; the answers so far are saved "
                "as defaults for next time: pass --answers FILE or --set KEY=VALUE"
            ) from None
        raise Interrupted(
            "Interrupted: nothing was filed; the answers so far are saved and will be offered "
            "as defaults next time."
        ) from None
    return answered


def confirm(message: str, default: bool = False) -> bool:
    """Yes/no prompt for the caller's final confirmation (e.g. "File 3 cases?")."""
    if not has_terminal():
        raise NoTerminalError(
            f"{message} — no terminal to confirm on: pass --yes to go ahead without a prompt."
        )
    import questionary

    try:
        with _prompt_output():
            return bool(_run(questionary.confirm(message, default=default)))
    except (_Cancelled, _InputEnded):
        raise Interrupted("Cancelled: nothing was filed.") from None


# --- internals ------------------------------------------------------------------------------


@contextmanager
def _prompt_output() -> Iterator[None]:
    """Draw prompts on stderr so stdout stays parseable (`--output json`).

    Left alone when a caller (or a test) already chose prompt_toolkit's input/output through
    `create_app_session`.
    """
    from prompt_toolkit.application.current import create_app_session, get_app_session

    session = get_app_session()
    # prompt_toolkit keeps no public "was an output chosen?" flag; `_output` is None until one is.
    if getattr(session, "_output", None) is not None or not sys.stderr.isatty():
        yield
        return
    from prompt_toolkit.output import create_output

    with create_app_session(input=session.input, output=create_output(stdout=sys.stderr)):
        yield


def _show_question(text: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"? {text}", style="bold", markup=False)


def _show_intro(channel: str, count: int, known: Mapping[str, Any]) -> None:
    from rich.console import Console

    from pinpoint_sandbox.questions import load_questionnaire

    console = Console(stderr=True, highlight=False)
    title = load_questionnaire(channel).title
    console.print(
        f"{title}: {count} question(s). AWS reviewers read every answer; each one is kept as "
        "you go and offered again next time. Ctrl-C stops without filing.",
        style="bold", markup=False,
    )
    if known.get("regions"):
        console.print(f"Regions: {', '.join(known['regions'])}", markup=False)


def _show_help(question: Question, progress: str = "") -> None:
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    console.print()
    if progress:
        console.print(f"[{progress}]", style="bold", markup=False, end=" ")
    console.print(question.help, style="dim", markup=False)


def _run(prompt: Any) -> Any:
    try:
        value = prompt.unsafe_ask()
    except KeyboardInterrupt:
        raise _Cancelled from None
    except EOFError:
        raise _InputEnded from None
    if value is None:  # what `.ask()` returns on Ctrl-C; treat the same way
        raise _Cancelled
    return value


def _checker(channel: str, key: str, convert: Any, optional: bool) -> Any:
    """A questionary `validate=` callable: True, or the validation message to show."""

    def check(text: Any) -> bool | str:
        if optional and isinstance(text, str) and not text.strip():
            return True
        try:
            value = convert(text)
        except ValueError as exc:
            return str(exc)
        problem = validate_field(channel, key, value)
        if problem is None:
            return True
        # The prompt already says which question this is: drop the "key: " prefix.
        return problem.removeprefix(f"{key}: ")

    return check


def _number(text: str, what: str = "a whole number") -> int | float:
    """A typed number; the answers model then judges it (whole number, decimals, bounds)."""
    typed = text.strip()
    # People type "1,000", "20 000" or "$200": keep the number, drop the decoration.
    text = typed.replace("_", "").replace(",", "").replace(" ", "").removeprefix("$")
    if not text:
        raise ValueError(f"must be {what}")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"must be {what} (got {typed!r})") from None


def _amount(text: str) -> int | float:
    return _number(text, "a number such as 200 or 250.50")


def _split(separator: str) -> Any:
    def split(text: str) -> list[str]:
        return [part.strip() for part in text.split(separator) if part.strip()]

    return split


def _stripped(text: str) -> str:
    return text.strip()


def _text_default(value: Any) -> str:
    return "" if value is None else str(value)


def _ask(
    channel: str, question: Question, prefill: Any, preselect_regions: list[str] | None
) -> Any:
    import questionary

    key, message = question.key, question.prompt
    kind = question.type
    if kind in ("text", "long_text"):
        multiline = kind == "long_text"
        if multiline:
            # The input starts after the prompt text: with a long question it would be a
            # sliver (or nothing) in a narrow terminal. Print the question on its own line and
            # give the answer the full width.
            _show_question(message)  # questionary adds "Finish with … Esc then Enter"
            message = "›"
        text = _run(
            questionary.text(
                message,
                default=_text_default(prefill),
                validate=_checker(channel, key, _stripped, question.optional),
                multiline=multiline,
            )
        )
        return _SKIP if question.optional and not text.strip() else text.strip()
    if kind in ("integer", "number"):
        convert = _number if kind == "integer" else _amount
        text = _run(
            questionary.text(
                message,
                default=_text_default(prefill),
                validate=_checker(channel, key, convert, question.optional),
            )
        )
        return _SKIP if question.optional and not text.strip() else convert(text)
    if kind == "select":
        from pinpoint_sandbox.render import CONTACT_LANGUAGE_LABELS, MESSAGE_TYPE_LABELS

        titles = {**MESSAGE_TYPE_LABELS, **CONTACT_LANGUAGE_LABELS}
        choices = question.choice_list()
        items = [
            questionary.Choice(f"{titles[c]} ({c})" if c in titles else c, value=c)
            for c in choices
        ]
        default = prefill if prefill in choices else None
        return _run(questionary.select(message, choices=items, default=default))
    if kind == "multiselect":
        return _ask_multiselect(channel, question, prefill, preselect_regions)
    if kind == "confirm":
        return bool(_run(questionary.confirm(message, default=bool(prefill))))
    if kind == "list":
        if question.separator:
            separator = question.separator
            text = _run(
                questionary.text(
                    message,
                    default=f"{separator} ".join(str(v) for v in prefill or []),
                    validate=_checker(channel, key, _split(separator), question.optional),
                )
            )
            items = _split(separator)(text)
            return _SKIP if question.optional and not items else items
        return _ask_items(channel, question, list(prefill or []))
    if kind == "group":
        return _ask_group(channel, question, prefill if isinstance(prefill, Mapping) else {})
    raise AssertionError(f"unhandled question type {kind!r}")  # load_questions validates types


def _ask_multiselect(
    channel: str, question: Question, prefill: Any, preselect: list[str] | None
) -> list[str]:
    import questionary

    choices = question.choice_list()
    chosen = list(prefill) if isinstance(prefill, list) and prefill else list(preselect or [])
    names = _choice_names(question)
    items = [
        questionary.Choice(f"{c:<16} {names[c]}" if names.get(c) else c, value=c,
                           checked=c in chosen)
        for c in choices
    ]
    initial = next((c for c in choices if c in chosen), None)

    def check(selected: list[str]) -> bool | str:
        problem = validate_field(channel, question.key, list(selected))
        return True if problem is None else problem

    return list(
        _run(questionary.checkbox(question.prompt, choices=items, validate=check,
                                  initial_choice=initial))
    )


def _choice_names(question: Question) -> dict[str, str]:
    """Readable names beside region codes ("eu-west-1  Europe (Ireland)")."""
    if question.key != "regions":
        return {}
    from pinpoint_sandbox.regions import region_names

    return region_names()


def _ask_items(channel: str, question: Question, prefill: list[Any]) -> Any:
    """One prompt per item until an empty answer (or the model's maximum)."""
    import questionary

    key = question.key
    limit = max_items(channel, key)
    items: list[str] = []
    while limit is None or len(items) < limit:
        done_ok = validate_field(channel, key, items) is None

        def check(text: str, done_ok: bool = done_ok) -> bool | str:
            if not text.strip():
                return True if done_ok or question.optional else _needs_more(channel, key, items)
            problem = validate_field(channel, key, [*items, text.strip()])
            return True if problem is None else problem

        default = _text_default(prefill[len(items)]) if len(items) < len(prefill) else ""
        text = _run(
            questionary.text(
                f"{question.prompt} [{len(items) + 1}]",
                default=default,
                validate=check,
                instruction="(empty line when done)" if items else None,
            )
        )
        if not text.strip():
            break
        # Several pasted lines are several items, not one item with line breaks.
        items.extend(line.strip() for line in text.splitlines() if line.strip())
    return _SKIP if question.optional and not items else items


def _needs_more(channel: str, key: str, items: list[str]) -> str:
    return validate_field(channel, key, items) or f"{key}: needs at least one item"


def _ask_group(channel: str, question: Question, prefill: Mapping[str, Any]) -> dict[str, Any]:
    import questionary

    base = dict(question.example or {})
    collected: dict[str, Any] = {}
    for sub in question.fields or []:
        default = prefill.get(sub.key, sub.default)
        label = f"{question.prompt} — {sub.prompt}"
        if sub.type == "select":
            choices = sub.choice_list()
            collected[sub.key] = _run(
                questionary.select(label, choices=choices,
                                   default=default if default in choices else None)
            )
            continue

        def convert(text: str, sub_key: str = sub.key) -> dict[str, Any]:
            # Probe with known-good values for the other fields so only this one is judged.
            return {**base, **collected, sub_key: _number(text)}

        text = _run(
            questionary.text(
                label,
                default=_text_default(default),
                validate=_checker(channel, question.key, convert, optional=False),
            )
        )
        collected[sub.key] = _number(text)
    return collected
