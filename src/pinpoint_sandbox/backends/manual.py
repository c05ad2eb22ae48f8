"""Manual backend, for Basic-plan accounts: write the rendered case to a file, point the user at
the console form, and record the target in the ledger as awaiting the user.

No AWS write call is made. A rerun sees the ledger entry and does not prepare the case twice.
"""

from __future__ import annotations

from pinpoint_sandbox.backends.base import (
    Backend,
    Existing,
    Filed,
    FilingContext,
    follow_case,
    last_reply_time,
)
from pinpoint_sandbox.core.targets import RenderedCase
from pinpoint_sandbox.ledger.case_files import create_case_url, write_case_file
from pinpoint_sandbox.ledger.lifecycle import AwsView, now_iso
from pinpoint_sandbox.ledger.store import Entry


class ManualBackend(Backend):
    name = "manual"
    summary = (
        "no AWS write: the rendered case is written to a file with the console link and a "
        "field-by-field table (for Basic-plan accounts); the ledger records it as awaiting you"
    )
    writes_to_aws = False
    kind = "by-hand"
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
        if not entry.case_id:
            return AwsView("awaiting_you", read_at=now_iso())
        return follow_case(ctx.account, entry.case_id, replied_at=last_reply_time(entry))
