"""`init sms|voice [FILE]`: write a commented answers-file skeleton (or print it to stdout)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pinpoint_sandbox.cli.options import ChannelChoice, LangOpt
from pinpoint_sandbox.core.errors import UsageError


def init(
    channel: Annotated[ChannelChoice, typer.Argument(help="sms or voice.")],
    file: Annotated[
        Path | None,
        typer.Argument(help="Where to write the skeleton; stdout when omitted or '-'.",
                       show_default=False),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Overwrite FILE if it exists.")
    ] = False,
    lang: LangOpt = None,
) -> None:
    """Write a commented answers-file skeleton: every question, its help text, an example."""
    from pinpoint_sandbox.core.paths import write_private
    from pinpoint_sandbox.questionnaire.i18n import set_language
    from pinpoint_sandbox.questionnaire.skeleton import render_skeleton

    set_language(lang)

    if file is None or str(file) in ("-", "/dev/stdout"):
        typer.echo(render_skeleton(channel.value), nl=False)
        return
    if (file.exists() or file.is_symlink()) and not force:
        raise UsageError(f"{file} already exists: pass --force to overwrite it.")
    from pinpoint_sandbox.core.safeio import check_output_file

    check_output_file(file, "init FILE")  # never a device, a directory or through a link
    text = render_skeleton(channel.value, str(file))
    try:
        write_private(file, text)  # the user fills their answers in here
    except OSError as exc:
        raise UsageError(f"cannot write {file}: {exc.strerror or exc}") from None
    typer.echo(
        f"Wrote {file}. Edit every value, then: pinpoint-sandbox request {channel.value} "
        f"--answers {file}",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
