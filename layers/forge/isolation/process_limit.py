"""The process limit of a bubblewrap sandbox: a pids cgroup per run when this host lets the forge create one;
RLIMIT_NPROC inside the sandbox's user namespace in any case.

RLIMIT_NPROC alone does not hold when the launcher is root (the local runtime here): bubblewrap maps the sandbox's
uid to the launcher's, and the kernel never applies RLIMIT_NPROC to uid 0 (measured on this kernel: 2000 of 2000
forks succeeded under a limit of 50). For a non-root launcher it holds, counted per sandbox. A pids cgroup holds
for both and also lets the forge end every process of the run, including any that left the process group.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from forge.observability import logger

CGROUP_FS = Path("/sys/fs/cgroup")
# Under the pids hierarchy (cgroup v1) or this process's own cgroup (v2, when it may delegate pids).
PARENT_NAME = "forge-sandboxes"
_ids = itertools.count(1)


def _candidates() -> list[Path]:
    v1 = CGROUP_FS / "pids"
    if v1.is_dir():
        return [v1]
    try:
        own = next(line[3:] for line in Path("/proc/self/cgroup").read_text().splitlines() if line.startswith("0::"))
    except (OSError, StopIteration):
        return []
    return [CGROUP_FS / own.lstrip("/")]


def _usable(parent: Path) -> bool:
    """A child of `parent` gets a pids.max: the controller is there and the forge may use it."""
    probe = parent / f"probe-{os.getpid()}"
    try:
        parent.mkdir(exist_ok=True)
        if (parent / "cgroup.subtree_control").exists():  # v2: delegate pids to the children
            (parent / "cgroup.subtree_control").write_text("+pids")
        probe.mkdir(exist_ok=True)
        return (probe / "pids.max").is_file()
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()


@lru_cache(maxsize=1)
def pids_parent() -> Path | None:
    """Where this process creates its runs' pids cgroups, or None when it cannot (then it says so, once)."""
    for base in _candidates():
        parent = base / PARENT_NAME
        if _usable(parent):
            return parent
    if os.geteuid() == 0:
        logger.warning(
            "no writable pids cgroup: the sandbox's process limit is NOT enforced (RLIMIT_NPROC does not bind a "
            "root launcher); give the forge a pids cgroup (/sys/fs/cgroup) or run it as a non-root user"
        )
    return None


def nproc_prefix(max_processes: int) -> list[str]:
    """Run the command under RLIMIT_NPROC set inside the sandbox (after its user namespace exists), so only the
    sandbox's own processes count, not every process of the launcher's uid."""
    return ["prlimit", f"--nproc={max_processes}:{max_processes}", "--"]


def _empty(group: Path) -> None:
    """SIGKILL everything still in the cgroup (it may have left the process group) until it is empty."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except OSError:
            return
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


@contextmanager
def confined(max_processes: int) -> Iterator[Callable[[], None] | None]:
    """A fresh pids cgroup capped at `max_processes`; yields what the child calls before exec to enter it (None
    without cgroups). On exit every process left in it is killed and the cgroup removed."""
    parent = pids_parent()
    if parent is None:
        yield None
        return
    group = parent / f"run-{os.getpid()}-{next(_ids)}"
    group.mkdir()
    try:
        (group / "pids.max").write_text(str(max_processes))
        procs = str(group / "cgroup.procs")

        def enter() -> None:  # in the forked child: plain syscalls only
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)

        yield enter
    finally:
        _empty(group)
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.02)
