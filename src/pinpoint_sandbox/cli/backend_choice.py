"""`--backend`: `auto` and every registered backend, read from the registry when a command
that files is built (so a new backend is a new choice without touching the CLI)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from pinpoint_sandbox.backends import registry

if TYPE_CHECKING:

    class BackendChoice(StrEnum):
        """What `--backend` accepts: `auto` and every registered backend (by value)."""

        auto = "auto"
else:
    BackendChoice = StrEnum(
        "BackendChoice", {name.replace("-", "_"): name for name in registry.choices()}
    )

BackendOpt = Annotated[
    BackendChoice,
    typer.Option(
        "--backend",
        help=f"How to file: auto (picks per region), {', '.join(registry.names()[:-1])} or "
        f"{registry.names()[-1]}.",
        metavar="BACKEND",
        rich_help_panel="Filing",  # options.FILING, spelled here: the chain stays short
    ),
]
