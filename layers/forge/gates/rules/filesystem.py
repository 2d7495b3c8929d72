"""Writing PHP files (a dropped backdoor) and download-and-unzip self-updaters (code from outside the review)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import (
    PhpFile,
    arguments,
    binary_operator,
    call_name,
    line,
    method_name,
    string_literals,
    text,
    walk,
)

WRITERS = {"file_put_contents": 0, "fopen": 0, "copy": 1, "rename": 1, "move_uploaded_file": 1, "symlink": 1}
WRITE_MODES = ("w", "a", "x", "c")
PHP_EXTENSIONS = (".php", ".phtml", ".phar", ".php5", ".php7", ".phps", ".inc", ".htaccess", ".user.ini")
DOWNLOADERS = frozenset({"download_url", "wp_remote_get", "wp_safe_remote_get", "wp_remote_request", "curl_exec"})
DOWNLOADERS = DOWNLOADERS | {"file_get_contents", "fsockopen", "stream_socket_client", "copy"}
UNPACKERS = frozenset({"unzip_file", "extractto", "gzdecode", "gzinflate", "phardata", "tar"})
UPDATE_HOOKS = ("pre_set_site_transient_update_plugins", "site_transient_update_plugins", "plugins_api")


def _concat_pieces(node: Node) -> list[Node]:
    """The operands of a `.` chain, left to right, parentheses dropped."""
    if node.type == "parenthesized_expression" and node.named_children:
        return _concat_pieces(node.named_children[0])
    if node.type == "binary_expression" and binary_operator(node) == ".":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        return [*(_concat_pieces(left) if left else []), *(_concat_pieces(right) if right else [])]
    return [node]


def _literal_runs(node: Node, php: PhpFile, depth: int = 0) -> Iterator[str]:
    """Each run of adjacent statically known pieces of a path, joined (`'.ph' . 'p'` gives `.php`), with variables
    followed into the expressions assigned to them: `$q = plugin_dir_path( __FILE__ ) . 'cache.php'` names a PHP
    file although the whole path is not known statically."""
    run = ""
    for piece in _concat_pieces(node):
        value = php.resolve_value(piece)
        if value is not None:
            run += value
            continue
        if run:
            yield run
            run = ""
        if piece.type == "variable_name":
            if depth < 4:
                for assigned in php.assignments.get(text(piece), []):
                    yield from _literal_runs(assigned, php, depth + 1)
        else:
            # Literals inside calls: `trailingslashit( $dir . 'x.php' )`, `sprintf( '%s.php', $n )`.
            yield from (v for _, v in string_literals(piece))
    if run:
        yield run


def _names_php_file(node: Node, php: PhpFile) -> bool:
    return any(v.lower().rstrip("'\" ").endswith(PHP_EXTENSIONS) for v in _literal_runs(node, php))


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
