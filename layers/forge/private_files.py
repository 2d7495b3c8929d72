"""Folders and files only their owner may open: where the forge keeps secrets on disk (FORGE_HOME: signing-token
PIN, database password, token signing key, MFA key, logs).

A folder found open to other users is tightened and the fact logged: it may have been read already.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from forge.errors import ForgeError
from forge.observability import logger

PRIVATE_DIR_MODE = 0o700
SECRET_FILE_MODE = 0o600


def _tighten(path: Path, allowed: int) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & ~allowed:
        logger.warning(
            "was open to other users; tightened",
            extra={"path": str(path), "mode": oct(mode), "now": oct(mode & allowed)},
        )
        try:
            os.chmod(path, mode & allowed)
        except OSError as exc:
            message = f"{path} is open to other users (mode {oct(mode)}) and cannot be closed: {exc.strerror}"
            raise ForgeError(message) from None


def private_dir(path: Path, traverse_gid: int | None = None) -> Path:
    """`path` as a folder only its owner can list or enter (0700), created if missing (parents as usual).

    `traverse_gid`: a group that may pass through (0710) when the folder already belongs to it, for a service
    running as another user that must reach a path inside (the embedded Postgres run by root)."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    except OSError as exc:
        raise ForgeError(f"cannot create {path}: {exc.strerror}") from None
    allowed = PRIVATE_DIR_MODE
    if traverse_gid is not None and path.stat().st_gid == traverse_gid:
        allowed |= stat.S_IXGRP
    _tighten(path, allowed)
    return path


def secret_file(path: Path, make: Callable[[], bytes]) -> bytes:
    """The content of the 0600 file `path`, written with make() on first use. Concurrent first users agree: the
    first writer wins and the others read its content. The folder must exist (and be private)."""
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(make())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    _tighten(path, SECRET_FILE_MODE)
    return path.read_bytes()
