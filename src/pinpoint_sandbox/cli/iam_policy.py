"""`iam-policy`: print the least-privilege IAM policy the tool needs, as JSON on stdout."""

from __future__ import annotations

from typing import Annotated

import typer

from pinpoint_sandbox.cli import backend_choice, options


def iam_policy(
    backend: backend_choice.BackendOpt = backend_choice.BackendChoice.auto,
    voice: Annotated[
        bool,
        typer.Option("--voice/--no-voice", help="Include the voice prerequisite checks."),
    ] = True,
    test_call: Annotated[
        bool,
        typer.Option(
            "--voice-test-call",
            help="Also allow sms-voice:SendVoiceMessage (a guided voice test call).",
        ),
    ] = False,
    role_arn: Annotated[
        list[str] | None,
        typer.Option(
            "--role-arn",
            help="Role the tool assumes (batch role_arn); adds sts:AssumeRole on it. Repeatable.",
            show_default=False,
        ),
    ] = None,
    organization: options.OrganizationOpt = False,
    role_name: options.RoleNameOpt = None,
) -> None:
    """Print the least-privilege IAM policy for the chosen backend (JSON on stdout)."""
    from pinpoint_sandbox.cli.output import print_json, stderr_console
    from pinpoint_sandbox.filing.iam_policy import ASSUME_ROLE_NOTE, build_policy

    if role_name and not organization:
        from pinpoint_sandbox.core.errors import UsageError

        raise UsageError("--role-name only applies with --organization; add --organization.")
    policy = build_policy(
        backend.value, voice, voice_test_call=test_call, role_arns=role_arn or (),
        organization_role=(role_name or "OrganizationAccountAccessRole") if organization else None,
    )
    print_json(policy)
    if not role_arn:
        stderr_console().print(ASSUME_ROLE_NOTE, markup=False)


def register(app: typer.Typer) -> None:
    app.command("iam-policy")(iam_policy)
