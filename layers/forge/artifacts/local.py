"""Artifacts as files under FORGE_HOME/artifacts, written atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from forge.errors import ForgeError, NotFound
from forge.packaging.archive import safe_relative_path


class LocalArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / safe_relative_path(key)

    def put(self, key: str, data: bytes) -> str:
        """Write to a temporary file beside the artifact, flushed to disk, then rename it into place: a reader sees
        the whole artifact or none. A store that is full or unwritable fails the write with a ForgeError (the step
        fails with its message, `forge retry` runs it again) and keeps no partial file."""
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise ForgeError(
                f"artifact store {self.root}: cannot write {key}: {exc.strerror or type(exc).__name__}"
            ) from exc
        return path.as_uri()

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"artifact {key} not found") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()
