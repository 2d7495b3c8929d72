"""Code execution: eval, assert on anything but a boolean expression, create_function, preg_replace /e,
backticks, shell and process functions, decode chains feeding execution. Callables named at run time are
callbacks.py's (exec.dynamic-call)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.callables import FUNCTIONS as CALLABLE_TAKERS
from forge.gates.callables import SELECTED, function_slots
from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import (
    arguments,
    binary_operator,
    call_name,
    line,
    string_literals,
    string_value,
    text,
    walk,
)
from forge.gates.request_data import BOOLEAN_OPERATORS

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
        "openssl_decrypt",
        "mcrypt_decrypt",
        "sodium_crypto_secretbox_open",
        "bzdecompress",
        "zlib_decode",
    }
)
# Calls that run PHP code given as a string or a callable name.
EXECUTORS = frozenset({"eval", "assert", "create_function"})

# Calls returning a boolean or a number: assert() of those is a check, never code.
BOOLEAN_CALLS = frozenset(
    {
        "isset",
        "empty",
        "in_array",
        "array_key_exists",
        "function_exists",
        "class_exists",
        "method_exists",
        "property_exists",
        "defined",
        "count",
        "strlen",
        "str_contains",
        "str_starts_with",
        "str_ends_with",
        "preg_match",
        "wp_verify_nonce",
        "current_user_can",
    }
)
BOOLEAN_LITERALS = ("boolean", "integer", "float", "null")


def _boolean(node: Node) -> bool:
    """An expression whose value is a boolean or a number whatever its inputs: assert() never evaluates it."""
    kind = node.type
    if kind == "parenthesized_expression" and node.named_children:
        return _boolean(node.named_children[0])
    if kind == "binary_expression":
        return binary_operator(node) in BOOLEAN_OPERATORS
    if kind == "unary_op_expression":
        return text(node).lstrip().startswith("!")
    if kind == "cast_expression":
        cast = node.child_by_field_name("type")
        return cast is not None and text(cast).strip("() ").lower() in ("bool", "boolean", "int", "integer", "float")
    name = call_name(node) or ""
    return kind in BOOLEAN_LITERALS or name in BOOLEAN_CALLS or name.startswith(("is_", "ctype_"))


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
            # assert( $x > 0 ) is a check; assert( 'code' ), assert( $code ), assert( f() ) evaluate a string
            # result as PHP (PHP < 8, or zend.assertions/assert.active set so).
            if args and string_value(args[0]) is not None:
                yield ctx.hit(rule, path, line(node), "assert() on a string evaluates it as PHP code")
            elif args and not _boolean(args[0]):
                message = f"assert() of a non-literal expression evaluates a string result as PHP: {text(args[0])[:50]}"
                yield ctx.hit(rule, path, line(node), message)


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
        php = ctx.php[path]
        for pattern in patterns:
            value = php.resolve_value(pattern)
            if value and len(value) > 1 and not value[0].isalnum() and value[0] != "\\":
                close = {"(": ")", "[": "]", "{": "}", "<": ">"}.get(value[0], value[0])
                modifiers = value[value.rfind(close) + 1 :] if close in value[1:] else ""
                if "e" in modifiers:
                    yield ctx.hit(rule, path, line(node), f"{name}() with the /e modifier evaluates the replacement")
            elif value is None and php.is_request_data(pattern):
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


def _decode_chain(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    sinks = EXECUTORS | {"include", "require"} | SHELL_FUNCTIONS | set(CALLABLE_TAKERS) | set(SELECTED)
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
            if name in CALLABLE_TAKERS or name in SELECTED:
                # Only the callables matter: decoding the data a callback maps over is ordinary.
                targets = [expr for _, expr in function_slots(node, php.resolve_value)]
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


def _unserialize(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    """unserialize() of request data builds objects of any class the visitor names, running their __wakeup and
    __destruct: unless classes are refused (`allowed_classes` false)."""
    for path, node, name in _all_calls(ctx):
        if name not in ("unserialize", "maybe_unserialize"):
            continue
        args = arguments(node)
        refused = len(args) > 1 and any("allowed_classes" in v for _, v in string_literals(args[1]))
        if args and not refused and ctx.php[path].is_request_data(args[0]):
            yield ctx.hit(rule, path, line(node), f"{name}() of request data: object injection")


RULES = (
    Rule("exec.eval", Severity.ERROR, "eval, or assert on a string", _eval),
    Rule("exec.create-function", Severity.ERROR, "create_function", _create_function),
    Rule("exec.preg-replace-e", Severity.ERROR, "preg_replace with the /e modifier", _preg_e),
    Rule("exec.backticks", Severity.ERROR, "backtick shell execution", _backticks),
    Rule("exec.shell", Severity.ERROR, "shell and process functions", _shell),
    Rule("exec.decode-chain", Severity.ERROR, "decoded data feeding execution", _decode_chain),
    Rule("exec.unserialize", Severity.ERROR, "unserialize of request data", _unserialize),
)
