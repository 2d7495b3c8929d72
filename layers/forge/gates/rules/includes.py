"""include/require whose path is not a file of the plugin: built from variables, request data or a URL."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import built_from, call_name, line, string_value, text, walk

INCLUDES = ("include_expression", "include_once_expression", "require_expression", "require_once_expression")
REMOTE_SCHEMES = ("http://", "https://", "ftp://", "ftps://", "php://", "data:", "phar://", "zip://", "expect://")
# Path anchors that point inside the plugin or WordPress itself.
SAFE_ANCHORS = frozenset({"__dir__", "__file__", "abspath", "wpinc", "wp_plugin_dir", "wp_content_dir"})
SAFE_ANCHOR_CALLS = frozenset({"dirname", "plugin_dir_path", "trailingslashit", "untrailingslashit", "realpath"})


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


def _paths(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            if node.type not in INCLUDES or not node.named_children:
                continue
            target = node.named_children[0]
            keyword = node.type.removesuffix("_expression")
            literals = [v for n in walk(target) if (v := string_value(n)) is not None]
            if any(v.strip().lower().startswith(REMOTE_SCHEMES) for v in literals):
                yield ctx.hit(rule, path, line(node), f"{keyword} of a remote or stream URL")
            elif php.is_request_data(target):
                yield ctx.hit(rule, path, line(node), f"{keyword} path comes from request data")
            elif not _static_path(target):
                yield ctx.hit(rule, path, line(node), f"{keyword} of a path computed at run time: {text(target)[:80]}")


RULES = (Rule("include.dynamic", Severity.ERROR, "dynamic or remote include/require", _paths),)
