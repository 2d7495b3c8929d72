"""The version a WordPress-style plugin declares in its main file's header comment (` * Version: 1.2.3`)."""

from __future__ import annotations

import re
from collections.abc import Mapping

_VERSION = re.compile(rb"^[ \t/*#@]*Version:\s*([0-9A-Za-z.+-]{1,40})\s*$", re.MULTILINE)
_NAME = re.compile(rb"^[ \t/*#@]*Plugin Name:\s*(.+?)\s*(?:\*/)?$", re.MULTILINE)


def header_version(tree: Mapping[str, bytes]) -> str | None:
    """First `Version:` header among the top-level PHP files, in name order (only the first 8 KB are read, as
    WordPress does)."""
    for name in sorted(n for n in tree if "/" not in n and n.endswith(".php")):
        match = _VERSION.search(tree[name][:8192])
        if match:
            return match.group(1).decode()
    return None


def main_file(tree: Mapping[str, bytes]) -> str | None:
    """The root-level PHP file with a `Plugin Name:` header (WordPress reads the first 8 KB), in name order."""
    for name in sorted(n for n in tree if "/" not in n and n.endswith(".php")):
        if _NAME.search(tree[name][:8192]):
            return name
    return None


def header_name(tree: Mapping[str, bytes]) -> str | None:
    main = main_file(tree)
    match = _NAME.search(tree[main][:8192]) if main else None
    return match.group(1).decode("utf-8", "replace") if match else None
