"""include/require whose path is not a PHP file of the plugin: built from variables, request data or a URL, an
absolute path elsewhere, or a file that is not PHP (code hidden in an image or a text file)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import PhpFile, built_from, call_name, line, string_value, text, walk

INCLUDES = ("include_expression", "include_once_expression", "require_expression", "require_once_expression")
REMOTE_SCHEMES = ("http://", "https://", "ftp://", "ftps://", "php://", "data:", "phar://", "zip://", "expect://")
# Any stream wrapper (compress.zlib://, glob://, rar://, a wrapper the plugin registers itself): not a plain file.
STREAM_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
# Path anchors that point inside the plugin or WordPress itself.
SAFE_ANCHORS = frozenset({"__dir__", "__file__", "abspath", "wpinc", "wp_plugin_dir", "wp_content_dir"})
SAFE_ANCHOR_CALLS = frozenset({"dirname", "plugin_dir_path", "trailingslashit", "untrailingslashit", "realpath"})
# Extensions of files that hold no PHP in a reviewed plugin: including one runs whatever code it hides.
DATA_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".ico",
    ".bmp",
    ".webp",
    ".svg",
    ".txt",
    ".log",
    ".dat",
    ".tmp",
    ".bin",
    ".css",
    ".js",
    ".json",
    ".xml",
    ".zip",
    ".gz",
    ".mo",
    ".po",
    ".ttf",
    ".woff",
    ".woff2",
)
ABSOLUTE = re.compile(r"^(?:/|[A-Za-z]:[\\/]|\\\\)")


def _static_part(node: Node) -> bool:
    if string_value(node) is not None or node.type in ("name", "class_constant_access_expression"):
        return True  # a literal, or a constant: defined once, not changeable at run time
    if call_name(node) in SAFE_ANCHOR_CALLS:
        args = node.child_by_field_name("arguments")
        return args is None or all(_static_path(a.named_children[-1]) for a in args.named_children if a.named_children)
    return False


def _static_path(node: Node) -> bool:
    """A path made only of literals, magic constants, constants and dirname()/plugin_dir_path() of those."""
    return built_from(node, _static_part)


def _last_piece(node: Node) -> Node:
    """The rightmost operand of a `.` chain: the piece a path's extension is in."""
    while node.type in ("binary_expression", "parenthesized_expression") and node.named_children:
        node = node.named_children[-1]
    return node


def _problem(php: PhpFile, target: Node) -> str | None:
    whole = (php.resolve_value(target) or "").strip()
    literals = [whole, *(v for n in walk(target) if (v := string_value(n)) is not None)]
    if any(v.strip().lower().startswith(REMOTE_SCHEMES) or STREAM_URL.match(v.strip()) for v in literals):
        return "of a remote or stream URL"
    if php.is_request_data(target):
        return "path comes from request data"
    if not _static_path(target):
        return f"of a path computed at run time: {text(target)[:80]}"
    if ABSOLUTE.match(whole):
        return f"of an absolute path outside the plugin: {whole[:80]}"
    tail = (php.resolve_value(_last_piece(target)) or "").lower().rstrip()
    if tail.endswith(DATA_EXTENSIONS):
        return f"of a file that is not PHP (code hidden in data): {tail.rsplit('/', 1)[-1][:60]}"
    return None


def _paths(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            if node.type not in INCLUDES or not node.named_children:
                continue
            keyword = node.type.removesuffix("_expression")
            if (problem := _problem(php, node.named_children[0])) is not None:
                yield ctx.hit(rule, path, line(node), f"{keyword} {problem}")


RULES = (Rule("include.dynamic", Severity.ERROR, "dynamic or remote include/require", _paths),)
