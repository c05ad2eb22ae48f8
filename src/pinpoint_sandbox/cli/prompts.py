"""Turn the questionnaire data into questionary prompts.

Every typed value goes through `answers.validate_field`, so a prompt rejects exactly what an
answers file would, with the same message, and asks again. Prompts never start without a
terminal (they would hang or print "Aborted."), and Ctrl-C keeps what was typed so far as the
next run's prefilled answers. questionary is imported lazily: it costs ~150 ms at import.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pinpoint_sandbox.core.errors import Interrupted, NoTerminalError
from pinpoint_sandbox.questionnaire.answers import (
    load_saved_answers,
    max_items,
    save_answers,
    validate_field,
)
from pinpoint_sandbox.questionnaire.i18n import (
    finding_texts,
    label,
    level,
    message,
    problem,
)
from pinpoint_sandbox.questionnaire.i18n import label as word
from pinpoint_sandbox.questionnaire.questions import (
    Question,
    load_questions,
    localize,
    questionnaire_title,
)

if TYPE_CHECKING:
    from questionary import Question as Prompt

    from pinpoint_sandbox.review.lint import Finding

Answered = dict[str, object]  # question key → the answer, as an answers file would hold it


class _Cancelled(Exception):
    """Ctrl-C at a prompt."""


class _InputEnded(Exception):
    """The input stream closed mid-questionnaire."""


_SKIP = object()  # an optional question left empty


def has_terminal() -> bool:
    """Prompts need an interactive stdin; tests driving pipe input patch this."""
    return sys.stdin.isatty()


# Keys both questionnaires ask: an answer given for one channel is offered for the other.
SHARED_KEYS = ("company_name", "website_url", "contact_emails", "contact_language")
OTHER_CHANNEL = {"sms": "voice", "voice": "sms"}


def ask_missing(
    channel: str,
    known: Mapping[str, object],
    *,
    preselect_regions: list[str] | None = None,
    prefill: Mapping[str, object] | None = None,
    required_only: bool = False,
) -> Answered:
    """Prompt for every question whose key is not in `known` (and whose `when` holds).

    `prefill` gives the prefilled value per key (default: saved answers of the last run over
    the question defaults); shared keys answered for the other channel fill what this
    channel's saved answers lack. After each answer its review findings show at once; after
    the last question a numbered summary lets the user file, edit one answer, edit all in
    $EDITOR or cancel. Returns only the newly answered (or edited) keys; optional questions
    left empty are left out. `required_only`: an answers file was given, so its author left
    the optional keys out on purpose; ask only what is missing and required.
    """
    questions = [localize(channel, q) for q in load_questions(channel)]
    pending = [q for q in questions if q.key not in known and not (required_only and q.optional)]
    if not pending:
        return {}
    if not has_terminal():
        required = [q.key for q in pending if not q.optional] or [q.key for q in pending]
        raise NoTerminalError(
            f"{channel} request needs answers but there is no terminal to ask on: pass "
            f"--answers FILE or --set KEY=VALUE (missing: {', '.join(required)})"
        )
    own, shared = _remembered(channel)
    if prefill is None:
        defaults = {q.key: q.default for q in questions if q.default is not None}
        prefill = {**defaults, **shared, **own}
    else:
        prefill = {**prefill, **shared}  # `shared` holds only keys this channel never saved
    session = _Session(channel, questions, known, prefill, preselect_regions)
    try:
        with _prompt_output():
            _show_intro(channel, len(pending), known)
            for number, question in enumerate(pending, 1):
                if session.applies(question):
                    session.ask(question, f"{number}/{len(pending)}")
            session.review()
    except (_Cancelled, _InputEnded) as stop:
        # Merge into (not over) the last saved answers, so Ctrl-C never loses earlier work.
        save_answers(channel, {**own, **session.answered})
        if isinstance(stop, _InputEnded) and not has_terminal():
            raise NoTerminalError(
                "input ended before every question was answered; the answers so far are saved "
                "as defaults for next time: pass --answers FILE or --set KEY=VALUE"
            ) from None
        raise Interrupted(
            "Interrupted: nothing was filed; the answers so far are saved and will be offered "
            "as defaults next time."
        ) from None
    return session.answered


def _remembered(channel: str) -> tuple[Answered, Answered]:
    """(this channel's saved answers, shared keys saved only for the other channel).

    The one place the questionnaire reads saved answers."""
    own = load_saved_answers(channel)
    other = load_saved_answers(OTHER_CHANNEL[channel])
    return own, {k: other[k] for k in SHARED_KEYS if k in other and k not in own}


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


def ask_regions(channel: str, preselect_regions: list[str] | None = None) -> list[str]:
    """Only the regions question, first: the checks that need no answers (`early.py`) run as
    soon as the regions are known, before the other questions."""
    questions = load_questions(channel)
    question = next(q for q in questions if q.key == "regions")
    own, shared = _remembered(channel)
    defaults = {q.key: q.default for q in questions if q.default is not None}
    session = _Session(channel, [question], {}, {**defaults, **shared, **own},
                       preselect_regions)
    try:
        with _prompt_output():
            session.ask(question, "1")
    except (_Cancelled, _InputEnded):
        raise Interrupted("Interrupted: nothing was filed.") from None
    return [str(r) for r in _items(session.answered.get("regions"))]


class _Session:
    """One questionnaire run: the answers so far, per-answer review, the summary and edits."""

    def __init__(
        self,
        channel: str,
        questions: list[Question],
        known: Mapping[str, object],
        prefill: Mapping[str, object],
        preselect_regions: list[str] | None,
    ) -> None:
        self.channel = channel
        self.questions = questions
        self.known = dict(known)
        self.prefill = dict(prefill)
        self.preselect = preselect_regions
        self.answered: Answered = {}

    def current(self) -> Answered:
        return {**self.known, **self.answered}

    def applies(self, question: Question) -> bool:
        return question.applies(self.current())

    def ask(self, question: Question, progress: str = "", prefill: object = _SKIP) -> None:
        """Ask, show the answer's review findings, and ask again while the user wants to."""
        value = self.prefill.get(question.key) if prefill is _SKIP else prefill
        _show_help(question, progress)
        while True:
            answer = _ask(self.channel, question, value, self.preselect)
            if answer is _SKIP:
                self.answered.pop(question.key, None)
                return
            self.answered[question.key] = answer
            findings = _field_findings(self.channel, self.current(), question.key)
            _show_findings(findings, str(self.current().get("company_name") or ""))
            serious = [f for f in findings if f.level in ("error", "warning")]
            if not serious or not _answer_again(any(f.level == "error" for f in serious)):
                return
            value = answer

    def review(self) -> None:
        """The numbered summary and its choice, until the user files (or cancels)."""
        while True:
            _show_summary(self.channel, self.summary_rows(), self.current())
            choice = _run(_summary_choice())
            if choice == "file":
                return
            if choice == "cancel":
                raise _Cancelled
            if choice == "editor":
                self.edit_all()
            else:
                self.edit_one()

    def summary_rows(self) -> list[tuple[Question, object]]:
        answers = self.current()
        return [(q, answers.get(q.key)) for q in self.questions if q.applies(answers)]

    def edit_one(self) -> None:
        import questionary

        rows = self.summary_rows()
        items = [questionary.Choice(f"{n}. {q.prompt}", value=n - 1)
                 for n, (q, _) in enumerate(rows, 1)]
        index = _run(questionary.select(message("which_answer"), choices=items))
        assert isinstance(index, int)  # the choices' values
        question, value = rows[index]
        self.ask(question, f"edit {index + 1}", prefill=value)

    def edit_all(self) -> None:
        """All answers as YAML in $EDITOR; valid changed keys are taken, problems are shown."""
        from pinpoint_sandbox.questionnaire.answers import dump_yaml

        keys = [q.key for q, _ in self.summary_rows()]
        current = self.current()
        text = dump_yaml({k: current[k] for k in keys if current.get(k) is not None})
        edited = _run_editor(EDITOR_HEADER + text)
        if edited is None:
            return
        for key, value in edited.items():
            if key not in keys:
                _say(f"  {key}: not a question of this questionnaire: ignored", "yellow")
                continue
            problem = validate_field(self.channel, key, value)
            if problem is not None:
                _say(f"  {problem} — kept the previous answer", "red")
            elif value != current.get(key):
                self.answered[key] = value


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
    from pinpoint_sandbox.cli.inert import console as inert_console

    inert_console(stderr=True).print(f"? {text}", style="bold", markup=False)


def _show_intro(channel: str, count: int, known: Mapping[str, object]) -> None:
    from pinpoint_sandbox.cli.inert import console as inert_console

    console = inert_console(stderr=True)
    title = questionnaire_title(channel)
    console.print(message("intro", title=title, count=count), style="bold", markup=False)
    if regions := _items(known.get("regions")):
        console.print(message("regions_known", regions=", ".join(map(str, regions))),
                      markup=False)


def _show_help(question: Question, progress: str = "") -> None:
    from rich.text import Text

    from pinpoint_sandbox.cli.inert import console as inert_console

    console = inert_console(stderr=True)
    console.print()
    # One Text, so rich wraps the help at word boundaries counting the "[n/N] " prefix.
    text = Text()
    if progress:
        text.append(f"[{progress}] ", style="bold")
    text.append(" ".join(question.help.split()), style="dim")
    console.print(text)


def _items(value: object) -> list[object]:
    """A list answer's items (none when the answer is not a list)."""
    return list(value) if isinstance(value, list | tuple) else []


def _run(prompt: Prompt) -> object:
    """The prompt's answer; Ctrl-C and a closed input stop the questionnaire."""
    try:
        value = prompt.unsafe_ask()
    except KeyboardInterrupt:
        raise _Cancelled from None
    except EOFError:
        raise _InputEnded from None
    if value is None:  # what `.ask()` returns on Ctrl-C; treat the same way
        raise _Cancelled
    return value


def _typed(prompt: Prompt) -> str:
    """A text prompt's answer."""
    return str(_run(prompt))


Convert = Callable[[str], object]  # typed text → the answer's value (ValueError: not one)


def _checker(
    channel: str, key: str, convert: Convert, optional: bool
) -> Callable[[str], bool | str]:
    """A questionary `validate=` callable: True, or the validation message to show."""

    def check(text: str) -> bool | str:
        if optional and not text.strip():
            return True
        try:
            value = convert(text)
        except ValueError as exc:
            return problem(str(exc))
        found = validate_field(channel, key, value)
        if found is None:
            return True
        # The prompt already says which question this is: drop the "key: " prefix.
        return problem(found.removeprefix(f"{key}: "))

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


def _split(separator: str) -> Callable[[str], list[str]]:
    def split(text: str) -> list[str]:
        return [part.strip() for part in text.split(separator) if part.strip()]

    return split


def _stripped(text: str) -> str:
    return text.strip()


def _text_default(value: object) -> str:
    return "" if value is None else str(value)


def _ask(
    channel: str, question: Question, prefill: object, preselect_regions: list[str] | None
) -> object:
    """One question's answer, by its type; `_SKIP` for an optional one left empty."""
    import questionary

    kind = question.type
    if kind in ("text", "long_text", "integer", "number"):
        return _ask_text(channel, question, prefill)
    if kind == "select":
        choices = question.choice_list()
        items = [
            questionary.Choice(f"{label(c)} ({c})" if label(c) != c else c, value=c)
            for c in choices
        ]
        default = prefill if prefill in choices else None
        return _run(questionary.select(question.prompt, choices=items, default=default))
    if kind == "multiselect":
        return _ask_multiselect(channel, question, prefill, preselect_regions)
    if kind == "confirm":
        return bool(_run(questionary.confirm(question.prompt, default=bool(prefill))))
    if kind == "list" and question.separator:
        return _ask_separated(channel, question, question.separator, prefill)
    if kind == "list":
        return _ask_items(channel, question, _items(prefill))
    if kind == "group":
        return _ask_group(channel, question, prefill if isinstance(prefill, Mapping) else {})
    raise AssertionError(f"unhandled question type {kind!r}")  # load_questions validates types


def _ask_text(channel: str, question: Question, prefill: object) -> object:
    """A text, long text or number question."""
    import questionary

    prompt, kind = question.prompt, question.type
    convert: Convert = {"integer": _number, "number": _amount}.get(kind, _stripped)
    if kind == "long_text":
        # The input starts after the prompt text: with a long question it would be a
        # sliver (or nothing) in a narrow terminal. Print the question on its own line and
        # give the answer the full width.
        _show_question(prompt)  # questionary adds "Finish with … Esc then Enter"
        prompt = "›"
    text = _typed(
        questionary.text(
            prompt,
            default=_text_default(prefill),
            validate=_checker(channel, question.key, convert, question.optional),
            multiline=kind == "long_text",
        )
    )
    return _SKIP if question.optional and not text.strip() else convert(text)


def _ask_separated(channel: str, question: Question, separator: str, prefill: object) -> object:
    """A list typed on one line, split on the question's separator."""
    import questionary

    text = _typed(
        questionary.text(
            question.prompt,
            default=f"{separator} ".join(str(v) for v in _items(prefill)),
            validate=_checker(channel, question.key, _split(separator), question.optional),
        )
    )
    items = _split(separator)(text)
    return _SKIP if question.optional and not items else items


def _ask_multiselect(
    channel: str, question: Question, prefill: object, preselect: list[str] | None
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

    return [str(c) for c in _items(_run(questionary.checkbox(
        question.prompt, choices=items, validate=check, initial_choice=initial)))]


def _choice_names(question: Question) -> dict[str, str]:
    """Readable names beside region codes ("eu-west-1  Europe (Ireland)")."""
    if question.key != "regions":
        return {}
    from pinpoint_sandbox.aws.regions import region_names

    return region_names()


def _ask_items(channel: str, question: Question, prefill: list[object]) -> object:
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
        text = _typed(
            questionary.text(
                f"{question.prompt} [{len(items) + 1}]",
                default=default,
                validate=check,
                instruction=message("empty_line_when_done") if items else None,
            )
        )
        if not text.strip():
            break
        # Several pasted lines are several items, not one item with line breaks.
        items.extend(line.strip() for line in text.splitlines() if line.strip())
    return _SKIP if question.optional and not items else items


def _needs_more(channel: str, key: str, items: list[str]) -> str:
    return validate_field(channel, key, items) or f"{key}: needs at least one item"


def _ask_group(channel: str, question: Question, prefill: Mapping[str, object]) -> Answered:
    import questionary

    base: Answered = dict(question.example or {})
    collected: Answered = {}
    for sub in question.fields or []:
        if not sub.applies(collected):
            continue  # e.g. period_detail, asked only for period "other"
        default = prefill.get(sub.key, sub.default)
        prompt = f"{question.prompt} — {sub.prompt}"
        if sub.type == "select":
            choices = sub.choice_list()
            collected[sub.key] = _run(
                questionary.select(
                    prompt, choices=[questionary.Choice(word(c), value=c) for c in choices],
                    default=default if default in choices else None,
                )
            )
            continue
        parse: Convert = _stripped if sub.type == "text" else _number

        def convert(text: str, sub_key: str = sub.key, parse: Convert = parse) -> Answered:
            # Probe with known-good values for the other fields so only this one is judged.
            return {**base, **collected, sub_key: parse(text)}

        text = _typed(
            questionary.text(
                prompt,
                default=_text_default(default),
                validate=_checker(channel, question.key, convert, optional=False),
            )
        )
        collected[sub.key] = parse(text)
    return collected


# --- per-answer review, summary, editor -------------------------------------------------------

EDITOR_HEADER = (
    "# Edit any answer, save and close the editor to go back to the summary.\n"
    "# Keys you delete keep their previous answer.\n"
)
LEVEL_STYLE = {"error": "red", "warning": "yellow", "note": "dim"}


def _say(text: str, style: str = "") -> None:
    from pinpoint_sandbox.cli.inert import console as inert_console

    inert_console(stderr=True).print(text, style=style, markup=False)


def _field_findings(channel: str, answers: Mapping[str, object], key: str) -> list[Finding]:
    """The content-review findings about `key`, judged with every answer given so far."""
    from pinpoint_sandbox.review.lint import lint_answers, waived_rules

    findings = lint_answers(channel, answers, ignore=waived_rules(answers))
    return [f for f in findings if f.key == key or f.key.startswith((f"{key}[", f"{key}."))]


def _show_findings(findings: list[Finding], brand: str = "") -> None:
    for finding in findings:
        text, fix = finding_texts(finding, brand)
        _say(message("finding", level=level(finding.level), message=text,
                     fix=message("fix", fix=fix) if fix else "", rule=finding.rule),
             LEVEL_STYLE.get(finding.level, ""))


def _answer_again(has_error: bool) -> bool:
    import questionary

    return bool(_run(questionary.confirm(message("answer_again"), default=has_error)))


def display_value(question: Question, value: object) -> str:
    """An answer as the summary shows it: words for choices, one line per list item."""
    if value is None or value == [] or value == "":
        return message("not_given")
    if question.type == "group":
        return _calls_text(value)
    if question.type == "confirm":
        return message("yes") if value else message("no")
    if isinstance(value, list):
        if question.separator:
            return ", ".join(str(v) for v in value)
        return "".join(f"\n     - {v}" for v in value)
    return label(str(value)) if question.type == "select" else str(value)


def _calls_text(value: object) -> str:
    """calls_per_number as the summary shows it, in the interface language."""
    from pinpoint_sandbox.filing.render import calls_per_number_text

    if not isinstance(value, Mapping) or value.get("period") == "other" or label("day") == "day":
        return calls_per_number_text(value)
    return f"{value.get('count')} × {label(str(value.get('period')))}"


def _show_summary(
    channel: str, rows: list[tuple[Question, object]], answers: Mapping[str, object]
) -> None:
    from rich.text import Text

    from pinpoint_sandbox.cli.inert import console as inert_console
    from pinpoint_sandbox.review.lint import count_levels, lint_answers, waived_rules

    console = inert_console(stderr=True)
    console.print()
    console.print(message("your_answers"), style="bold", markup=False)
    for number, (question, value) in enumerate(rows, 1):
        line = Text(f"{number:>2}. ")
        line.append(question.prompt, style="bold")
        line.append(f": {display_value(question, value)}")
        console.print(line)
    errors, warnings = count_levels(lint_answers(channel, answers, ignore=waived_rules(answers)))
    if errors or warnings:
        console.print(message("review_counts", errors=errors, warnings=warnings),
                      style="red" if errors else "yellow", markup=False)


def _summary_choice() -> Prompt:
    import questionary

    return questionary.select(
        message("what_next"),
        choices=[
            questionary.Choice(message("choice_file"), value="file"),
            questionary.Choice(message("choice_edit"), value="edit"),
            questionary.Choice(message("choice_editor"), value="editor"),
            questionary.Choice(message("choice_cancel"), value="cancel"),
        ],
    )


def _run_editor(text: str) -> Answered | None:
    """The edited YAML mapping, or None (with a message) when the editor or the YAML failed."""
    import os
    import shlex
    import subprocess
    import tempfile
    from pathlib import Path

    import yaml

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    handle, name = tempfile.mkstemp(prefix="pinpoint-answers-", suffix=".yaml")  # 0600
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        try:
            code = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
        except OSError as exc:
            _say(f"cannot start the editor {editor!r} ({exc.strerror}): set $EDITOR", "red")
            return None
        if code != 0:
            _say(f"the editor exited with {code}: answers unchanged", "yellow")
            return None
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            _say(f"the edited answers are not valid YAML ({_one_line(exc)}): unchanged", "red")
            return None
    finally:
        path.unlink(missing_ok=True)
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
