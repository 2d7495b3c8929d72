"""What a JavaScript expression's value is, when the code fixes it: the whole value (`'child' + '_process'`,
`String.fromCharCode(101, 118, 97, 108)`, `atob('ZXZhbA==')`, `'lave'.split('').reverse().join('')`) or, for URLs,
the literal prefix that names the host (`` `${BASE}/v1/${id}` `` with `const BASE = 'https://…'`)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from tree_sitter import Node

from forge.gates.js_ast import (
    GLOBAL_OBJECTS,
    JsFile,
    arguments,
    callee,
    dotted_name,
    js_unescape,
    string_text,
    unwrap,
)
from forge.gates.syntax import text

MAX_DEPTH = 8
# Calls that hand back their first argument's text with its start unchanged (so a URL keeps its host).
PREFIX_PRESERVING = frozenset({"String", "encodeURI", "encodeURIComponent"})
# Objects whose properties are configuration the deployment sets, not the code: a URL built on them points where
# the operator says (the Sandbox step enforces the allowlist at run time).
CONFIGURATION_ROOTS = ("process.env", "import.meta.env")


def _operator(node: Node) -> str | None:
    op = node.child_by_field_name("operator")
    return op.type if op is not None else None


def resolve_value(js: JsFile, node: Node, depth: int = 0) -> str | None:
    """The whole value of an expression when the file fixes it, else None."""
    node = unwrap(node)
    literal = string_text(node)
    if literal is not None or depth > MAX_DEPTH:
        return literal
    kind = node.type
    if kind == "number":
        return text(node)
    if kind == "template_string":
        parts = [_template_part(js, part, depth) for part in node.named_children]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
    if kind == "binary_expression" and _operator(node) == "+":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        a = resolve_value(js, left, depth + 1) if left is not None else None
        b = resolve_value(js, right, depth + 1) if right is not None and a is not None else None
        return a + b if a is not None and b is not None else None
    if kind == "identifier":
        bound = js.single_binding(node)
        return resolve_value(js, bound, depth + 1) if bound is not None else None
    if kind == "member_expression":
        return _property_value(js, node, depth)
    if kind == "call_expression":
        return _folded_call(js, node, depth)
    return None


def _template_part(js: JsFile, part: Node, depth: int) -> str | None:
    if part.type == "string_fragment":
        return text(part)
    if part.type == "escape_sequence":
        return js_unescape(text(part))
    if part.type == "template_substitution" and part.named_children:
        return resolve_value(js, part.named_children[0], depth + 1)
    return ""


def _held_property(js: JsFile, node: Node) -> Node | None:
    """The value `CONFIG.api` reads, where `const CONFIG = { api: … }`."""
    obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
    holder = js.single_binding(unwrap(obj)) if obj is not None else None
    if holder is None or holder.type != "object" or prop is None:
        return None
    for pair in (p for p in holder.named_children if p.type == "pair"):
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key is not None and value is not None and (string_text(key) or text(key)) == text(prop):
            return value
    return None


def _property_value(js: JsFile, node: Node, depth: int) -> str | None:
    held = _held_property(js, node)
    return resolve_value(js, held, depth + 1) if held is not None else None


def _list_value(js: JsFile, node: Node, depth: int) -> list[str] | None:
    """An array of strings the code fixes: a literal array, `s.split(sep)`, `list.reverse()`."""
    node = unwrap(node)
    if node.type == "array":
        values = [resolve_value(js, item, depth + 1) for item in node.named_children]
        return None if any(v is None for v in values) else [v or "" for v in values]
    if node.type == "identifier":
        bound = js.single_binding(node)
        return _list_value(js, bound, depth + 1) if bound is not None and depth < MAX_DEPTH else None
    method, receiver, args = _method_call(node)
    if method == "split" and receiver is not None:
        whole = resolve_value(js, receiver, depth + 1)
        sep = resolve_value(js, args[0], depth + 1) if args else None
        if whole is not None and sep is not None:
            return list(whole) if sep == "" else whole.split(sep)
    if method == "reverse" and receiver is not None:
        items = _list_value(js, receiver, depth + 1)
        return items[::-1] if items is not None else None
    return None


def _method_call(node: Node) -> tuple[str | None, Node | None, list[Node]]:
    """(method, receiver, arguments) of `receiver.method(…)`."""
    function = node.child_by_field_name("function") if node.type == "call_expression" else None
    if function is None or unwrap(function).type != "member_expression":
        return None, None, []
    function = unwrap(function)
    prop, obj = function.child_by_field_name("property"), function.child_by_field_name("object")
    return (text(prop) if prop is not None else None), obj, arguments(node)


def _decode_base64(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=False).decode("latin-1")
    except (binascii.Error, ValueError):
        return None


def _folded_call(js: JsFile, node: Node, depth: int) -> str | None:
    """Pure string built-ins the code may hide a name behind."""
    name = callee(js, node)
    args = arguments(node)
    if name == "String.fromCharCode":
        codes = [resolve_value(js, a, depth + 1) for a in args]
        if all(c is not None and c.isdigit() and int(c) <= 0x10FFFF for c in codes):
            return "".join(chr(int(c or "0")) for c in codes)
        return None
    if name in ("atob", "Buffer.from") and args:
        encoding = resolve_value(js, args[1], depth + 1) if len(args) > 1 else None
        value = resolve_value(js, args[0], depth + 1)
        return _decode_base64(value) if name == "atob" or encoding == "base64" else value
    if name in ("decodeURIComponent", "decodeURI", "unescape") and args:
        value = resolve_value(js, args[0], depth + 1)
        return unquote(value) if value is not None else None
    return _folded_method(js, node, depth)


def _folded_method(js: JsFile, node: Node, depth: int) -> str | None:
    method, receiver, args = _method_call(node)
    if receiver is None:
        return None
    if method == "join":
        items = _list_value(js, receiver, depth + 1)
        sep = resolve_value(js, args[0], depth + 1) if args else ","
        return sep.join(items) if items is not None and sep is not None else None
    if method in ("toString", "toLowerCase", "toUpperCase", "trim", "concat"):
        value = resolve_value(js, receiver, depth + 1)
        rest = [resolve_value(js, a, depth + 1) for a in args] if method == "concat" else []
        if value is None or any(r is None for r in rest):
            return None
        folded = {"toLowerCase": value.lower(), "toUpperCase": value.upper(), "trim": value.strip()}
        return folded.get(method, value + "".join(r or "" for r in rest))
    return None


def resolve_prefix(js: JsFile, node: Node, depth: int = 0) -> str | None:
    """The literal start of an expression's value (enough to know a URL's host), else None."""
    node = unwrap(node)
    whole = resolve_value(js, node, depth)
    if whole is not None or depth > MAX_DEPTH:
        return whole
    if node.type == "template_string":
        prefix = ""
        for part in node.named_children:
            value = _template_part(js, part, depth)
            if value is None:
                sub = part.named_children[0] if part.named_children else None
                rest = resolve_prefix(js, sub, depth + 1) if sub is not None else None
                return prefix + (rest or "") if prefix or rest else None
            prefix += value
        return prefix
    if node.type == "binary_expression" and _operator(node) == "+":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        head = resolve_value(js, left, depth + 1) if left is not None else None
        if head is not None and right is not None:
            return head + (resolve_prefix(js, right, depth + 1) or "")
        return resolve_prefix(js, left, depth + 1) if left is not None else None
    inner = url_base(js, node)
    return resolve_prefix(js, inner, depth + 1) if inner is not None else None


def url_base(js: JsFile, node: Node) -> Node | None:
    """What an expression's start comes from: an identifier's one value, `new URL(path, base)`'s base (its path
    when that is absolute), `String(x)`'s x, `x.concat(…)`'s x."""
    node = unwrap(node)
    if node.type == "identifier":
        return js.single_binding(node)
    if node.type in ("new_expression", "call_expression"):
        name = callee(js, node)
        args = arguments(node)
        if name == "URL" and args:
            path = resolve_prefix(js, args[0], MAX_DEPTH - 2)
            absolute = path is not None and "//" in path[:12]
            return args[0] if absolute or len(args) == 1 else args[1]
        if name in PREFIX_PRESERVING and args:
            return args[0]
        method, receiver, _ = _method_call(node)
        if method == "concat" and receiver is not None:
            return receiver
    return None


def url_starts(js: JsFile, node: Node, depth: int = 0) -> list[tuple[str | None, Node]]:
    """Every way a URL expression may start: (its literal prefix or None, the expression that prefix is of), over
    both sides of `||`/`??`, a ternary's branches, each value a `let` is given, and through the front of a
    template, a concatenation, `new URL(path, base)` and the file's bindings."""
    node = unwrap(node)
    prefix = resolve_prefix(js, node)
    if prefix or depth > MAX_DEPTH:
        return [(prefix, node)]
    front = _front(js, node)
    if front is None:
        return [(None, node)]
    return [start for part in front for start in url_starts(js, part, depth + 1)]


