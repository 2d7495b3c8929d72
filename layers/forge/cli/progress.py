"""Live per-step progress of a job, printed as its runs change."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console

from forge.cli.client import ForgeClient
from forge.cli.output import untrusted
from forge.models.job import JobStatus, RunStatus

ICONS = {
    RunStatus.SUCCESS: "[green]✓[/]",
    RunStatus.FAILED: "[red]✗[/]",
    RunStatus.CANCELLED: "[yellow]⊘[/]",
    RunStatus.RUNNING: "[cyan]…[/]",
}
FINISHED = tuple(s for s in JobStatus if s.finished)


def _duration(run: dict[str, Any]) -> str:
    ms = run.get("duration_ms")
    return f"{ms / 1000:6.1f}s" if ms is not None else "       "


class Follower:
    """Prints each run once when it starts waiting and once when it ends, across several follow() calls."""

    def __init__(self, client: ForgeClient, job_id: str, console: Console) -> None:
        self.client = client
        self.job_id = job_id
        self.console = console
        self._seen: set[tuple[str, str]] = set()

    def follow(self, stop_at_approval: bool = True, timeout_s: float = 1800) -> dict[str, Any]:
        """Poll until the job ends (or waits for approval); return the job detail."""
        deadline = time.monotonic() + timeout_s
        with self.console.status("starting…") as status:
            while True:
                detail = self.client.job(self.job_id)
                for run in detail["runs"]:
                    self._show(run, status)
                job = detail["job"]
                if job["status"] in FINISHED:
                    return detail
                if stop_at_approval and job["status"] == JobStatus.AWAITING_APPROVAL and detail.get("approval_request"):
                    return detail
                if time.monotonic() > deadline:
                    self.console.print(
                        f"still {untrusted(job['status'])} after {timeout_s:.0f}s; "
                        f"`forge job {untrusted(self.job_id)}` shows where it is"
                    )
                    return detail
                time.sleep(0.3)

    def _show(self, run: dict[str, Any], status: Any) -> None:
        key = (run["id"], run["status"])
        if key in self._seen:
            return
        self._seen.add(key)
        label = untrusted(run["step"] + (f" (attempt {run['attempt']})" if run["attempt"] > 1 else ""))
        if run["status"] == RunStatus.RUNNING:
            status.update(f"{label} running…")
            if run["step"] == "approval":
                self.console.print(f"  {ICONS[RunStatus.RUNNING]} {label:<20}          waiting for approvals")
            return
        note = untrusted(run.get("error") or run["artifacts"].get("summary", ""))
        self.console.print(f"  {ICONS.get(run['status'], '?')} {label:<20} {_duration(run)}  {note}", soft_wrap=True)
