"""Code execution: eval, assert on strings, create_function, preg_replace /e, backticks, shell and process
functions, variable functions and callbacks fed with request data, decode chains feeding execution."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import (
    TAINT_BREAKERS,
    PhpFile,
    arguments,
    binary_operator,
    call_name,
    line,
    method_name,
    string_value,
    text,
    walk,
)

SHELL_FUNCTIONS = frozenset(
    {
        "exec",
        "shell_exec",
        "system",
        "passthru",
        "popen",
        "proc_open",
        "pcntl_exec",
        "pcntl_fork",
        "expect_popen",
        "dl",
    }
)
DECODERS = frozenset(
    {
        "base64_decode",
        "gzinflate",
        "gzuncompress",
        "gzdecode",
        "str_rot13",
        "strrev",
        "hex2bin",
        "convert_uudecode",
        "urldecode",
        "rawurldecode",
        "pack",
        "chr",
    }
)
# Functions that must not be reached indirectly either (as a callback name or a variable function).
DANGEROUS_CALLABLES = SHELL_FUNCTIONS | {"assert", "create_function", "include", "require", "unserialize"}
# Calls that run PHP code given as a string or a callable name.
EXECUTORS = frozenset({"eval", "assert", "create_function"})
CALLBACK_RUNNERS = frozenset(
    {
        "call_user_func",
        "call_user_func_array",
        "forward_static_call",
        "forward_static_call_array",
        "array_map",
        "array_filter",
        "array_walk",
        "usort",
        "uasort",
        "uksort",
        "register_shutdown_function",
        "register_tick_function",
        "set_error_handler",
        "set_exception_handler",
        "iterator_apply",
        "add_action",
        "add_filter",
        # Output buffers, autoloaders, reducers and regex callbacks call a named function too.
        "ob_start",
        "spl_autoload_register",
        "header_register_callback",
        "array_reduce",
        "array_walk_recursive",
        "preg_replace_callback",
        "mb_ereg_replace_callback",
    }
)
# Where the callback sits in each callback runner's arguments (0-based).
CALLBACK_POSITION = {"array_map": 0, "add_action": 1, "add_filter": 1, "usort": 1, "uasort": 1, "uksort": 1}
CALLBACK_POSITION.update({"array_filter": 1, "array_walk": 1, "iterator_apply": 1})
CALLBACK_POSITION.update({"array_reduce": 1, "array_walk_recursive": 1})
CALLBACK_POSITION.update({"preg_replace_callback": 1, "mb_ereg_replace_callback": 1})

# Calls returning data stored in the database, a file or a remote response: whoever can write there (a SQL
# injection, another plugin, the remote server) chooses what a function name read from it calls.
STORED_OR_REMOTE = frozenset(
    {
        "get_option",
        "get_site_option",
        "get_transient",
        "get_site_transient",
        "get_post_meta",
        "get_user_meta",
        "get_metadata",
        "get_theme_mod",
        "wp_remote_retrieve_body",
        "wp_remote_retrieve_header",
        "file_get_contents",
        "file",
        "fgets",
        "fread",
        "stream_get_contents",
        "unserialize",
        "maybe_unserialize",
    }
)
STORED_METHODS = frozenset({"get_var", "get_row", "get_col", "get_results"})  # $wpdb's readers
COMPARISONS = frozenset({"==", "===", "!=", "!==", "<>", "<", ">", "<=", ">=", "<=>", "&&", "||", "and", "or", "xor"})

STRINGISH = ("string", "encapsed_string", "heredoc", "nowdoc")


def _stringish(node: Node) -> bool:
    if node.type == "binary_expression":
        return binary_operator(node) == "."
    return node.type in STRINGISH or node.type == "variable_name"


def _stored_or_remote(php: PhpFile, node: Node, depth: int = 0) -> str | None:
    """The stored-or-remote reader whose result `node` evaluates to (in part), following variables through their
    assignments. A value only compared, or used as an array index or a ternary's condition, selects among the
    code's own values and does not count."""
    if depth > 6:
        return None
    name = call_name(node) or method_name(node)
    if name in STORED_OR_REMOTE or method_name(node) in STORED_METHODS:
        return name
    if name in TAINT_BREAKERS:
        return None
    if node.type == "variable_name":
        children = php.assignments.get(text(node), [])
    elif node.type == "subscript_expression":
        children = node.named_children[:1]
    elif node.type == "conditional_expression":
        children = node.named_children[1:]
    elif node.type == "binary_expression" and binary_operator(node) in COMPARISONS:
        children = []
    elif name is not None or method_name(node) is not None:
        children = arguments(node)
    else:
        children = node.named_children
    return next((found for c in children if (found := _stored_or_remote(php, c, depth + 1)) is not None), None)


