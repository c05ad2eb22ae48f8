"""Case files: a rendered case saved for the user to file or paste by hand in the Support
Center (the manual backend, and a Service Quotas request on a plan without the Support API),
and the console form they go to. Tracking points at the same files."""

from __future__ import annotations

import re
from pathlib import Path

from pinpoint_sandbox.core.paths import manual_cases_dir, write_private
from pinpoint_sandbox.core.targets import RenderedCase, Target

CREATE_PATH = "support/home#/case/create?issueType=service-limit-increase"

# What to pick in the console form, field by field (AWS's current form names).
FORM_FIELDS: dict[str, list[tuple[str, str]]] = {
    "sms": [
        ("Case type", "Service limit increase"),
        ("Service", "Service Quotas (older form: Pinpoint SMS)"),
        ("Category", "AWS End User Messaging SMS (Pinpoint)"),
        ("Requests → Resource type", "General Limits"),
        ("Requests → Quota", "SMS Production Access"),
        ("Requests → New quota value", "1"),
    ],
    "voice": [
        ("Case type", "Service limit increase"),
        ("Service", "Service Quotas (older form: Pinpoint Voice)"),
        ("Category", "AWS End User Messaging Voice (Pinpoint)"),
        ("Requests → Resource type", "General Limits"),
        ("Requests → Quota", "Production Access"),
        ("Requests → New quota value", "1"),
    ],
}


def create_case_url(region: str) -> str:
    """The Support Center's "create case" form on the console of the region's partition."""
    from pinpoint_sandbox.aws.regions import console_url, partition_of

    return console_url(partition_of(region), CREATE_PATH)


def manual_case_path(target: Target) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{target.account_id}-{target.region}-{target.channel}")
    return manual_cases_dir() / f"{name}.txt"  # plain text (versions before 0.2 wrote .md)


def form_fields(target: Target, language: str) -> list[tuple[str, str]]:
    rows = [("Requests → Region", target.region), *FORM_FIELDS[target.channel]]
    rows.append(("Contact language", "Japanese" if language == "ja" else "English"))
    rows.append(("Case description", f"paste the contents of {manual_case_path(target)}"))
    return rows


def write_case_file(target: Target, case: RenderedCase) -> Path:
    return write_private(manual_case_path(target), f"Subject: {case.subject}\n\n{case.description}")

