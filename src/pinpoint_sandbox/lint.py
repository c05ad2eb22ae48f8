"""Content review of validated answers against what AWS reviewers check before lifting the sandbox.

Sources: AWS's SMS/voice sandbox pages, the SMS registration review criteria and the AWS
go-to-production runbook ("vague opt-in descriptions are the top rejection cause"); see
shared/reference peers-and-style B.3 and aws-api-facts §5.

Levels. *error*: reviewers reject this, or the answer contradicts itself; `lint` exits 2.
*warning*: weakens the case or surprises the user later; `lint` still exits 0.
Decisions worth knowing:
- One-time-password templates without an opt-out are a warning, not an error: each OTP is sent
  because the recipient just asked for it, and AWS's own OTP samples carry no "Reply STOP".
- Frequency, "Msg & data rates may apply", HELP and links to terms/privacy in the opt-in text are
  warnings: reviewers ask for them, but their absence alone is not the usual rejection reason.
  The brand, how consent is collected, STOP, and "not pre-checked / not bundled" are errors.

Each rule is a small function `(answers) -> Iterable[Finding]`, listed per channel at the bottom.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, Literal
from urllib.parse import urlparse

from pinpoint_sandbox.errors import UsageError

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    level: Level
    key: str
    message: str
    rule: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


Rule = Callable[[Mapping[str, Any]], Iterable[Finding]]

# Minimum useful length of free-text answers; shorter ones read as vague to a reviewer.
MIN_LENGTHS: dict[str, dict[str, int]] = {
    "sms": {"opt_in_process": 40, "use_case_description": 40},
    "voice": {
        "service_description": 40,
        "number_sourcing": 30,
        "dedicated_numbers_reason": 15,
        "consent_process": 40,
        "opt_out_process": 30,
    },
}

PLACEHOLDER = re.compile(
    r"^\W*(n/?a|tbd|tba|todo|none|null|nil|test(ing)?|xxx+|\?+|-+|\.+|same as above|see above"
    r"|users? opt[- ]?in|customers? opt[- ]?in|they opt[- ]?in|opt[- ]?in)\W*$",
    re.IGNORECASE,
)
LOREM = re.compile(r"lorem ipsum|dolor sit amet", re.IGNORECASE)

CONSENT_METHODS = re.compile(
    r"web ?form|online form|sign[- ]?up|check ?box|tick|opt[- ]?in (page|form|flow)|keyword"
    r"|text(s|ing)? (the word|\w+ to)|reply(ing)? yes|verbal(ly)?|by phone|phone call|ivr"
    r"|paper|written|in[- ]store|point of sale|register|registration|account settings"
    r"|preferences|profile|enrol|subscribe|booking|checkout|check-out|toggle|consent screen"
    r"|double opt[- ]?in|confirm",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(not|never|no|without|isn't|aren't|unchecked|un-checked)\b", re.IGNORECASE
)
PRECHECKED = re.compile(
    r"pre-?checked|pre-?selected|pre-?ticked|automatically (opted|enrolled|subscribed)"
    r"|opted in by default|(?<![\w-])(checked|selected|ticked) by default",
    re.IGNORECASE,
)
BUNDLED = re.compile(
    r"bundled|by (accepting|agreeing to) (our|the) (terms|t&c|conditions)"
    r"|part of (our|the) (terms|t&c)|condition of (purchase|service|using|sign[- ]?up)",
    re.IGNORECASE,
)
FREQUENCY = re.compile(
    r"frequen|per (day|week|month|year|order|login|request|transaction)|daily|weekly|monthly"
    r"|up to \d+|\d+ ?(msgs?|messages?)|recurring|one message|each time|when(ever)? (you|they)",
    re.IGNORECASE,
)
RATES = re.compile(r"(msg|message)s? (&|and) data rates (may )?apply", re.IGNORECASE)
STOP = re.compile(r"\bSTOP\b")
HELP = re.compile(r"\bHELP\b")
TERMS = re.compile(r"\bterms\b|t&c|conditions", re.IGNORECASE)
PRIVACY = re.compile(r"privacy", re.IGNORECASE)
TEMPLATE_OPT_OUT = re.compile(r"\bSTOP\b|opt[- ]?out|unsubscribe", re.IGNORECASE)
PROMOTIONAL = re.compile(
    r"\bsales?\b|\d+ ?% ?off\b|\bdiscounts?\b|\boffers?\b|\bpromo(tion|tional|s)?\b|\bcoupons?\b"
    r"|\bdeals?\b|\blimited[- ]time\b|\bbuy now\b|\bfree shipping\b|\bsave \$?\d+|\bvoucher",
    re.IGNORECASE,
)
VOICE_OPT_OUT_METHODS = re.compile(
    r"press(ing)? (\d|a key|the)|keypad|dtmf|say(ing)?|spoken|reply|\bSTOP\b|call (us|our)"
    r"|email|e-mail|website|web ?site|portal|account settings|preferences|profile|toggle"
    r"|do[- ]not[- ]call|dnc|support|customer service|unsubscribe",
    re.IGNORECASE,
)
VOICE_OPT_OUT_TIMING = re.compile(
    r"immediate|instant|real[- ]time|automatic|within|\d+ ?(hours?|hrs?|days?|minutes?|business)"
    r"|same day|next (call|day)|before the next",
    re.IGNORECASE,
)

# Free website builders and hosts: reviewers read them as a business without its own domain.
FREE_HOSTS = (
    "wixsite.com", "weebly.com", "blogspot.com", "wordpress.com", "github.io", "gitlab.io",
    "netlify.app", "vercel.app", "herokuapp.com", "firebaseapp.com", "web.app", "pages.dev",
    "sites.google.com", "carrd.co", "godaddysites.com", "webflow.io", "glitch.me", "replit.app",
    "000webhostapp.com", "square.site", "squarespace.com", "jimdosite.com", "site123.me",
    "bit.ly", "tinyurl.com", "linktr.ee",
)
FREE_EMAIL_DOMAINS = (
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.co.jp", "ymail.com",
    "outlook.com", "hotmail.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
    "proton.me", "protonmail.com", "gmx.com", "mail.com", "yandex.com",
)
# RFC 2606 / RFC 6761 names that can never be a real business: the `init` skeleton uses them.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
HIGH_SPEND_USD = 10_000
LONG_CALL_SECONDS = 300  # production voice messages are at most 5 minutes
PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}


def lint_answers(channel: str, answers: Mapping[str, Any]) -> list[Finding]:
    """All findings for one answers set, errors first, in rule order within a level."""
    rules = RULES.get(channel)
    if rules is None:
        raise UsageError(f"Unknown channel {channel!r}: use 'sms' or 'voice'.")
    findings = [finding for rule in rules for finding in rule(answers)]
    return sorted(findings, key=lambda f: f.level != "error")


def count_levels(findings: Iterable[Finding]) -> tuple[int, int]:
    """(errors, warnings)."""
    levels = [f.level for f in findings]
    return levels.count("error"), levels.count("warning")


# ---- helpers -------------------------------------------------------------------------------


def _text(answers: Mapping[str, Any], key: str) -> str:
    value = answers.get(key)
    return "" if value is None else str(value).strip()


def _is_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER.match(text) or LOREM.search(text))


def _reviewable(answers: Mapping[str, Any], key: str) -> str | None:
    """The answer's text, or None when it is a placeholder (`vague-answer` already says so)."""
    text = _text(answers, key)
    return None if _is_placeholder(text) else text


