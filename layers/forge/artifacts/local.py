"""Artifacts as files under FORGE_HOME/artifacts, written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from forge.errors import NotFound
from forge.packaging.archive import safe_relative_path


class LocalArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / safe_relative_path(key)

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        return path.as_uri()

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"artifact {key} not found") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()
