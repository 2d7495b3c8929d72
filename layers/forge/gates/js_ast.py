"""JavaScript and TypeScript source parsed with tree-sitter, and the questions the `js.*` rules ask of it.

One walk per file indexes what the rules look at (calls and `new` expressions, module specifiers, string
literals, what each name is bound to), so a large bundle costs one pass, not one per rule. Names are followed
through the file's own bindings only (`const run = eval`, `const { exec } = require('child_process')`); what a
value is, when it is known statically, is `js_values.py`'s; which expressions hold request data is
`js_request_data.py`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath

import tree_sitter_javascript
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser

from forge.gates.js_bindings import SCOPES, Bindings, scope_of
from forge.gates.syntax import text, walk

# Every extension Node.js, bundlers and TypeScript treat as a module of either language.
JS_SOURCE_EXTENSIONS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")
# The JavaScript grammar reads JSX too; TypeScript's JSX dialect is a grammar of its own.
GRAMMARS = {".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx"}
# Names under which browsers and Node.js expose the global object: `window.eval` is `eval`.
GLOBAL_OBJECTS = frozenset({"window", "globalThis", "self", "global", "top", "parent", "frames"})
# TypeScript wrappers that leave the value alone: `x as string`, `x!`, `x satisfies T`, `<T>x`.
TRANSPARENT = frozenset(
    {"parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression", "type_assertion"}
)
# Values that make a name the file's own function or class.
LOCAL_DEFINITIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "generator_function_declaration",
        "generator_function",
        "class",
        "class_declaration",
    }
)
# A minified file: most of its bytes sit on lines longer than this.
MINIFIED_LINE = 500
MINIFIED_MIN_BYTES = 2048


@cache
def _parser(grammar: str) -> Parser:
    languages = {
        "javascript": tree_sitter_javascript.language,
        "typescript": tree_sitter_typescript.language_typescript,
        "tsx": tree_sitter_typescript.language_tsx,
    }
    return Parser(Language(languages[grammar]()))


def is_js_source(path: str) -> bool:
    return path.lower().endswith(JS_SOURCE_EXTENSIONS)


def unwrap(node: Node) -> Node:
    """The expression inside parentheses and TypeScript's type wrappers."""
    while node.type in TRANSPARENT:
        inner = [c for c in node.named_children if c.type != "comment"]
        if not inner:
            break
        # `<T>x` puts its type first; the others their expression.
        node = inner[-1] if node.type == "type_assertion" else inner[0]
    return node


def arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None or args.type == "template_string":  # a tagged template has no argument list
        return []
    return [unwrap(a) for a in args.named_children if a.type != "comment"]


def module_name(specifier: str) -> str:
    """`node:child_process` and `child_process` name the same built-in module."""
    return specifier.removeprefix("node:")


def _minified(data: bytes) -> bool:
    if len(data) < MINIFIED_MIN_BYTES:
        return False
    long_bytes = sum(len(row) for row in data.split(b"\n") if len(row) > MINIFIED_LINE)
    return long_bytes * 2 > len(data)


@dataclass
class JsFile:
    path: str
    root: Node
    has_syntax_errors: bool
    minified: bool
    calls: list[Node] = field(default_factory=list)  # call_expression and new_expression nodes
    strings: list[Node] = field(default_factory=list)  # string and template_string nodes
    specifiers: list[tuple[Node, str]] = field(default_factory=list)  # (import/export statement, module)
    # What each name may hold where it is used (js_bindings.py).
    names: Bindings = field(default_factory=Bindings)
    # (member expression, value) for every assignment to a property: `img.src = url`.
    property_assignments: list[tuple[Node, Node]] = field(default_factory=list)
    # local name -> (module, imported name; "*" for the module itself) from import statements.
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)
    # name -> every identifier node spelling it, in source order.
    identifiers: dict[str, list[Node]] = field(default_factory=dict)

    def values_of(self, node: Node) -> list[Node]:
        """Every value the file gives the identifier `node` in the scope that declares it."""
        return self.names.of(node) if node.type in ("identifier", "shorthand_property_identifier") else []

    def single_binding(self, node: Node) -> Node | None:
        """The one value an identifier is ever given where it is used, else None."""
        values = self.values_of(node)
        return unwrap(values[0]) if len(values) == 1 else None


def _assign(js: JsFile, left: Node, value: Node, declaration: bool) -> None:
    """A declarator's or an assignment's left side receives the value on the right; an assignment to a property
    (`img.src = …`) binds no name and is kept apart."""
    if left.type in ("member_expression", "subscript_expression"):
        js.property_assignments.append((left, value))
    else:
        js.names.bind(left, value, declaration)


