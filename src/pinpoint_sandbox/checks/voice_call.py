"""`--send-test-call +E164`: send one real voice message to meet the voice prerequisite.

AWS wants at least one voice message sent before it moves an account's voice channel out of the
sandbox; a DryRun does not count. Everything that can be checked is checked with reads first
(number format, an ACTIVE voice number, a verified destination in the sandbox), so a bad input
never reaches SendVoiceMessage. The send itself is made exactly once: it is not idempotent (a
retry after a lost answer would call the person twice), so an unclear outcome is reported, not
retried.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pinpoint_sandbox.aws import session as aws
from pinpoint_sandbox.aws.session import (
    SMS_VOICE,
    AwsAccount,
    Permission,
    error_code,
    error_message,
)
from pinpoint_sandbox.checks.voice_evidence import voice_evidence
from pinpoint_sandbox.core.errors import (
    AwsError,
    Interrupted,
    NoTerminalError,
    PrerequisiteError,
    UsageError,
)
from pinpoint_sandbox.core.targets import Target
from pinpoint_sandbox.ledger.store import Ledger

DEFAULT_MESSAGE = (
    "Hello. This is a test call from pinpoint-sandbox, sent to meet the AWS voice "
    "prerequisite. No action is needed. Goodbye."
)

GET_A_NUMBER = (
    "request one in the AWS End User Messaging console (Phone numbers > Request originator, "
    "with Voice capability) or with the RequestPhoneNumber API "
    "(NumberCapabilities=[VOICE]), then rerun"
)
VERIFY_A_NUMBER = (
    "add it under Verified destination numbers in the End User Messaging console (or "
    "CreateVerifiedDestinationNumber + VerifyDestinationNumber), enter the code, then rerun"
)
# `send_test_call`'s one send: granted only when asked for (`iam-policy --voice-test-call`).
TEST_CALL = Permission("PinpointSandboxVoiceTestCall", ("sms-voice:SendVoiceMessage",),
                       needed="voice-test-call")


def validate_e164(number: str) -> str:
    """The number in E.164 form (+14255550100), or UsageError naming the problem."""
    import phonenumbers

    text = (number or "").strip()
    hint = "give it in E.164 form with the country code, e.g. +14255550100"
    if not text.startswith("+"):
        raise UsageError(f"Phone number {number!r} has no country code; {hint}.")
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise UsageError(f"Phone number {number!r} cannot be read; {hint}.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise UsageError(f"Phone number {number!r} is not a valid phone number; {hint}.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _country_of(number: str) -> str | None:
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return None


def pick_origination(account: AwsAccount, region: str, *, destination: str | None = None) -> str:
    """An ACTIVE phone number with VOICE capability; one in the destination's country first."""
    from pinpoint_sandbox.aws.facts import VOICE_NUMBERS

    try:
        numbers = account.read(VOICE_NUMBERS, region)
    except aws.AWS_ERRORS as exc:
        raise AwsError(
            f"Could not list phone numbers in {region} (DescribePhoneNumbers): {error_message(exc)}"
        ) from exc
    if not numbers:
        raise PrerequisiteError(
            f"No ACTIVE phone number with voice capability in {region} to call from; "
            f"{GET_A_NUMBER}."
        )
    country = _country_of(destination) if destination else None
    same_country = [n for n in numbers if country and n.get("IsoCountryCode") == country]
    chosen = (same_country or numbers)[0]
    return str(chosen.get("PhoneNumber") or chosen.get("PhoneNumberArn"))


def check_destination_verified(account: AwsAccount, region: str, destination: str) -> None:
    """In the sandbox, voice goes only to VERIFIED destinations: PrerequisiteError otherwise."""
    client = account.client(SMS_VOICE, region)
    try:
        statuses = [
            str(item.get("Status"))
            for page in client.get_paginator("describe_verified_destination_numbers").paginate(
                DestinationPhoneNumbers=[destination]
            )
            for item in page.get("VerifiedDestinationNumbers", [])
            if item.get("DestinationPhoneNumber") == destination
        ]
    except aws.AWS_ERRORS as exc:
        raise AwsError(
            f"Could not check verified destination numbers in {region} "
            f"(DescribeVerifiedDestinationNumbers): {error_message(exc)}"
        ) from exc
    if "VERIFIED" in statuses:
        return
    if "PENDING" in statuses:
        raise PrerequisiteError(
            f"{destination} is still pending verification in {region}; enter the code it "
            "received (console, or VerifyDestinationNumber), then rerun."
        )
    raise PrerequisiteError(
        f"{destination} is not a verified destination number in {region}, and the sandbox only "
        f"calls verified numbers; {VERIFY_A_NUMBER}."
    )


def _reason(exc: BaseException) -> str | None:
    """The modeled `Reason` member of an sms-voice error (botocore puts it at the top level)."""
    response: object = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    reason = response.get("Reason") or response.get("Error", {}).get("Reason")
    return str(reason) if reason else None


