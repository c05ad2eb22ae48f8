"""The review's language layer: normalisation, detection, vocabulary in every language."""

from __future__ import annotations

import pytest

from pinpoint_sandbox.review import brand, content, language, substance, text, vocabulary


def test_every_language_has_every_kind_of_vocabulary() -> None:
    assert vocabulary.check_every_language_has_every_kind() == []
    assert set(language.SUPPORTED) >= {"en", "fr", "es", "pt", "de", "it", "nl", "ja", "zh", "ko"}


def test_normalisation_folds_width_accents_and_case_but_keeps_kana() -> None:
    assert text.fold("ＳＴＯＰ　１０％") == "stop 10%"
    assert text.fold("Clínica ARRÊT Müller") == "clinica arret muller"
    assert text.fold("ガイド") == "ガイド"  # voiced kana are not "accents"
    assert text.fold("수신거부") == "수신거부"  # Hangul syllables stay whole
    assert text.compact("Dr. Müller-Lüdenscheid") == "drmullerludenscheid"


@pytest.mark.parametrize(("sample", "lang"), [
    ("Votre commande est prête, venez la retirer en magasin.", "fr"),
    ("Tu pedido ha sido enviado y llegará mañana.", "es"),
    ("Sua consulta é amanhã às 10h, responda SAIR para cancelar.", "pt"),
    ("Ihr Paket wird morgen zwischen 10 und 12 Uhr geliefert.", "de"),
    ("Il tuo ordine è stato spedito oggi.", "it"),
    ("Uw pakket wordt morgen bezorgd.", "nl"),
    ("認証コードは{code}です。", "ja"),
    ("您的验证码是{code}，回复TD退订", "zh"),
    ("인증번호는 {code}입니다", "ko"),
    ("Your order has shipped and arrives tomorrow.", "en"),
])
def test_language_detection(sample: str, lang: str) -> None:
    assert language.detect(sample) == lang


def test_too_short_to_tell_falls_back_on_the_destinations() -> None:
    assert language.detect("Code {code}") is None
    assert language.languages_for("Code {code}", ["BR"]) == ["pt", "en"]


@pytest.mark.parametrize(("sample", "langs"), [
    ("Responda SAIR para não receber mais.", ["pt"]),
    ("STOP SMS au 36180", ["fr"]),
    ("Responde BAJA para no recibir más mensajes", ["es"]),
    ("Abmelden: STOP an 80000", ["de"]),
    ("配信停止は「停止」と返信", ["ja"]),
    ("回复TD退订", ["zh"]),
    ("무료수신거부 080-000-0000", ["ko"]),
    ("ＳＴＯＰで配信停止", ["ja"]),
])
def test_opt_out_keywords_in_every_language(sample: str, langs: list[str]) -> None:
    assert vocabulary.mentions(sample, "opt_out", langs)


@pytest.mark.parametrize("sample", [
    "the box is unchecked and none pre-selected",
    "consent is not pre-checked",
    "la case est décochée par défaut",
    "la casilla está desmarcada por defecto",
    "a caixa vem desmarcada por padrão",
])
def test_negations_are_read_as_negations(sample: str) -> None:
    assert not vocabulary.affirmed(sample, "prechecked")


def test_not_required_to_buy_is_not_bundled() -> None:
    assert not vocabulary.affirmed("Texts are not required to buy.", "bundled")
    assert vocabulary.affirmed("Agreeing to texts is required to complete the order.", "bundled")


@pytest.mark.parametrize(("company", "sample"), [
    ("Clínica Bem Viver Ltda", "Clinica Bem Viver: sua consulta é amanhã"),
    ("Great Lakes Federal Credit Union", "GLFCU: card purchase approved"),
    ("Cedar Valley Credit Union", "Cedar Valley CU: your code is {code}"),
    ("Stichting Openbaar Onderwijs Zuid", "SOO Zuid: morgen vervalt het 3e uur"),
    ("한빛마트 (Hanbit Mart)", "(광고) 한빛마트: 주말 특가"),
    ("Kaisoku Eats株式会社", "【Kaisoku Eats】認証コード"),
    ("Petal & Stem Florists", "PETAL AND STEM: tulips are in"),
])
def test_brand_forms(company: str, sample: str) -> None:
    assert brand.names_brand(sample, company)


