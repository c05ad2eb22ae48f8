"""`--help` in words: Typer 0.29 shows types as `<bool>`, `<list[str]>`, `<int range>`,
`<text|json>` and required arguments as `{channel}`. We show TEXT, INTEGER, PATH, the
choices (`text|json`), nothing for a flag, and an argument by its metavar (CHANNEL)."""

from __future__ import annotations

import re

from typer import core
from typer._click import Context

WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "file": "FILE",
         "directory": "DIR", "int range": "INTEGER", "float range": "NUMBER",
         "datetime": "DATE"}


def in_words(label: str) -> str | None:
    """Typer's `<label>` as words; None for a flag (it takes no value)."""
    inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
    many = ""
    match = re.fullmatch(r"list\[(.*)\]", inner)
    if match:
        inner, many = match.group(1), "..."
    if inner == "bool":
        return None
    return WORDS.get(inner, inner) + many


def _display_type(self: core._TyperParameter, ctx: Context) -> str | None:
    if getattr(self, "is_flag", False) or getattr(self, "is_bool_flag", False):
        return None
    return in_words(_ORIGINAL(self, ctx))


def _usage_name(self: core.TyperArgument) -> str:
    name = self.metavar or str(self.name or "").upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


_ORIGINAL = core._TyperParameter.display_type


def install() -> None:
    """Once, when the CLI is imported (help is rendered by Typer's own code)."""
    core._TyperParameter.display_type = _display_type  # type: ignore[assignment,method-assign]
    core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
