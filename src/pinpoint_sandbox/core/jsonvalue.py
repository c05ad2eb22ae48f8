"""The value types at the tool's true boundaries: YAML read in, JSON written out.

A YAML or JSON document is a tree of these; code that reads one narrows each value it uses
(`isinstance`) instead of trusting its shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = "dict[str, JsonValue]"


def json_list(value: JsonValue) -> list[JsonValue]:
    """A list value's items; anything else (missing, a scalar) has none."""
    return value if isinstance(value, list) else []


def json_object(value: JsonValue) -> JsonObject:
    """A mapping value; anything else (missing, a scalar, a list) is empty."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Deferred:
    """A part of a JSON document built only as it is written (`cli.output.print_json`): a
    large document's rows exist one at a time as JSON, not as a second copy of them all."""

    build: Callable[[], object]