def _all_calls(ctx: ScanContext) -> Iterator[tuple[str, Node, str]]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            name = call_name(node)
            if name is not None:
                yield path, node, name


def _eval(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, node, name in _all_calls(ctx):
        if name == "eval":
            yield ctx.hit(rule, path, line(node), "eval() runs a string as PHP code")
        elif name == "assert":
            args = arguments(node)
            # assert($x > 0) is an expression; assert('code') / assert($code) evaluates a string (PHP < 8).
            if args and _stringish(args[0]):
                yield ctx.hit(rule, path, line(node), "assert() on a string evaluates it as PHP code")


def _create_function(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, node, name in _all_calls(ctx):
        if name == "create_function":
            yield ctx.hit(rule, path, line(node), "create_function() evaluates its body string as PHP code")


def _preg_e(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, node, name in _all_calls(ctx):
        if name not in ("preg_replace", "preg_filter", "mb_ereg_replace", "mb_eregi_replace"):
            continue
        args = arguments(node)
        if not args:
            continue
        if name.startswith("mb_"):
            options = string_value(args[3]) if len(args) > 3 else None
            if options and "e" in options:
                yield ctx.hit(rule, path, line(node), f"{name}() with the 'e' option evaluates the replacement")
            continue
        patterns = [args[0]]
        if args[0].type == "array_creation_expression":
            patterns = [e.named_children[-1] for e in args[0].named_children if e.named_children]
        for pattern in patterns:
            value = string_value(pattern)
            if value and len(value) > 1 and not value[0].isalnum() and value[0] != "\\":
                close = {"(": ")", "[": "]", "{": "}", "<": ">"}.get(value[0], value[0])
                modifiers = value[value.rfind(close) + 1 :] if close in value[1:] else ""
                if "e" in modifiers:
                    yield ctx.hit(rule, path, line(node), f"{name}() with the /e modifier evaluates the replacement")
            elif value is None and ctx.php[path].is_request_data(pattern):
                yield ctx.hit(rule, path, line(node), f"{name}() pattern comes from request data")


def _backticks(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            if node.type == "shell_command_expression":
                yield ctx.hit(rule, path, line(node), "backtick operator runs a shell command")


def _shell(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, node, name in _all_calls(ctx):
        if name in SHELL_FUNCTIONS:
            yield ctx.hit(rule, path, line(node), f"{name}() runs an operating-system process")


def _variable_calls(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            if node.type == "function_call_expression" and call_name(node) is None:
                fn = node.child_by_field_name("function")
                if fn is None or fn.type in ("anonymous_function", "arrow_function", "parenthesized_expression"):
                    continue
                target = php.resolve_value(fn)
                if target is not None and target.strip("\\").lower() in DANGEROUS_CALLABLES:
                    yield ctx.hit(rule, path, line(node), f"variable function {text(fn)[:40]} resolves to {target}()")
                elif php.is_request_data(fn):
                    yield ctx.hit(rule, path, line(node), f"function name taken from request data: {text(fn)[:60]}")
                elif any(php.is_request_data(a) for a in arguments(node)):
                    yield ctx.hit(
                        rule, path, line(node), f"request data passed to a variable function {text(fn)[:60]}()"
                    )
                elif (source := _stored_or_remote(php, fn)) is not None:
                    message = f"function name {text(fn)[:60]} read from stored or remote data ({source}())"
                    yield ctx.hit(rule, path, line(node), message)
                else:
                    yield ctx.hit(
                        rule,
                        path,
                        line(node),
                        f"variable function call {text(fn)[:60]}() (name not known statically)",
                        Severity.WARNING,
                    )
                continue
            if node.type == "object_creation_expression" and "reflectionfunction" in text(node)[:40].lower():
                args = arguments(node)
                target = php.resolve_value(args[0]) if args else None
                if target is not None and target.strip("\\").lower() in DANGEROUS_CALLABLES:
                    yield ctx.hit(rule, path, line(node), f"ReflectionFunction reaches {target}()")
                continue
            name = call_name(node)
            if name == "extract" and any(php.is_request_data(a) for a in arguments(node)):
                yield ctx.hit(rule, path, line(node), "extract() of request data lets the visitor set any variable")
                continue
            if name in CALLBACK_RUNNERS:
                args = arguments(node)
                position = CALLBACK_POSITION.get(name, 0)
                if len(args) <= position:
                    continue
                callback = php.resolve_value(args[position])
                if callback is not None and callback.strip("\\").lower() in DANGEROUS_CALLABLES:
                    yield ctx.hit(rule, path, line(node), f"{name}() calls {callback}() as a callback")
                elif php.is_request_data(args[position]):
                    yield ctx.hit(rule, path, line(node), f"{name}() callback taken from request data")


def _decode_chain(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    sinks = EXECUTORS | {"include", "require"} | SHELL_FUNCTIONS | CALLBACK_RUNNERS
    for path, php in ctx.php.items():
        decoded_vars = {
            var
            for var, values in php.assignments.items()
            if any(call_name(n) in DECODERS for v in values for n in walk(v))
        }
        for node in walk(php.root):
            name = call_name(node)
            if name is None and node.type.endswith(("include_expression", "include_once_expression")):
                name = "include"
            if name is None and node.type.endswith(("require_expression", "require_once_expression")):
                name = "require"
            dynamic = node.type == "function_call_expression" and name is None
            if name not in sinks and not dynamic:
                continue
            targets = arguments(node) if node.type == "function_call_expression" else node.named_children
            if name in CALLBACK_RUNNERS:
                # Only the callback matters: decoding the data a callback maps over is ordinary.
                position = CALLBACK_POSITION.get(name or "", 0)
                targets = targets[position : position + 1]
            if dynamic:
                fn = node.child_by_field_name("function")
                targets = [*targets, *([fn] if fn is not None else [])]
            for target in targets:
                inner = [call_name(n) for n in walk(target)]
                via_var = any(n.type == "variable_name" and text(n) in decoded_vars for n in walk(target))
                decoders = sorted({n for n in inner if n in DECODERS})
                if decoders or via_var:
                    label = ", ".join(decoders) if decoders else "a decoded variable"
                    what = name or "a dynamic call"
                    yield ctx.hit(rule, path, line(node), f"decoded data ({label}) feeds {what}")
                    break


RULES = (
    Rule("exec.eval", Severity.ERROR, "eval, or assert on a string", _eval),
    Rule("exec.create-function", Severity.ERROR, "create_function", _create_function),
    Rule("exec.preg-replace-e", Severity.ERROR, "preg_replace with the /e modifier", _preg_e),
    Rule("exec.backticks", Severity.ERROR, "backtick shell execution", _backticks),
    Rule("exec.shell", Severity.ERROR, "shell and process functions", _shell),
    Rule("exec.dynamic-call", Severity.ERROR, "variable functions and callbacks on request data", _variable_calls),
    Rule("exec.decode-chain", Severity.ERROR, "decoded data feeding execution", _decode_chain),
)
