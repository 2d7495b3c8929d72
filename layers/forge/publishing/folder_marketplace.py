"""The internal marketplace as a folder tree: <root>/<slug>/<version>/, written atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from forge.errors import StepFailed
from forge.packaging.archive import safe_relative_path


class FolderMarketplace:
    def __init__(self, root: Path) -> None:
        self.root = root

    def release_dir(self, slug: str, version: str) -> Path:
        return self.root / safe_relative_path(slug) / safe_relative_path(version)

    def publish(self, slug: str, version: str, files: Mapping[str, bytes], zip_file: str) -> Path:
        """Publish slug@version. Re-publishing identical zip bytes is a no-op success (a re-run of a
        reproducible build); different bytes under a published version are refused."""
        target = self.release_dir(slug, version)
        existing = target / zip_file
        if existing.is_file() and existing.read_bytes() != files[zip_file]:
            raise StepFailed(f"{slug} {version} is already published with different content; bump the version")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
        for name, data in files.items():
            (staging / safe_relative_path(name)).write_bytes(data)
            os.chmod(staging / name, 0o644)
        os.chmod(staging, 0o755)
        if target.exists():
            old = target.with_name(f".{version}-replaced-{os.getpid()}")
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
        return target
