"""benchmarks/scale.py judges its runs against issue #20's limits (the runs themselves are
measured by hand: they take minutes)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

SCALE = Path(__file__).resolve().parent.parent / "benchmarks" / "scale.py"


def _scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCALE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(accounts: int, wall: float, rss: int, *, latency: int = 0,
         exit_code: int = 0) -> dict[str, Any]:
    return {"run": f"batch --dry-run ({latency} ms)", "accounts": accounts, "wall_s": wall,
            "peak_rss_mb": rss, "exit": exit_code}


def test_runs_within_the_limits_pass(capsys: Any) -> None:
    over = _scale().check_limits([_row(50, 11.4, 131), _row(200, 40.0, 170)])
    assert over == []
    assert capsys.readouterr().out.count("within the limit") == 3


def test_each_limit_that_is_over_is_named() -> None:
    over = _scale().check_limits([_row(50, 15.5, 151), _row(200, 60.0, 200)])
    assert len(over) == 3
    assert "15.5 s wall" in over[0] and "151 MB" in over[1] and "1.32 x" in over[2]


def test_a_failed_dry_run_is_over_and_latency_runs_are_not_judged() -> None:
    scale = _scale()
    assert scale.check_limits([_row(50, 40.0, 400, latency=100)]) == []
    assert scale.check_limits([_row(50, 1.0, 100, exit_code=3)]) == [
        "batch --dry-run (0 ms), 50 accounts: exit 3"]
