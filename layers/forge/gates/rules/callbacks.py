"""exec.dynamic-call: whatever PHP calls or instantiates by a name chosen at run time must not take that name
from request data (or from stored or remote data), nor resolve to a dangerous function.

Covers variable functions (`$f()`, `( … )()`, `[$o, $m]()`), every callable argument of built-ins and WordPress
functions (forge/gates/callables.py), `…callback` array keys, `$obj->$m()`, `$class::m()`, `new $class`,
ReflectionFunction & co., and what makes every variable request data: extract(), parse_str() without a result,
variable variables assigned from the request.
"""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.callables import callable_slots
from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import (
    PhpFile,
    arguments,
    binary_operator,
    call_name,
    enclosing_function,
    line,
    method_name,
    text,
    walk,
)
from forge.gates.request_data import REQUEST_FUNCTIONS, REQUEST_METHODS, TAINT_BREAKERS
from forge.gates.rules.execution import SHELL_FUNCTIONS

# Functions that must not be reached indirectly either (as a callback name or a variable function).
DANGEROUS_CALLABLES = SHELL_FUNCTIONS | {
    "assert",
    "create_function",
    "include",
    "require",
    "unserialize",
    "extract",
    "parse_str",
    "putenv",
    "file_put_contents",
    "move_uploaded_file",
    "preg_replace",
    "call_user_func",
    "call_user_func_array",
    "forward_static_call",
    "forward_static_call_array",
}
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
CLOSURES = ("anonymous_function", "arrow_function")
# Calls that return strings (a class name from the request survives them), unlike lookups returning objects.
STRING_RETURNING = ("sanitize_", "esc_", "str", "wp_unslash", "trim", "substr", "base64_", "url", "raw", "hex", "json_")
STRING_CALLS = frozenset({"implode", "join", "sprintf", "strval", "ltrim", "rtrim", "ucfirst", "lcfirst"})
STRING_CALLS = STRING_CALLS | {"current", "end", "reset", "key", "array_pop", "array_shift", "array_rand"}
STRING_CALLS = STRING_CALLS | REQUEST_FUNCTIONS | REQUEST_METHODS


def _stored_or_remote(php: PhpFile, node: Node, depth: int = 0) -> str | None:
    """The stored-or-remote reader whose result `node` evaluates to (in part), following variables through their
    assignments. A value only compared, or used as an array index or a ternary's condition, selects among the
    code's own values and does not count."""
    if depth > 6 or node.type in CLOSURES:
        return None
    name = call_name(node) or method_name(node)
    if name in STORED_OR_REMOTE or method_name(node) in STORED_METHODS:
        return name
    if name in TAINT_BREAKERS:
        return None
    if node.type == "variable_name":
        scope = enclosing_function(node)
        children = [v for v in php.assignments.get(text(node), []) if _same(enclosing_function(v), scope)]
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


def _same(a: Node | None, b: Node | None) -> bool:
    return (a.id if a is not None else None) == (b.id if b is not None else None)


def _object_like(php: PhpFile, node: Node, depth: int = 0) -> bool:
    """An expression that holds an object: `$this`, `new Foo`, what a lookup returns (`get_user_by( … )`), or a
    variable or property only ever assigned those. In `[ $object, 'method' ]` the visitor cannot turn such an object
    into another class, so only a string there (a class name) can be chosen."""
    kind = node.type
    if depth > 4:
        return False
    if kind == "variable_name":
        if text(node) == "$this":
            return True
        scope = enclosing_function(node)
        values = [v for v in php.assignments.get(text(node), []) if _same(enclosing_function(v), scope)]
        return bool(values) and all(_object_like(php, v, depth + 1) for v in values)
    if kind == "member_access_expression":
        name = node.child_by_field_name("name")
        values = php.properties.get(text(name), []) if name is not None else []
        return bool(values) and all(_object_like(php, v, depth + 1) for v in values)
    if kind == "object_creation_expression":
        return True
    called = call_name(node) or method_name(node) or ""
    return bool(called) and not called.startswith(STRING_RETURNING) and called not in STRING_CALLS


def _fixed_array_callable(php: PhpFile, node: Node) -> bool:
    """`[ $object, 'method' ]` / `array( __CLASS__, 'method' )`: a literal method on an object or a class the code
    names; nothing in it is a name the visitor picks."""
    if node.type != "array_creation_expression":
        return False
    items = [e.named_children[-1] for e in node.named_children if e.type == "array_element_initializer"]
    if len(items) != 2 or php.resolve_value(items[1]) is None:
        return False
    holder = items[0]
    static_class = holder.type in ("name", "qualified_name", "class_constant_access_expression")
    return static_class or php.resolve_value(holder) is not None or _object_like(php, holder)


def _table_entries(php: PhpFile, fn: Node) -> list[Node] | None:
    """The entries a `$table[ $key ]()` call may pick, when `$table` is one literal array assigned in this scope."""
    if fn.type != "subscript_expression" or not fn.named_children or fn.named_children[0].type != "variable_name":
        return None
    base = fn.named_children[0]
    scope = enclosing_function(fn)
    values = [v for v in php.assignments.get(text(base), []) if _same(enclosing_function(v), scope)]
    if len(values) != 1 or values[0].type != "array_creation_expression":
        return None
    return [e.named_children[-1] for e in values[0].named_children if e.type == "array_element_initializer"]


