"""`python -m pinpoint_sandbox` runs the CLI."""

from pinpoint_sandbox.cli import run

run()
