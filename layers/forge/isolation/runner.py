"""The CommandRunner port and the plain-subprocess runner used inside an already isolated container."""

from __future__ import annotations

import ctypes
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
class Identity:
    """Who a child runs as once it has dropped the launcher's privileges."""

    uid: int
    gid: int


# The kernel's overflow user: owns nothing, so a child running as it can read no other process's /proc/<pid>/environ
# and no file of the (root) launcher. bubblewrap maps the local children to the same ids.
NOBODY = Identity(uid=65534, gid=65534)

_PR_SET_NO_NEW_PRIVS = 38


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


def forbid_new_privileges() -> None:
    """Called in the child before exec: no setuid binary or file capability can raise it again."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def _prepare_child(limits: Limits, drop_to: Identity | None) -> None:
    # Runs after Popen has already switched to `drop_to` (setgroups([]), setregid, setreuid happen before
    # preexec_fn), so a uid change from root has cleared every capability by now.
    apply_rlimits(limits)
    if drop_to is not None:
        forbid_new_privileges()


def run_bounded(
    argv: Sequence[str],
    cwd: Path | None,
    limits: Limits,
    env: Mapping[str, str] | None,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
    drop_to: Identity | None = None,
) -> Completed:
    """Run with rlimits and a wall-clock deadline; the whole process group is killed on timeout.
    `on_start` receives the process (so a canceller can kill it). With `drop_to` the child gives up the launcher's
    uid, gid, supplementary groups and capabilities before exec and sets no_new_privs (the launcher must be root
    or hold CAP_SETUID/CAP_SETGID)."""
    identity: dict[str, object] = (
        {"user": drop_to.uid, "group": drop_to.gid, "extra_groups": []} if drop_to is not None else {}
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: _prepare_child(limits, drop_to),  # noqa: PLW1509 - single-threaded child before exec
        **identity,
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
