"""The internal marketplace as a folder tree: <root>/<slug>/<version>/, written atomically.

The root also holds what merchants check every release against: keys.json, keys/<key id>.pem and the signed
revocations.json.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from forge.errors import StepFailed
from forge.packaging.archive import safe_relative_path
from forge.ports.marketplace import PublishedRelease


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


class FolderMarketplace:
    def __init__(self, root: Path) -> None:
        self.root = root

    def release_dir(self, slug: str, version: str) -> Path:
        return self.root / safe_relative_path(slug) / safe_relative_path(version)

    def publish(self, slug: str, version: str, files: Mapping[str, bytes], zip_file: str) -> PublishedRelease:
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
        os.chmod(staging, 0o755)  # noqa: S103 - a marketplace folder: public, read-only to everyone else
        if target.exists():
            old = target.with_name(f".{version}-replaced-{os.getpid()}")
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
        return PublishedRelease(uri=target.as_uri(), folder=target)

    def retract(self, slug: str, version: str) -> bool:
        """Stop offering slug@version; True when a release folder was removed. Merchants who already have it
        learn of the revocation from revocations.json."""
        target = self.release_dir(slug, version)
        if not target.exists():
            return False
        gone = target.with_name(f".{version}-retracted-{os.getpid()}")
        os.replace(target, gone)
        shutil.rmtree(gone, ignore_errors=True)
        return True

    def write_root_files(self, files: Mapping[str, bytes]) -> None:
        """keys.json, keys/<id>.pem, revocations.json(.sig), each replaced atomically. A reader landing between
        a list and its signature sees a mismatch and fails closed; the next read succeeds."""
        for name, data in files.items():
            _atomic_write(self.root / safe_relative_path(name), data)