def test_brand_absent() -> None:
    assert not brand.names_brand("Optic Martin : vos lunettes sont prêtes", "Maison Dupont Optique")


def _category(rule: str) -> content.Category:
    return next(c for c in content.categories() if c.rule == rule)


def test_product_words_need_two_weak_or_one_strong() -> None:
    cannabis = _category("prohibited-content")
    assert content.find("20% off all flower and pre-rolls today", cannabis)
    assert content.find("new vape carts just landed", cannabis)
    assert content.find("fresh flowers for Mother's Day", cannabis) is None
    assert content.find("we never sell vapes or tobacco", cannabis) is None


def test_high_risk_financial_is_not_every_loan() -> None:
    finance = _category("high-risk-financial")
    assert content.find("need $500 before payday? No credit check", finance)
    assert content.find("your mortgage payment is due on {date}", finance) is None


def test_substance_elements() -> None:
    assert substance.is_vague("We send messages to our customers about our services.")
    assert not substance.is_vague(
        "Payment reminders for members, sent when a bill is due, about 3,000 a month."
    )
    assert substance.monthly_volume("about 300,000 messages a month") == 300_000


@pytest.mark.parametrize("opt_in", [
    "Customers provide their mobile number when they schedule a delivery.",
    "Patients give us their mobile number at intake and agree to text reminders.",
    "When placing an order, shoppers can opt in to shipping texts.",
    "Users enable SMS alerts from their account dashboard.",
])
def test_consent_described_in_plain_words(opt_in: str) -> None:
    assert vocabulary.mentions(opt_in, "consent")


def test_a_long_distinctive_word_names_the_brand() -> None:
    assert brand.names_brand("Praxis Dr. Müller: Ihr Termin", "Dr. Anna Müller Zahnarztpraxis")


@pytest.mark.parametrize(("sample", "lang"), [
    ("Kunden schalten Anrufe im Portal ab oder drücken die 9.", "de"),
    ("Appuyez sur 9 pendant l'appel.", "fr"),
    ("Durante la llamada pulse 9.", "es"),
    ("通話中に9を押すと停止します。", "ja"),
])
def test_voice_opt_out_by_keypad_in_every_language(sample: str, lang: str) -> None:
    assert vocabulary.mentions(sample, "opt_out", [lang])


@pytest.mark.parametrize(("text", "bundled"), [
    ("Consent to SMS is included in our terms and conditions accepted at sign-up.", True),
    ("Accepting the terms of service opts customers into text alerts.", True),
    ("Customers who accept our privacy policy are enrolled in SMS updates.", True),
    ("SMS consent is never included in our terms.", False),
    ("Customers tick an unchecked box and agree to the terms and privacy policy linked next "
     "to it.", False),
])
def test_consent_bundled_in_the_terms(text: str, bundled: bool) -> None:
    assert vocabulary.affirmed(text, "bundled") is bundled


def test_the_slim_model_classifies_as_the_library_does() -> None:
    """Only our languages' columns are loaded (memory): the scores are py3langid's own."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    full = LanguageIdentifier.from_model_file(MODEL_FILE)
    full.set_languages(list(language.SUPPORTED))
    slim = language._identifier()
    assert slim is not None
    for sample in ("Reply STOP to opt out of messages from Acme Bank",
                   "Répondez STOP pour ne plus recevoir nos messages",
                   "Antworten Sie mit STOP, um keine Nachrichten mehr zu erhalten",
                   "Responda PARE para não receber mais mensagens"):
        assert slim.classify(sample) == full.classify(sample)
