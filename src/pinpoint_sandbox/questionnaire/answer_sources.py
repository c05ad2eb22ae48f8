"""Where answers come from and which one wins: files, `--set`, saved answers, prompts.

Precedence lives in ONE object, `AnswersMap` (after copier's AnswersMap over a ChainMap): its
slots, highest first, are `--region` > `--set` > the answers file (`--answers FILE`, or the
saved answers with `--answers last`) > answers typed at the prompts > a batch file's
`defaults.answers` > the question defaults. `request` and `batch` both fill one.

Saved answers (DESIGN "saved answers from the last run") are only ever answers *typed in a
terminal*: a run driven by a file or `--set` never writes them. They apply in two ways only:
as the prefilled values of the prompts, and — explicitly — with `--answers last`, which names
the file it used. A run without prompts never picks them up on its own, so `--set` without
`--answers` is never mixed with another run's (maybe another brand's) answers. Each save also
keeps a copy in a short history (the newest `HISTORY_SIZE`) named by time and brand.

Prompting is not done here: the CLI passes the questionnaire engine's `ask_missing` in (`ask=`),
so this package never imports the engine (which imports it).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from pinpoint_sandbox.core.errors import AnswersError, NoTerminalError, UsageError
from pinpoint_sandbox.core.paths import answers_history_dir, saved_answers_path, write_private
from pinpoint_sandbox.core.yamlio import is_syntax_error, load_yaml, read_yaml_file
from pinpoint_sandbox.questionnaire.answer_model import (
    Answers,
    answers_file_problem,
    coerce_field,
    collect_problems,
    file_keys,
    question_defaults,
    question_kinds,
    required_keys,
    set_example,
    show_value,
    to_data,
)

if TYPE_CHECKING:
    import yaml

# `--answers last`: the saved answers of the last run whose answers were typed in a terminal.
LAST = Path("last")
HISTORY_SIZE = 5

Note = Callable[[str], None]


class AskFn(Protocol):
    """The prompting function (`questions.engine.ask_missing`): the answers newly typed."""

    def __call__(
        self,
        channel: str,
        known: Mapping[str, object],
        *,
        preselect_regions: list[str] | None = None,
        prefill: Mapping[str, object] | None = None,
        required_only: bool = False,
    ) -> dict[str, object]: ...


# --- files and flags ------------------------------------------------------------------------


def load_answers_file(path: Path) -> dict[str, object]:
    """The mapping in an answers file (not validated yet); an empty file is an empty mapping."""
    path = Path(path)
    data = read_yaml_file(path, "answers file")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(
            f"{path.name}: must be a YAML mapping of answer keys, not a {type(data).__name__} "
            f"(see `pinpoint-sandbox init sms` for a skeleton)"
        )
    return {str(k): v for k, v in data.items()}


def is_last(path: Path | None) -> bool:
    """True for `--answers last` (a file named `last` is given as `./last` or a full path)."""
    return path is not None and str(path) == str(LAST) and not Path(path).is_file()


def parse_set_value(text: str, name: str = "--set") -> object:
    """A `--set` value: YAML flow lists/mappings and plain scalars are typed, prose stays text."""
    stripped = text.strip()
    try:
        value = load_yaml(stripped, name) if stripped else ""
    except UsageError as exc:
        if not is_syntax_error(exc):
            raise  # an alias bomb or a deep nest is refused, not taken as text
        return stripped
    if stripped.startswith(("[", "{")):
        return value
    # "Users opt in: via our site" would parse as a mapping; prose must stay prose.
    if isinstance(value, dict | list):
        return stripped
    return value


def _typed_for_key(channel: str, key: str, raw: str, value: object) -> object:
    """Fit a parsed `--set` value to the question's type (YAML guesses without knowing it).

    Text and choice answers keep what the user typed (`company_name=123`, `=yes`, a date);
    list answers accept a plain value or a comma list (`destination_countries=US,GB`).
    """
    kind, separator = question_kinds(channel).get(key, ("", None))
    text = raw.strip()
    if kind in ("text", "long_text", "select"):
        scalar = value is not None and not isinstance(value, str | list | dict)
        return text if scalar else value
    if kind in ("list", "multiselect") and not isinstance(value, list | dict) and text:
        # Sample messages hold commas of their own: one --set is one message.
        split_on = separator or ("," if kind == "multiselect" else None)
        if split_on is None:
            return [text]
        return [part.strip() for part in text.split(split_on) if part.strip()]
    return value


def parse_set_options(items: Iterable[str], channel: str | None = None) -> dict[str, object]:
    """`--set KEY=VALUE` options as a nested dict (`calls_per_number.count=3` → nested).

    With `channel`, top-level values are fitted to the question's type (see `_typed_for_key`).
    """
    result: dict[str, object] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(
                f"--set {show_value(item)}: expected KEY=VALUE, "
                "e.g. --set company_name='Example Corp'"
            )
        parts = key.split(".")
        if any(not p for p in parts):
            raise UsageError(f"--set {show_value(item)}: empty part in key {show_value(key)}")
        target = result
        for part in parts[:-1]:
            node = target.get(part)
            if not isinstance(node, dict):
                node = target[part] = {}
            target = node
        value = parse_set_value(raw, f"--set {show_value(key, 40)}")
        if channel is not None and len(parts) == 1:
            value = _typed_for_key(channel, key, raw, value)
        target[parts[-1]] = value
    return result


def deep_merge(*layers: Mapping[str, object]) -> dict[str, object]:
    """Later layers win; nested mappings (calls_per_number) merge key by key."""
    merged: dict[str, object] = {}
    for layer in layers:
        for key, value in layer.items():
            current = merged.get(key)
            if isinstance(value, Mapping) and isinstance(current, Mapping):
                merged[key] = deep_merge(current, value)
            else:
                merged[key] = value
    return merged


@cache
def _dumper() -> type[yaml.SafeDumper]:
    import yaml

    class AnswersDumper(yaml.SafeDumper):
        """Readable answers files: paragraphs folded (`>-`), short lists inline."""

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else (">" if len(value) > 100 else None)
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def represent_list(dumper: yaml.SafeDumper, value: list[object]) -> yaml.SequenceNode:
        short = all(isinstance(v, str | int | float) and len(str(v)) <= 40 for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)

    AnswersDumper.add_representer(str, represent_str)
    AnswersDumper.add_representer(list, represent_list)
    return AnswersDumper


def dump_yaml(data: Mapping[str, object]) -> str:
    """YAML for answers files (saved answers, --save-answers, init skeleton)."""
    import yaml

    return yaml.dump(
        dict(data), Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=96
    )


# --- saved answers --------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedAnswers:
    """One set of answers typed in a terminal: the newest (`--answers last`) or a history entry."""

    path: Path
    data: dict[str, object]
    saved_at: datetime

    @property
    def brand(self) -> str:
        name = self.data.get("company_name")
        return show_value(name, 50) if isinstance(name, str) and name.strip() else "(no brand)"

    def describe(self) -> str:
        return f"{self.brand}, typed {self.saved_at:%Y-%m-%d %H:%M} UTC"


def _read_saved(channel: str, path: Path) -> SavedAnswers | None:
    """Saved answers are our own cache: unreadable or stale state is ignored, old keys dropped."""
    try:
        data = read_yaml_file(path, "saved answers")
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (UsageError, OSError):
        return None
    if not isinstance(data, dict):
        return None
    keys = file_keys(channel)
    return SavedAnswers(path, {k: v for k, v in data.items() if k in keys}, stamp)


def saved_answers(channel: str) -> SavedAnswers | None:
    """The newest saved answers of `channel` (possibly partial, after Ctrl-C), or None."""
    saved = _read_saved(channel, saved_answers_path(channel))
    return saved if saved is not None and saved.data else None


def load_saved_answers(channel: str) -> dict[str, object]:
    """The newest saved answers as a mapping ({} when there are none)."""
    saved = saved_answers(channel)
    return dict(saved.data) if saved is not None else {}


def answers_history(channel: str) -> list[SavedAnswers]:
    """The last `HISTORY_SIZE` saves of `channel`, newest first."""
    entries = sorted(answers_history_dir(channel).glob("*.yaml"), reverse=True)
    found = (_read_saved(channel, path) for path in entries[:HISTORY_SIZE])
    return [entry for entry in found if entry is not None]


def _slug(text: object) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", str(text or "").lower()).strip("-")[:40].strip("-")
    return slug or "no-brand"


def save_answers(channel: str, data: Mapping[str, object]) -> Path:
    """Keep answers typed in a terminal: the newest file, plus a copy in the history.

    Only the questionnaire engine (Ctrl-C) and a run that prompted call this; files and
    `--set` never do. Every file is 0600 in 0700 directories.
    """
    keys = file_keys(channel)
    ordered = {k: data[k] for k in keys if k in data and data[k] is not None}
    now = datetime.now(UTC)
    brand = ordered.get("company_name")
    header = (
        f"# {channel} answers typed in a terminal for {show_value(brand or '(no brand)', 60)}, "
        f"{now:%Y-%m-%d %H:%M:%S} UTC.\n"
        f"# Reuse them with `--answers last` (the newest) or `--answers THIS_FILE`.\n"
    )
    text = header + dump_yaml(ordered)
    history = answers_history_dir(channel)
    write_private(history / f"{now:%Y-%m-%dT%H-%M-%S.%fZ}-{_slug(brand)}.yaml", text)
    for old in sorted(history.glob("*.yaml"), reverse=True)[HISTORY_SIZE:]:
        old.unlink(missing_ok=True)
    return write_private(saved_answers_path(channel), text)


# --- precedence -----------------------------------------------------------------------------


@dataclass
class AnswersMap:
    """Every source of one request's answers and which one wins (see the module docstring).

    Each slot is a mapping; `combined()` merges them by PRECEDENCE (nested mappings such as
    calls_per_number key by key), and `origin(key)` names the source a key came from, so a
    problem line points at what to fix. `labels` renames slots for the lines (a batch says
    `batch.yaml: requests[0].answers`, not `--set`); `fallback` is for keys nobody gave.
    """

    channel: str
    region: Mapping[str, object] = field(default_factory=dict)
    set: Mapping[str, object] = field(default_factory=dict)
    file: Mapping[str, object] = field(default_factory=dict)
    typed: Mapping[str, object] = field(default_factory=dict)
    shared: Mapping[str, object] = field(default_factory=dict)
    default: Mapping[str, object] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    fallback: str = "answers"

    PRECEDENCE: ClassVar[tuple[str, ...]] = (
        "region", "set", "file", "typed", "shared", "default",
    )
    LABELS: ClassVar[dict[str, str]] = {
        "region": "--region", "set": "--set", "file": "answers file", "typed": "your answer",
        "shared": "defaults.answers", "default": "question default",
    }

    def layer(self, slot: str) -> Mapping[str, object]:
        layer: Mapping[str, object] = getattr(self, slot)
        return layer

    def label(self, slot: str) -> str:
        return self.labels.get(slot, self.LABELS[slot])

    def _merged(self, slots: Iterable[str]) -> dict[str, object]:
        return deep_merge(*(self.layer(slot) for slot in reversed(list(slots))))

    def given(self) -> dict[str, object]:
        """What the user gave before any prompt: --region, --set and the file."""
        return self._merged(("region", "set", "file"))

    def combined(self) -> dict[str, object]:
        return self._merged(self.PRECEDENCE)

    def origin(self, key: str) -> str:
        return next(
            (self.label(slot) for slot in self.PRECEDENCE if key in self.layer(slot)),
            self.fallback,
        )

    def problems(
        self, missing_text: Callable[[str], str], *, check_missing: bool = True
    ) -> tuple[list[str], Answers | None]:
        """Every problem line of the combined answers, or the validated answers."""
        data = self.combined() if check_missing else self.given()
        return collect_problems(
            self.channel, data, self.origin, missing_text, check_missing=check_missing
        )

    def validated(self, missing_text: Callable[[str], str]) -> Answers:
        problems, answers = self.problems(missing_text)
        if answers is None:
            raise AnswersError(problems, self.fallback)
        return answers


def _file_layer(channel: str, path: Path, note: Note | None) -> tuple[dict[str, object], str]:
    """The answers of `--answers FILE` or `--answers last`, and the label for problem lines."""
    if is_last(path):
        saved = saved_answers(channel)
        if saved is None:
            raise UsageError(
                f"--answers last: no saved {channel} answers yet (answers are saved when you "
                f"type them: run `pinpoint-sandbox request {channel}` in a terminal), or pass "
                "--answers FILE"
            )
        if note is not None:
            note(f"Using the saved {channel} answers of {saved.describe()}: {saved.path}")
        return saved.data, f"saved answers ({saved.path})"
    data = load_answers_file(path)
    problem = answers_file_problem(path.name, channel, data, f"this is `request {channel}`")
    if problem is not None:
        raise AnswersError([problem], path.name)
    return data, path.name


def resolve_answers(
    channel: str,
    *,
    answers_file: Path | None = None,
    sets: list[str] | None = None,
    regions: list[str] | None = None,
    ask: AskFn | None = None,
    save_to: Path | None = None,
    preselect_regions: list[str] | None = None,
    note: Note | None = None,
) -> Answers:
    """Final answers from every source (see `AnswersMap`).

    `answers_file` may be `LAST` (`--answers last`: the saved answers, named through `note`).
    `regions` (from --region) replaces the regions key. With `ask` (a terminal), keys given by
    neither --set, the file nor --region are prompted for, prefilled from the saved answers
    (when no file is given) and question defaults; what was typed is then saved. Without
    `ask`, anything still missing is an error. `save_to` (--save-answers) gets the result, 0600.
    """
    layers = AnswersMap(
        channel,
        region={"regions": list(regions)} if regions else {},
        set=parse_set_options(sets or [], channel),
        default=question_defaults(channel),
    )
    if answers_file is not None:
        layers.file, file_label = _file_layer(channel, answers_file, note)
        layers.labels["file"] = layers.fallback = file_label
    elif ask is None and not layers.set:
        raise no_answers_error(channel)
    else:
        # Lines about keys nobody gave name the sources that were given, never a file.
        given = [layers.label(s) for s in ("set", "region") if layers.layer(s)]
        layers.fallback = " + ".join(given) or "answers"
    if ask is not None:
        layers.typed = _ask_the_rest(layers, ask, answers_file, preselect_regions)
    elif answers_file is None:
        _require_complete_sets(layers)
    keep_typed = bool(layers.typed) and (answers_file is None or is_last(answers_file))
    try:
        answers = layers.validated(_missing_text(channel, answers_file))
    except AnswersError:
        if keep_typed:  # as after Ctrl-C: what was typed is offered again next time
            save_answers(channel, {**load_saved_answers(channel), **layers.typed})
        raise
    if keep_typed:
        save_answers(channel, to_data(answers))
    if save_to is not None:
        write_private(save_to, dump_yaml(to_data(answers)))
    return answers


def _ask_the_rest(
    layers: AnswersMap, ask: AskFn, answers_file: Path | None, preselect: list[str] | None
) -> dict[str, object]:
    """Prompt for what the user did not give; the saved answers prefill only without a file."""
    problems, _ = layers.problems(str, check_missing=False)
    if problems:  # a bad --set or file value is reported before any question
        raise AnswersError(problems, layers.fallback)
    saved = load_saved_answers(layers.channel) if answers_file is None else {}
    return ask(
        layers.channel, layers.given(), preselect_regions=preselect,
        prefill=deep_merge(layers.default, saved), required_only=answers_file is not None,
    )


def _require_complete_sets(layers: AnswersMap) -> None:
    """`--set` alone, no prompt: one line for every missing key, never one line per key.

    Saved answers never fill the gaps (they may be another brand's), so say how to give all.
    """
    combined = layers.combined()
    missing = [key for key in required_keys(layers.channel) if key not in combined]
    if missing:
        raise AnswersError([
            f"--set gives only part of the {layers.channel} answers; missing: "
            f"{', '.join(missing)} — pass --answers FILE (or --answers last for your saved "
            f"answers), or give each ({set_example(layers.channel, missing[0])}); "
            "--set never mixes with saved answers"
        ], "--set")


def _missing_text(channel: str, answers_file: Path | None) -> Callable[[str], str]:
    def missing_text(key: str) -> str:
        how = set_example(channel, key)
        if is_last(answers_file):
            return f"missing answer for {key!r} — pass {how} or answer it in a terminal"
        if answers_file is not None:
            return f"missing answer for {key!r} — add it to {answers_file.name} or pass {how}"
        return f"missing answer for {key!r} — pass {how} (or put all answers in --answers FILE)"

    return missing_text


def no_answers_error(channel: str) -> UsageError:
    """No file, no --set, and no prompt allowed: one line, not one per key.

    Saved answers exist? The line offers `--answers last` and names whose they are — it never
    uses them on its own.
    """
    write_one = f"write one with `pinpoint-sandbox init {channel} FILE`"
    saved = saved_answers(channel)
    reuse = (
        f", --answers last (the saved answers of {saved.describe()})" if saved is not None
        else ""
    )
    if sys.stdin is not None and sys.stdin.isatty():
        return UsageError(
            f"no answers given and --no-input forbids asking: pass --answers FILE ({write_one})"
            f"{reuse} or drop --no-input to be asked"
        )
    return NoTerminalError(
        f"no answers given and no terminal to ask on: pass --answers FILE ({write_one})"
        f"{reuse} or run in a terminal"
    )


# --- check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckAnswers:
    """What `check` reads from `--answers`: typed answers when the file is complete.

    `check` accepts a partial file (only `regions` or `voice_message_sent`, say): then
    `answers` is None and the two keys it uses are still read. Every value present is
    validated as `request` would.
    """

    answers: Answers | None = None
    regions: list[str] = field(default_factory=list)
    voice_message_sent: bool = False
    destination_countries: list[str] = field(default_factory=list)  # SMS: destinations check


def answers_for_check(
    channel: str, answers_file: Path | None, note: Note | None = None
) -> CheckAnswers:
    if answers_file is None:
        return CheckAnswers()
    data, label = _file_layer(channel, answers_file, note)
    layers = AnswersMap(
        channel, file=data, default=question_defaults(channel), labels={"file": label},
        fallback=label,
    )
    problems, _ = layers.problems(str, check_missing=False)
    if problems:
        raise AnswersError(problems, label)
    answers = layers.problems(str)[1]
    regions = coerce_field(channel, "regions", data["regions"]) if "regions" in data else []
    countries = (coerce_field(channel, "destination_countries", data["destination_countries"])
                 if channel == "sms" and data.get("destination_countries") else [])
    return CheckAnswers(answers, _texts(regions), data.get("voice_message_sent") is True,
                        _texts(countries))


def _texts(coerced: object) -> list[str]:
    """A validated list answer (regions, countries) as its strings."""
    return [str(item) for item in coerced] if isinstance(coerced, list) else []
