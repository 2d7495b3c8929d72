"""What an isolated half does about processes its tools leave behind, and about being inspected by them.

The isolated half (functions/<step>/entrypoint.py) runs every tool as its own child, under the same uid. A tool
that forks into the background would outlive its run and could rewrite the next phase's folder, or attach to the
entrypoint and forge its report. So the entrypoint becomes a child subreaper (orphans are re-parented to it, not
to init, whatever they do) and ends every child left after each tool, and it makes itself non-dumpable (no
ptrace, no /proc/<pid>/mem, fd or environ for a same-uid process without CAP_SYS_PTRACE).
"""

from __future__ import annotations

import ctypes
import os
import signal
from pathlib import Path

_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
# A fork bomb re-parents its survivors here faster than one pass kills them; the process limit bounds how many.
_MAX_ROUNDS = 1000


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def guard_isolated_half() -> None:
    """Call first thing in the isolated half's entrypoint."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_DUMPABLE, 0)


def is_subreaper() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    flag = ctypes.c_int(0)
    return libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) == 0 and flag.value == 1


def _children() -> list[int]:
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after its last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            found.append(int(entry.name))
    return found


def end_leftovers() -> int:
    """Kill and reap every child this process still has; returns how many. Only in a subreaper (the isolated
    half): anywhere else a process's other children (a database server, say) are none of this function's business."""
    if not is_subreaper():
        return 0
    ended = 0
    for _ in range(_MAX_ROUNDS):
        children = _children()
        if not children:
            break
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
        for pid in children:
            try:
                os.waitpid(pid, 0)
                ended += 1
            except ChildProcessError:
                pass
    return ended
