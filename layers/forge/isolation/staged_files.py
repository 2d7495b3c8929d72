"""Putting files into a staged input: the folder the isolated half gets read-only (/input in bubblewrap, a root-owned
folder in Fargate)."""

from __future__ import annotations

import os
import shutil


def link_or_copy(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """A hard link costs nothing and the isolated half cannot write through it (a read-only bind, or a file of root's
    it may only read); across file systems, a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
