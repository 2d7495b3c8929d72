"""The local stand-in for the every-minute gauge schedule: one daemon thread that emits the gauges on a clock."""

from __future__ import annotations

import threading
from collections.abc import Callable

from forge.observability import logger

# The AWS schedule's rate (infra/schedules.py GAUGES); one small query per tick, so the runtime stays light.
DEFAULT_INTERVAL_SECONDS = 60.0


class GaugeTicker:
    def __init__(self, tick: Callable[[], object], interval_seconds: float = DEFAULT_INTERVAL_SECONDS) -> None:
        if interval_seconds <= 0:
            raise ValueError(f"gauge interval must be positive, got {interval_seconds}")
        self._tick = tick
        self._interval = interval_seconds
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="forge-gauges", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        # First reading at once, so a dashboard has a value as soon as the runtime is up.
        while not self._stopped.is_set():
            try:
                self._tick()
                self.ticks += 1
            except Exception:  # a failed reading (database restarting) must not end the ticker
                logger.exception("gauge reading failed")
            self._stopped.wait(self._interval)
