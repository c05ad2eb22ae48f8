"""Manual backend, for Basic-plan accounts: write the rendered case to a file, point the user at
the console form, and record the target in the ledger as awaiting the user.

No AWS write call is made. A rerun sees the ledger entry and does not prepare the case twice.
"""

from __future__ import annotations

import re
from pathlib import Path

from pinpoint_sandbox.backends.base import Backend, Existing, Filed, FilingContext
from pinpoint_sandbox.core.paths import manual_cases_dir, write_private
from pinpoint_sandbox.core.targets import RenderedCase, Target
from pinpoint_sandbox.ledger.lifecycle import AwsView
from pinpoint_sandbox.ledger.store import Entry

CREATE_PATH = "support/home#/case/create?issueType=service-limit-increase"


def create_case_url(region: str) -> str:
    """The Support Center's "create case" form on the console of the region's partition."""
    from pinpoint_sandbox.aws.regions import console_url, partition_of

    return console_url(partition_of(region), CREATE_PATH)

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


class ManualBackend(Backend):
    name = "manual"
    summary = (
        "no AWS write: the rendered case is written to a file with the console link and a "
        "field-by-field table (for Basic-plan accounts); the ledger records it as awaiting you"
    )
    writes_to_aws = False
    chosen_because = "the case is prepared for you to file in the Support Center"

    def find_existing(self, ctx: FilingContext) -> Existing | None:
        return None  # AWS cannot tell us about a case the user has not filed yet; the ledger can.

    def file(self, ctx: FilingContext, case: RenderedCase) -> Filed:
        path = write_case_file(ctx.target, case)
        url = create_case_url(ctx.target.region)
        return Filed(
            "awaiting_user",
            note=f"case written to {path}; file it at {url} (region {ctx.target.region})",
            extra={"case_file": str(path), "console_url": url},
        )

    def refresh(self, ctx: FilingContext, entry: Entry) -> AwsView:
        """Awaiting the user until `record TARGET --case-id ID`; then followed like a case."""
        from pinpoint_sandbox.backends.support import follow_case, last_reply_time
        from pinpoint_sandbox.ledger.lifecycle import now_iso

        if not entry.case_id:
            return AwsView("awaiting_you", read_at=now_iso())
        return follow_case(ctx.account, entry.case_id, replied_at=last_reply_time(entry))
