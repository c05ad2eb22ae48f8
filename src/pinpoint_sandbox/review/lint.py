"""Content review of answers against what AWS reviewers check before lifting the sandbox.

Sources: AWS's SMS/voice sandbox pages, the SMS registration review criteria and the AWS
go-to-production runbook ("vague opt-in descriptions are the top rejection cause"); see
shared/reference peers-and-style B.3 and aws-api-facts §5.

Severity. *error*: a documented rejection cause (no brand, no opt-out, vague or bundled consent,
promotional text sent as OTP/transactional, no real website); `lint` exits 2. *warning*: weakens
the case; exit 0. *note*: good practice that does not apply to every case (e.g. US wording for a
non-US destination). Every finding has a rule id, a severity and a fix; a rule can be waived
with `--ignore RULE` or `review: {ignore: [RULE]}` in the answers file.

The rules know the message type and the destinations: "Msg & data rates may apply", HELP and
the terms/privacy links are US/CA carrier (CTIA) wording, so outside US/CA their absence is at
most a note; a one-time password is sent because the recipient just asked for it, so its
templates need no opt-out. Consent and opt-out are recognised by the many ways companies
describe them (web forms, app and settings screens, checkboxes, keypad and IVR, in-store and
paper forms, keywords, replying STOP), grouped in `CONSENT_WAYS` / `OPT_OUT_WAYS`.

Each rule is a small function `(answers) -> Iterable[Finding]`, listed per channel at the bottom.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import Literal, TypeAlias
from urllib.parse import urlparse

from pinpoint_sandbox.core.errors import UsageError
from pinpoint_sandbox.review import content, substance
from pinpoint_sandbox.review.brand import names_brand
from pinpoint_sandbox.review.language import languages_for
from pinpoint_sandbox.review.text import fold
from pinpoint_sandbox.review.vocabulary import affirmed, mentions, opt_out_example
from pinpoint_sandbox.review.vocabulary import pattern as vocab_pattern

Level = Literal["error", "warning", "note"]
LEVEL_ORDER = {"error": 0, "warning": 1, "note": 2}


@dataclass(frozen=True)
class Finding:
    level: Level
    key: str
    message: str
    rule: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


# Answers as the review reads them: any shape (a model's dump, a file's raw mapping); each rule
# narrows the values it uses.
AnswerData: TypeAlias = Mapping[str, object]
Rule = Callable[[AnswerData], Iterable[Finding]]

# Every rule id, with what it checks: `--ignore` is validated against this table.
RULE_IDS: dict[str, str] = {
    "placeholder-value": "an example value from `init` or a reserved example domain",
    "vague-answer": "a placeholder such as n/a, TBD or lorem ipsum",
    "too-short": "a free-text answer too short to say who, how and when",
    "use-case-vague": "the use case lacks who, what, why, how often or how many",
    "prohibited-content": "sex, hate, alcohol, firearms, tobacco or cannabis (SHAFT-C)",
    "high-risk-financial": "payday loans, debt relief, credit repair or crypto",
    "gambling": "gambling, betting or casinos",
    "lead-generation": "third-party lead generation or affiliate marketing",
    "link-shortener": "a public link shortener in a message or answer",
    "website-missing": "no website given",
    "website-url": "the website is not a URL",
    "website-https": "the website is not https",
    "website-free-host": "the website is on a free host",
    "website-shortener": "the website is a link shortener or link-in-bio page",
    "opt-in-brand": "the opt-in does not name the brand",
    "opt-in-method": "the opt-in does not say how consent is collected",
    "opt-in-prechecked": "consent is pre-checked or automatic",
    "opt-in-bundled": "consent is bundled with terms or a purchase",
    "opt-in-stop": "recipients are never told how to opt out",
    "opt-in-frequency": "the opt-in text gives no message frequency",
    "opt-in-rates": "no \"Msg & data rates may apply\" (US/CA)",
    "opt-in-help": "no HELP keyword (US/CA)",
    "opt-in-terms-privacy": "no terms and privacy links (US/CA)",
    "opt-in-unchecked": "a checkbox is mentioned, but not that it starts unchecked",
    "purchased-list": "numbers come from a bought, rented or shared list",
    "templates-count": "fewer than two sample messages",
    "template-brand": "a sample message does not name the brand",
    "template-opt-out": "a sample message has no opt-out",
    "template-variables": "no sample shows its variable parts",
    "type-promotional-content": "marketing text in an OTP or transactional message",
    "high-spend": "a spend threshold that AWS reviews by hand",
    "spend-volume": "the spend asked does not match the stated monthly volume",
    "us-origination": "US destinations need a registered origination identity",
    "free-email": "a contact on a public mail domain",
    "voice-consent-method": "the voice consent does not say how it is collected",
    "voice-consent-brand": "the voice consent does not name the brand",
    "voice-opt-out-method": "no way to opt out of voice messages",
    "voice-opt-out-timing": "no word on when voice opt-outs take effect",
    "voice-volume": "calls per number and daily volume disagree",
    "voice-call-duration": "calls longer than the 5-minute maximum",
    "voice-period-other": "calls per number per \"other\" without saying what it is",
}

# Minimum useful length of free-text answers; shorter ones read as vague to a reviewer.
# The use case and the voice service description are judged by substance (review.substance).
MIN_LENGTHS: dict[str, dict[str, int]] = {
    "sms": {"opt_in_process": 40},
    "voice": {
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


def _ways(*groups: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{g})" for g in groups), re.IGNORECASE)


# Opt-out ways beyond the keywords of `review/vocab/*.yaml` (voice and account processes).
OPT_OUT_WAYS = _ways(
    r"\bSTOP\b|opt[- ]?out|unsubscrib|\bstop(ping)? (messages|texts|calls|alerts|reminders)",
    r"press(es|ing)? (\d|a key|the|any)|keypad|dtmf|\bsay(s|ing)?\b|spoken|\bivr\b",
    r"switch(es|ing)? (back|off|it off|them off|to)|turn(s|ing)? (it |them )?off|disabl"
    r"|toggl|untick(?!ed)|uncheck(?!ed)|deselect|remov(e|es|ing) (it|them|their|the|your|this)\b"
    r"|withdraw|revok|to cancel\b|cancel (messages|texts|alerts|calls|any ?time|at any)"
    r"|change(s)? (their|the|your)? ?(channel|preference|setting)"
    r"|choose (sms|email|e-mail|text|another|a different)",
    r"settings|preferences|profile|account page|\bportal\b",
    r"call(ing)? (us|our|the)|contact(ing)? (us|our|support|customer)|support|customer service"
    r"|help ?desk|e-?mail(ing)? (us|our)|in[- ]store|in person|at the (counter|desk|branch)"
    r"|do[- ]not[- ]call|\bdnc\b|suppression|tell(s|ing)? (the|our|us)|ask(s|ing)? (the|our|us)",
)
# Numbers nobody gave to this sender: bought, rented, licensed, or collected by someone else.
_GOT = (r"(bought|buy|buying|purchas\w*|rent(ed|ing|s)?|licen[cs]\w*|leas(ed|ing)|acquir\w*"
        r"|sourced|obtained|supplied|provided|compiled|collected|gathered|scraped?|harvested|come"
        r"|comes|came)")
_SOURCE = (r"(from|by|through|via) (an? |the |our |third[- ]party |external |several |various )?"
           r"(\w+[- ]){0,2}(data|list|lead|marketing|event|affiliate|third|partner|broker|vendor"
           r"|provider|suppliers?|compan|directory|directories|aggregator|agenc|sponsor|co-?reg)")
_NUMBERS = r"(numbers?|lists?|contacts?|data(base)?s?|leads?|records|phone numbers?)"
# Between the numbers and the verb, no form or page ("the booking form provided by a partner").
_GAP = r"(?:(?!form|page|portal|screen|\bapp\b|site)[^.;])"
PURCHASED = re.compile(
    # "numbers … licensed from a consumer-data provider", "we rent a list … from an agency"
    rf"\b{_NUMBERS}\b{_GAP}{{0,40}}\b{_GOT}\b[^.;]{{0,30}}\b{_SOURCE}"
    rf"|\b{_GOT}\b[^.;]{{0,40}}\b{_NUMBERS}\b[^.;]{{0,40}}\b{_SOURCE}"
    r"|(bought|buy|purchased?|rent(ed)?|licen[cs]ed|third[- ]part(y|ies)|scraped?|lead|leads)"
    r" (lists?|data|numbers|databases?|contacts)"
    r"|(lists?|numbers|contacts) (we|are|were) (bought|purchased|rented|licen[cs]ed|scraped)"
    r"|data ?brokers?|list ?brokers?|consumer[- ]data (provider|compan)|lead (vendors?|providers?"
    r"|lists?)|partner[- ]collected|co-?registration|public (directories|directory|records)"
    r"|phone ?books?|white pages|random(ly)? (generated|dialled|dialed)"
    r"|compr(ad[ao]s?|amos)|adquirid[ao]s|gekauft|achet(e|es|ees)|acquistat[ie]|gekocht|購入|购买|구매한",
    re.IGNORECASE,
)
RATES = re.compile(r"(msg|message)s? (&|and) data rates")
TERMS = re.compile(
    r"\bterms\b|t&c|conditions|\bcgu\b|\bcgv\b|terminos|termos|\bagb\b|voorwaarden|規約|条款|약관"
)
PRIVACY = re.compile(
    r"privacy|confidentialite|privacidad|privacidade|datenschutz|プライバシー|隐私|개인정보"
)
MIN_USD_PER_SMS, MAX_USD_PER_SMS = 0.001, 1.0  # far outside any country's SMS price
VOICE_OPT_OUT_TIMING = re.compile(
    r"immediate|instant|real[- ]time|automatic|within|\d+ ?(hours?|hrs?|days?|minutes?|business)"
    r"|same day|next (call|day|sign[- ]?in|log[- ]?in|message|time)|before the next|at once"
    r"|right away|no further|never called again"
    r"|from then on|straight away",
    re.IGNORECASE,
)
# US/CA carrier (CTIA) wording rules apply only to these destinations.
NORTH_AMERICA = frozenset({"US", "CA"})
# Variable parts of a template: {code}, {{name}}, [date], <order>, %s, $amount, ####, XXXXXX.
VARIABLE = re.compile(
    r"\{[^{}]+\}|\[[^\]]+\]|<[^<>]+>|%\w|\$\{?[A-Za-z_]|#{3,}|\bX{4,}\b|\b\d{4,8}\b"
)
URL_HOST = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?=[/\s?#.,;:)]|$)", re.I)

# Free website builders and hosts: reviewers read them as a business without its own domain.
FREE_HOSTS = (
    "wixsite.com", "weebly.com", "blogspot.com", "wordpress.com", "github.io", "gitlab.io",
    "netlify.app", "vercel.app", "herokuapp.com", "firebaseapp.com", "web.app", "pages.dev",
    "sites.google.com", "carrd.co", "godaddysites.com", "webflow.io", "glitch.me", "replit.app",
    "000webhostapp.com", "square.site", "squarespace.com", "jimdosite.com", "site123.me",
)
# Not a website at all: a redirect or a page of links, which reviewers cannot judge.
SHORTENERS = (
    "bit.ly", "bitly.com", "tinyurl.com", "linktr.ee", "t.co", "goo.gl", "ow.ly", "is.gd",
    "v.gd", "rebrand.ly", "cutt.ly", "lnk.bio", "buff.ly", "shorturl.at", "rb.gy", "t.ly",
    "tiny.cc", "s.id", "bl.ink", "short.io", "shorte.st", "adf.ly", "qrco.de", "lnkd.in",
    "tr.ee", "bit.do", "soo.gd", "clck.ru", "u.to", "x.co", "snip.ly", "t2m.io", "urlz.fr",
)
# Placeholder hosts people leave in ("yourdomain.com"), besides the reserved example names.
PLACEHOLDER_HOSTS = re.compile(
    r"^(www\.)?(your|my|our)[-]?(domain|website|site|company|business|brand|url|app)\.|"
    r"^(www\.)?(domain|website|company|site|url|test|sample|placeholder|changeme)\.(com|net|org)$",
    re.IGNORECASE,
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
# Voice capacity against the stated daily maximum: this many times over is not a plan.
VOICE_OVER_FACTOR = 5
SECONDS_PER_DAY = 86_400  # production voice: 1 call per second per origination number


def lint_answers(
    channel: str, answers: AnswerData, ignore: Iterable[str] = ()
) -> list[Finding]:
    """All findings for one answers set, by severity then rule order; `ignore` waives rules."""
    rules = RULES.get(channel)
    if rules is None:
        raise UsageError(f"Unknown channel {channel!r}: use 'sms' or 'voice'.")
    waived = set(ignore)
    findings = [f for rule in rules for f in rule(answers) if f.rule not in waived]
    return sorted(findings, key=lambda f: LEVEL_ORDER[f.level])


def count_levels(findings: Iterable[Finding]) -> tuple[int, int]:
    """(errors, warnings); notes are not counted."""
    levels = [f.level for f in findings]
    return levels.count("error"), levels.count("warning")


def waived_rules(answers: AnswerData) -> list[str]:
    """The rules an answers set waives (`review: {ignore: [...]}`)."""
    review = answers.get("review")
    if isinstance(review, Mapping):
        return [str(r) for r in review.get("ignore") or []]
    return [str(r) for r in getattr(review, "ignore", None) or []]


def check_rule_ids(ids: Iterable[str], source: str = "--ignore") -> list[str]:
    """The ids, each known; an unknown one is a UsageError with a did-you-mean."""
    checked = []
    for rule in ids:
        rule = rule.strip()
        if rule not in RULE_IDS:
            close = difflib.get_close_matches(rule, list(RULE_IDS), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else "the README lists the rule ids."
            raise UsageError(f"{source}: unknown review rule {rule!r} — {hint}")
        checked.append(rule)
    return list(dict.fromkeys(checked))


# ---- helpers -------------------------------------------------------------------------------


def _finding(level: Level, key: str, message: str, rule: str, fix: str) -> Finding:
    return Finding(level, key, message, rule, fix)


def _text(answers: AnswerData, key: str) -> str:
    value = answers.get(key)
    return "" if value is None else str(value).strip()


def _items(answers: AnswerData, key: str) -> list[object]:
    """A list answer's items (none when it is missing or empty)."""
    value = answers.get(key) or []
    return list(value) if isinstance(value, Iterable) else [value]


