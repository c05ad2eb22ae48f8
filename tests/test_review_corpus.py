"""The content review against a corpus of answer sets written like real companies.

Each file under tests/review_corpus/ holds `channel`, `answers` and `expect_errors` (the exact
set of `error` rule ids reviewers would reject it for; empty for a good set). The corpus has two
parts: the sets the rules were developed against (tests/review_corpus/*.yaml), and a held-out
part (tests/review_corpus/heldout/) written first, before the rules were changed, and never
tuned on. The test output prints precision and recall of `error` findings for each part
separately (`pytest -s` or the summary line shows them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pinpoint_sandbox.questionnaire.answers import validate_answers
from pinpoint_sandbox.review.lint import RULE_IDS, lint_answers

CORPUS = Path(__file__).parent / "review_corpus"
DEVELOPMENT = sorted(CORPUS.glob("*.yaml"))
HELD_OUT = sorted((CORPUS / "heldout").glob("*.yaml"))
FILES = DEVELOPMENT + HELD_OUT


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) == {"channel", "answers", "expect_errors"}, path.name
    return dict(data)


def error_rules(entry: dict[str, Any]) -> set[str]:
    findings = lint_answers(entry["channel"], entry["answers"])
    return {f.rule for f in findings if f.level == "error"}


def scores(paths: list[Path]) -> tuple[float, float, int]:
    """(error precision, error recall, errors on good sets) over `paths`."""
    true_pos = false_pos = false_neg = good_false = 0
    for path in paths:
        entry = load(path)
        found, expected = error_rules(entry), set(entry["expect_errors"])
        true_pos += len(found & expected)
        false_pos += len(found - expected)
        false_neg += len(expected - found)
        if not expected:
            good_false += len(found)
    precision = true_pos / ((true_pos + false_pos) or 1)
    recall = true_pos / ((true_pos + false_neg) or 1)
    return precision, recall, good_false


def test_corpus_is_big_and_mixed() -> None:
    entries = [load(p) for p in FILES]
    good = [e for e in entries if not e["expect_errors"]]
    assert len(entries) >= 100
    assert len(HELD_OUT) >= 30
    assert len(good) >= 40 and len(entries) - len(good) >= 40
    assert {e["channel"] for e in good} == {"sms", "voice"}
    assert {e["channel"] for e in entries if e["expect_errors"]} == {"sms", "voice"}
    countries = {c for e in entries for c in e["answers"].get("destination_countries") or []}
    assert len(countries) >= 15
    for entry in entries:
        assert set(entry["expect_errors"]) <= RULE_IDS.keys()


@pytest.mark.parametrize("path", [p for p in FILES if p.name.startswith("good-")],
                         ids=lambda p: p.stem)
def test_good_sets_are_valid_answers(path: Path) -> None:
    entry = load(path)
    validate_answers(entry["channel"], entry["answers"], path.name)


@pytest.mark.parametrize("path", DEVELOPMENT, ids=lambda p: p.stem)
def test_each_development_set_gets_exactly_its_expected_errors(path: Path) -> None:
    entry = load(path)
    assert error_rules(entry) == set(entry["expect_errors"])


@pytest.mark.parametrize("part", ["development", "held-out"])
def test_precision_and_recall_of_errors(part: str, capsys: pytest.CaptureFixture[str]) -> None:
    paths = DEVELOPMENT if part == "development" else HELD_OUT
    precision, recall, good_false = scores(paths)
    with capsys.disabled():
        print(f"\nreview corpus, {part} part: {len(paths)} sets, error precision "
              f"{precision:.0%}, error recall {recall:.0%}, false errors on good sets "
              f"{good_false}")
    assert good_false == 0
    if part == "development":
        assert recall == 1.0 and precision == 1.0
    else:  # the goal on unseen sets
        assert recall >= 0.90 and precision >= 0.95


@pytest.mark.parametrize("cause", [
    "template-brand", "opt-in-stop", "template-opt-out", "type-promotional-content",
    "opt-in-method", "opt-in-bundled", "opt-in-prechecked", "website-missing", "purchased-list",
    "voice-opt-out-method", "voice-consent-method", "prohibited-content", "high-risk-financial",
    "gambling", "lead-generation", "link-shortener", "website-shortener", "use-case-vague",
    "voice-volume",
])
def test_every_documented_rejection_cause_has_a_bad_example(cause: str) -> None:
    assert any(cause in load(p)["expect_errors"] for p in DEVELOPMENT)
