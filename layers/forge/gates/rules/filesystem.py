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
    first_argument,
    line,
    method_name,
    string_literals,
    text,
    walk,
)

WRITERS = {"file_put_contents": 0, "fopen": 0, "copy": 1, "rename": 1, "move_uploaded_file": 1, "symlink": 1}
WRITE_MODES = ("w", "a", "x", "c")
# What PHP runs, and what tells a server to run something as PHP (.htaccess, .user.ini).
PHP_EXTENSIONS = (
    ".php", ".phtml", ".phar", ".php3", ".php4", ".php5", ".php7", ".php8", ".phps", ".pht", ".inc", ".htaccess",
    ".user.ini",
)  # fmt: skip
# File objects opened like fopen(): new SplFileObject( $path, 'w' ).
FILE_OBJECTS = frozenset({"splfileobject"})
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


def _opens_for_writing(args: list[Node]) -> bool:
    mode = "".join(v for _, v in string_literals(args[1])) if len(args) > 1 else "r"
    return mode.startswith(WRITE_MODES)


def _write_target(php: PhpFile, node: Node) -> tuple[str, Node] | None:
    """(writer, path argument) when `node` writes a file: file functions, fopen()/SplFileObject in a write mode,
    error_log() with message type 3 (append to a file)."""
    name = call_name(node)
    if name not in WRITERS and name != "error_log" and node.type != "object_creation_expression":
        return None
    args = arguments(node)
    if name in WRITERS and len(args) > WRITERS[name]:
        return None if name == "fopen" and not _opens_for_writing(args) else (name, args[WRITERS[name]])
    if name == "error_log" and len(args) > 2 and php.resolve_value(args[1]) == "3":
        return name, args[2]
    if node.type == "object_creation_expression" and args:
        cls = next((c for c in node.named_children if c.type in ("name", "qualified_name")), None)
        if cls is not None and text(cls).rsplit("\\", 1)[-1].lower() in FILE_OBJECTS and _opens_for_writing(args):
            return f"new {text(cls)}", args[0]
    return None


def _writes_php(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            write = _write_target(php, node)
            if write is not None:
                name, target = write
                args = arguments(node)
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
                written = args[1] if method_name(node) in ("copy", "move") and len(args) > 1 else first_argument(node)
                if written is not None and _names_php_file(written, php):
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
