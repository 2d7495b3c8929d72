"""Byte-reproducible zips, and extraction that refuses anything escaping its folder.

The same tree always gives the same bytes: entries sorted, one fixed timestamp, fixed permissions,
no host metadata (uid, extra fields, comments). Used both for packages and for moving source trees
between steps, so there is one writer and one reader.
"""

from __future__ import annotations

import fnmatch
import io
import shutil
import stat
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath

from forge.errors import StepFailed

# 1980-01-01, the earliest time a zip can hold: no clock or mtime leaks into the archive.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024


def safe_relative_path(name: str) -> PurePosixPath:
    """Refuse absolute paths, `..`, backslashes and drive letters: a zip-slip entry never gets written."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or path.is_absolute()
        or any(part in ("..", "") for part in name.rstrip("/").split("/"))
        or (len(path.parts[0]) == 2 and path.parts[0][1] == ":")
    ):
        raise StepFailed(f"unsafe path in archive: {name!r}")
    return path


def tree_from_dir(root: Path, exclude: Iterable[str] = ()) -> dict[str, bytes]:
    """Read a folder into {posix path: bytes}, skipping `exclude` fnmatch patterns. Symlinks are refused."""
    patterns = tuple(exclude)
    tree: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel + "/", p) for p in patterns):
            continue
        if path.is_symlink():
            raise StepFailed(f"symbolic link in plugin tree: {rel}")
        if path.is_file():
            tree[rel] = path.read_bytes()
    return tree


def write_tree(tree: Mapping[str, bytes], root: Path) -> None:
    for name, content in tree.items():
        target = root / safe_relative_path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def zip_tree(tree: Mapping[str, bytes], prefix: str = "") -> bytes:
    """A deterministic zip of `tree`, every entry under `prefix/` when a prefix is given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(tree):
            arcname = f"{prefix}/{name}" if prefix else name
            safe_relative_path(arcname)
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the mode below is honoured by unzip
            info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
            archive.writestr(info, tree[name])
    return buffer.getvalue()


def unzip_tree(data: bytes, strip_prefix: str = "") -> dict[str, bytes]:
    """Read a zip into {path: bytes}, refusing zip-slip paths, links, and zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise StepFailed(f"not a zip archive: {exc}") from None
    with archive:
        return {name: archive.read(info) for name, info in _safe_members(archive, strip_prefix)}


def unzip_to_dir(
    source: Path,
    target: Path,
    strip_prefix: str = "",
    max_entries: int = MAX_ENTRIES,
    max_uncompressed: int = MAX_UNCOMPRESSED,
) -> int:
    """Extract the zip file `source` below `target`, streaming each entry to disk (large third-party builds
    need not fit in memory), with the same refusals as unzip_tree. Returns the number of files written."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise StepFailed(f"not a zip archive: {source.name}: {exc}") from None
    written = 0
    with archive:
        # Validate every entry before writing any, so a refused archive leaves nothing half-extracted.
        members = list(_safe_members(archive, strip_prefix, max_entries, max_uncompressed))
        for name, info in members:
            out = target / name
            out.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
            written += 1
    return written


def _safe_members(
    archive: zipfile.ZipFile,
    strip_prefix: str,
    max_entries: int = MAX_ENTRIES,
    max_uncompressed: int = MAX_UNCOMPRESSED,
) -> Iterator[tuple[str, zipfile.ZipInfo]]:
    """The archive's files as (relative name, entry); raises on zip-slip paths, links, and zip bombs."""
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise StepFailed(f"archive has {len(infos)} entries (limit {max_entries})")
    total = 0
    for info in infos:
        path = safe_relative_path(info.filename)
        if info.is_dir():
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise StepFailed(f"symbolic link in archive: {info.filename}")
        total += info.file_size
        if total > max_uncompressed:
            raise StepFailed(f"archive expands beyond {max_uncompressed} bytes")
        name = path.as_posix()
        if strip_prefix:
            if not name.startswith(strip_prefix + "/"):
                raise StepFailed(f"entry {name!r} is outside the expected folder {strip_prefix}/")
            name = name[len(strip_prefix) + 1 :]
        yield name, info
