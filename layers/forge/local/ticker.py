"""The local stand-in for EventBridge Scheduler: a daemon thread that runs one task on a clock (the gauges, the
workflow-callback sweeper)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from forge.observability import logger

# The AWS schedule's rate (infra/schedules.py GAUGES); one small query per tick, so the runtime stays light.
DEFAULT_INTERVAL_SECONDS = 60.0


class Ticker:
    def __init__(
        self, tick: Callable[[], object], interval_seconds: float = DEFAULT_INTERVAL_SECONDS, name: str = "gauges"
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError(f"{name} interval must be positive, got {interval_seconds}")
        self.name = name
        self._tick = tick
        self._interval = interval_seconds
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"forge-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        # First run at once, so a dashboard has a value (and a due callback goes out) as soon as the runtime is up.
        while not self._stopped.is_set():
            try:
                self._tick()
                self.ticks += 1
            except Exception:  # noqa: BLE001 - logged; a failed run (database restarting) must not end the ticker
                logger.exception(f"{self.name} run failed")
            self._stopped.wait(self._interval)
