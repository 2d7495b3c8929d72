"""The CommandRunner port and the plain-subprocess runner used inside an already isolated container."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from forge.config import Settings

# Tool output kept per stream; beyond it the tail is dropped with a marker (a runaway loop must not fill the DB).
MAX_OUTPUT_BYTES = 256 * 1024
# Once the command has exited, how long a process it left behind may keep its pipes open before reading stops.
_DRAIN_SECONDS = 2.0


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 300
    memory_mb: int = 1024
    wall_seconds: int = 600
    # Processes (and threads) the whole run may have at once: a pids cgroup or RLIMIT_NPROC (forge.isolation).
    max_processes: int = 256
    # Size of each folder a sandboxed tool may write (bubblewrap: its work folder and /tmp, each a tmpfs of this
    # size); also the largest single file any bounded process may write (RLIMIT_FSIZE).
    disk_mb: int = 512


def with_memory_at_least(limits: Limits, memory_mb: int) -> Limits:
    """`limits` with at least `memory_mb` of address space for a tool that reserves more than it uses (Node.js),
    capped at this process's own hard limit, which no child of it can exceed."""
    if memory_mb <= limits.memory_mb:
        return limits
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    cap = memory_mb if hard == resource.RLIM_INFINITY else hard // (1024 * 1024)
    return dataclasses.replace(limits, memory_mb=max(limits.memory_mb, min(memory_mb, cap)))


def step_limits(settings: Settings) -> Limits:
    """The limits of one isolated step run, from FORGE_STEP_* (forge.config)."""
    return Limits(
        cpu_seconds=settings.step_timeout_seconds,
        memory_mb=settings.step_memory_mb,
        wall_seconds=settings.step_timeout_seconds,
        max_processes=settings.step_max_processes,
        disk_mb=settings.step_disk_mb,
    )


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
    # What the child wrote to its ResultPipe, cut at the pipe's limit; None when it was given none.
    result: bytes | None = None

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


class ResultPipe:
    """A pipe the child writes its result to (its write end's number goes on the child's command line). The
    launcher reads it while the child runs, at most `limit` bytes: the trusted side gets bytes, never a path the
    untrusted side could have replaced with a link or a FIFO."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.read_fd, self.child_fd = os.pipe()

    def close_child_end(self) -> None:
        if self.child_fd >= 0:
            os.close(self.child_fd)
            self.child_fd = -1

    def __enter__(self) -> ResultPipe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_child_end()
        if self.read_fd >= 0:
            os.close(self.read_fd)
            self.read_fd = -1


@dataclass
class _Capture:
    limit: int
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, chunk: bytes) -> None:
        room = max(self.limit - len(self.data), 0)
        self.data += chunk[:room]
        self.dropped += len(chunk) - min(len(chunk), room)


def _text(capture: _Capture) -> str:
    text = bytes(capture.data).decode("utf-8", errors="replace")
    if capture.dropped:
        text += f"\n[... output truncated at {capture.limit} bytes]"
    return text


def apply_rlimits(limits: Limits, processes: bool = True) -> None:
    """Called in the child before exec: the kernel enforces CPU time, address space, file size and (unless the
    child is bubblewrap, which limits its processes inside its own user namespace) the process count. The kernel
    does not apply RLIMIT_NPROC to uid 0: it binds an unprivileged child (Fargate's), not a root one."""
    os.setsid()
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    file_size = limits.disk_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    if processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))


