"""Waiting for something another thread or process does, without guessing how long it takes.

Where the test owns the code that acts, it waits on a threading.Event that code sets. Where it can only observe
(a workflow engine's status, a job's row, Postgres' lock queue), it waits for the condition with `wait_until`:
the deadline is a generous bound on a hang, never an estimate of how long the work takes, so a slow or busy
machine makes the test slower, not red.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# How long anything a test waits for may take before the test calls it a hang.
HANG = 120.0
_RECHECK = 0.02


def wait_until(probe: Callable[[], T], done: Callable[[T], bool], timeout: float = HANG, what: str = "") -> T:
    """Call `probe` until `done(result)`; return that result. Raise AssertionError with the last result after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = _RECHECK
    while True:
        result = probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or 'condition'} not reached after {timeout:.0f}s; last seen: {result!r}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