def _mapping(answers: AnswerData, key: str) -> Mapping[str, object]:
    """A nested answer such as calls_per_number (empty when it is missing)."""
    value = answers.get(key)
    return value if isinstance(value, Mapping) else {}


def _is_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER.match(text) or LOREM.search(text))


def _reviewable(answers: AnswerData, key: str) -> str | None:
    """The answer's text, or None when it is empty or a placeholder (other rules say so)."""
    text = _text(answers, key)
    return None if not text or _is_placeholder(text) else text


def _mentions(text: str, pattern: re.Pattern[str]) -> bool:
    return pattern.search(fold(text)) is not None


def _affirmed(text: str, pattern: re.Pattern[str]) -> bool:
    """True when `pattern` occurs without a negation just before it ("is not pre-checked")."""
    folded = fold(text)
    negation = vocab_pattern("negation")
    for match in pattern.finditer(folded):
        if not negation.search(folded[max(0, match.start() - 30) : match.start()]):
            return True
    return False


def _names_brand(text: str, answers: AnswerData) -> bool:
    return names_brand(text, _text(answers, "company_name"), _text(answers, "website_url"))


def _destinations(answers: AnswerData) -> set[str]:
    return {str(c).upper() for c in _items(answers, "destination_countries")}


def _north_america(answers: AnswerData) -> bool:
    return bool(_destinations(answers) & NORTH_AMERICA)


