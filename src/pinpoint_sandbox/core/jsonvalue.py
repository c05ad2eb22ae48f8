"""The value types at the tool's true boundaries: YAML read in, JSON written out.

A YAML or JSON document is a tree of these; code that reads one narrows each value it uses
(`isinstance`) instead of trusting its shape.
"""

from __future__ import annotations

from typing import TypeAlias

JsonValue: TypeAlias = "str | int | float | bool | None | list[JsonValue] | dict[str, JsonValue]"
JsonObject: TypeAlias = "dict[str, JsonValue]"
