"""The one pool: every concurrent piece of work in the process runs here.

Callers submit work (`submit`, `map_all`); no other module sizes or builds a pool. The pool is
as large as `--max-concurrency`, the same bound the AWS calls in flight have, so a run never
holds more worker threads than that, however its fan-outs nest (organization → accounts →
regions → targets).

Nesting never deadlocks: a caller that waits for work nobody has started yet runs that work
itself, in its own thread. Work only waits for work it submitted, so every wait is on
something running or on something the waiter runs.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_SIZE = 64
_LOCK = threading.Lock()
_SIZE = [DEFAULT_SIZE]
_EXECUTOR: list[ThreadPoolExecutor] = []


def set_size(size: int) -> None:
    """Resize the pool (`--max-concurrency`). Work already running finishes where it is."""
    with _LOCK:
        _SIZE[0] = max(1, size)
        if _EXECUTOR:
            _EXECUTOR.pop().shutdown(wait=False)


def size() -> int:
    return _SIZE[0]


def _executor() -> ThreadPoolExecutor:
    with _LOCK:
        if not _EXECUTOR:  # threads start on demand, up to the size
            _EXECUTOR.append(ThreadPoolExecutor(_SIZE[0], thread_name_prefix="pinpoint-sandbox"))
        return _EXECUTOR[0]


class Task(Generic[R]):
    """Submitted work. `result()` runs it in the caller's thread when no worker has started
    it yet, so a worker waiting on its own sub-work never starves the pool."""

    def __init__(self, fn: Callable[..., R], args: tuple[object, ...]) -> None:
        self._fn, self._args = fn, args
        self._lock = threading.Lock()
        self._future: Future[R] = _executor().submit(fn, *args)

    def result(self) -> R:
        with self._lock:
            if self._future.cancel():  # not started: run it here
                inline: Future[R] = Future()
                try:
                    inline.set_result(self._fn(*self._args))
                except BaseException as exc:  # kept for the caller, as a worker would
                    inline.set_exception(exc)
                self._future = inline
        return self._future.result()


def submit(fn: Callable[..., R], *args: object) -> Task[R]:
    return Task(fn, args)


# Items submitted ahead of the oldest unfinished one, per worker: enough to keep every worker
# busy, while an organization's 12,000 targets do not each hold a queued task (~1.5 KB) at once.
AHEAD_PER_WORKER = 4


def map_all(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`fn` over `items` concurrently, results in the items' order. The first failure (in
    that order) is raised once every earlier item is done, as `Executor.map` does; items
    beyond the submission window are then not started."""
    window = AHEAD_PER_WORKER * size()
    tasks: deque[Task[R]] = deque()
    results: list[R] = []
    for item in items:
        tasks.append(submit(fn, item))
        if len(tasks) >= window:
            results.append(tasks.popleft().result())
    results.extend(task.result() for task in tasks)
    return results


def wait_all(tasks: Iterable[Task[R]]) -> None:
    """Wait for work whose results are read elsewhere (e.g. reads that fill a cache)."""
    for task in tasks:
        task.result()