def _templates(answers: AnswerData) -> list[str]:
    return [str(t) for t in _items(answers, "message_templates")]


def _langs(text: str, answers: AnswerData) -> list[str]:
    """The languages whose vocabulary judges `text`: its own, the destinations', English."""
    return languages_for(text, sorted(_destinations(answers)))


def _has_opt_out(text: str, answers: AnswerData) -> bool:
    return mentions(text, "opt_out", _langs(text, answers))


def _opt_out_process(text: str, answers: AnswerData) -> bool:
    """A described opt-out: keywords in the text's languages, or a way (press 9, settings)."""
    return _has_opt_out(text, answers) or _mentions(text, OPT_OUT_WAYS)


def _free_text_fields(channel: str) -> tuple[str, ...]:
    if channel == "sms":
        return ("company_name", "use_case_description", "opt_in_process")
    return ("company_name", "service_description", "number_sourcing", "consent_process")


# ---- rules shared by both channels ----------------------------------------------------------


def vague_answers(channel: str) -> Rule:
    def rule(answers: AnswerData) -> Iterable[Finding]:
        for key, minimum in MIN_LENGTHS[channel].items():
            text = _text(answers, key)
            if _is_placeholder(text):
                yield _finding(
                    "error", key, f"{text!r} is a placeholder; reviewers reject vague answers.",
                    "vague-answer", "describe the real process in full sentences.",
                )
            elif len(text) < minimum:
                yield _finding(
                    "error", key, f"only {len(text)} characters; vague answers are the top "
                    "rejection cause.", "too-short",
                    f"say who, how and when in at least {minimum} characters.",
                )

    return rule


