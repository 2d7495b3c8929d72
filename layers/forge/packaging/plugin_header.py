"""The version a WordPress-style plugin declares in its main file's header comment (` * Version: 1.2.3`), and how
`forge package DIR` names a folder's plugin by the platform's kind of manifest (a PHP header, package.json)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

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


def header_identity(tree: Mapping[str, bytes]) -> tuple[str | None, str | None, str | None]:
    """(slug, version, name) of a PHP plugin: the main file's name and its header's Version and Plugin Name."""
    main = main_file(tree)
    return (main.removesuffix(".php") if main else None, header_version(tree), header_name(tree))


def package_json_identity(tree: Mapping[str, bytes]) -> tuple[str | None, str | None, str | None]:
    """(slug, version, name) of a Node app: package.json's name, version and description."""
    try:
        manifest = json.loads(tree.get("package.json", b"{}"))
    except ValueError:
        return None, None, None
    if not isinstance(manifest, dict):
        return None, None, None
    values = [manifest.get(key) for key in ("name", "version", "description")]
    slug, version, name = (v if isinstance(v, str) and v else None for v in values)
    return slug, version, name


# How `forge package DIR` names a folder's plugin, by the platform's kind of manifest (Platform.identity).
IDENTITY_READERS: Mapping[str, Callable[[Mapping[str, bytes]], tuple[str | None, str | None, str | None]]] = {
    "plugin-header": header_identity,
    "package.json": package_json_identity,
}
