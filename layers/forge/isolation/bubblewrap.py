"""bubblewrap (`bwrap`): a throwaway namespace with no network, a read-only system and bounded resources.

What a sandboxed tool sees:
- /input: the folder the trusted side staged, read-only. The tool can never change, or plant a link in, anything
  the trusted side reads or writes afterwards;
- /sandbox (its work folder) and /tmp: fresh tmpfs of Limits.disk_mb each, the only writable places, gone with the
  namespace. What the trusted side needs back comes as bytes over a pipe (runner.ResultPipe);
- read-only: the system folders the tools need and, on request, the interpreter and the forge library.
The forge's own state (database, HSM token, keys) is never mounted, so an untrusted plugin cannot read it even
though it runs on the same host. Processes are capped by forge.isolation.process_limit.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from forge.errors import IsolationUnavailable
from forge.isolation import process_limit
from forge.isolation.bytecode import compile_library
from forge.isolation.runner import Completed, Limits, ResultPipe, run_bounded

SANDBOX_INPUT = "/input"
SANDBOX_WORKDIR = "/sandbox"
# System folders the tools need, read-only. /etc is narrowed to what php, composer and python read.
_RO_SYSTEM = (
    "/usr",
    "/etc/php",
    "/etc/alternatives",
    "/etc/ssl",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
)


@lru_cache(maxsize=1)
def bwrap_path() -> str:
    path = shutil.which("bwrap")
    if not path:
        raise IsolationUnavailable("bubblewrap is not installed (Debian package 'bubblewrap'); run `make bootstrap`")
    probe = subprocess.run(  # noqa: S603 - bwrap found on PATH, a fixed probe
        [path, "--ro-bind", "/", "/", "--unshare-net", "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        raise IsolationUnavailable(f"bubblewrap cannot create namespaces here: {probe.stderr.strip()}")
    return path


def _python_paths() -> list[str]:
    """Where the interpreter, the virtualenv and the forge library live, so `python -m` works inside."""
    import forge

    paths = {sys.base_prefix, sys.prefix, str(Path(forge.__file__).resolve().parent.parent)}
    return sorted(p for p in paths if Path(p).exists())


def bwrap_argv(inputs: Path, cwd: str, limits: Limits, extra_ro: Sequence[str] = ()) -> list[str]:
    size = str(limits.disk_mb * 1024 * 1024)
    argv = [
        bwrap_path(),
        "--unshare-all",
        "--unshare-user",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "forge-sandbox",
        # The writable tmpfs first: every bind below lands on top of them, so an interpreter or a checkout that
        # lives under /tmp (a clone there, a virtualenv elsewhere) stays visible instead of being hidden.
        "--size",
        size,
        "--tmpfs",
        "/tmp",
        "--size",
        size,
        "--tmpfs",
        SANDBOX_WORKDIR,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--ro-bind",
        str(inputs.resolve()),
        SANDBOX_INPUT,
    ]
    for path in _RO_SYSTEM:
        if Path(path).exists():
            argv += ["--ro-bind", path, path]
    for link in ("bin", "lib", "lib64", "sbin"):
        host = Path("/") / link
        if host.is_symlink():
            argv += ["--symlink", str(host.readlink()), f"/{link}"]
        elif host.exists():
            argv += ["--ro-bind", str(host), f"/{link}"]
    for path in extra_ro:
        argv += ["--ro-bind", path, path]
    argv += ["--chdir", f"{SANDBOX_INPUT}/{cwd}".rstrip("/.")]
    argv += [
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/local/bin:/usr/bin:/bin",
        "--setenv",
        "HOME",
        "/tmp",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--setenv",
        "COMPOSER_HOME",
        "/tmp/composer",
    ]
    return argv


class BubblewrapRunner:
    """Runs each command in its own namespace, with `workdir` read-only at /input and an empty writable /sandbox.
    `cwd` must lie inside `workdir`: the command starts in the same place under /input."""

    def __init__(self, workdir: Path, with_python: bool = False, extra_ro: Sequence[str] = ()) -> None:
        self.workdir = workdir
        self.with_python = with_python
        self.extra_ro = tuple(extra_ro)

    def run(
        self,
        argv: Sequence[str],
        cwd: Path,
        limits: Limits = Limits(),
        env: Mapping[str, str] | None = None,
        on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
        result: ResultPipe | None = None,
    ) -> Completed:
        relative = Path(cwd).resolve().relative_to(self.workdir.resolve())
        if self.with_python:
            compile_library()
        readable = [*(_python_paths() if self.with_python else ()), *self.extra_ro]
        wrapper = bwrap_argv(self.workdir, str(relative), limits, sorted(set(readable)))
        for key, value in (env or {}).items():
            wrapper += ["--setenv", key, value]
        command = [*wrapper, "--", *process_limit.nproc_prefix(limits.max_processes), *argv]
        with process_limit.confined(limits.max_processes) as enter_cgroup:
            # RLIMIT_NPROC is set inside (nproc_prefix): set here it would count every process of this uid.
            completed = run_bounded(
                command, None, limits, None, on_start, result=result, before_exec=enter_cgroup, limit_processes=False
            )
        # Report the command the user cares about, not the bwrap preamble.
        return dataclasses.replace(completed, argv=tuple(argv))
