"""PHP source parsed with tree-sitter, and the few questions the rules ask of it.

Deliberately small: call names and arguments, string values, a best-effort resolver for the literal prefix of an
expression (enough to know which host a URL built as `BASE . $path` points at) and for its whole value (with pure
string built-ins folded: `strrev( 'metsys' )` is `system`). Which expressions hold request data is `taint.py`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING

import tree_sitter_php
from tree_sitter import Language, Node, Parser

from forge.gates import folding

# Re-exported: the PHP rules import them from here with the rest of the PHP helpers.
from forge.gates.syntax import line as line
from forge.gates.syntax import text as text
from forge.gates.syntax import walk as walk

if TYPE_CHECKING:
    from forge.gates.taint import Exports, Taint

# WordPress's capability and nonce checks: an admin handler needs one of each before it acts.
CAPABILITY_CHECKS = frozenset({"current_user_can", "user_can"})
NONCE_CHECKS = frozenset({"check_admin_referer", "check_ajax_referer", "wp_verify_nonce"})
# Calls that pass their first argument's literal prefix through (so a URL keeps its host).
PREFIX_PRESERVING = frozenset(
    {
        "rtrim",
        "trim",
        "untrailingslashit",
        "trailingslashit",
        "esc_url",
        "esc_url_raw",
        "sanitize_url",
        "sprintf",
        "strval",
    }
)


@cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_php.language_php()))


_ESCAPE = re.compile(r"\\(?:u\{([0-9A-Fa-f]+)\}|x([0-9A-Fa-f]{1,2})|([0-7]{1,3})|(.))", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "e": "\x1b", "f": "\f", "\\": "\\", "$": "$", '"': '"'}


def php_unescape(body: str) -> str:
    """A double-quoted (or heredoc) PHP string's escapes: \\n \\x41 \\101 \\u{41} \\$ …; unknown ones stay as
    written, as PHP leaves them. Octal and hex escapes give bytes, kept as latin-1 characters."""

    def one(match: re.Match[str]) -> str:
        code, hex_byte, octal, other = match.groups()
        if code is not None:
            return chr(int(code, 16)) if int(code, 16) <= 0x10FFFF else match.group(0)
        if hex_byte is not None:
            return chr(int(hex_byte, 16))
        if octal is not None:
            return chr(int(octal, 8) % 256)
        return _SIMPLE_ESCAPES.get(other, match.group(0))

    return _ESCAPE.sub(one, body)


def string_value(node: Node) -> str | None:
    """The value of a literal string with no interpolation, else None."""
    raw = text(node)
    if node.type == "string":
        body = raw[raw.index("'") + 1 : -1] if "'" in raw else raw
        return body.replace("\\\\", "\\").replace("\\'", "'")
    if node.type == "encapsed_string":
        if any(c.type not in ("string_content", "escape_sequence", '"') for c in node.children):
            return None
        return php_unescape(raw[raw.index('"') + 1 : -1])
    if node.type in ("heredoc", "nowdoc"):
        content = node.child_by_field_name("value")
        if content is None:
            return ""
        if any(c.type not in ("string_content", "escape_sequence", "nowdoc_string") for c in content.children):
            return None
        value = text(content) if node.type == "nowdoc" else php_unescape(text(content))
        return value.removeprefix("\n").removesuffix("\n")
    return None


def string_literals(node: Node) -> Iterator[tuple[Node, str]]:
    """Every literal string part under `node` (interpolated strings contribute their literal parts)."""
    for n in walk(node):
        if n.type in ("string", "encapsed_string", "heredoc", "nowdoc"):
            value = string_value(n)
            if value is not None:
                yield n, value
            else:
                parts = "".join(text(c) for c in walk(n) if c.type == "string_content")
                if parts:
                    yield n, parts


def call_name(node: Node) -> str | None:
    """Lower-case name of a plain function call (`foo()`, `\\ns\\foo()`), None for dynamic calls."""
    if node.type != "function_call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "name":
        return text(fn).lower()
    if fn.type == "qualified_name":
        names = [c for c in fn.children if c.type == "name"]
        return text(names[-1]).lower() if names else None
    return None


def method_name(node: Node) -> str | None:
    if node.type in ("member_call_expression", "scoped_call_expression", "nullsafe_member_call_expression"):
        name = node.child_by_field_name("name")
        return text(name).lower() if name is not None and name.type == "name" else None
    return None


def arguments(node: Node) -> list[Node]:
    """The argument expressions of any call, in order."""
    args = node.child_by_field_name("arguments")
    if args is None:
        args = next((c for c in node.children if c.type == "arguments"), None)
    if args is None:
        return []
    out = []
    for arg in args.named_children:
        if arg.type == "argument":
            inner = [c for c in arg.named_children if c.type != "name"] or arg.named_children
            if inner:
                out.append(inner[-1])
        elif arg.type != "comment":
            out.append(arg)
    return out


def first_argument(node: Node) -> Node | None:
    args = arguments(node)
    return args[0] if args else None


def named_arguments(node: Node) -> list[tuple[str | None, Node]]:
    """The arguments of any call as (PHP 8 parameter name or None, expression), in order."""
    args = node.child_by_field_name("arguments")
    if args is None:
        args = next((c for c in node.children if c.type == "arguments"), None)
    out: list[tuple[str | None, Node]] = []
    for arg, value in zip(_argument_nodes(args), arguments(node), strict=False):
        name = arg.child_by_field_name("name") if arg.type == "argument" else None
        out.append((text(name) if name is not None else None, value))
    return out


def _argument_nodes(args: Node | None) -> list[Node]:
    if args is None:
        return []
    return [a for a in args.named_children if a.type != "comment" and (a.type != "argument" or a.named_children)]


def calls(node: Node) -> Iterator[Node]:
    kinds = (
        "function_call_expression",
        "member_call_expression",
        "scoped_call_expression",
        "nullsafe_member_call_expression",
    )
    return (n for n in walk(node) if n.type in kinds)


def enclosing_function(node: Node) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in ("function_definition", "method_declaration", "anonymous_function", "arrow_function"):
            return current
        current = current.parent
    return None


def built_from(node: Node, accept: Callable[[Node], bool], *, ternary_branches: bool = False) -> bool:
    """True when `node` is accepted, or is parentheses or a binary expression (and, with `ternary_branches`, a
    ternary's two outcomes) over parts that all are: "made only of X", as include paths and printed output ask."""
    if node.type in ("parenthesized_expression", "binary_expression"):
        return all(built_from(c, accept, ternary_branches=ternary_branches) for c in node.named_children)
    if ternary_branches and node.type == "conditional_expression":
        return all(built_from(c, accept, ternary_branches=True) for c in node.named_children[1:])
    return accept(node)


def missing_guards(scope: Node | None) -> list[str]:
    """Which of "capability" and "nonce" checks the function `scope` never calls (both when there is none)."""
    called = {call_name(n) for n in walk(scope)} if scope is not None else set()
    return [
        guard for guard, checks in (("capability", CAPABILITY_CHECKS), ("nonce", NONCE_CHECKS)) if not called & checks
    ]


@dataclass
class PhpFile:
    path: str
    source: bytes
    root: Node
    assignments: dict[str, list[Node]] = field(default_factory=dict)
    properties: dict[str, list[Node]] = field(default_factory=dict)
    constants: dict[str, list[Node]] = field(default_factory=dict)
    appends: dict[str, list[Node]] = field(default_factory=dict)  # `$x .= …` right-hand sides, in source order
    plugin: Plugin | None = field(default=None, repr=False)  # every PHP file scanned with this one

    @property
    def has_syntax_errors(self) -> bool:
        return self.root.has_error

    @cached_property
    def taint(self) -> Taint:
        """Request data within this file."""
        from forge.gates.taint import Taint  # taint.py builds on this module's helpers

        return Taint(self.root, self.resolve_value)

    @cached_property
    def linked_taint(self) -> Taint:
        """Request data within this file, with what the plugin's other files return, pass in and leave in globals."""
        from forge.gates.taint import Taint, relevant

        if self.plugin is None or not relevant(self.plugin.exports, self.taint.facts):
            return self.taint
        return Taint(self.root, self.resolve_value, self.plugin.exports, self.taint.facts)

    def is_request_data(self, node: Node, *, across_files: bool = False) -> bool:
        """Whether `node` holds request data. Across files (used where request data must never arrive, whatever
        the way: callable positions) a helper defined in another file counts too."""
        return (self.linked_taint if across_files else self.taint).is_request_data(node)

    def resolve_prefix(self, node: Node, depth: int = 0) -> str | None:
        """The literal text an expression starts with, when it can be told statically."""
        if depth > 8:
            return None
        literal = string_value(node)
        if literal is not None:
            return literal
        if node.type in ("encapsed_string", "heredoc"):
            first = next((c for c in node.children if c.type not in ('"',)), None)
            return text(first) if first is not None and first.type == "string_content" else None
        if node.type == "parenthesized_expression" and node.named_children:
            return self.resolve_prefix(node.named_children[0], depth + 1)
        if node.type == "binary_expression" and binary_operator(node) == ".":
            return self._concatenation_prefix(node, depth)
        if node.type == "variable_name":
            return self._first_resolved(self.assignments.get(text(node), []), depth)
        if node.type == "member_access_expression":
            member = node.child_by_field_name("name")
            return self._first_resolved(self.properties.get(text(member) if member else "", []), depth)
        if node.type == "class_constant_access_expression":
            return self._first_resolved(self.constants.get(text(node.named_children[-1]), []), depth)
        if node.type == "name":
            return self._first_resolved(self.constants.get(text(node), []), depth)
        name = call_name(node)
        if name in PREFIX_PRESERVING:
            args = arguments(node)
            return self.resolve_prefix(args[0], depth + 1) if args else None
        return None

    def _concatenation_prefix(self, node: Node, depth: int) -> str | None:
        """`a . b`: all of `a` and what `b` starts with when `a` is known whole, else what `a` starts with."""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None:
            return None
        whole_left = self.resolve_value(left, depth + 1)
        if whole_left is not None and right is not None:
            return whole_left + (self.resolve_prefix(right, depth + 1) or "")
        return self.resolve_prefix(left, depth + 1)

    def resolve_value(self, node: Node, depth: int = 0) -> str | None:
        """The whole string an expression evaluates to, when every part of it is known statically."""
        value = self._static(node, depth)
        return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None

    def _static(self, node: Node, depth: int = 0) -> folding.Value | None:
        """A statically known string, integer or list of strings (for implode() and str_replace())."""
        if depth > 8:
            return None
        literal = string_value(node)
        if literal is not None:
            return literal
        kind = node.type
        if kind == "integer":
            return folding.integer(text(node))
        if kind == "parenthesized_expression" and node.named_children:
            return self._static(node.named_children[0], depth + 1)
        if kind == "binary_expression" and binary_operator(node) in (".", "^"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            parts = [self.resolve_value(n, depth + 1) if n is not None else None for n in (left, right)]
            if parts[0] is None or parts[1] is None:
                return None
            return parts[0] + parts[1] if binary_operator(node) == "." else folding.xor(parts[0], parts[1])
        if kind == "variable_name":
            return self._variable_value(text(node), depth)
        if kind == "dynamic_variable_name" and node.named_children:
            name = self.resolve_value(node.named_children[0], depth + 1)
            return self._variable_value(f"${name}", depth) if name else None
        if kind == "class_constant_access_expression":
            values = self.constants.get(text(node.named_children[-1]), [])
            return self._static(values[0], depth + 1) if len(values) == 1 else None
        if kind == "array_creation_expression":
            items = [
                self.resolve_value(e.named_children[-1], depth + 1) for e in node.named_children if e.named_children
            ]
            return None if None in items else [i for i in items if i is not None]
        name = call_name(node)
        if name in folding.FUNCTIONS or name in folding.LIST_FUNCTIONS:
            args = [self._static(a, depth + 1) for a in arguments(node)]
            return None if None in args else folding.fold_call(name, [a for a in args if a is not None])
        return None

    def _variable_value(self, name: str, depth: int) -> folding.Value | None:
        """A variable assigned once, possibly extended by `.=` after that: `$f = 'sys'; $f .= 'tem';`."""
        values = self.assignments.get(name, [])
        appended = self.appends.get(name, [])
        plain = [v for v in values if v not in appended]
        if len(plain) != 1 or any(a.start_byte < plain[0].start_byte for a in appended):
            return None
        if not appended:
            return self._static(plain[0], depth + 1)
        parts = [self.resolve_value(v, depth + 1) for v in (plain[0], *appended)]
        return None if None in parts else "".join(p or "" for p in parts)

    def _first_resolved(self, candidates: list[Node], depth: int) -> str | None:
        for candidate in candidates:
            value = self.resolve_prefix(candidate, depth + 1)
            if value is not None:
                return value
        return None


@dataclass
class Plugin:
    """The PHP files of one scan, for what crosses files."""

    files: list[PhpFile]

    @cached_property
    def exports(self) -> Exports:
        from forge.gates.taint import merge_exports

        return merge_exports([f.taint.exports() for f in self.files])


def binary_operator(node: Node) -> str:
    """A binary expression's operator, lower-cased (`and`, `xor`), else ""."""
    op = node.child_by_field_name("operator")
    return text(op).lower() if op is not None else ""


def _bind(table: dict[str, list[Node]], name: Node | None, value: Node | None, strip: str = "") -> None:
    if name is not None and value is not None:
        table.setdefault(text(name).lstrip(strip), []).append(value)


@dataclass
class _Bindings:
    """What one walk of a file binds to names: variables, properties, constants, `.=` right-hand sides (in source
    order), and the `$$name = …` targets left to resolve once the file's values are known."""

    assignments: dict[str, list[Node]] = field(default_factory=dict)
    properties: dict[str, list[Node]] = field(default_factory=dict)
    constants: dict[str, list[Node]] = field(default_factory=dict)
    appends: dict[str, list[Node]] = field(default_factory=dict)
    dynamic_targets: list[tuple[Node, Node]] = field(default_factory=list)

    def collect(self, node: Node) -> None:
        kind = node.type
        if kind in ("assignment_expression", "augmented_assignment_expression"):
            self._assignment(node)
        elif kind == "static_variable_declaration":
            _bind(self.assignments, node.child_by_field_name("name"), node.child_by_field_name("value"))
        elif kind == "property_element":
            _bind(self.properties, node.child_by_field_name("name"), node.child_by_field_name("default_value"), "$")
        elif kind == "const_element":
            named = node.named_children
            if len(named) >= 2:
                _bind(self.constants, named[0], named[-1])
        elif call_name(node) == "define":
            args = arguments(node)
            constant = string_value(args[0]) if len(args) >= 2 else None
            if constant is not None:
                self.constants.setdefault(constant, []).append(args[1])

    def _assignment(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        if left.type == "variable_name":
            _bind(self.assignments, left, right)
            operator = node.child_by_field_name("operator")
            if node.type == "augmented_assignment_expression" and operator is not None and text(operator) == ".=":
                _bind(self.appends, left, right)
        elif left.type == "member_access_expression":
            _bind(self.properties, left.child_by_field_name("name"), right)
        elif left.type in ("list_literal", "array_creation_expression"):
            for var in (n for n in walk(left) if n.type == "variable_name"):
                _bind(self.assignments, var, right)
        elif left.type == "dynamic_variable_name":
            self.dynamic_targets.append((left, right))


def parse_php(path: str, source: bytes) -> PhpFile:
    root = _parser().parse(source).root_node
    bindings = _Bindings()
    for node in walk(root):
        bindings.collect(node)
    php = PhpFile(path, source, root, bindings.assignments, bindings.properties, bindings.constants, bindings.appends)
    # `$$name = …` with a name known statically assigns that variable.
    for target, value in bindings.dynamic_targets:
        inner = target.named_children[0] if target.named_children else None
        variable = php.resolve_value(inner) if inner is not None else None
        if variable:
            php.assignments.setdefault(f"${variable}", []).append(value)
    return php