def _mentions(text: str, pattern: re.Pattern[str]) -> bool:
    return pattern.search(text) is not None


def _affirmed(text: str, pattern: re.Pattern[str]) -> bool:
    """True when `pattern` occurs without a negation just before it ("is not pre-checked")."""
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        if not NEGATION.search(before):
            return True
    return False


def _contains_brand(text: str, brand: str) -> bool:
    return bool(brand) and brand.casefold() in text.casefold()


# ---- rules shared by both channels ----------------------------------------------------------


def vague_answers(channel: str) -> Rule:
    def rule(answers: Mapping[str, Any]) -> Iterable[Finding]:
        for key, minimum in MIN_LENGTHS[channel].items():
            text = _text(answers, key)
            if _is_placeholder(text):
                yield Finding(
                    "error", key, f"{text!r} is a placeholder: describe the real process "
                    "in full sentences, reviewers reject vague answers.", "vague-answer"
                )
            elif len(text) < minimum:
                yield Finding(
                    "error", key, f"only {len(text)} characters: say who, how and when in at "
                    f"least {minimum} characters; vague answers are the top rejection cause.",
                    "too-short",
                )

    return rule


def website(answers: Mapping[str, Any]) -> Iterable[Finding]:
    url = _text(answers, "website_url")
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if not host:
        yield Finding(
            "error", "website_url", f"{url!r} is not a URL: give the https:// address of the "
            "site or app that sends.", "website-url"
        )
        return
    if parsed.scheme != "https":
        yield Finding(
            "warning", "website_url", "not HTTPS: reviewers expect an https:// site; "
            "give the https address.", "website-https"
        )
    if any(host == free or host.endswith("." + free) for free in FREE_HOSTS):
        yield Finding(
            "warning", "website_url", f"{host} is a free host or link shortener: give the "
            "business's own domain, which reviewers can match to the company.", "website-free-host"
        )


