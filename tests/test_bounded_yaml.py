"""Bad input in answers files, batch files and `--set`: one line, exit 2, no contents echoed.

Issue #9 "Bad input": an alias bomb fails at once (it used to run 45 s and 2 GB), files have a
size limit, a huge value is never formatted whole, an empty answers file is one line, and a
batch `answers_file` that points at something else (/etc/shadow, a binary) is named, never quoted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import SMS_ANSWERS, cli
from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.core.yamlio import MAX_BYTES, MAX_NODES, load_yaml, read_yaml_file
from pinpoint_sandbox.questionnaire.answers import parse_set_options, show_value

LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{b}: &{b} [" + ",".join([f"*{a}"] * 9) + "]"
            for a, b in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "company_name: *i",
    ]
)
SECRET = "s3cr3t-hash-$6$abcdefgh"


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def request(*args: Any) -> Any:
    return cli("request", "sms", "-r", "us-east-1", "--dry-run", *args)


# --- the loader ---------------------------------------------------------------------------------


def test_alias_bomb_is_refused_while_composing() -> None:
    with pytest.raises(UsageError) as info:
        load_yaml(LAUGHS, "bomb.yaml")
    assert info.value.message == (
        f"bomb.yaml: not read: expands to more than {MAX_NODES:,} values through aliases "
        "(an alias bomb?)"
    )


def test_ordinary_aliases_and_documents_still_load() -> None:
    text = "base: &b {count: 3, period: day}\ncalls_per_number: *b\nlist: [1, 2]\n"
    assert load_yaml(text, "ok.yaml") == {
        "base": {"count": 3, "period": "day"},
        "calls_per_number": {"count": 3, "period": "day"},
        "list": [1, 2],
    }
    assert load_yaml("", "empty.yaml") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: &a [*a]", "an alias refers to itself"),
        ("[" * 200 + "]" * 200, "levels deep"),
    ],
)
def test_recursive_and_deep_documents_are_refused(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        load_yaml(text, "x.yaml")


def test_files_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("company_name: " + "x" * (MAX_BYTES + 10))
    with pytest.raises(UsageError, match="larger than 1 MiB"):
        read_yaml_file(big, "answers file")


def test_show_value_never_formats_a_huge_value_whole() -> None:
    huge: list[Any] = [["x" * 1000] * 1000] * 1000  # a million strings by reference
    text = show_value(huge)
    assert len(text) <= 60


# --- answers files through the CLI ------------------------------------------------------------


def test_alias_bomb_answers_file_is_one_line(simulator: Any, tmp_path: Path) -> None:
    sim = simulator("fresh-sandbox")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(LAUGHS)
    run = request("--answers", bomb, "--output", "json")
    assert run.exit_code == 2, run
    assert "alias bomb" in run.json["error"]["message"]
    assert "\n" not in run.json["error"]["message"]
    assert sim.write_calls() == []


def test_alias_bomb_in_a_set_value_is_refused(simulator: Any) -> None:
    simulator("fresh-sandbox")
    value = "[" + ",".join(["&x [1,2,3,4,5,6,7,8,9]"] + ["*x"] * 8) + "]"
    assert parse_set_options([f"regions={value}"])  # a few aliases are fine
    bomb = LAUGHS.replace("\n", ", ").replace("a: ", "{a: ", 1) + "}"
    run = request("--answers", SMS_ANSWERS, "--set", f"message_templates={bomb}")
    assert run.exit_code == 2, run
    assert "alias" in one_error_line(run.stderr)


def test_a_huge_wrong_value_is_cut_in_the_error(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    answers = tmp_path / "a.yaml"
    answers.write_text(
        SMS_ANSWERS.read_text().replace(
            "company_name: Northwind Outfitters", "company_name: [" + "1," * 50_000 + "1]"
        )
    )
    run = request("--answers", answers)
    assert run.exit_code == 2, run
    line = one_error_line(run.stderr)
    assert "company_name" in line and len(line) < 200


def test_an_empty_answers_file_is_one_line(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    run = request("--answers", empty)
    assert run.exit_code == 2, run
    line = one_error_line(run.stderr)
    assert "empty.yaml is empty" in line and "pinpoint-sandbox init sms" in line


def test_a_file_that_is_not_answers_is_named_not_quoted(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    other = tmp_path / "shadow"
    other.write_text(f"operatorkey: {SECRET}\ndaemon: {SECRET}\n")
    run = request("--answers", other)
    assert run.exit_code == 2, run
    line = one_error_line(run.stderr)
    assert "shadow is not an answers file" in line
    assert SECRET not in run.stderr and "operatorkey" not in run.stderr


# --- batch files ----------------------------------------------------------------------------------


def batch_with(tmp_path: Path, answers_file: str) -> Path:
    path = tmp_path / "batch.yaml"
    path.write_text(
        "version: 1\nrequests:\n  - channel: sms\n    regions: [us-east-1]\n"
        f"    answers_file: {answers_file}\n"
    )
    return path


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (f"operatorkey: {SECRET}\ndaemon: {SECRET}\nbin: x\n".encode(), "is not an answers file"),
        (f"operatorkey:{SECRET}: x: [\n{SECRET}\n".encode(), "not valid YAML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00" + SECRET.encode() + b"\xff\xfe", "not UTF-8 text"),
        (b"", "is empty"),
        (f"{SECRET}\n{SECRET}\n".encode(), "must be a YAML mapping"),
    ],
)
def test_batch_answers_file_contents_are_never_echoed(
    simulator: Any, tmp_path: Path, content: bytes, problem: str
) -> None:
    sim = simulator("fresh-sandbox")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "shadow").write_bytes(content)
    (tmp_path / "sub" / "dir").mkdir(parents=True)
    batch = batch_with(tmp_path / "sub" / "dir", "../../etc/shadow")
    run = cli("batch", batch, "--dry-run", "--output", "json")
    assert run.exit_code == 2, run
    message = run.json["error"]["message"]
    assert "\n" not in message
    assert problem in message and "requests[0].answers_file" in message
    assert SECRET not in run.stdout + run.stderr
    assert "operatorkey" not in run.stdout + run.stderr
    assert sim.write_calls() == []


def test_an_unreadable_answers_file_is_named(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    run = cli("batch", batch_with(tmp_path, "missing.yaml"), "--dry-run")
    assert run.exit_code == 2, run
    assert "answers file not found" in one_error_line(run.stderr)


def test_a_batch_file_that_is_something_else_is_not_quoted(tmp_path: Path) -> None:
    other = tmp_path / "passwd"
    other.write_text(f"operatorkey: {SECRET}\nnobody: {SECRET}\n")
    run = cli("batch", other, "--dry-run")
    assert run.exit_code == 2, run
    assert "passwd is not a batch file" in one_error_line(run.stderr)
    assert SECRET not in run.stderr and "operatorkey" not in run.stderr


def test_alias_bomb_batch_file_is_one_line(tmp_path: Path) -> None:
    bomb = tmp_path / "batch.yaml"
    bomb.write_text("version: 1\n" + LAUGHS.replace("company_name", "requests"))
    run = cli("batch", bomb, "--dry-run")
    assert run.exit_code == 2, run
    assert "alias bomb" in one_error_line(run.stderr)


def test_thousands_of_bad_items_are_not_thousands_of_lines(simulator: Any, tmp_path: Path) -> None:
    simulator("fresh-sandbox")
    answers = tmp_path / "a.yaml"
    answers.write_text(SMS_ANSWERS.read_text() + "".join(f"junk_{n}: 1\n" for n in range(5000)))
    run = request("--answers", answers)
    assert run.exit_code == 2, run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 25
    assert lines[-1].endswith("and 4976 more problems like these")
