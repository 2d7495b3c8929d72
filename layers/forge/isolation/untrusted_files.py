"""Reading and copying files an untrusted process could have written or replaced.

A link planted in place of an expected file (to /proc/self/environ, to a root-only file), a FIFO that never
answers, a file of gigabytes: none of them may make the reader disclose, block or exhaust anything.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path


def read_untrusted(path: Path, max_bytes: int) -> bytes | None:
    """The regular file at `path`, at most `max_bytes` of it, or None. The last component is never followed if it
    is a link (O_NOFOLLOW), a FIFO or device is never waited on (O_NONBLOCK, then only a regular file is read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(max_bytes)


def fresh_copy(source: Path, target: Path) -> Path:
    """A new folder `target` holding a copy of `source` (links copied as links, never followed); it must not
    exist yet, so nothing can have been planted in it beforehand."""
    shutil.copytree(source, target, symlinks=True)
    return target
