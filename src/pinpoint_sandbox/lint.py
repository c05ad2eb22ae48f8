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
from typing import Any, Literal
from urllib.parse import urlparse

from pinpoint_sandbox.errors import UsageError

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


Rule = Callable[[Mapping[str, Any]], Iterable[Finding]]

# Every rule id, with what it checks: `--ignore` is validated against this table.
RULE_IDS: dict[str, str] = {
    "placeholder-value": "an example value from `init` or a reserved example domain",
    "vague-answer": "a placeholder such as n/a, TBD or lorem ipsum",
    "too-short": "a free-text answer too short to say who, how and when",
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
    "type-promotional-content": "marketing text in an OTP or transactional message",
    "high-spend": "a spend threshold that AWS reviews by hand",
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


def _ways(*groups: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{g})" for g in groups), re.IGNORECASE)


# How companies say where and how consent is collected, by kind of channel.
CONSENT_WAYS = _ways(
    # web and app forms, screens and controls
    r"web ?form|online form|sign[- ]?up|signup|registration|register|enrol|onboarding"
    r"|check ?box|tick(s|ing|ed)? (a|the|an)|tick ?box|toggle|switch(es)? on|radio button"
    r"|opt[- ]?in (page|form|flow|screen|box)|consent (screen|box|form|page)"
    r"|(settings|preferences|profile|account|notification|security|privacy) "
    r"(page|screen|menu|section|tab)"
    r"|(in|on|under|via|through) (the |their |our |its )?[\w -]{0,30}(settings|preferences|profile)"
    r"|\b(app|website|site|portal|online banking|mobile banking|dashboard)\b.{0,60}"
    r"\b(choose|chooses|select|selects|enable|enables|turn on|turns on|enter|enters|add|adds)\b",
    # checkout, booking, account creation, code requests (OTP)
    r"checkout|check-out|booking|book(s|ed)? (an|a|their|online)|account (creation|opening|set ?up)"
    r"|(open|create|set up)s? (an|their|a new) account"
    r"|\bjoin(s|ing)?\b.{0,40}\b(online|app|website)|request(s|ed)? (a|the|their|an) "
    r"(one[- ]time )?(code|password|passcode|otp)|(two|2)[- ](step|factor)|\b2fa\b|\bmfa\b"
    r"|verif(y|ies|ication)|log ?in|sign[- ]?in",
    # phone, IVR, keypad, agents
    r"\bivr\b|keypad|dtmf|press(es|ing)? \d|by phone|phone call|over the phone|call cent(er|re)"
    r"|\bagents?\b|\bverbal(ly)?\b|\brecorded\b|\bspoken\b",
    # in person, paper
    r"in[- ]store|in person|at the (counter|desk|till|reception|front desk|branch|clinic)"
    r"|point of sale|\bkiosk|\btablet|\bpaper\b|\bwritten\b|\bsigned\b|intake form"
    r"|front desk|reception",
    # text keywords and confirmations
    r"keyword|text(s|ing)? (the word|\w+ to)|reply(ing)? (yes|y|start|join)|qr code"
    r"|double opt[- ]?in|confirmation (text|message|sms|e-?mail)|(?<!un)subscribe",
)
# How companies say how recipients stop messages.
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
    r"|do[- ]not[- ]call|\bdnc\b|suppression",
)
NEGATION = re.compile(
    r"\b(not|never|no|without|isn't|aren't|unchecked|un-checked|nor)\b", re.IGNORECASE
)
PRECHECKED = re.compile(
    r"pre-?checked|pre-?selected|pre-?ticked|automatically (opted|enrolled|subscribed|added)"
    r"|opted in by default|(?<![\w-])(checked|selected|ticked|enabled|on) by default",
    re.IGNORECASE,
)
BUNDLED = re.compile(
    r"bundled|by (accepting|agreeing to) (our|the) (terms|t&c|conditions|privacy)"
    r"|part of (our|the) (terms|t&c|conditions)|condition of (purchase|service|using|sign[- ]?up)"
    r"|(required|mandatory) (to|for) (create|open|use|sign|buy|purchase|register|check ?out)",
    re.IGNORECASE,
)
PURCHASED = re.compile(
    r"(bought|buy|purchased?|rent(ed)?|third[- ]part(y|ies)|scraped?|lead) (lists?|data|numbers)"
    r"|(lists?|numbers) (we|are) (bought|purchased|rented|scraped)",
    re.IGNORECASE,
)
FREQUENCY = re.compile(
    r"frequen|per (day|week|month|year|order|login|request|transaction|appointment|booking)"
    r"|daily|weekly|monthly|up to \d+|\d+ ?(msgs?|messages?|texts?)|recurring|one message"
    r"|each time|when(ever)? (you|they)|only when",
    re.IGNORECASE,
)
RATES = re.compile(r"(msg|message)s? (&|and) data rates", re.IGNORECASE)
HELP = re.compile(r"\bHELP\b")
TERMS = re.compile(r"\bterms\b|t&c|conditions", re.IGNORECASE)
PRIVACY = re.compile(r"privacy", re.IGNORECASE)
TEMPLATE_OPT_OUT = re.compile(
    r"\bSTOP\b|opt[- ]?out|unsubscribe|\bstop\b (texts|messages|alerts)|to stop", re.IGNORECASE
)
# Marketing in a message that must carry none: offers, rates, discounts, "check out", "new"
# products, and calls to buy. Word-bounded, so "wholesale" or "new password" do not match.
PROMOTIONAL = re.compile(
    r"\bsales?\b(?! (team|order|receipt|number|id|ref))|\d+ ?% ?(off|discount|cash ?back)\b"
    r"|\d+(\.\d+)? ?% (interest|apr|aer|apy|p\.a\.)|\b(low|great|special|best|new|exclusive) "
    r"(rates?|prices?|deals?|offers?)\b|\binterest rates? (from|of|as low)"
    r"|\bdiscounts?\b|\boffers?\b|\bpromo(tion|tional|s)?\b|\bcoupons?\b|\bdeals?\b"
    r"|\blimited[- ]time\b|\b(buy|shop|order|book|apply|upgrade|subscribe|sign up|join) (now|today)"
    r"|\bfree (shipping|delivery|gift|trial)\b|\bsave (up to|\$|£|€|\d)|\bvouchers?\b"
    r"|\bcheck out (our|the new|these|this|what|now|new)\b|\bour new\b|\bbrand[- ]new\b"
    r"|\bnew (arrivals?|collection|products?|range|season|savings|account offer|features? "
    r"(are|is) here)\b|\bcash ?back\b|\bdon'?t miss\b|\bhurry\b|\bwin\b|\bprizes?\b"
    r"|\bexclusive\b|\bbonus\b|\breward points\b|\bblack friday\b|\bclearance\b",
    re.IGNORECASE,
)
VOICE_OPT_OUT_TIMING = re.compile(
    r"immediate|instant|real[- ]time|automatic|within|\d+ ?(hours?|hrs?|days?|minutes?|business)"
    r"|same day|next (call|day|sign[- ]?in|log[- ]?in|message|time)|before the next|at once"
    r"|right away|no further|never called again"
    r"|from then on|straight away",
    re.IGNORECASE,
)
# US/CA carrier (CTIA) wording rules apply only to these destinations.
NORTH_AMERICA = frozenset({"US", "CA"})
LEGAL_SUFFIXES = re.compile(
    r"[,.]?\s+\b(inc|ltd|limited|llc|llp|plc|gmbh|ag|sa|sas|sarl|srl|spa|bv|nv|kk|pty|co|corp"
    r"|corporation|company|group|holdings?|s\.a|s\.l|oy|ab|as|a/s)\b\.?$",
    re.IGNORECASE,
)