def _front(js: JsFile, node: Node) -> list[Node] | None:
    """The expressions an unresolved value's start may come from, else None."""
    operator = _operator(node) if node.type == "binary_expression" else None
    if operator in ("||", "??"):
        return [side for side in (node.child_by_field_name("left"), node.child_by_field_name("right")) if side]
    if operator == "+":
        left = node.child_by_field_name("left")
        return [left] if left is not None else None
    if node.type == "ternary_expression":
        branches = (node.child_by_field_name("consequence"), node.child_by_field_name("alternative"))
        return [branch for branch in branches if branch is not None]
    if node.type == "template_string":
        first = node.named_children[0] if node.named_children else None
        leading = first is not None and first.type == "template_substitution" and first.named_children
        return [first.named_children[0]] if first is not None and leading else None
    if node.type == "identifier":
        return js.values_of(node) or None
    base = url_base(js, node)
    if base is None and node.type == "member_expression":
        base = _held_property(js, node)
    return [base] if base is not None else None


def configured(js: JsFile, node: Node, depth: int = 0) -> bool:
    """The expression's start is deployment configuration (`process.env.API_URL`, `` `${process.env.X}/v1` ``)."""
    node = unwrap(node)
    if depth > MAX_DEPTH:
        return False
    if node.type in ("member_expression", "subscript_expression"):
        if text(node).replace("?.", ".").startswith(CONFIGURATION_ROOTS):
            return True
        held = _held_property(js, node)
        return held is not None and configured(js, held, depth + 1)
    if node.type == "template_string":
        first = next((c for c in node.named_children), None)
        inner = first.named_children[0] if first is not None and first.named_children else None
        return first is not None and first.type == "template_substitution" and configured(js, inner or first, depth + 1)
    if node.type == "binary_expression" and _operator(node) == "+":
        left = node.child_by_field_name("left")
        return left is not None and configured(js, left, depth + 1)
    base = url_base(js, node)
    return base is not None and configured(js, base, depth + 1)


def computed_callee(js: JsFile, call: Node) -> str | None:
    """`callee()`, and also for a computed member the code fixes: `window['ev' + 'al'](…)`,
    `Reflect.get(globalThis, atob('ZXZhbA=='))(…)`, and a name the file gives either, call `eval`."""
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    if function is None:
        return None
    function = unwrap(function)
    bound = js.single_binding(function) if function.type == "identifier" else None
    if bound is not None and bound.type in ("call_expression", "subscript_expression"):
        function = bound
    elif (name := callee(js, call)) is not None:
        return name
    return _computed_member(js, function)


def _computed_member(js: JsFile, function: Node) -> str | None:
    if function.type == "call_expression" and callee(js, function) == "Reflect.get":
        args = arguments(function)
        obj, index = (args[0], args[1]) if len(args) > 1 else (None, None)
    elif function.type == "subscript_expression":
        obj, index = function.child_by_field_name("object"), function.child_by_field_name("index")
    else:
        return None
    key = resolve_value(js, index) if index is not None else None
    owner = dotted_name(js, obj) if obj is not None else None
    if key is None or owner is None:
        return None
    return key if owner in GLOBAL_OBJECTS else f"{owner}.{key}"
