"""What a JavaScript name may hold where it is used: the values the file gives it in the function scope that
declares it (`var`/`let`/`const`, a parameter, an import), and the assignments that reach that declaration.

Scopes are functions and the file (a block's `let` counts as its function's: a small over-approximation). A
parameter is a declaration without a value, so a callback's `d` in a minified bundle is not the `d` another
function assigned `location.href`; a name no scope declares is a global, and every assignment to it counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tree_sitter import Node

from forge.gates.syntax import text, walk

SCOPES = frozenset(
    {
        "program",
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    }
)
NAMES = ("identifier", "shorthand_property_identifier_pattern")


def scope_of(node: Node) -> Node | None:
    """The function (or file) whose scope `node` sits in; a function's own parameters sit in the function."""
    current = node.parent
    while current is not None and current.type not in SCOPES:
        current = current.parent
    return current


def _chain(scope: Node | None) -> Iterator[Node]:
    """`scope` and the scopes around it, innermost first."""
    while scope is not None:
        yield scope
        scope = scope_of(scope)


def pattern_names(pattern: Node) -> Iterator[Node]:
    """The identifiers a declaration or destructuring pattern binds (not those of its default values)."""
    if pattern.type in NAMES:
        yield pattern
        return
    for node in walk(pattern):
        parent = node.parent
        if node.type not in NAMES or parent is None:
            continue
        if parent.type in ("assignment_pattern", "object_assignment_pattern"):
            if parent.child_by_field_name("left") == node:
                yield node
        elif parent.type == "pair_pattern":
            if parent.child_by_field_name("value") == node:
                yield node
        elif parent.type not in ("type_annotation", "member_expression", "subscript_expression"):
            yield node


@dataclass
class Bindings:
    # name -> (scope of the statement, value, whether it declares the name there)
    values: dict[str, list[tuple[Node, Node, bool]]] = field(default_factory=dict)
    # name -> ids of the scopes that declare it (with or without a value)
    declared: dict[str, set[int]] = field(default_factory=dict)
    # Answers already worked out: (scope id, name) -> declaring scope id; (name, that id) -> values.
    _owners: dict[tuple[int, str], int | None] = field(default_factory=dict, repr=False)
    _found: dict[tuple[str, int | None], list[Node]] = field(default_factory=dict, repr=False)

    def declare(self, name: Node, scope: Node | None) -> None:
        if scope is not None:
            self.declared.setdefault(text(name), set()).add(scope.id)

    def bind(self, pattern: Node, value: Node, declaration: bool, scope: Node | None = None) -> None:
        """A declarator's or an assignment's left side receives `value` (in `scope`, by default the pattern's)."""
        scope = scope or scope_of(pattern)
        if scope is None:
            return
        for name in pattern_names(pattern):
            self.values.setdefault(text(name), []).append((scope, value, declaration))
            if declaration:
                self.declare(name, scope)

    def parameters(self, function: Node) -> None:
        params = function.child_by_field_name("parameters") or function.child_by_field_name("parameter")
        for name in pattern_names(params) if params is not None else ():
            self.declared.setdefault(text(name), set()).add(function.id)

    def _owner(self, scope: Node | None, name: str) -> int | None:
        """The id of the innermost scope, from `scope` outwards, that declares `name`; None for a global."""
        key = (scope.id if scope is not None else -1, name)
        if key not in self._owners:
            declaring = self.declared.get(name, set())
            self._owners[key] = next((s.id for s in _chain(scope) if s.id in declaring), None)
        return self._owners[key]

    def declaring_scope(self, identifier: Node) -> int | None:
        """The id of the scope whose declaration `identifier` refers to; None for a global."""
        return self._owner(scope_of(identifier), text(identifier))

    def of(self, identifier: Node) -> list[Node]:
        """Every value the name may hold at `identifier` (asked once the whole file is indexed)."""
        name = text(identifier)
        owner = self.declaring_scope(identifier)
        if (name, owner) not in self._found:
            self._found[(name, owner)] = [
                value
                for scope, value, declaration in self.values.get(name, [])
                # A declaration counts in its own scope; an assignment where it reaches the same declaration.
                if (scope.id if declaration else self._owner(scope, name)) == owner
            ]
        return self._found[(name, owner)]