# Free website builders and hosts: reviewers read them as a business without its own domain.
FREE_HOSTS = (
    "wixsite.com", "weebly.com", "blogspot.com", "wordpress.com", "github.io", "gitlab.io",
    "netlify.app", "vercel.app", "herokuapp.com", "firebaseapp.com", "web.app", "pages.dev",
    "sites.google.com", "carrd.co", "godaddysites.com", "webflow.io", "glitch.me", "replit.app",
    "000webhostapp.com", "square.site", "squarespace.com", "jimdosite.com", "site123.me",
)
# Not a website at all: a redirect or a page of links, which reviewers cannot judge.
SHORTENERS = ("bit.ly", "tinyurl.com", "linktr.ee", "t.co", "goo.gl", "ow.ly", "is.gd",
              "rebrand.ly", "cutt.ly", "lnk.bio")
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


def lint_answers(
    channel: str, answers: Mapping[str, Any], ignore: Iterable[str] = ()
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


def waived_rules(answers: Mapping[str, Any]) -> list[str]:
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


def _text(answers: Mapping[str, Any], key: str) -> str:
    value = answers.get(key)
    return "" if value is None else str(value).strip()


def _is_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER.match(text) or LOREM.search(text))


def _reviewable(answers: Mapping[str, Any], key: str) -> str | None:
    """The answer's text, or None when it is empty or a placeholder (other rules say so)."""
    text = _text(answers, key)
    return None if not text or _is_placeholder(text) else text


