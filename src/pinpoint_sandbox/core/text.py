"""Text without the characters a terminal would act on (control, bidi, BOM).

Case messages, account names, answers and paths come from AWS or from files; `cli.inert`
builds every console on `clean`, and lower layers clean the paths they put in messages.
"""

from __future__ import annotations

import re

# C0 but newline and tab, DEL, C1, bidi embeddings/overrides/isolates, marks, BOM.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                      "\ufeff]")


def clean(text: str) -> str:
    """`text` without the characters a terminal would act on (newlines and tabs kept).
    Removed rather than escaped: they are zero-width, so tables keep their layout."""
    return CONTROL_CHARACTERS.sub("", text)
