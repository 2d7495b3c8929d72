"""Writing PHP files (a dropped backdoor) and download-and-unzip self-updaters (code from outside the review)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import PhpFile, arguments, call_name, line, method_name, string_literals, text, walk

WRITERS = {"file_put_contents": 0, "fopen": 0, "copy": 1, "rename": 1, "move_uploaded_file": 1, "symlink": 1}
WRITE_MODES = ("w", "a", "x", "c")
PHP_EXTENSIONS = (".php", ".phtml", ".phar", ".php5", ".php7", ".phps", ".inc", ".htaccess", ".user.ini")
DOWNLOADERS = frozenset({"download_url", "wp_remote_get", "wp_safe_remote_get", "wp_remote_request", "curl_exec"})
DOWNLOADERS = DOWNLOADERS | {"file_get_contents", "fsockopen", "stream_socket_client", "copy"}
UNPACKERS = frozenset({"unzip_file", "extractto", "gzdecode", "gzinflate", "phardata", "tar"})
UPDATE_HOOKS = ("pre_set_site_transient_update_plugins", "site_transient_update_plugins", "plugins_api")


def _names_php_file(node: Node, php: PhpFile) -> bool:
    values = [v for _, v in string_literals(node)]
    # A file name often sits in a variable: `$name = 'x.php'; file_put_contents( $dir . $name, ... )`.
    values += [v for n in walk(node) if n.type == "variable_name" and (v := php.resolve_value(n)) is not None]
    return any(v.lower().rstrip("'\" ").endswith(PHP_EXTENSIONS) for v in values)


def _writes_php(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            name = call_name(node)
            if name in WRITERS:
                args = arguments(node)
                position = WRITERS[name]
                if len(args) <= position:
                    continue
                target = args[position]
                if name == "fopen":
                    mode = "".join(v for _, v in string_literals(args[1])) if len(args) > 1 else "r"
                    if not mode.startswith(WRITE_MODES):
                        continue
                content = args[1] if name == "file_put_contents" and len(args) > 1 else None
                php_content = content is not None and any(
                    "<?php" in v or "<?=" in v for _, v in string_literals(content)
                )
                if _names_php_file(target, php) or php_content:
                    yield ctx.hit(rule, path, line(node), f"{name}() writes a PHP file ({text(target)[:60]})")
                elif php.is_request_data(target):
                    yield ctx.hit(rule, path, line(node), f"{name}() writes to a path taken from request data")
            elif method_name(node) in ("put_contents", "copy", "move") and node.type == "member_call_expression":
                args = arguments(node)
                target = args[1] if method_name(node) in ("copy", "move") and len(args) > 1 else (args or [None])[0]
                if target is not None and _names_php_file(target, php):
                    yield ctx.hit(rule, path, line(node), f"WP_Filesystem {method_name(node)}() writes a PHP file")


def _called(node: Node) -> set[str]:
    names: set[str] = set()
    for n in walk(node):
        name = call_name(n) or method_name(n)
        if name:
            names.add(name)
        if n.type == "object_creation_expression":
            cls = next((c for c in n.named_children if c.type in ("name", "qualified_name")), None)
            if cls is not None:
                names.add(text(cls).lstrip("\\").lower())
    return names


def _self_updater(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        called = _called(php.root)
        downloads = sorted(called & DOWNLOADERS)
        unpacks = sorted(called & (UNPACKERS | {"ziparchive"}))
        if downloads and unpacks:
            first = next(n for n in walk(php.root) if (call_name(n) or method_name(n)) in set(downloads))
            yield ctx.hit(
                rule,
                path,
                line(first),
                f"downloads ({', '.join(downloads)}) and unpacks ({', '.join(unpacks)}) code: a self-updater",
            )
        for node in walk(php.root):
            if call_name(node) in ("add_filter", "add_action"):
                args = arguments(node)
                hook = "".join(v for _, v in string_literals(args[0])) if args else ""
                if hook in UPDATE_HOOKS:
                    yield ctx.hit(rule, path, line(node), f"hooks {hook}: updates must come from the marketplace")


RULES = (
    Rule("fs.write-php", Severity.ERROR, "writing PHP files", _writes_php),
    Rule("fs.self-updater", Severity.ERROR, "download-and-unzip self-updaters", _self_updater),
)
