"""What keeps an organization's dry run from growing with its accounts (issue #20, 6c)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from pinpoint_sandbox.aws import pool
from pinpoint_sandbox.core.targets import RenderedCase


def test_a_case_keeps_only_the_lines_it_changes_and_reads_back_byte_for_byte() -> None:
    lines = [f"line {i}" for i in range(40)]
    first = RenderedCase("s1", "\n".join([*lines[:3], "region eu-west-1", *lines[4:]]))
    other_text = "\n".join([*lines[:3], "region us-east-1", *lines[4:]])
    other = RenderedCase("s2", other_text)
    assert other.description == other_text
    assert len(other._changes) == 2  # one (index, line) pair, the rest is the shared base
    assert other._base is first._base
    assert RenderedCase("s2", other_text) == other
    assert hash(RenderedCase("s2", other_text)) == hash(other)
    assert other != first


def test_a_case_unlike_the_base_keeps_its_own_lines() -> None:
    RenderedCase("a", "\n".join(f"alpha {i}" for i in range(33)))
    text = "\n".join(f"beta {i}" for i in range(33))
    case = RenderedCase("b", text)
    assert case._changes == ()
    assert case.description == text


def test_map_all_keeps_order_and_a_bounded_window_of_submitted_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lock = threading.Lock()
    counts = {"submitted": 0, "done": 0, "most": 0}
    real_submit = pool.submit

    def counting_submit(fn: Callable[..., int], *args: object) -> pool.Task[int]:
        with lock:
            counts["submitted"] += 1
            counts["most"] = max(counts["most"], counts["submitted"] - counts["done"])
        return real_submit(fn, *args)

    def double(n: int) -> int:
        with lock:
            counts["done"] += 1
        return 2 * n

    monkeypatch.setattr(pool, "submit", counting_submit)
    monkeypatch.setattr(pool, "size", lambda: 2)
    assert pool.map_all(double, range(200)) == [2 * n for n in range(200)]
    assert counts["submitted"] == 200
    assert counts["most"] <= pool.AHEAD_PER_WORKER * 2


def test_map_all_raises_the_first_failure_in_order() -> None:
    def fail_on_odd(n: int) -> int:
        if n % 2:
            raise ValueError(f"item {n}")
        return n

    with pytest.raises(ValueError, match="item 1"):
        pool.map_all(fail_on_odd, range(50))
