"""Files that do not belong in a reviewed plugin: hidden, binary, executable, phar and archives, and images that
carry PHP code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity

ARCHIVE_EXTENSIONS = (".phar", ".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar")
ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")
EXECUTABLE_MAGIC = (b"\x7fELF", b"MZ", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")
# Binary assets a plugin may carry, each with the bytes its files start with.
ASSET_MAGIC = {
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF8",),
    ".webp": (b"RIFF",),
    ".ico": (b"\x00\x00\x01\x00",),
    ".woff": (b"wOFF",),
    ".woff2": (b"wOF2",),
    ".ttf": (b"\x00\x01\x00\x00", b"true"),
    ".mo": (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde"),
}
# An image or font carrying a PHP open tag is a polyglot: a valid header, then code an include or a handler runs.
PHP_OPEN_TAG = (b"<?php", b"<?=")
# Tooling dotfiles that are harmless (and excluded from the distributable zip anyway).
KNOWN_DOTFILES = frozenset({".distignore", ".editorconfig", ".gitignore", ".gitattributes", ".phpcs.xml.dist"})


def _hidden(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path in ctx.files:
        parts = PurePosixPath(path).parts
        hidden = [p for p in parts if p.startswith(".")]
        if not hidden:
            continue
        if len(hidden) == 1 and parts[-1] in KNOWN_DOTFILES:
            yield ctx.hit(rule, path, 1, "tooling dotfile (kept out of the package)", Severity.WARNING)
        else:
            yield ctx.hit(rule, path, 1, f"hidden file or folder {'/'.join(hidden)}")


def _binary(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, data in ctx.files.items():
        suffix = PurePosixPath(path).suffix.lower()
        head = data[:8192]
        if suffix in ARCHIVE_EXTENSIONS or head.startswith(ARCHIVE_MAGIC) or b"__HALT_COMPILER" in data:
            yield ctx.hit(rule, path, 1, "archive or phar: its content escapes review")
        elif head.startswith(EXECUTABLE_MAGIC) and suffix not in ASSET_MAGIC:
            yield ctx.hit(rule, path, 1, "native executable or library")
        elif suffix in ASSET_MAGIC or suffix == ".svg":
            if data and suffix != ".svg" and not head.startswith(ASSET_MAGIC[suffix]):
                yield ctx.hit(rule, path, 1, f"content does not match its {suffix} extension")
            elif any(tag in data.lower() for tag in PHP_OPEN_TAG):
                yield ctx.hit(rule, path, 1, f"{suffix} file carries PHP code after its header")
        elif b"\x00" in head:
            yield ctx.hit(rule, path, 1, "binary file")


RULES = (
    Rule("files.hidden", Severity.ERROR, "hidden files and folders", _hidden),
    Rule("files.binary", Severity.ERROR, "binary, executable, phar or archive files", _binary),
)