def _mentions(text: str, pattern: re.Pattern[str]) -> bool:
    return pattern.search(text) is not None


def _affirmed(text: str, pattern: re.Pattern[str]) -> bool:
    """True when `pattern` occurs without a negation just before it ("is not pre-checked")."""
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        if not NEGATION.search(before):
            return True
    return False


def brand_names(answers: Mapping[str, Any]) -> list[str]:
    """Ways a text can name the brand: the name, without its legal suffix, its first word,
    the website's domain name ("Northbridge Bank plc" → "Northbridge Bank", "Northbridge")."""
    brand = _text(answers, "company_name")
    names = [brand] if brand else []
    bare = LEGAL_SUFFIXES.sub("", brand).strip(" ,.")
    if bare and bare != brand:
        names.append(bare)
    first = bare.split()[0] if bare else ""
    if len(first) >= 4:
        names.append(first)
    host = (urlparse(_text(answers, "website_url")).hostname or "").removeprefix("www.")
    label = host.split(".")[0] if host else ""
    if len(label) >= 4:
        names += [label, label.replace("-", " ")]
    return names


def _names_brand(text: str, answers: Mapping[str, Any]) -> bool:
    folded = text.casefold()
    return any(name.casefold() in folded for name in brand_names(answers) if name)


def _destinations(answers: Mapping[str, Any]) -> set[str]:
    return {str(c).upper() for c in answers.get("destination_countries") or []}


def _north_america(answers: Mapping[str, Any]) -> bool:
    return bool(_destinations(answers) & NORTH_AMERICA)


def _templates(answers: Mapping[str, Any]) -> list[str]:
    return [str(t) for t in answers.get("message_templates") or []]


# ---- rules shared by both channels ----------------------------------------------------------


def vague_answers(channel: str) -> Rule:
    def rule(answers: Mapping[str, Any]) -> Iterable[Finding]:
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