def reserved_domain(host: str) -> bool:
    """True for RFC 2606 example domains (and their subdomains), *.test, *.invalid, localhost."""
    host = host.lower().rstrip(".")
    if any(host == d or host.endswith("." + d) for d in RESERVED_DOMAINS):
        return True
    return host.rpartition(".")[2] in RESERVED_TLDS


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def skeleton_examples(channel: str) -> dict[str, frozenset[str]]:
    """key → the `init` skeleton's example texts (normalised) for the free-text answers."""
    from pinpoint_sandbox.questions import load_questions

    examples: dict[str, frozenset[str]] = {}
    for question in load_questions(channel):
        values = question.example if isinstance(question.example, list) else [question.example]
        texts = [v for v in values if isinstance(v, str)]
        # Free text only: regions, countries and choices in the skeleton are real answers.
        free_text = question.type in ("text", "long_text") or (
            question.type == "list" and question.separator is None
        )
        if free_text and texts and question.key != "website_url":
            examples[question.key] = frozenset(_normalised(t) for t in texts)
    return examples


def placeholder_values(channel: str) -> Rule:
    """The untouched `init` skeleton validates (so it loads), but must never be filed."""

    def rule(answers: Mapping[str, Any]) -> Iterable[Finding]:
        host = (urlparse(_text(answers, "website_url")).hostname or "").lower()
        if host and reserved_domain(host):
            yield Finding(
                "error", "website_url", f"{host} is a reserved example domain, not a real site: "
                "give your own website, reviewers open it.", "placeholder-value"
            )
        for key, examples in skeleton_examples(channel).items():
            value = answers.get(key)
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                if isinstance(item, str) and _normalised(item) in examples:
                    where = f"{key}[{index}]" if isinstance(value, list) else key
                    yield Finding(
                        "error", where, "is still the example from `pinpoint-sandbox init`: "
                        "replace it with your own answer.", "placeholder-value"
                    )
        for index, email in enumerate(answers.get("contact_emails") or []):
            domain = str(email).rpartition("@")[2]
            if reserved_domain(domain):
                yield Finding(
                    "error", f"contact_emails[{index}]", f"{email} is on a reserved example "
                    "domain and cannot receive mail: give a real address.", "placeholder-value"
                )

    return rule


def contact_emails(answers: Mapping[str, Any]) -> Iterable[Finding]:
    for index, email in enumerate(answers.get("contact_emails") or []):
        domain = str(email).rpartition("@")[2].lower()
        if domain in FREE_EMAIL_DOMAINS:
            yield Finding(
                "warning", f"contact_emails[{index}]", f"{email} is on a public mail domain: "
                "use an address on the company's own domain.", "free-email"
            )


# ---- SMS -------------------------------------------------------------------------------------


def opt_in_brand(answers: Mapping[str, Any]) -> Iterable[Finding]:
    brand = _text(answers, "company_name")
    text = _reviewable(answers, "opt_in_process")
    if text is not None and not _contains_brand(text, brand):
        yield Finding(
            "error", "opt_in_process", f"does not name the brand {brand!r}: say that recipients "
            f"agree to receive messages from {brand or 'your company'}.", "opt-in-brand"
        )


