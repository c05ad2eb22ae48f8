"""The content review against a corpus of answer sets written like real companies.

Each file under tests/review_corpus/ holds `channel`, `answers` and `expect_errors` (the exact
set of `error` rule ids reviewers would reject it for; empty for a good set). The test prints
precision and recall of `error` findings over the whole corpus (`pytest -s` shows them) and
requires 100 % precision on the good sets and every expected cause found on the bad ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pinpoint_sandbox.answers import validate_answers
from pinpoint_sandbox.lint import RULE_IDS, lint_answers

CORPUS = Path(__file__).parent / "review_corpus"
FILES = sorted(CORPUS.glob("*.yaml"))


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) == {"channel", "answers", "expect_errors"}, path.name
    return dict(data)


def error_rules(entry: dict[str, Any]) -> set[str]:
    findings = lint_answers(entry["channel"], entry["answers"])
    return {f.rule for f in findings if f.level == "error"}


def test_corpus_is_big_and_mixed() -> None:
    entries = [load(p) for p in FILES]
    good = [e for e in entries if not e["expect_errors"]]
    assert len(entries) >= 40
    assert len(good) >= 15 and len(entries) - len(good) >= 15
    assert {e["channel"] for e in good} == {"sms", "voice"}
    for entry in entries:
        assert set(entry["expect_errors"]) <= RULE_IDS.keys()


@pytest.mark.parametrize("path", [p for p in FILES if p.name.startswith("good-")],
                         ids=lambda p: p.stem)
def test_good_sets_are_valid_answers(path: Path) -> None:
    entry = load(path)
    validate_answers(entry["channel"], entry["answers"], path.name)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_set_gets_exactly_its_expected_errors(path: Path) -> None:
    entry = load(path)
    assert error_rules(entry) == set(entry["expect_errors"])


def test_precision_and_recall_of_errors(capsys: pytest.CaptureFixture[str]) -> None:
    true_pos = false_pos = false_neg = good_false = 0
    for path in FILES:
        entry = load(path)
        found, expected = error_rules(entry), set(entry["expect_errors"])
        true_pos += len(found & expected)
        false_pos += len(found - expected)
        false_neg += len(expected - found)
        if not expected:
            good_false += len(found)
    precision = true_pos / ((true_pos + false_pos) or 1)
    recall = true_pos / ((true_pos + false_neg) or 1)
    with capsys.disabled():
        print(f"\nreview corpus: {len(FILES)} sets, error precision {precision:.0%}, "
              f"error recall {recall:.0%}, false errors on good sets {good_false}")
    assert good_false == 0
    assert recall == 1.0


@pytest.mark.parametrize("cause", [
    "template-brand", "opt-in-stop", "template-opt-out", "type-promotional-content",
    "opt-in-method", "opt-in-bundled", "opt-in-prechecked", "website-missing", "purchased-list",
    "voice-opt-out-method", "voice-consent-method",
])
def test_every_documented_rejection_cause_has_a_bad_example(cause: str) -> None:
    assert any(cause in load(p)["expect_errors"] for p in FILES)
