"""The forge library byte-compiled before an isolated interpreter loads it.

The isolated half of every container step is a fresh interpreter that imports the forge from a read-only bind, so it
can never write the bytecode cache itself: whatever the launcher's own process has not imported (the checks, the
site runs) was compiled from source again at every step. The launcher, which may write the library's folder,
compiles it here once per process; compileall skips the files whose cache is current, so this costs a stat per file
after the first time. The isolated half only reads the cache (the bind is read-only), and Python checks each entry
against its source's size and time, so an entry left from an older source is ignored, not trusted.
"""

from __future__ import annotations

import compileall
import contextlib
from functools import cache
from pathlib import Path

import forge


@cache
def compile_library() -> bool:
    """Write the bytecode cache beside the forge's sources (as any import would); False when it cannot be written
    (a library installed read-only), which only costs the isolated half the compile time it had before."""
    with contextlib.suppress(OSError):
        return bool(compileall.compile_dir(Path(forge.__file__).resolve().parent, quiet=2))
    return False