def _send_error(exc: BaseException, region: str, destination: str, origination: str) -> Exception:
    """One clear line per sandbox refusal; PrerequisiteError unless AWS itself failed."""
    code, reason = error_code(exc), _reason(exc)
    lines: dict[tuple[str | None, str | None], str] = {
        ("ConflictException", "DESTINATION_PHONE_NUMBER_NOT_VERIFIED"): (
            f"{destination} is not a verified destination number in {region}; {VERIFY_A_NUMBER}."
        ),
        ("ServiceQuotaExceededException", "DAILY_DESTINATION_CALL_LIMIT"): (
            f"The daily voice limit in {region} is used up (sandbox: 20 messages a day, 5 per "
            "recipient per 24 hours); try again in 24 hours."
        ),
        ("ServiceQuotaExceededException", "MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE"): (
            f"The monthly voice spend limit in {region} is reached; raise it "
            "(SetVoiceMessageSpendLimitOverride, or the VoiceMessageMonthlySpend quota) or wait "
            "for next month."
        ),
        ("ValidationException", "VOICE_CAPABILITY_NOT_AVAILABLE"): (
            f"Voice messaging is not available in {region}; send the test call from a region "
            "that offers voice."
        ),
        ("ValidationException", "DESTINATION_COUNTRY_BLOCKED"): (
            f"Calls to the country of {destination} are blocked in {region}; call a number in "
            "an allowed country (the voice sandbox allows only some countries)."
        ),
        ("AccessDeniedException", "INSUFFICIENT_ACCOUNT_REPUTATION"): (
            f"AWS refuses voice messages from this account in {region} (insufficient account "
            "reputation); contact AWS Support."
        ),
        ("AccessDeniedException", "ACCOUNT_DISABLED"): (
            f"This account is disabled for End User Messaging in {region}; contact AWS Support."
        ),
    }
    line = lines.get((code, reason))
    if line:
        return PrerequisiteError(line)
    if code == "ResourceNotFoundException":
        return PrerequisiteError(
            f"Origination identity {origination} was not found in {region}; pass a phone number "
            f"of this account and region, or {GET_A_NUMBER}."
        )
    if code == "AccessDeniedException":
        return AwsError(
            f"Not allowed to call SendVoiceMessage in {region} ({error_message(exc)}); grant "
            "sms-voice:SendVoiceMessage to these credentials."
        )
    if code in ("ConflictException", "ServiceQuotaExceededException", "ValidationException"):
        return PrerequisiteError(
            f"AWS refused the test call in {region}: {error_message(exc)}"
            + (f" (reason {reason})" if reason else "")
        )
    status = aws.http_status(exc) or 0
    if code is None or status >= 500:
        # No clear answer (timeout, lost connection, server error): the call may have gone out.
        return AwsError(
            f"SendVoiceMessage failed in {region} ({error_message(exc)}); the "
            "call may or may not have been placed: check the phone or CloudTrail before "
            "sending another."
        )
    return AwsError(f"SendVoiceMessage failed in {region}: {error_message(exc)}")


def send_test_call(
    account: AwsAccount,
    region: str,
    destination: str,
    *,
    origination: str | None = None,
    message: str = DEFAULT_MESSAGE,
    tier_in_production: bool | None = None,
) -> str:
    """Call `destination` once from an ACTIVE voice number; returns the MessageId."""
    from pinpoint_sandbox.aws.facts import read_tier

    destination = validate_e164(destination)
    if not message.strip():
        raise UsageError("The test call message is empty; give a short text to read out.")
    origination = origination or pick_origination(account, region, destination=destination)
    if tier_in_production is None:
        try:
            tier_in_production = read_tier(account, region)[1]
        except AwsError:
            tier_in_production = False  # unknown tier: check as if in the sandbox
    if not tier_in_production:
        check_destination_verified(account, region, destination)

    # Single-attempt client: botocore must not retry a call that rings someone's phone.
    client = account.write_client(SMS_VOICE, region)
    try:
        response = client.send_voice_message(
            DestinationPhoneNumber=destination,
            OriginationIdentity=origination,
            MessageBody=message,
            MessageBodyTextType="TEXT",
        )
    except aws.AWS_ERRORS as exc:
        raise _send_error(exc, region, destination, origination) from exc
    return str(response["MessageId"])


def ensure_voice_evidence(
    account: AwsAccount,
    regions: list[str],
    number: str,
    *,
    ledger: Path,
    confirm: Callable[[str], bool] | None,
    yes: bool,
    dry_run: bool,
    say: Callable[[str], None],
) -> str | None:
    """The `--send-test-call` policy: one real voice message, only when it is needed and the
    user agreed to it. Returns the message id when one was sent.

    `confirm` asks the user (None: no terminal). Under `dry_run` only the reads a real run
    would make are done; the call itself is not."""
    destination = validate_e164(number)
    if len(regions) != 1:
        raise UsageError("--send-test-call sends from one region: pass exactly one --region.")
    region = regions[0]
    if dry_run:
        origination = pick_origination(account, region, destination=destination)
        check_destination_verified(account, region, destination)
        say(f"--dry-run: no test call was sent; a real run would call {destination} "
            f"from {origination} in {region}.")
        return None
    target = Target(account.account_id(region), region, "voice")
    entry = Ledger(ledger).entry(target)
    if entry is not None and entry.done:
        say(f"{target.key} is already requested: no test call needed.")
        return None
    evidence = voice_evidence(account, region)
    if evidence.found:
        say(f"A voice message was already sent in {region} ({evidence.source}): "
            "no test call needed.")
        return None
    if not yes:
        if confirm is None:
            raise NoTerminalError("--send-test-call needs a confirmation: add --yes.")
        if not confirm(f"Send one real voice message to {destination} from {region}?"):
            raise Interrupted("No test call was sent; nothing was filed.")
    message_id = send_test_call(account, region, destination)
    say(f"Test voice message sent to {destination} from {region} (message id {message_id}).")
    return message_id