def forbid_new_privileges() -> None:
    """Called in the child before exec: no setuid binary or file capability can raise it again."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def _prepare_child(
    limits: Limits, drop_to: Identity | None, limit_processes: bool, before_exec: Callable[[], None] | None
) -> None:
    # Runs after Popen has already switched to `drop_to` (setgroups([]), setregid, setreuid happen before
    # preexec_fn), so a uid change from root has cleared every capability by now, and RLIMIT_NPROC counts the
    # processes of the unprivileged uid.
    if before_exec is not None:
        before_exec()
    apply_rlimits(limits, processes=limit_processes)
    if drop_to is not None:
        forbid_new_privileges()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:  # Popen(stdout=PIPE, stderr=PIPE) always makes both
        raise RuntimeError("subprocess.PIPE gave no pipe")
    return stream


def _pump(proc: subprocess.Popen[bytes], captures: dict[int, _Capture], wall_seconds: int) -> bool:
    """Read every pipe into its bounded capture until all are closed; returns whether the wall clock ran out.
    Reading goes on past a capture's limit (the child must not block on a full pipe) but stops once the command
    has exited and _DRAIN_SECONDS passed: a process it left behind may hold a pipe open for ever."""
    deadline = time.monotonic() + wall_seconds
    timed_out = False
    stop_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for fd in captures:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if stop_at is None and proc.poll() is not None:
                stop_at = now + _DRAIN_SECONDS
            if stop_at is None and now >= deadline:
                timed_out = True
                _kill_group(proc)
                stop_at = now + _DRAIN_SECONDS
            if stop_at is not None and now >= stop_at:
                break
            until = stop_at if stop_at is not None else deadline
            for key, _ in selector.select(timeout=min(max(until - now, 0.0), 0.5)):
                try:
                    chunk = os.read(key.fd, 65536)
                except BlockingIOError:
                    continue
                if chunk:
                    captures[key.fd].add(chunk)
                else:
                    selector.unregister(key.fd)
    if not timed_out:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
        except subprocess.TimeoutExpired:  # it closed its pipes but kept running
            timed_out = True
    if timed_out:
        _kill_group(proc)
    proc.wait()
    return timed_out


def run_bounded(
    argv: Sequence[str],
    cwd: Path | None,
    limits: Limits,
    env: Mapping[str, str] | None,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
    drop_to: Identity | None = None,
    result: ResultPipe | None = None,
    before_exec: Callable[[], None] | None = None,
    limit_processes: bool = True,
) -> Completed:
    """Run with rlimits and a wall-clock deadline; the whole process group is killed on timeout. Output is read
    with a bound per stream, so a child printing gigabytes costs the launcher no memory.
    `on_start` receives the process (so a canceller can kill it). With `drop_to` the child gives up the launcher's
    uid, gid, supplementary groups and capabilities before exec and sets no_new_privs (the launcher must be root
    or hold CAP_SETUID/CAP_SETGID). With `result` the child inherits the pipe's write end and its bytes come back
    in Completed.result. `before_exec` runs in the child first (e.g. to enter a cgroup)."""
    started = time.monotonic()
    # Running the tools the caller names, bounded, is this module's job; the isolation is the caller's (bubblewrap,
    # the task's unprivileged child).
    proc = subprocess.Popen(  # noqa: S603
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(result.child_fd,) if result is not None else (),
        preexec_fn=lambda: _prepare_child(limits, drop_to, limit_processes, before_exec),  # noqa: PLW1509 - single-threaded child before exec
        user=drop_to.uid if drop_to is not None else None,
        group=drop_to.gid if drop_to is not None else None,
        extra_groups=[] if drop_to is not None else None,
    )
    stdout, stderr = _pipe(proc.stdout), _pipe(proc.stderr)
    if result is not None:
        result.close_child_end()  # else the pipe never reports end-of-file
    if on_start is not None:
        on_start(proc)
    out, err = _Capture(MAX_OUTPUT_BYTES), _Capture(MAX_OUTPUT_BYTES)
    captures = {stdout.fileno(): out, stderr.fileno(): err}
    sent = _Capture(result.limit) if result is not None else None
    if result is not None and sent is not None:
        captures[result.read_fd] = sent
    try:
        timed_out = _pump(proc, captures, limits.wall_seconds)
    finally:
        stdout.close()
        stderr.close()
    return Completed(
        argv=tuple(argv),
        returncode=proc.returncode,
        stdout=_text(out),
        stderr=_text(err),
        duration_ms=int((time.monotonic() - started) * 1000),
        timed_out=timed_out,
        result=bytes(sent.data) if sent is not None else None,
    )


class SubprocessRunner:
    """For code already inside an isolation boundary (the Fargate container, or a bubblewrap namespace). When
    this process is a child subreaper (the isolated half's entrypoint makes itself one), whatever a tool left
    running is ended after it, so one tool's leftovers cannot reach into the next one's folder."""

    def run(
        self, argv: Sequence[str], cwd: Path, limits: Limits = Limits(), env: Mapping[str, str] | None = None
    ) -> Completed:
        from forge.isolation.leftovers import end_leftovers

        # Inside the isolation boundary, where /tmp is the sandbox's own (a tmpfs, the task's volume).
        child_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}  # noqa: S108
        child_env.update(env or {})
        done = run_bounded(argv, cwd, limits, child_env)
        end_leftovers()
        return done
