"""Output is inert: the one place where text meets the terminal.

Case messages, subjects, account names, answers and file paths come from AWS or from files,
and may hold control characters: an OSC sequence retitles the terminal, a CSI one clears it
or moves the cursor, a carriage return or a bidi override forges what a line seems to say.
Every console the CLI prints with is an `InertConsole`: it removes those characters from the
text it renders, while its own styling (rich's control segments) is kept. Plain writes (error
lines) go through `clean` too. JSON output escapes them itself; the HTML report escapes HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import IO, TYPE_CHECKING, Literal

from pinpoint_sandbox.core.text import CONTROL_CHARACTERS as _CONTROL
from pinpoint_sandbox.core.text import clean as clean

if TYPE_CHECKING:
    from rich.console import Console
    from rich.segment import Segment

@cache
def _console_class() -> type[Console]:
    from rich.console import Console
    from rich.segment import Segment

    class InertConsole(Console):
        """A rich Console whose rendered text never carries a control character that is not
        its own styling (rich's control segments, e.g. Live's cursor moves, pass)."""

        def _render_buffer(self, buffer: Iterable[Segment]) -> str:
            return super()._render_buffer(
                segment if segment.control or not _CONTROL.search(segment.text)
                else Segment(clean(segment.text), segment.style)
                for segment in buffer
            )

    return InertConsole


ColorSystem = Literal["auto", "standard", "256", "truecolor", "windows"]


def console(*, stderr: bool = False, soft_wrap: bool = False, file: IO[str] | None = None,
            force_terminal: bool | None = None, color_system: ColorSystem | None = "auto",
            ) -> Console:
    """The console to print with: highlight off (AWS's ids are not code) and inert. With
    NO_COLOR set, no styling escape at all (bold included), even on a terminal: the output
    is plain text."""
    import os

    if os.environ.get("NO_COLOR") and color_system == "auto":
        color_system = None
    return _console_class()(stderr=stderr, soft_wrap=soft_wrap, file=file, highlight=False,
                            force_terminal=force_terminal, color_system=color_system)