def _import(js: JsFile, local: Node, origin: tuple[str, str]) -> None:
    js.imported[text(local)] = origin
    js.names.declare(local, js.root)


def _index_import(js: JsFile, node: Node) -> None:
    source = node.child_by_field_name("source")
    if source is None:
        return
    module = module_name(string_text(source) or "")
    if any(c.type == "type" for c in node.children):  # `import type …` is erased at compile time
        return
    js.specifiers.append((node, module))
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    for part in clause.named_children if clause is not None else []:
        if part.type == "identifier":
            _import(js, part, (module, "default"))
        elif part.type == "namespace_import" and part.named_children:
            _import(js, part.named_children[-1], (module, "*"))
        elif part.type == "named_imports":
            for spec in (s for s in part.named_children if s.type == "import_specifier"):
                name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                if name is not None:
                    _import(js, alias or name, (module, text(name)))


def _index(js: JsFile, node: Node) -> None:
    kind = node.type
    if kind == "identifier":
        js.identifiers.setdefault(text(node), []).append(node)
    elif kind in ("call_expression", "new_expression"):
        js.calls.append(node)
    elif kind in ("string", "template_string"):
        js.strings.append(node)
    elif kind == "import_statement" or (kind == "export_statement" and node.child_by_field_name("source")):
        _index_import(js, node)
    elif kind in SCOPES and kind != "program":
        js.names.parameters(node)
        name = node.child_by_field_name("name") if kind.endswith("declaration") else None
        if name is not None:  # `function f() {}` declares f where the function stands
            js.names.bind(name, node, declaration=True, scope=scope_of(node))
    elif kind == "variable_declarator":
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name is not None and value is not None:
            _assign(js, name, value, declaration=True)
        elif name is not None:
            js.names.declare(name, scope_of(name))
    elif kind in ("assignment_expression", "augmented_assignment_expression"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None:
            _assign(js, unwrap(left), right, declaration=False)


def parse_js(path: str, data: bytes) -> JsFile:
    grammar = GRAMMARS.get(PurePosixPath(path.lower()).suffix, "javascript")
    tree = _parser(grammar).parse(data)
    js = JsFile(path=path, root=tree.root_node, has_syntax_errors=tree.root_node.has_error, minified=_minified(data))
    for node in walk(tree.root_node):
        _index(js, node)
    return js


_ESCAPE = re.compile(r"\\(?:u\{([0-9A-Fa-f]+)\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|([0-7]{1,3})|(\r\n|.))", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "b": "\b", "f": "\f", "0": "\0"}


def js_unescape(body: str) -> str:
    """A JavaScript string's escapes: \\n \\x41 \\u0041 \\u{41}, legacy octal; `\\q` is `q`, a line continuation
    nothing."""

    def one(match: re.Match[str]) -> str:
        braced, four, two, octal, other = match.groups()
        code = braced or four or two
        if code is not None:
            return chr(int(code, 16)) if int(code, 16) <= 0x10FFFF else match.group(0)
        if octal is not None:
            return chr(int(octal, 8)) if octal != "0" else "\0"
        return "" if other in ("\n", "\r\n", "\u2028", "\u2029") else _SIMPLE_ESCAPES.get(other, other)

    return _ESCAPE.sub(one, body)


def string_text(node: Node) -> str | None:
    """The value of a string literal, or of a template literal without substitutions; else None."""
    node = unwrap(node)
    if node.type == "string":
        raw = text(node)
        return js_unescape(raw[1:-1])
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return js_unescape(text(node)[1:-1])
    return None


def _member_path(node: Node) -> list[str] | None:
    """`a.b['c']` as ['a', 'b', 'c']; None when a part is computed."""
    node = unwrap(node)
    if node.type in ("identifier", "this", "super", "import"):
        return [text(node)]
    if node.type == "sequence_expression" and node.named_children:  # `(0, eval)` is `eval`, called indirectly
        return _member_path(node.named_children[-1])
    if node.type == "member_expression":
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        head = _member_path(obj) if obj is not None else None
        return [*head, text(prop)] if head is not None and prop is not None else None
    if node.type == "subscript_expression":
        obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
        head = _member_path(obj) if obj is not None else None
        key = string_text(index) if index is not None else None
        return [*head, key] if head is not None and key is not None else None
    return None


def dotted_name(js: JsFile, node: Node) -> str | None:
    """What an expression names, as a dotted path with the global object dropped and the first name followed to
    its import or require: `window['eval']` is `eval`, `https.get` (from `node:https`) is `https.get`, `run` (from
    `const { exec: run } = require('child_process')`) is `child_process.exec`."""
    path = _member_path(node)
    if path is None:
        return None
    while len(path) > 1 and path[0] in GLOBAL_OBJECTS:
        path = path[1:]
    origin = _origin(js, _root_name(node))
    return ".".join([*origin, *path[1:]]) if origin else ".".join(path)


def required_module(js: JsFile, node: Node) -> str | None:
    """The module a `require('m')` call (or `await import('m')`) loads, when its specifier is a literal."""
    node = unwrap(node)
    if node.type == "await_expression" and node.named_children:
        node = unwrap(node.named_children[0])
    if node.type != "call_expression":
        return None
    function = node.child_by_field_name("function")
    args = arguments(node)
    if function is None or not args or not (function.type == "import" or text(function) == "require"):
        return None
    value = string_text(args[0])
    return module_name(value) if value is not None else None


def _root_name(node: Node) -> Node:
    """The identifier a member chain starts from: `a` of `a.b['c']`, `eval` of `(0, eval)`."""
    node = unwrap(node)
    while node.type in ("member_expression", "subscript_expression", "sequence_expression") and node.named_children:
        inner = node.child_by_field_name("object") if node.type != "sequence_expression" else node.named_children[-1]
        if inner is None:
            break
        node = unwrap(inner)
    return node


def _origin(js: JsFile, identifier: Node) -> list[str] | None:
    """Where a name comes from: [module] or [module, export] for imports and requires, [global name] for aliases
    (`const run = eval`), else None."""
    name = text(identifier)
    values = js.values_of(identifier)
    if name in js.imported and js.names.declaring_scope(identifier) == js.root.id:
        module, export = js.imported[name]
        return [module] if export in ("*", "default") else [module, export]
    if len(values) != 1:
        return None
    value = unwrap(values[0])
    declarator = value.parent
    required = required_module(js, value)
    if required is not None:
        pattern = declarator.child_by_field_name("name") if declarator is not None else None
        destructured = pattern is not None and pattern.type == "object_pattern"
        return [required, _destructured_key(pattern, name)] if pattern and destructured else [required]
    if value.type in ("identifier", "member_expression", "subscript_expression") and text(value) != name:
        aliased = _member_path(value)
        if aliased is not None:
            return aliased[1:] if len(aliased) > 1 and aliased[0] in GLOBAL_OBJECTS else aliased
    return None


def _destructured_key(pattern: Node, name: str) -> str:
    """The property a destructuring pattern reads into `name`: `{ exec: run }` reads `exec` into `run`."""
    for part in pattern.named_children:
        if part.type == "pair_pattern":
            key, value = part.child_by_field_name("key"), part.child_by_field_name("value")
            if value is not None and text(value) == name and key is not None:
                return text(key)
    return name


def defined_locally(js: JsFile, node: Node) -> bool:
    """The name an expression starts from is the file's own function or value, not a global, an import, a require
    or an alias of one (a minifier's `ky` is not the ky library, a local `fetch` not the browser's)."""
    values = [unwrap(v) for v in js.values_of(_root_name(node))]
    return bool(values) and all(v.type in LOCAL_DEFINITIONS for v in values)


def callee(js: JsFile, call: Node) -> str | None:
    """The dotted name a call or `new` expression invokes (see `dotted_name`)."""
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    if function is None:
        return None
    function = unwrap(function)
    if function.type == "call_expression":  # require('https').get(…) is https.get
        module = required_module(js, function)
        return module
    if function.type == "member_expression":
        obj = function.child_by_field_name("object")
        prop = function.child_by_field_name("property")
        module = required_module(js, obj) if obj is not None else None
        if module is not None and prop is not None:
            return f"{module}.{text(prop)}"
    return dotted_name(js, function)


def callees(js: JsFile, call: Node) -> list[str]:
    """`callee()`, and when the function is a name the file sets to one of several (`const send = secure ?
    https.request : http.request`, `fetchImpl || fetch`), each of those."""
    name = callee(js, call)
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    chosen = js.single_binding(unwrap(function)) if function is not None else None
    branches: list[Node] = []
    if chosen is not None and chosen.type == "ternary_expression":
        branches = [b for f in ("consequence", "alternative") if (b := chosen.child_by_field_name(f)) is not None]
    elif chosen is not None and chosen.type == "binary_expression":
        operator = chosen.child_by_field_name("operator")
        if operator is not None and operator.type in ("||", "??"):
            branches = [b for f in ("left", "right") if (b := chosen.child_by_field_name(f)) is not None]
    names = [dotted_name(js, b) for b in branches]
    return [n for n in (name, *names) if n]