def opt_in_method(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_in_process")
    if text is not None and not _mentions(text, CONSENT_METHODS):
        yield Finding(
            "error", "opt_in_process", "does not say how consent is collected: name the web "
            "form, checkbox, keyword, or verbal script, and where it appears.", "opt-in-method"
        )


def opt_in_not_prechecked(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _text(answers, "opt_in_process")
    if _affirmed(text, PRECHECKED):
        yield Finding(
            "error", "opt_in_process", "consent is pre-checked or automatic: the checkbox must "
            "be unchecked by default and ticked by the recipient.", "opt-in-prechecked"
        )
    if _affirmed(text, BUNDLED):
        yield Finding(
            "error", "opt_in_process", "consent is bundled with the terms or with using the "
            "service: SMS consent must be a separate, optional step.", "opt-in-bundled"
        )


def opt_in_stop(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_in_process")
    if text is not None and not _mentions(text, STOP):
        yield Finding(
            "error", "opt_in_process", "does not tell recipients how to opt out: add "
            "\"Reply STOP to unsubscribe\" to the consent text.", "opt-in-stop"
        )


def opt_in_disclosures(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_in_process")
    if text is None:
        return
    if not _mentions(text, FREQUENCY):
        yield Finding(
            "warning", "opt_in_process", "does not state message frequency: add e.g. "
            "\"Msg frequency varies\" or \"up to 4 msgs/month\".", "opt-in-frequency"
        )
    if not _mentions(text, RATES):
        yield Finding(
            "warning", "opt_in_process", "does not say \"Msg & data rates may apply\": add it "
            "to the consent text.", "opt-in-rates"
        )
    if not _mentions(text, HELP):
        yield Finding(
            "warning", "opt_in_process", "does not mention HELP: add \"Reply HELP for help\".",
            "opt-in-help",
        )
    if not (_mentions(text, TERMS) and _mentions(text, PRIVACY)):
        yield Finding(
            "warning", "opt_in_process", "does not link the terms and privacy policy: add both "
            "https links shown next to the consent.", "opt-in-terms-privacy"
        )
    if _mentions(text, re.compile(r"check ?box|tick", re.IGNORECASE)) and not _mentions(
        text, re.compile(r"unchecked|un-checked|not (pre-?)?(checked|ticked|selected)", re.I)
    ):
        yield Finding(
            "warning", "opt_in_process", "mentions a checkbox but not that it is unchecked by "
            "default: say so, reviewers look for it.", "opt-in-unchecked"
        )


def template_count(answers: Mapping[str, Any]) -> Iterable[Finding]:
    count = len(answers.get("message_templates") or [])
    if count == 0:
        yield Finding(
            "error", "message_templates", "no sample message: give at least two real messages "
            "as recipients will see them.", "templates-count"
        )
    elif count == 1:
        yield Finding(
            "warning", "message_templates", "only one sample message: reviewers expect at least "
            "two, one per kind of message you send.", "templates-count"
        )


def template_content(answers: Mapping[str, Any]) -> Iterable[Finding]:
    brand = _text(answers, "company_name")
    is_otp = answers.get("message_type") == "one_time_password"
    for index, template in enumerate(answers.get("message_templates") or []):
        key = f"message_templates[{index}]"
        text = str(template)
        if not _contains_brand(text, brand):
            yield Finding(
                "error", key, f"does not name the brand {brand!r}: start it with "
                f"\"{brand or 'YourBrand'}: \".", "template-brand"
            )
        if not _mentions(text, TEMPLATE_OPT_OUT):
            if is_otp:
                yield Finding(
                    "warning", key, "no opt-out: fine for a one-time password, but adding "
                    "\"Reply STOP to opt out\" avoids questions.", "template-opt-out"
                )
            else:
                yield Finding(
                    "error", key, "no opt-out: end it with \"Reply STOP to opt out\".",
                    "template-opt-out",
                )


def message_type_matches_templates(answers: Mapping[str, Any]) -> Iterable[Finding]:
    message_type = answers.get("message_type")
    if message_type not in ("transactional", "one_time_password"):
        return
    for index, template in enumerate(answers.get("message_templates") or []):
        match = PROMOTIONAL.search(str(template))
        if match:
            yield Finding(
                "error", f"message_templates[{index}]", f"promotional wording ({match.group(0)!r}) "
                f"in a {message_type} message: set message_type to promotional or remove the "
                "marketing text.", "type-promotional-content"
            )


def high_spend(answers: Mapping[str, Any]) -> Iterable[Finding]:
    spend = answers.get("spend_limit_usd")
    if isinstance(spend, int | float) and spend > HIGH_SPEND_USD:
        yield Finding(
            "warning", "spend_limit_usd", f"{spend} USD is over {HIGH_SPEND_USD:,}: AWS will ask "
            "for per-country volume, peak messages per second, message size and templates; "
            "put them in use_case_description.", "high-spend"
        )


def us_destination(answers: Mapping[str, Any]) -> Iterable[Finding]:
    countries = [str(c).upper() for c in answers.get("destination_countries") or []]
    if "US" in countries:
        yield Finding(
            "warning", "destination_countries", "leaving the sandbox gives no US origination "
            "identity: register a toll-free number or 10DLC campaign (weeks) before sending to "
            "the US.", "us-origination"
        )


# ---- voice -----------------------------------------------------------------------------------


def voice_consent_method(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "consent_process")
    if text is not None and not _mentions(text, CONSENT_METHODS):
        yield Finding(
            "error", "consent_process", "does not say how consent is collected: name the form, "
            "checkbox or recorded verbal consent, and where it happens.", "voice-consent-method"
        )


def voice_opt_out(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_out_process")
    if text is None:
        return
    if not _mentions(text, VOICE_OPT_OUT_METHODS):
        yield Finding(
            "error", "opt_out_process", "does not say how recipients opt out: e.g. \"press 9 "
            "during the call\" or a link in account settings.", "voice-opt-out-method"
        )
    if not _mentions(text, VOICE_OPT_OUT_TIMING):
        yield Finding(
            "warning", "opt_out_process", "does not say how and when the opt-out is processed: "
            "e.g. \"removed from the call list within 24 hours\".", "voice-opt-out-timing"
        )


def voice_volume_consistency(answers: Mapping[str, Any]) -> Iterable[Finding]:
    per_day = answers.get("max_messages_per_day")
    numbers = answers.get("dedicated_numbers")
    calls = answers.get("calls_per_number") or {}
    days = PERIOD_DAYS.get(str(calls.get("period")))
    count = calls.get("count")
    if not (
        days and isinstance(per_day, int) and isinstance(numbers, int) and isinstance(count, int)
    ):
        return  # period "other" (or missing numbers): nothing to compare
    per_number_daily = count / days
    if numbers >= 1 and per_number_daily * numbers < per_day:
        yield Finding(
            "warning", "calls_per_number", f"{numbers} number(s) × {count} per {calls['period']} "
            f"is about {per_number_daily * numbers:,.0f} calls a day, fewer than "
            f"max_messages_per_day ({per_day:,}): make the figures agree.", "voice-volume"
        )
    elif per_number_daily > per_day:
        yield Finding(
            "warning", "calls_per_number", f"one number alone makes about "
            f"{per_number_daily:,.0f} calls a day, more than max_messages_per_day "
            f"({per_day:,}): make the figures agree.", "voice-volume"
        )


def voice_call_duration(answers: Mapping[str, Any]) -> Iterable[Finding]:
    seconds = answers.get("average_call_duration_seconds")
    if isinstance(seconds, int | float) and seconds > LONG_CALL_SECONDS:
        yield Finding(
            "warning", "average_call_duration_seconds", f"{seconds} s is over the "
            f"{LONG_CALL_SECONDS // 60}-minute production maximum per voice message: shorten "
            "the message or split it.", "voice-call-duration"
        )


def voice_brand(answers: Mapping[str, Any]) -> Iterable[Finding]:
    brand = _text(answers, "company_name")
    text = _reviewable(answers, "consent_process")
    if text is not None and not _contains_brand(text, brand):
        yield Finding(
            "warning", "consent_process", f"does not name {brand!r}: say who recipients agree to "
            "be called by.", "voice-consent-brand"
        )


SMS_RULES: tuple[Rule, ...] = (
    placeholder_values("sms"),
    vague_answers("sms"),
    website,
    opt_in_brand,
    opt_in_method,
    opt_in_not_prechecked,
    opt_in_stop,
    opt_in_disclosures,
    template_count,
    template_content,
    message_type_matches_templates,
    high_spend,
    us_destination,
    contact_emails,
)

VOICE_RULES: tuple[Rule, ...] = (
    placeholder_values("voice"),
    vague_answers("voice"),
    website,
    voice_consent_method,
    voice_brand,
    voice_opt_out,
    voice_volume_consistency,
    voice_call_duration,
    contact_emails,
)

RULES: dict[str, tuple[Rule, ...]] = {"sms": SMS_RULES, "voice": VOICE_RULES}