def use_case_substance(channel: str) -> Rule:
    """Judged by what the description says (who, what, why, how often, how many), not length."""

    key = "use_case_description" if channel == "sms" else "service_description"

    def rule(answers: AnswerData) -> Iterable[Finding]:
        text = _text(answers, key)
        if _is_placeholder(text):
            yield _finding(
                "error", key, f"{text!r} is a placeholder; reviewers reject vague answers.",
                "vague-answer", "describe the real use case in full sentences.",
            )
        elif substance.is_vague(text, channel):
            lacking = substance.missing(text, channel)
            yield _finding(
                "error", key, f"too vague: it does not say {', '.join(lacking)}.",
                "use-case-vague", "say who receives the messages, what they are, what "
                "triggers them, how often and how many a month.",
            )

    return rule


def website(answers: AnswerData) -> Iterable[Finding]:
    url = _text(answers, "website_url")
    if not url:
        yield _finding(
            "error", "website_url", "no website: reviewers open it to check the brand and the "
            "opt-in.", "website-missing", "give the https:// address of the site or app.",
        )
        return
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if not host:
        yield _finding(
            "error", "website_url", f"{url!r} is not a URL.", "website-url",
            "give the https:// address of the site or app that sends.",
        )
        return
    if parsed.scheme != "https":
        yield _finding(
            "error", "website_url", "not HTTPS: reviewers reject a site without https.",
            "website-https", "give the https address.",
        )
    if _shortener(host):
        yield _finding(
            "error", "website_url", f"{host} is a link shortener or link page, not a website.",
            "website-shortener", "give the business's own website, which reviewers can open.",
        )
    elif any(host == free or host.endswith("." + free) for free in FREE_HOSTS):
        yield _finding(
            "warning", "website_url", f"{host} is a free host: reviewers may not match it to "
            "the company.", "website-free-host", "give the business's own domain.",
        )