def website(answers: Mapping[str, Any]) -> Iterable[Finding]:
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
            "warning", "website_url", "not HTTPS: reviewers expect an https:// site.",
            "website-https", "give the https address.",
        )
    if any(host == s or host.endswith("." + s) for s in SHORTENERS):
        yield _finding(
            "error", "website_url", f"{host} is a link shortener or link page, not a website.",
            "website-shortener", "give the business's own website, which reviewers can open.",
        )
    elif any(host == free or host.endswith("." + free) for free in FREE_HOSTS):
        yield _finding(
            "warning", "website_url", f"{host} is a free host: reviewers may not match it to "
            "the company.", "website-free-host", "give the business's own domain.",
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
        for index, email in enumerate(answers.get("contact_emails") or []):
            if reserved_domain(str(email).rpartition("@")[2]):
                yield _finding(
                    "error", f"contact_emails[{index}]", f"{email} is on a reserved example "
                    "domain and cannot receive mail.", "placeholder-value",
                    "give a real address.",
                )

    return rule


def contact_emails(answers: Mapping[str, Any]) -> Iterable[Finding]:
    for index, email in enumerate(answers.get("contact_emails") or []):
        domain = str(email).rpartition("@")[2].lower()
        if domain in FREE_EMAIL_DOMAINS:
            yield _finding(
                "warning", f"contact_emails[{index}]", f"{email} is on a public mail domain.",
                "free-email", "use an address on the company's own domain.",
            )


def purchased_list(key: str) -> Rule:
    def rule(answers: Mapping[str, Any]) -> Iterable[Finding]:
        if _affirmed(_text(answers, key), PURCHASED):
            yield _finding(
                "error", key, "numbers from a bought, rented or third-party list have no "
                "consent; AWS rejects this.", "purchased-list",
                "send only to people who gave you their number for these messages.",
            )

    return rule


# ---- SMS -------------------------------------------------------------------------------------


def opt_in_brand(answers: Mapping[str, Any]) -> Iterable[Finding]:
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


def opt_in_method(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_in_process")
    if text is not None and not _mentions(text, CONSENT_WAYS):
        yield _finding(
            "error", "opt_in_process", "does not say how or where consent is collected.",
            "opt-in-method", "name the web form, app or settings screen, checkbox, keyword, "
            "paper form or verbal script, and where it appears.",
        )


def opt_in_not_prechecked(answers: Mapping[str, Any]) -> Iterable[Finding]:
    for key in ("opt_in_process", "consent_process"):
        text = _text(answers, key)
        if _affirmed(text, PRECHECKED):
            yield _finding(
                "error", key, "consent is pre-checked or automatic.", "opt-in-prechecked",
                "the box must start unchecked and be ticked by the recipient.",
            )
        if _affirmed(text, BUNDLED):
            yield _finding(
                "error", key, "consent is bundled with the terms or with using the service.",
                "opt-in-bundled", "make message consent a separate, optional step.",
            )


def opt_in_stop(answers: Mapping[str, Any]) -> Iterable[Finding]:
    """Recipients must learn how to stop: in the opt-in text, the templates or the use case."""
    text = _reviewable(answers, "opt_in_process")
    if text is None or _mentions(text, OPT_OUT_WAYS):
        return
    otp = answers.get("message_type") == "one_time_password"
    elsewhere = any(_mentions(t, TEMPLATE_OPT_OUT) for t in _templates(answers)) or _mentions(
        _text(answers, "use_case_description"), OPT_OUT_WAYS
    )
    level: Level = "note" if otp else ("warning" if elsewhere else "error")
    yield _finding(
        level, "opt_in_process", "does not tell recipients how to opt out.", "opt-in-stop",
        "add \"Reply STOP to opt out\" (or how to turn messages off) to the consent text.",
    )


def opt_in_disclosures(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_in_process")
    if text is None:
        return
    us = _north_america(answers)
    otp = answers.get("message_type") == "one_time_password"
    if not otp and not _mentions(text, FREQUENCY):
        yield _finding(
            "warning" if us else "note", "opt_in_process", "does not state message frequency.",
            "opt-in-frequency", "add e.g. \"Msg frequency varies\" or \"up to 4 msgs/month\".",
        )
    if us and not _mentions(text, RATES):
        yield _finding(
            "warning", "opt_in_process", "US/CA destinations: no \"Msg & data rates may "
            "apply\".", "opt-in-rates", "add it to the consent text.",
        )
    if us and not _mentions(text, HELP):
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
    box = re.compile(r"check ?box|tick ?box|\btick", re.IGNORECASE)
    unchecked = re.compile(
        r"unchecked|un-checked|unticked|empty|not (pre-?)?(checked|ticked|selected)"
        r"|never pre-?(checked|ticked|selected)|blank", re.IGNORECASE
    )
    if _mentions(text, box) and not _mentions(text, unchecked):
        yield _finding(
            "warning", key, "mentions a checkbox but not that it starts unchecked.",
            "opt-in-unchecked", "say the box is unchecked by default; reviewers look for it.",
        )


def template_count(answers: Mapping[str, Any]) -> Iterable[Finding]:
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


def template_content(answers: Mapping[str, Any]) -> Iterable[Finding]:
    brand = _text(answers, "company_name") or "YourBrand"
    kind = answers.get("message_type")
    templates = _templates(answers)
    any_opt_out = any(_mentions(t, TEMPLATE_OPT_OUT) for t in templates)
    for index, text in enumerate(templates):
        key = f"message_templates[{index}]"
        if not _names_brand(text, answers):
            yield _finding(
                "error", key, f"does not name the brand {brand!r}.", "template-brand",
                f"start it with \"{brand}: \".",
            )
        if _mentions(text, TEMPLATE_OPT_OUT):
            continue
        # OTPs answer a request; transactional messages need the opt-out in at least one
        # sample (typically the first); every promotional message needs it.
        level: Level = (
            "note" if kind == "one_time_password"
            else "warning" if kind == "transactional" and any_opt_out
            else "error"
        )
        yield _finding(
            level, key, "no opt-out in this message.", "template-opt-out",
            "end it with \"Reply STOP to opt out\".",
        )


def message_type_matches_templates(answers: Mapping[str, Any]) -> Iterable[Finding]:
    message_type = answers.get("message_type")
    if message_type not in ("transactional", "one_time_password"):
        return
    label = "one-time password" if message_type == "one_time_password" else "transactional"
    for index, template in enumerate(_templates(answers)):
        match = PROMOTIONAL.search(template)
        if match:
            yield _finding(
                "error", f"message_templates[{index}]", f"promotional wording "
                f"({match.group(0)!r}) in a {label} message.", "type-promotional-content",
                "remove the marketing text, or send it as a separate promotional message.",
            )


def high_spend(answers: Mapping[str, Any]) -> Iterable[Finding]:
    spend = answers.get("spend_limit_usd")
    if isinstance(spend, int | float) and spend > HIGH_SPEND_USD:
        yield _finding(
            "warning", "spend_limit_usd", f"{spend} USD is over {HIGH_SPEND_USD:,}: AWS will "
            "ask for per-country volume, peak messages per second and message size.",
            "high-spend", "put those figures in use_case_description.",
        )


def us_destination(answers: Mapping[str, Any]) -> Iterable[Finding]:
    if "US" in _destinations(answers):
        yield _finding(
            "warning", "destination_countries", "leaving the sandbox gives no US origination "
            "identity.", "us-origination",
            "register a toll-free number or 10DLC campaign (weeks) before sending to the US.",
        )


# ---- voice -----------------------------------------------------------------------------------


def voice_consent_method(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "consent_process")
    if text is not None and not _mentions(text, CONSENT_WAYS):
        yield _finding(
            "error", "consent_process", "does not say how or where consent is collected.",
            "voice-consent-method", "name the form, settings screen, checkbox, keypad choice "
            "or recorded verbal consent, and where it happens.",
        )
    if text is not None:
        yield from _unchecked_box(text, "consent_process")


def voice_opt_out(answers: Mapping[str, Any]) -> Iterable[Finding]:
    text = _reviewable(answers, "opt_out_process")
    if text is None:
        return
    if not _mentions(text, OPT_OUT_WAYS):
        yield _finding(
            "error", "opt_out_process", "does not say how recipients opt out.",
            "voice-opt-out-method",
            "e.g. \"press 9 during the call\" or a switch in account settings.",
        )
    if not _mentions(text, VOICE_OPT_OUT_TIMING):
        yield _finding(
            "warning", "opt_out_process", "does not say when the opt-out takes effect.",
            "voice-opt-out-timing", "e.g. \"removed from the call list within 24 hours\".",
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
    fix = "make max_messages_per_day, dedicated_numbers and calls_per_number agree."
    if numbers >= 1 and per_number_daily * numbers < per_day:
        yield _finding(
            "warning", "calls_per_number", f"{numbers} number(s) × {count} per "
            f"{calls['period']} is about {per_number_daily * numbers:,.0f} calls a day, fewer "
            f"than max_messages_per_day ({per_day:,}).", "voice-volume", fix,
        )
    elif per_number_daily > per_day:
        yield _finding(
            "warning", "calls_per_number", f"one number alone makes about "
            f"{per_number_daily:,.0f} calls a day, more than max_messages_per_day "
            f"({per_day:,}).", "voice-volume", fix,
        )


def voice_period_other(answers: Mapping[str, Any]) -> Iterable[Finding]:
    calls = answers.get("calls_per_number") or {}
    if calls.get("period") == "other" and not str(calls.get("period_detail") or "").strip():
        yield _finding(
            "warning", "calls_per_number", "the period is \"other\" but not described.",
            "voice-period-other", "set calls_per_number.period_detail, e.g. \"3 days\".",
        )


def voice_call_duration(answers: Mapping[str, Any]) -> Iterable[Finding]:
    seconds = answers.get("average_call_duration_seconds")
    if isinstance(seconds, int | float) and seconds > LONG_CALL_SECONDS:
        yield _finding(
            "warning", "average_call_duration_seconds", f"{seconds} s is over the "
            f"{LONG_CALL_SECONDS // 60}-minute production maximum per voice message.",
            "voice-call-duration", "shorten the message or split it.",
        )


def voice_brand(answers: Mapping[str, Any]) -> Iterable[Finding]:
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
    website,
    opt_in_brand,
    opt_in_method,
    opt_in_not_prechecked,
    opt_in_stop,
    opt_in_disclosures,
    purchased_list("opt_in_process"),
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
    opt_in_not_prechecked,
    voice_brand,
    voice_opt_out,
    purchased_list("number_sourcing"),
    purchased_list("consent_process"),
    voice_volume_consistency,
    voice_period_other,
    voice_call_duration,
    contact_emails,
)

RULES: dict[str, tuple[Rule, ...]] = {"sms": SMS_RULES, "voice": VOICE_RULES}
