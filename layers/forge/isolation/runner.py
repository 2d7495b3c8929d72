"""The CommandRunner port and the plain-subprocess runner used inside an already isolated container."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Tool output kept per stream; beyond it the tail is dropped with a marker (a runaway loop must not fill the DB).
MAX_OUTPUT_BYTES = 256 * 1024


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 300
    memory_mb: int = 1024
    wall_seconds: int = 600
    max_processes: int = 256


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_ms: int
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def describe(self) -> str:
        """A log block: the command, its outcome and its output."""
        head = "$ " + " ".join(self.argv)
        outcome = "timed out" if self.timed_out else f"exit {self.returncode}"
        parts = [f"{head}   [{outcome}, {self.duration_ms} ms]"]
        if self.stdout.strip():
            parts.append(self.stdout.rstrip())
        if self.stderr.strip():
            parts.append(self.stderr.rstrip())
        return "\n".join(parts)


class Runner(Protocol):
    def run(
        self, argv: Sequence[str], cwd: Path, limits: Limits = ..., env: Mapping[str, str] | None = None
    ) -> Completed: ...


def _truncate(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    if len(data) > MAX_OUTPUT_BYTES:
        text = text[:MAX_OUTPUT_BYTES] + f"\n[... output truncated at {MAX_OUTPUT_BYTES} bytes]"
    return text


def apply_rlimits(limits: Limits) -> None:
    """Called in the child before exec: the kernel enforces CPU time, address space and process count."""
    os.setsid()
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_bounded(
    argv: Sequence[str],
    cwd: Path | None,
    limits: Limits,
    env: Mapping[str, str] | None,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Completed:
    """Run with rlimits and a wall-clock deadline; the whole process group is killed on timeout.
    `on_start` receives the process (so a canceller can kill it)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: apply_rlimits(limits),  # noqa: PLW1509 - single-threaded child before exec
    )
    if on_start is not None:
        on_start(proc)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    return Completed(
        argv=tuple(argv),
        returncode=proc.returncode,
        stdout=_truncate(out),
        stderr=_truncate(err),
        duration_ms=int((time.monotonic() - started) * 1000),
        timed_out=timed_out,
    )


class SubprocessRunner:
    """For code already inside an isolation boundary (the Fargate container, or a bubblewrap namespace)."""

    def run(
        self, argv: Sequence[str], cwd: Path, limits: Limits = Limits(), env: Mapping[str, str] | None = None
    ) -> Completed:
        child_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
        child_env.update(env or {})
        return run_bounded(argv, cwd, limits, child_env)
