"""bubblewrap (`bwrap`): a throwaway namespace with no network, a read-only system and a private /tmp.

Only the working directory is writable. The forge's own state (database, HSM token, keys) is never
mounted, so an untrusted plugin cannot read it even though it runs on the same host.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from forge.errors import IsolationUnavailable
from forge.isolation.runner import Completed, Limits, run_bounded

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
    probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-net", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise IsolationUnavailable(f"bubblewrap cannot create namespaces here: {probe.stderr.strip()}")
    return path


def _python_paths() -> list[str]:
    """Where the interpreter, the virtualenv and the forge library live, so `python -m` works inside."""
    import forge

    paths = {sys.base_prefix, sys.prefix, str(Path(forge.__file__).resolve().parent.parent)}
    return sorted(p for p in paths if Path(p).exists())


def bwrap_argv(workdir: Path, cwd: str, extra_ro: Sequence[str] = ()) -> list[str]:
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
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    argv += [
        "--bind",
        str(workdir.resolve()),
        SANDBOX_WORKDIR,
        "--chdir",
        f"{SANDBOX_WORKDIR}/{cwd}".rstrip("/."),
    ]
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
    """Runs each command in its own namespace. `cwd` must lie inside `workdir`, which is mounted at /sandbox."""

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
    ) -> Completed:
        relative = Path(cwd).resolve().relative_to(self.workdir.resolve())
        readable = [*(_python_paths() if self.with_python else ()), *self.extra_ro]
        wrapper = bwrap_argv(self.workdir, str(relative), sorted(set(readable)))
        for key, value in (env or {}).items():
            wrapper += ["--setenv", key, value]
        completed = run_bounded([*wrapper, "--", *argv], None, limits, None, on_start)
        # Report the command the user cares about, not the bwrap preamble.
        return Completed(
            tuple(argv),
            completed.returncode,
            completed.stdout,
            completed.stderr,
            completed.duration_ms,
            completed.timed_out,
        )
