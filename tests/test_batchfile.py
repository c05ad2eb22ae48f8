"""Batch files: shape validation, answer layering, every problem reported with its path."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from pinpoint_sandbox.core.errors import AnswersError, UsageError
from pinpoint_sandbox.filing.batchfile import load_batch, request_answers
from pinpoint_sandbox.questionnaire.answers import SmsAnswers, VoiceAnswers

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name in ("sms-answers.yaml", "voice-answers.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


def write_batch(directory: Path, data: dict[str, Any]) -> Path:
    path = directory / "batch.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def batch_problems(path: Path) -> list[str]:
    with pytest.raises(AnswersError) as info:
        load_batch(path)
    return info.value.problems


def test_example_batch_loads_and_merges() -> None:
    batch = load_batch(EXAMPLES / "batch.yaml")
    assert [r.profile for r in batch.requests] == ["prod-eu", "prod-us", "staging"]
    assert batch.defaults.backend == "auto"
    assert batch.requests[2].backend == "manual"
    first = request_answers(batch, 0)
    assert isinstance(first, SmsAnswers)
    assert first.regions == ["eu-west-1", "eu-central-1"]  # request regions beat the file's
    assert first.spend_limit_usd == 500  # inline beats the file's 300
    second = request_answers(batch, 1)
    assert isinstance(second, SmsAnswers)
    assert second.destination_countries == ["US"]
    assert isinstance(request_answers(batch, 2), VoiceAnswers)


def test_layers_defaults_file_inline(workdir: Path) -> None:
    path = write_batch(workdir, {
        "version": 1,
        "defaults": {"answers": {"company_name": "Default Co", "contact_language": "ja",
                                 "spend_limit_usd": 50}},
        "requests": [
            {"channel": "sms", "answers_file": "sms-answers.yaml",
             "answers": {"company_name": "Inline Co"}},
            # spend_limit_usd is an SMS key: the voice request ignores it instead of failing.
            {"channel": "voice", "answers_file": "voice-answers.yaml"},
        ],
    })
    batch = load_batch(path)
    assert batch.requests[0].answers_file == workdir / "sms-answers.yaml"
    sms = request_answers(batch, 0)
    assert sms.company_name == "Inline Co"  # inline > file
    assert sms.contact_language == "en"  # file > defaults
    assert isinstance(sms, SmsAnswers) and sms.spend_limit_usd == 300  # file > defaults
    voice = request_answers(batch, 1)
    assert voice.regions == ["us-east-1", "eu-west-1"]  # no request regions: the file's


def test_defaults_fill_what_the_file_lacks(workdir: Path) -> None:
    data = yaml.safe_load((workdir / "sms-answers.yaml").read_text(encoding="utf-8"))
    del data["company_name"]
    (workdir / "partial.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    path = write_batch(workdir, {
        "version": 1, "defaults": {"answers": {"company_name": "Default Co"}},
        "requests": [{"channel": "sms", "answers_file": "partial.yaml"}],
    })
    assert request_answers(load_batch(path), 0).company_name == "Default Co"


def test_shape_errors_have_paths(workdir: Path) -> None:
    path = write_batch(workdir, {
        "version": 2,
        "requests": [
            {"channel": "sms", "answers_file": "sms-answers.yaml"},
            {"channel": "fax", "regions": ["eu-west-1", "eu-west-9"], "profile": "p",
             "role_arn": "arn:aws:iam::111122223333:role/Filer", "backend": "telegram",
             "colour": "red"},
            {"channel": "sms", "role_arn": "arn:aws:iam::12:role/x"},
        ],
    })
    problems = batch_problems(path)
    assert any(p.startswith("batch.yaml: version: must be one of 1") for p in problems)
    assert any(p.startswith("batch.yaml: requests[1].channel: must be one of 'sms' or 'voice'")
               for p in problems)
    assert any(p.startswith("batch.yaml: requests[1].regions[1]: 'eu-west-9' is not an AWS "
                            "region") for p in problems)
    assert "batch.yaml: requests[1].colour: unknown key" in problems
    assert any(p.startswith("batch.yaml: requests[1].backend: must be one of 'auto'")
               for p in problems)
    assert any(p.startswith("batch.yaml: requests[2].role_arn: must be an IAM role ARN")
               for p in problems)
    assert all("\n" not in p for p in problems)


def test_profile_and_role_arn_are_exclusive(workdir: Path) -> None:
    path = write_batch(workdir, {"version": 1, "requests": [
        {"channel": "sms", "profile": "p", "role_arn": "arn:aws:iam::111122223333:role/Filer",
         "answers_file": "sms-answers.yaml"},
    ]})
    assert batch_problems(path) == [
        "batch.yaml: requests[0]: give either profile or role_arn, not both"
    ]


def test_role_arn_alone_is_fine(workdir: Path) -> None:
    arn = "arn:aws:iam::111122223333:role/path/Filer"
    path = write_batch(workdir, {"version": 1, "requests": [
        {"channel": "sms", "role_arn": arn, "answers_file": "sms-answers.yaml"},
    ]})
    assert load_batch(path).requests[0].role_arn == arn


def test_every_request_answers_validated_at_load(workdir: Path) -> None:
    path = write_batch(workdir, {
        "version": 1,
        "defaults": {"answers": {"colour": "red"}},
        "requests": [
            {"channel": "sms", "answers_file": "sms-answers.yaml"},  # fine
            {"channel": "sms", "answers_file": "sms-answers.yaml",
             "answers": {"website_url": "http://x.com", "opt_in": "x"}},
            {"channel": "voice", "answers": {"company_name": "Acme"}},
            {"channel": "voice", "answers_file": "nope.yaml"},
        ],
    })
    problems = batch_problems(path)
    assert problems[0].startswith("batch.yaml: defaults.answers: unknown key 'colour'")
    assert ("batch.yaml: requests[1].answers: unknown key 'opt_in' — did you mean "
            "'opt_in_process'?") in problems
    assert ("batch.yaml: requests[1].answers: website_url: must start with https:// "
            "(got 'http://x.com')") in problems
    assert ("batch.yaml: requests[2]: missing answer for 'website_url' — add it to this "
            "request's answers, its answers_file or defaults.answers") in problems
    assert any(p.startswith("batch.yaml: requests[3].answers_file: answers file not found:")
               for p in problems)
    assert not any("requests[0]" in p for p in problems)


def test_bad_value_in_answers_file_names_the_file(workdir: Path) -> None:
    data = yaml.safe_load((workdir / "sms-answers.yaml").read_text(encoding="utf-8"))
    data["destination_countries"] = ["ZZ"]
    (workdir / "bad.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    path = write_batch(workdir, {"version": 1, "requests": [
        {"channel": "sms", "answers_file": "bad.yaml"}]})
    problems = batch_problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(
        "bad.yaml (batch.yaml: requests[0]): destination_countries[0]: 'ZZ' is not"
    )


def test_empty_requests_and_bad_documents(tmp_path: Path) -> None:
    assert batch_problems(write_batch(tmp_path, {"version": 1, "requests": []})) == [
        "batch.yaml: requests: needs at least 1 item"
    ]
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"list\.yaml: must be a YAML mapping"):
        load_batch(listed)
    with pytest.raises(UsageError, match="batch file not found"):
        load_batch(tmp_path / "missing.yaml")


def test_shape_and_answer_problems_reported_together(workdir: Path) -> None:
    path = write_batch(workdir, {"version": 1, "requests": [
        {"channel": "sms", "regions": ["mars-1"], "answers_file": "sms-answers.yaml"},
        {"channel": "sms", "answers_file": "sms-answers.yaml",
         "answers": {"message_type": "spam"}},
    ]})
    problems = batch_problems(path)
    assert len(problems) == 2
    assert problems[0].startswith("batch.yaml: requests[0].regions[0]: 'mars-1' is not")
    assert problems[1].startswith("batch.yaml: requests[1].answers: message_type: must be one of")


def test_answers_file_of_the_other_channel_is_one_line(workdir: Path) -> None:
    path = write_batch(workdir, {"version": 1, "requests": [
        {"channel": "sms", "answers_file": "sms-answers.yaml"},
        {"channel": "voice", "answers_file": "sms-answers.yaml"},
        {"channel": "sms", "answers_file": "voice-answers.yaml"},
    ]})
    assert batch_problems(path) == [
        "batch.yaml: requests[1].answers_file sms-answers.yaml looks like an SMS answers file "
        "but the request's channel is voice: use a voice answers file "
        "(`pinpoint-sandbox init voice FILE` writes one)",
        "batch.yaml: requests[2].answers_file voice-answers.yaml looks like a voice answers "
        "file but the request's channel is sms: use an SMS answers file "
        "(`pinpoint-sandbox init sms FILE` writes one)",
    ]


def test_one_foreign_key_in_answers_file_stays_an_unknown_key(workdir: Path) -> None:
    data = yaml.safe_load((workdir / "voice-answers.yaml").read_text(encoding="utf-8"))
    data["spend_limit_usd"] = 10
    (workdir / "voice-plus.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    path = write_batch(workdir, {"version": 1, "requests": [
        {"channel": "voice", "answers_file": "voice-plus.yaml"}]})
    problems = batch_problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(
        "voice-plus.yaml (batch.yaml: requests[0]): unknown key 'spend_limit_usd'"
    )