def _dangerous(name: str) -> bool:
    return name.strip().lstrip("\\").lower() in DANGEROUS_CALLABLES


def _check(php: PhpFile, what: str, expr: Node, names_function: bool) -> str | None:
    """Why the callable `expr` in position `what` is an error, or None."""
    target = php.resolve_value(expr)
    if target is not None:
        return f"{what} calls {target}()" if names_function and _dangerous(target) else None
    if _fixed_array_callable(php, expr):
        return None
    if (source := _stored_or_remote(php, expr)) is not None:
        return f"{what} takes its callable from stored or remote data ({source}()): {text(expr)[:60]}"
    if php.is_request_data(expr, across_files=True):
        return f"{what} takes its callable from request data: {text(expr)[:60]}"
    return None


def _callee(node: Node) -> Node | None:
    """The expression a variable function call calls, parentheses removed; None for a closure called in place."""
    fn = node.child_by_field_name("function")
    while fn is not None and fn.type == "parenthesized_expression" and fn.named_children:
        fn = fn.named_children[0]
    return None if fn is None or fn.type in CLOSURES else fn


def _variable_function(rule: Rule, ctx: ScanContext, path: str, php: PhpFile, node: Node) -> Iterator[Finding]:
    fn = _callee(node)
    if fn is None:
        return
    shown = text(fn)[:60]
    target = php.resolve_value(fn)
    entries = _table_entries(php, fn) if target is None else None
    if entries is not None and not php.is_request_data(fn, across_files=True):
        # One of the code's own entries: only a dangerous one is a finding, whatever the key.
        names = [n for e in entries if (n := php.resolve_value(e)) is not None and _dangerous(n)]
        if names:
            yield ctx.hit(rule, path, line(node), f"variable function {shown[:40]} may call {names[0]}()")
    elif target is not None:
        if _dangerous(target):
            yield ctx.hit(rule, path, line(node), f"variable function {shown[:40]} resolves to {target}()")
    elif (source := _stored_or_remote(php, fn)) is not None:
        message = f"function name {shown} read from stored or remote data ({source}())"
        yield ctx.hit(rule, path, line(node), message)
    elif php.is_request_data(fn, across_files=True):
        yield ctx.hit(rule, path, line(node), f"function name taken from request data: {shown}")
    elif _forwards_method_name(fn):
        yield ctx.hit(rule, path, line(node), f"__call() calls its method name {shown} as a function")
    elif any(php.is_request_data(a, across_files=True) for a in arguments(node)):
        yield ctx.hit(rule, path, line(node), f"request data passed to a variable function {shown}()")
    else:
        message = f"variable function call {shown}() (name not known statically)"
        yield ctx.hit(rule, path, line(node), message, Severity.WARNING)


def _sets_variables(php: PhpFile, node: Node) -> str | None:
    """extract(), parse_str() without a result and `$$name = …` from request data: the visitor sets any variable."""
    if node.type not in ("function_call_expression", "assignment_expression"):
        return None
    name = call_name(node)
    args = arguments(node)
    if name == "extract" and any(php.is_request_data(a, across_files=True) for a in args):
        return "extract() of request data lets the visitor set any variable"
    if name in ("parse_str", "mb_parse_str") and len(args) == 1 and php.is_request_data(args[0], across_files=True):
        return f"{name}() without a result array lets the visitor set any variable"
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if node.type != "assignment_expression" or left is None or right is None:
        return None
    name_expr = left.named_children[0] if left.type == "dynamic_variable_name" and left.named_children else None
    if name_expr is None or php.resolve_value(name_expr) is not None:
        return None
    if php.is_request_data(right, across_files=True) or php.is_request_data(name_expr, across_files=True):
        return "a variable variable set from request data lets the visitor set any variable"
    return None


def _forwards_method_name(node: Node) -> bool:
    """`expr` is __call()'s or __callStatic()'s first parameter: every method called on the object names it."""
    if node.type != "variable_name":
        return False
    scope = enclosing_function(node)
    if scope is None or scope.type != "method_declaration":
        return False
    name = scope.child_by_field_name("name")
    if name is None or text(name).lower() not in ("__call", "__callstatic"):
        return False
    params = scope.child_by_field_name("parameters")
    first = next((p for p in (params.named_children if params else []) if p.type == "simple_parameter"), None)
    var = first.child_by_field_name("name") if first is not None else None
    return var is not None and text(var) == text(node)


def _dynamic_calls(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            if node.type == "function_call_expression" and call_name(node) is None:
                yield from _variable_function(rule, ctx, path, php, node)
            for what, expr, names_function in callable_slots(node, php.resolve_value):
                if (reason := _check(php, what, expr, names_function)) is not None:
                    yield ctx.hit(rule, path, line(expr), reason)
                elif names_function and _forwards_method_name(expr):
                    message = f"{what} calls __call()'s method name: any method called on the object runs a function"
                    yield ctx.hit(rule, path, line(expr), message)
            if (reason := _sets_variables(php, node)) is not None:
                yield ctx.hit(rule, path, line(node), reason)


RULES = (
    Rule(
        "exec.dynamic-call",
        Severity.ERROR,
        "callables, variable functions, methods and classes named by request or stored data",
        _dynamic_calls,
    ),
)