def _shortener(host: str) -> bool:
    host = host.lower().removeprefix("www.")
    return any(host == s or host.endswith("." + s) for s in SHORTENERS)


def shortened_links(channel: str) -> Rule:
    """Public shorteners hide the destination; carriers filter them in any message or text."""
    keys = ("opt_in_process", "use_case_description") if channel == "sms" else (
        "service_description", "consent_process", "opt_out_process")

    def rule(answers: AnswerData) -> Iterable[Finding]:
        texts = [(f"message_templates[{i}]", t) for i, t in enumerate(_templates(answers))]
        texts += [(key, _text(answers, key)) for key in keys]
        for key, text in texts:
            hosts = [h for h in URL_HOST.findall(text) if _shortener(h)]
            if hosts:
                yield _finding(
                    "error", key, f"a public link shortener ({hosts[0].lower()}): carriers "
                    "block messages with shared shortened links.", "link-shortener",
                    "use your own domain's full link (or a branded short domain you own).",
                )

    return rule


def restricted_content(channel: str) -> Rule:
    """SHAFT-C, high-risk financial, gambling, lead generation: one error per category/field."""

    def rule(answers: AnswerData) -> Iterable[Finding]:
        texts = [(key, _text(answers, key)) for key in _free_text_fields(channel)]
        texts += [(f"message_templates[{i}]", t) for i, t in enumerate(_templates(answers))]
        for category in content.categories():
            for key, text in texts:
                words = content.find(text, category) if text else None
                if words:
                    yield _finding(
                        "error", key, f"{category.reason} ({words!r}): AWS and the carriers "
                        "do not allow it on this channel.", category.rule,
                        "such traffic cannot leave the sandbox; file only for an allowed use.",
                    )

    return rule


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
    from pinpoint_sandbox.questionnaire.questions import load_questions

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

    def rule(answers: AnswerData) -> Iterable[Finding]:
        host = (urlparse(_text(answers, "website_url")).hostname or "").lower()
        if host and (reserved_domain(host) or PLACEHOLDER_HOSTS.search(host)):
            yield _finding(
                "error", "website_url", f"{host} is a reserved example domain, not a real "
                "site.", "placeholder-value", "give your own website, reviewers open it.",
            )
        for key, examples in skeleton_examples(channel).items():
            value = answers.get(key)
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                if isinstance(item, str) and _normalised(item) in examples:
                    where = f"{key}[{index}]" if isinstance(value, list) else key
                    yield _finding(
                        "error", where, "is still the example from `pinpoint-sandbox init`.",
                        "placeholder-value", "replace it with your own answer.",
                    )
        for index, email in enumerate(_items(answers, "contact_emails")):
            if reserved_domain(str(email).rpartition("@")[2]):
                yield _finding(
                    "error", f"contact_emails[{index}]", f"{email} is on a reserved example "
                    "domain and cannot receive mail.", "placeholder-value",
                    "give a real address.",
                )

    return rule


def contact_emails(answers: AnswerData) -> Iterable[Finding]:
    for index, email in enumerate(_items(answers, "contact_emails")):
        domain = str(email).rpartition("@")[2].lower()
        if domain in FREE_EMAIL_DOMAINS:
            yield _finding(
                "warning", f"contact_emails[{index}]", f"{email} is on a public mail domain.",
                "free-email", "use an address on the company's own domain.",
            )


