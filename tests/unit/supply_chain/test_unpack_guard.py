"""Every place the forge unpacks an archive goes through unzip_tree, which refuses zip-slip paths: no other
module opens zip or tar archives for reading."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from forge.errors import StepFailed
from forge.packaging.archive import unzip_tree, write_tree

ROOT = Path(__file__).resolve().parents[3]
READERS = re.compile(r"\b(tarfile|shutil\.unpack_archive|extractall|ZipFile\()")
ALLOWED = {Path("layers/forge/packaging/archive.py")}
# Written meanwhile by the sandbox work (issue 5): it skips `..` entries of the WordPress download itself
# instead of refusing them through unzip_tree. Asked of its owner; remove this line once it uses unzip_tree.
PENDING = {Path("layers/forge/cms/woocommerce/wordpress_site.py")}


def test_no_module_but_archive_py_reads_archives() -> None:
    offenders = []
    for base in ("layers/forge", "functions"):
        for path in (ROOT / base).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if rel not in ALLOWED | PENDING and READERS.search(path.read_text(encoding="utf-8")):
                offenders.append(str(rel))
    assert offenders == [], f"unpack through forge.packaging.archive.unzip_tree instead: {offenders}"


def test_a_zip_slip_entry_never_reaches_the_disk(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("slug/ok.php", "<?php\n")
        archive.writestr("slug/../../escaped.php", "<?php\n")
    target = tmp_path / "out"
    with pytest.raises(StepFailed, match="unsafe path"):
        write_tree(unzip_tree(buffer.getvalue(), strip_prefix="slug"), target)
    assert not (tmp_path / "escaped.php").exists() and not target.exists()
    with pytest.raises(StepFailed, match="unsafe path"):
        write_tree({"../escaped.php": b"x"}, target)
    assert not (tmp_path / "escaped.php").exists()
