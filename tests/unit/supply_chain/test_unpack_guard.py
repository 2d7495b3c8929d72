"""Every place the forge unpacks an archive goes through unzip_tree or unzip_to_dir, which refuse zip-slip paths:
no other module opens zip or tar archives for reading."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from forge.errors import StepFailed
from forge.packaging.archive import unzip_to_dir, unzip_tree, write_tree

ROOT = Path(__file__).resolve().parents[3]
READERS = re.compile(r"\b(tarfile|shutil\.unpack_archive|extractall|ZipFile\()")
ALLOWED = {Path("layers/forge/packaging/archive.py")}


def test_no_module_but_archive_py_reads_archives() -> None:
    offenders = []
    for base in ("layers/forge", "functions"):
        for path in (ROOT / base).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if rel not in ALLOWED and READERS.search(path.read_text(encoding="utf-8")):
                offenders.append(str(rel))
    assert offenders == [], f"unpack through forge.packaging.archive (unzip_tree / unzip_to_dir) instead: {offenders}"


def test_a_zip_slip_entry_never_reaches_the_disk(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("slug/ok.php", "<?php\n")
        archive.writestr("slug/../../escaped.php", "<?php\n")
    target = tmp_path / "out"
    with pytest.raises(StepFailed, match="unsafe path"):
        write_tree(unzip_tree(buffer.getvalue(), strip_prefix="slug"), target)
    assert not (tmp_path / "escaped.php").exists()
    assert not target.exists()
    with pytest.raises(StepFailed, match="unsafe path"):
        write_tree({"../escaped.php": b"x"}, target)
    assert not (tmp_path / "escaped.php").exists()


def _zip_file(path: Path, entries: dict[str, str], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return path


def test_unzip_to_dir_extracts_below_the_target_stripping_the_prefix(tmp_path: Path) -> None:
    source = _zip_file(tmp_path / "build.zip", {"top/": "", "top/a.php": "<?php\n", "top/sub/b.txt": "b"})
    target = tmp_path / "site"
    assert unzip_to_dir(source, target, strip_prefix="top") == 2
    assert (target / "a.php").read_text() == "<?php\n"
    assert (target / "sub" / "b.txt").read_text() == "b"


@pytest.mark.parametrize(
    ("entries", "link", "message"),
    [
        ({"ok.php": "x", "../escaped.php": "x"}, None, "unsafe path"),
        ({"ok.php": "x", "/abs/escaped.php": "x"}, None, "unsafe path"),
        ({"ok.php": "x"}, "evil-link", "symbolic link"),
    ],
)
def test_unzip_to_dir_refuses_the_whole_archive_and_writes_nothing(
    tmp_path: Path, entries: dict[str, str], link: str | None, message: str
) -> None:
    source = _zip_file(tmp_path / "build.zip", entries, link)
    target = tmp_path / "deep" / "site"
    with pytest.raises(StepFailed, match=message):
        unzip_to_dir(source, target)
    assert not (tmp_path / "escaped.php").exists()
    assert not (tmp_path / "deep").exists()


def test_unzip_to_dir_enforces_its_limits(tmp_path: Path) -> None:
    source = _zip_file(tmp_path / "build.zip", {"a": "x" * 100, "b": "y" * 100, "c": "z"})
    with pytest.raises(StepFailed, match="entries"):
        unzip_to_dir(source, tmp_path / "one", max_entries=2)
    with pytest.raises(StepFailed, match="expands beyond"):
        unzip_to_dir(source, tmp_path / "two", max_uncompressed=150)
    plain = tmp_path / "plain.zip"
    plain.write_text("not a zip at all")
    with pytest.raises(StepFailed, match="not a zip"):
        unzip_to_dir(plain, tmp_path / "three")