def purchased_list(*keys: str) -> Rule:
    """Number sourcing: bought, rented, licensed or partner-collected numbers have no consent."""

    def rule(answers: AnswerData) -> Iterable[Finding]:
        for key in keys:
            if _affirmed(_text(answers, key), PURCHASED):
                yield _finding(
                    "error", key, "numbers bought, rented, licensed or collected by someone "
                    "else carry no consent to hear from you; AWS rejects this.",
                    "purchased-list",
                    "send only to people who gave you their number for these messages.",
                )

    return rule


def consent_not_forced(*keys: str) -> Rule:
    """Pre-checked or bundled consent, read in every language, negations read as negations."""

    def rule(answers: AnswerData) -> Iterable[Finding]:
        for key in keys:
            text = _text(answers, key)
            if affirmed(text, "prechecked"):
                yield _finding(
                    "error", key, "consent is pre-checked or automatic.", "opt-in-prechecked",
                    "the box must start unchecked and be ticked by the recipient.",
                )
            if affirmed(text, "bundled"):
                yield _finding(
                    "error", key, "consent is bundled with the terms or required to buy or "
                    "sign up.", "opt-in-bundled",
                    "make message consent a separate, optional step.",
                )

    return rule


# ---- SMS -------------------------------------------------------------------------------------


def opt_in_brand(answers: AnswerData) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_in_process")
    if text is None or _names_brand(text, answers):
        return
    brand = _text(answers, "company_name") or "your company"
    # A warning: the opt-in happens on the brand's own site or app ("in online banking"), so
    # reviewers read the brand from context; the rejection cause is a template without it.
    yield _finding(
        "warning", "opt_in_process", f"does not name the brand {brand!r}.", "opt-in-brand",
        f"say that recipients agree to receive messages from {brand}.",
    )


def opt_in_method(answers: AnswerData) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_in_process")
    if text is not None and not mentions(text, "consent"):
        yield _finding(
            "error", "opt_in_process", "does not say how or where consent is collected.",
            "opt-in-method", "name the web form, app or settings screen, checkbox, keyword, "
            "paper form or verbal script, and where it appears.",
        )


def opt_in_stop(answers: AnswerData) -> Iterable[Finding]:
    """Recipients must learn how to stop: in the opt-in text, the templates or the use case."""
    text = _reviewable(answers, "opt_in_process")
    if text is None or _opt_out_process(text, answers):
        return
    otp = answers.get("message_type") == "one_time_password"
    elsewhere = any(_has_opt_out(t, answers) for t in _templates(answers)) or _opt_out_process(
        _text(answers, "use_case_description"), answers
    )
    level: Level = "note" if otp else ("warning" if elsewhere else "error")
    yield _finding(
        level, "opt_in_process", "does not tell recipients how to opt out.", "opt-in-stop",
        "add \"Reply STOP to opt out\" (or how to turn messages off) to the consent text.",
    )


def opt_in_disclosures(answers: AnswerData) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_in_process")
    if text is None:
        return
    us = _north_america(answers)
    otp = answers.get("message_type") == "one_time_password"
    if not otp and not mentions(text, "frequency"):
        yield _finding(
            "warning" if us else "note", "opt_in_process", "does not state message frequency.",
            "opt-in-frequency", "add e.g. \"Msg frequency varies\" or \"up to 4 msgs/month\".",
        )
    if us and not _mentions(text, RATES):
        yield _finding(
            "warning", "opt_in_process", "US/CA destinations: no \"Msg & data rates may "
            "apply\".", "opt-in-rates", "add it to the consent text.",
        )
    if us and not mentions(text, "help", ["en"]):
        yield _finding(
            "warning", "opt_in_process", "US/CA destinations: HELP is not mentioned.",
            "opt-in-help", "add \"Reply HELP for help\".",
        )
    if not (_mentions(text, TERMS) and _mentions(text, PRIVACY)):
        yield _finding(
            "warning" if us else "note", "opt_in_process", "does not link the terms and "
            "privacy policy.", "opt-in-terms-privacy",
            "add both https links shown next to the consent.",
        )
    yield from _unchecked_box(text, "opt_in_process")


def _unchecked_box(text: str, key: str) -> Iterable[Finding]:
    box = re.compile(r"check ?box|tick ?box|\btick")
    unchecked = re.compile(
        r"unchecked|un-checked|unticked|empty|not (pre-?)?(checked|ticked|selected)"
        r"|never pre-?(checked|ticked|selected)|blank|none pre-?selected|off by default"
    )
    if _mentions(text, box) and not _mentions(text, unchecked):
        yield _finding(
            "warning", key, "mentions a checkbox but not that it starts unchecked.",
            "opt-in-unchecked", "say the box is unchecked by default; reviewers look for it.",
        )


