"""The interface in French: every message, question and review rule has every language, and
the case text AWS reads does not depend on the interface language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import cli
from pinpoint_sandbox.filing.render import case_labels
from pinpoint_sandbox.questionnaire import i18n
from pinpoint_sandbox.questionnaire.questions import load_questions, localize
from pinpoint_sandbox.review.lint import RULE_IDS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _reset_language() -> Any:
    yield
    i18n.set_language(None)


def test_every_message_has_every_language() -> None:
    english = i18n.catalogue("en")
    assert set(i18n.available()) >= {"en", "fr"}
    for lang in i18n.available():
        other = i18n.catalogue(lang)
        assert set(other["messages"]) == set(english["messages"]), lang
        assert set(other["labels"]) == set(english["labels"]), lang
        if lang == "en":
            continue
        assert set(other["findings"]) == set(RULE_IDS), lang
        for channel in ("sms", "voice"):
            texts = other["questions"][channel]
            for question in load_questions(channel):
                assert texts[question.key]["prompt"] and texts[question.key]["help"], (
                    lang, channel, question.key)
                for sub in question.fields or []:
                    assert texts[question.key]["fields"][sub.key]["prompt"], (lang, sub.key)


def test_case_labels_exist_for_both_contact_languages() -> None:
    assert set(case_labels("ja")) == set(case_labels("en"))


def test_language_from_the_environment() -> None:
    assert i18n.from_environment({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert i18n.from_environment({"LC_ALL": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}) == "fr"
    assert i18n.from_environment({"LC_ALL": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"}) == "en"
    assert i18n.from_environment({"LANG": "de_DE.UTF-8"}) == "en"  # no German interface yet
    assert i18n.from_environment({}) == "en"


def test_french_wording_is_aws_french_form() -> None:
    i18n.set_language("fr")
    prompts = {q.key: localize("sms", q).prompt for q in load_questions("sms")}
    assert prompts["message_type"] == "Quel type de messages prévoyez-vous d'envoyer ?"
    assert prompts["destination_countries"].startswith(
        "Vers quels pays comptez-vous envoyer des messages")
    voice = {q.key: localize("voice", q).prompt for q in load_questions("voice")}
    assert voice["number_sourcing"] == ("Comment obtenez-vous les numéros de téléphone "
                                        "auxquels vous comptez envoyer des messages vocaux ?")


def test_validation_messages_in_french() -> None:
    i18n.set_language("fr")
    assert i18n.problem("must be a whole number (got 'abc')") == (
        "doit être un nombre entier (reçu 'abc')")
    assert i18n.problem("must start with https:// (got 'http://x')") == (
        "doit commencer par https:// (reçu 'http://x')")


def test_unknown_lang_is_exit_2_with_the_fix() -> None:
    result = cli("init", "sms", "-", "--lang", "xx")
    assert result.exit_code == 2
    assert "--lang 'xx' is not an interface language: use one of en, fr." in result.stderr


@pytest.mark.parametrize("how", ["flag", "env"])
def test_init_prints_the_questionnaire_in_french(how: str, monkeypatch: Any) -> None:
    args = ["init", "sms", "-"]
    if how == "flag":
        args += ["--lang", "fr"]
    else:
        monkeypatch.setenv("LANG", "fr_FR.UTF-8")
        monkeypatch.delenv("LC_ALL", raising=False)
        monkeypatch.delenv("LC_MESSAGES", raising=False)
    out = cli(*args).stdout
    assert "# --- message_type: Quel type de messages prévoyez-vous d'envoyer ?" in out
    assert "Vers quels pays comptez-vous envoyer des messages" in out
    assert "Comment vos clients acceptent-ils de recevoir messages de votre part" in out
    assert "Mot de passe ponctuel" in out
    assert "What type of messages" not in out
    assert yaml.safe_load(out)["message_type"] == "transactional"  # keys and values unchanged


def test_case_text_is_the_same_whatever_the_interface_language(monkeypatch: Any) -> None:
    args = ["request", "sms", "-a", str(ROOT / "examples" / "sms-answers.yaml"), "-r",
            "us-east-1", "--dry-run", "--output", "json", "--simulate"]
    english = cli(*args)
    french = cli(*args, "--lang", "fr")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    from_env = cli(*args)

    def descriptions(result: Any) -> list[str]:
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    found.append(value) if key == "description" else walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(json.loads(result.stdout))
        return found

    assert descriptions(english) and descriptions(english) == descriptions(french)
    assert descriptions(english) == descriptions(from_env)
    assert "Sample messages:" in descriptions(english)[0]


def test_the_questionnaire_speaks_french(monkeypatch: Any,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from pinpoint_sandbox.cli import prompts as engine

    answers = yaml.safe_load((ROOT / "tests" / "review_corpus" / "good-sms-car-rental-es.yaml")
                             .read_text(encoding="utf-8"))["answers"]
    known = {"contact_emails": ["ops@corpus.test"], **answers, "spend_limit_usd": 100}
    known.pop("message_templates")
    i18n.set_language("fr")
    monkeypatch.setattr(engine, "has_terminal", lambda: True)
    with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
        keys.send_text("Votre voiture est prête. Répondez STOP." + "\r" + "\r")  # no brand
        keys.send_text("\r")  # « Répondre à nouveau ? » defaults to yes after an error
        keys.send_text("\x15" + "Ruta Rent a Car: your car is ready. Reply STOP to opt out.\r")
        keys.send_text("Ruta Rent a Car: thanks for returning the car. Reply STOP to opt out."
                       "\r\r")
        keys.send_text("\r")  # the summary's first choice: file
        answered = engine.ask_missing("sms", known)
    assert answered["message_templates"][0].startswith("Ruta Rent a Car")
    err = capsys.readouterr().err
    assert "Veuillez fournir le modèle de message" in err or "Donnez au moins deux" in err
    assert "erreur : ne nomme pas la marque 'Ruta Rent a Car'. Correction :" in err
    assert "Vos réponses :" in err
    assert "Type of messages" not in err and "Your answers" not in err
