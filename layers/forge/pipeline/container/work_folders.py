"""The trusted half's work folders (a container step stages its input there), and the removal of those whose maker
was killed.

A process killed outright (SIGKILL, the OOM killer) cleans nothing up: its folder stays under the temporary
directory. So each folder carries proof of ownership: a marker file its maker holds an exclusive `flock` on for as
long as the folder is in use. The kernel drops that lock when the process ends, however it ends, and only then can
anyone else take it. `remove_orphaned` removes a folder only once it holds the lock itself: never a live process's
folder (another runtime's included, whatever its pid namespace), never a folder without a marker, a link, or
another user's.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from forge.models.job import Step

PREFIX = "forge-work-"
MARKER = ".owner.lock"


@contextmanager
def work_folder(step: Step, root: Path | None = None) -> Iterator[Path]:
    """A fresh folder of this process's own for one step delivery, removed at the end; locked while in use."""
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{step.value}-", dir=root))
    # O_CLOEXEC (Python's default): the children it launches must not inherit, and so keep, the lock.
    marker = os.open(folder / MARKER, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield folder
    finally:
        # Removing what an unprivileged child left behind may fail half-way (it could still be writing): the folder
        # is per delivery, so that is not worth failing the step for.
        shutil.rmtree(folder, ignore_errors=True)
        os.close(marker)


def remove_orphaned(root: Path | None = None) -> list[Path]:
    """Remove the work folders under `root` (the temporary directory) whose maker has ended; return them."""
    base = Path(root or tempfile.gettempdir())
    removed = []
    with suppress(OSError), os.scandir(base) as entries:
        for entry in entries:
            if entry.name.startswith(PREFIX) and _remove_if_orphaned(Path(entry.path)):
                removed.append(Path(entry.path))
    return removed


def _remove_if_orphaned(folder: Path) -> bool:
    try:
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return False
        marker = os.open(folder / MARKER, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # gone meanwhile, not ours, or no marker (its maker is between mkdtemp and the lock)
        return False
    try:
        fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # its maker still holds it: in use
        os.close(marker)
        return False
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(marker)
    return True