def template_count(answers: AnswerData) -> Iterable[Finding]:
    count = len(_templates(answers))
    if count == 0:
        yield _finding(
            "error", "message_templates", "no sample message.", "templates-count",
            "give at least two real messages as recipients will see them.",
        )
    elif count == 1:
        yield _finding(
            "warning", "message_templates", "only one sample message.", "templates-count",
            "give at least two, one per kind of message you send.",
        )


def template_content(answers: AnswerData) -> Iterable[Finding]:
    brand = _text(answers, "company_name") or "YourBrand"
    kind = answers.get("message_type")
    templates = _templates(answers)
    any_opt_out = any(_has_opt_out(t, answers) for t in templates)
    for index, text in enumerate(templates):
        key = f"message_templates[{index}]"
        if not _names_brand(text, answers):
            yield _finding(
                "error", key, f"does not name the brand {brand!r}.", "template-brand",
                f"start it with \"{brand}: \".",
            )
        if _has_opt_out(text, answers):
            continue
        # OTPs answer a request; transactional messages need the opt-out in at least one
        # sample (typically the first); every promotional message needs it.
        level: Level = (
            "note" if kind == "one_time_password"
            else "warning" if kind == "transactional" and any_opt_out
            else "error"
        )
        lang = _langs(text, answers)[0]
        yield _finding(
            level, key, "no opt-out in this message.", "template-opt-out",
            f"end it with \"{opt_out_example(lang)}\".",
        )


def template_variables(answers: AnswerData) -> Iterable[Finding]:
    """Samples show the variable parts ({code}, {date}); an OTP without a code is no OTP."""
    templates = _templates(answers)
    if not templates or any(VARIABLE.search(t) for t in templates):
        return
    otp = answers.get("message_type") == "one_time_password"
    # A note: fixed samples are legitimate, but reviewers like to see what varies.
    yield _finding(
        "note", "message_templates", "no sample shows its variable parts"
        + (" (the code)." if otp else "."), "template-variables",
        "mark them as placeholders, e.g. {code}, {order_id}, {date}.",
    )


def message_type_matches_templates(answers: AnswerData) -> Iterable[Finding]:
    message_type = answers.get("message_type")
    if message_type not in ("transactional", "one_time_password"):
        return
    label = "one-time password" if message_type == "one_time_password" else "transactional"
    for index, template in enumerate(_templates(answers)):
        match = vocab_pattern("promotional", _langs(template, answers)).search(fold(template))
        if match:
            yield _finding(
                "error", f"message_templates[{index}]", f"promotional wording "
                f"({match.group(0)!r}) in a {label} message.", "type-promotional-content",
                "remove the marketing text, or send it as a separate promotional message.",
            )


def high_spend(answers: AnswerData) -> Iterable[Finding]:
    spend = answers.get("spend_limit_usd")
    if isinstance(spend, int | float) and spend > HIGH_SPEND_USD:
        yield _finding(
            "warning", "spend_limit_usd", f"{spend} USD is over {HIGH_SPEND_USD:,}: AWS will "
            "ask for per-country volume, peak messages per second and message size.",
            "high-spend", "put those figures in use_case_description.",
        )


def spend_volume(answers: AnswerData) -> Iterable[Finding]:
    """The spend asked against the monthly volume stated in the use case."""
    spend = answers.get("spend_limit_usd")
    volume = substance.monthly_volume(_text(answers, "use_case_description"))
    if not isinstance(spend, int | float) or not volume or spend <= 0:
        return
    per_message = spend / volume
    if per_message > MAX_USD_PER_SMS or per_message < MIN_USD_PER_SMS:
        yield _finding(
            "warning", "spend_limit_usd", f"{spend:,} USD a month for about {volume:,} "
            f"messages is {per_message:.4f} USD each; SMS cost about {MIN_USD_PER_SMS}–"
            f"{MAX_USD_PER_SMS} USD.", "spend-volume",
            "make the spend match the volume (messages × the destination's price).",
        )


def us_destination(answers: AnswerData) -> Iterable[Finding]:
    if "US" in _destinations(answers):
        yield _finding(
            "warning", "destination_countries", "leaving the sandbox gives no US origination "
            "identity.", "us-origination",
            "register a toll-free number or 10DLC campaign (weeks) before sending to the US.",
        )


# ---- voice -----------------------------------------------------------------------------------


def voice_consent_method(answers: AnswerData) -> Iterable[Finding]:
    text = _reviewable(answers, "consent_process")
    if text is not None and not mentions(text, "consent"):
        yield _finding(
            "error", "consent_process", "does not say how or where consent is collected.",
            "voice-consent-method", "name the form, settings screen, checkbox, keypad choice "
            "or recorded verbal consent, and where it happens.",
        )
    if text is not None:
        yield from _unchecked_box(text, "consent_process")


