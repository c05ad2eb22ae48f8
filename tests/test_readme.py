"""The README's Python example runs as written (against the simulator)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO


def test_readme_library_example_runs(
    simulator: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (REPO / "README.md").read_text()
    [code] = re.findall(r"## Use it from Python.*?```python\n(.*?)```", readme, re.S)
    sim = simulator("fresh-sandbox")
    monkeypatch.chdir(REPO)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "us-east-1 previewed" in out and "eu-west-1 previewed" in out
    assert "exit code 0" in out
    assert sim.write_calls() == []
    assert Path(REPO / "examples/sms-answers.yaml").exists()
