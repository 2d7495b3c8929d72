"""Live per-step progress of a job, printed as its runs change."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console

from forge.cli.client import ForgeClient

ICONS = {
    "success": "[green]✓[/]",
    "failed": "[red]✗[/]",
    "cancelled": "[yellow]⊘[/]",
    "running": "[cyan]…[/]",
}
FINISHED = ("success", "failed", "cancelled")


def _duration(run: dict[str, Any]) -> str:
    ms = run.get("duration_ms")
    return f"{ms / 1000:6.1f}s" if ms is not None else "       "


def follow(
    client: ForgeClient, job_id: str, console: Console, stop_at_approval: bool = True, timeout_s: float = 1800
) -> dict[str, Any]:
    """Print each run once when it starts and once when it ends; return the job detail at the end."""
    seen: dict[tuple[str, str], str] = {}
    deadline = time.monotonic() + timeout_s
    with console.status("starting…") as status:
        while True:
            detail = client.job(job_id)
            for run in detail["runs"]:
                key = (run["id"], run["status"])
                if key in seen:
                    continue
                seen[key] = run["status"]
                label = f"{run['step']}" + (f" (attempt {run['attempt']})" if run["attempt"] > 1 else "")
                if run["status"] == "running":
                    status.update(f"{label} running…")
                    if run["step"] == "approval":
                        console.print(f"  {ICONS['running']} {label:<20}        waiting for approvals")
                    continue
                note = run.get("error") or run["artifacts"].get("summary", "")
                console.print(f"  {ICONS.get(run['status'], '?')} {label:<20} {_duration(run)}  {note}")
            job = detail["job"]
            if job["status"] in FINISHED:
                return detail
            if stop_at_approval and job["status"] == "awaiting_approval" and detail.get("approval_request"):
                return detail
            if time.monotonic() > deadline:
                console.print(f"[yellow]still {job['status']} after {timeout_s:.0f}s; follow with `forge job {job_id}`")
                return detail
            time.sleep(0.3)