def voice_opt_out(answers: AnswerData) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_out_process")
    if text is None:
        return
    if not _opt_out_process(text, answers):
        yield _finding(
            "error", "opt_out_process", "does not say how recipients opt out.",
            "voice-opt-out-method",
            "e.g. \"press 9 during the call\" or a switch in account settings.",
        )
    if not (mentions(text, "opt_out_timing") or _mentions(text, VOICE_OPT_OUT_TIMING)):
        yield _finding(
            "warning", "opt_out_process", "does not say when the opt-out takes effect.",
            "voice-opt-out-timing", "e.g. \"removed from the call list within 24 hours\".",
        )


def voice_volume_consistency(answers: AnswerData) -> Iterable[Finding]:
    per_day = answers.get("max_messages_per_day")
    numbers = answers.get("dedicated_numbers")
    calls = _mapping(answers, "calls_per_number")
    days = PERIOD_DAYS.get(str(calls.get("period")))
    count = calls.get("count")
    if not (
        days and isinstance(per_day, int) and isinstance(numbers, int) and isinstance(count, int)
    ):
        return  # period "other" (or missing numbers): nothing to compare
    per_number_daily = count / days
    capacity = per_number_daily * max(numbers, 1)
    said = (f"{numbers} number(s) × {count:,} per {calls['period']} is about {capacity:,.0f} "
            f"calls a day")
    fix = "make max_messages_per_day, dedicated_numbers and calls_per_number agree."
    if per_number_daily > SECONDS_PER_DAY:
        yield _finding(
            "error", "calls_per_number", f"{per_number_daily:,.0f} calls a day from one number "
            "is more than its 1 call per second allows.", "voice-volume", fix,
        )
    elif capacity > VOICE_OVER_FACTOR * per_day:
        yield _finding(
            "error", "calls_per_number", f"{said}, {capacity / per_day:,.0f} times the stated "
            f"maximum of {per_day:,} a day.", "voice-volume", fix,
        )
    elif capacity < per_day or per_number_daily > per_day:
        yield _finding(
            "warning", "calls_per_number", f"{said}, against a stated maximum of {per_day:,} "
            "a day.", "voice-volume", fix,
        )


def voice_period_other(answers: AnswerData) -> Iterable[Finding]:
    calls = _mapping(answers, "calls_per_number")
    if calls.get("period") == "other" and not str(calls.get("period_detail") or "").strip():
        yield _finding(
            "warning", "calls_per_number", "the period is \"other\" but not described.",
            "voice-period-other", "set calls_per_number.period_detail, e.g. \"3 days\".",
        )


def voice_call_duration(answers: AnswerData) -> Iterable[Finding]:
    seconds = answers.get("average_call_duration_seconds")
    if isinstance(seconds, int | float) and seconds > LONG_CALL_SECONDS:
        yield _finding(
            "warning", "average_call_duration_seconds", f"{seconds} s is over the "
            f"{LONG_CALL_SECONDS // 60}-minute production maximum per voice message.",
            "voice-call-duration", "shorten the message or split it.",
        )


def voice_brand(answers: AnswerData) -> Iterable[Finding]:
    text = _reviewable(answers, "consent_process")
    if text is not None and not _names_brand(text, answers):
        brand = _text(answers, "company_name")
        yield _finding(
            "warning", "consent_process", f"does not name {brand!r}.", "voice-consent-brand",
            "say who recipients agree to be called by.",
        )


SMS_RULES: tuple[Rule, ...] = (
    placeholder_values("sms"),
    vague_answers("sms"),
    use_case_substance("sms"),
    website,
    shortened_links("sms"),
    restricted_content("sms"),
    opt_in_brand,
    opt_in_method,
    consent_not_forced("opt_in_process"),
    opt_in_stop,
    opt_in_disclosures,
    purchased_list("opt_in_process", "use_case_description"),
    template_count,
    template_content,
    template_variables,
    message_type_matches_templates,
    high_spend,
    spend_volume,
    us_destination,
    contact_emails,
)

VOICE_RULES: tuple[Rule, ...] = (
    placeholder_values("voice"),
    vague_answers("voice"),
    use_case_substance("voice"),
    website,
    shortened_links("voice"),
    restricted_content("voice"),
    voice_consent_method,
    consent_not_forced("consent_process"),
    voice_brand,
    voice_opt_out,
    purchased_list("number_sourcing", "consent_process"),
    voice_volume_consistency,
    voice_period_other,
    voice_call_duration,
    contact_emails,
)

RULES: dict[str, tuple[Rule, ...]] = {"sms": SMS_RULES, "voice": VOICE_RULES}
