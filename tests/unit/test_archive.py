"""Deterministic zips and zip-slip refusal."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from forge.errors import StepFailed
from forge.packaging.archive import tree_from_dir, unzip_tree, zip_tree


def test_same_tree_same_bytes_whatever_the_mtimes(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.php").write_text("<?php\n")
    (tmp_path / "b" / "c.txt").write_text("x")
    first = zip_tree(tree_from_dir(tmp_path), prefix="demo")
    for path in tmp_path.rglob("*"):
        os.utime(path, (1_900_000_000, 1_900_000_000))
    second = zip_tree(tree_from_dir(tmp_path), prefix="demo")
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert names == ["demo/a.php", "demo/b/c.txt"]
    info = zipfile.ZipFile(io.BytesIO(first)).getinfo("demo/a.php")
    assert info.date_time == (1980, 1, 1, 0, 0, 0)
    assert (info.external_attr >> 16) & 0o777 == 0o644


def test_round_trip_and_prefix() -> None:
    tree = {"x.php": b"1", "d/y.php": b"2"}
    assert unzip_tree(zip_tree(tree, "slug"), strip_prefix="slug") == tree


@pytest.mark.parametrize("name", ["../evil.php", "/etc/passwd", "a/../../b", "C:/x", "a\\..\\b", "a//b"])
def test_zip_slip_entries_are_refused(name: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "x")
    with pytest.raises(StepFailed, match="unsafe path"):
        unzip_tree(buffer.getvalue())


def test_symlinks_are_refused(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(StepFailed, match="symbolic link"):
        tree_from_dir(tmp_path)


def test_not_a_zip() -> None:
    with pytest.raises(StepFailed, match="not a zip"):
        unzip_tree(b"plain text")
