"""Which expressions of one PHP file hold request data: a flow-insensitive, scope-aware taint analysis.

Sources: the request superglobals (also reached as `$GLOBALS['_GET']` or `${'_G' . 'ET'}`), request-reading
functions (getallheaders, filter_input, get_query_var, php://input), WP_REST_Request methods (get_param, …) and
array access on a request object (`$request['x']`, where `$request` is a parameter typed WP_REST_Request, an untyped
parameter named `$request`, or a REST route callback's first parameter).

Request data flows through assignments (to variables, array elements, object and static properties, list()
destructuring, references, variable variables), foreach, string concatenation and interpolation, calls of
built-ins (any argument tainted taints the result, except for calls that return only a number or a boolean),
by-reference outputs (parse_str, preg_match), compact(), closures' `use` and `global`, and the file's own functions
and methods: a call returns what the callee returns, with its parameters replaced by the call's arguments, and a
parameter holds request data when any call passes it some. extract(), parse_str() without a result and variable
variables set from request data taint every variable of their scope that the code does not assign itself. What a
comparison, an isset() or a cast to int computes, and the key used to pick an array element, are not request data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from tree_sitter import Node

from forge.gates.php_ast import arguments, binary_operator, call_name, method_name, text, walk
from forge.gates.request_data import (
    BOOLEAN_OPERATORS,
    LOOKUPS,
    PHP_INPUT_READERS,
    REQUEST_FUNCTIONS,
    REQUEST_METHODS,
    REQUEST_SUPERGLOBALS,
    TAINT_BREAKERS,
    WORDPRESS_GLOBALS,
)
from forge.gates.taint_facts import CLOSURES, GLOBAL, Facts, callee_key, collect

REQUEST = "request"
REQUEST_OBJECT = "request-object"  # a WP_REST_Request: its elements and get_* methods are request data
Label = str | tuple[str, str, int]  # REQUEST, REQUEST_OBJECT or ("param", callee, index)
Labels = frozenset[Label]
NONE: Labels = frozenset()
ONLY_REQUEST: Labels = frozenset({REQUEST})
Resolver = Callable[[Node], "str | None"]
LINKED_CALLEES = ("f:", "new:")
PROPERTY_ACCESS = ("member_access_expression", "nullsafe_member_access_expression", "scoped_property_access_expression")
CALLS = (
    "function_call_expression",
    "member_call_expression",
    "scoped_call_expression",
    "nullsafe_member_call_expression",
)


@dataclass
class Exports:
    """What one file's analysis tells the plugin's other files: what its functions and methods return, what it
    passes to functions defined elsewhere, and the request data its top-level variables hold."""

    returns: dict[str, set[Label]] = field(default_factory=lambda: defaultdict(set))
    arguments: dict[tuple[str, int], set[Label]] = field(default_factory=lambda: defaultdict(set))
    globals: dict[str, set[Label]] = field(default_factory=lambda: defaultdict(set))


def relevant(exports: Exports, facts: Facts) -> bool:
    """Whether another file's exports change anything in a file with these facts: request data passed to its
    functions, a top-level variable holding some, or a function it calls (defined elsewhere) returning some or its
    arguments."""
    if exports.globals or any(key in facts.params for key, _ in exports.arguments):
        return True
    return any(exports.returns.get(key) for key, _ in facts.calls if key not in facts.callees)


def merge_exports(parts: list[Exports]) -> Exports:
    merged = Exports()
    for part in parts:
        for key, labels in part.returns.items():
            merged.returns[key] |= labels
        for argument, labels in part.arguments.items():
            merged.arguments[argument] |= labels
        for name, labels in part.globals.items():
            merged.globals[name] |= labels
    return merged


class Taint:
    """Request-data labels for the expressions of one parsed file. `resolve` gives an expression's static string
    value (the file's constant folder), used for `$GLOBALS[...]` keys, variable-variable names and callables named
    by strings. With `linked`, the other files' exports: their functions' returns, the request data they pass to
    this file's functions, and their top-level variables (one step across files)."""

    def __init__(
        self, root: Node, resolve: Resolver, linked: Exports | None = None, facts: Facts | None = None
    ) -> None:
        self._resolve = resolve
        self._facts: Facts = facts if facts is not None else collect([root])
        self._vars: dict[tuple[int, str], set[Label]] = defaultdict(set)
        self._props: dict[str, set[Label]] = defaultdict(set)
        # `$a['key'] = …` with a literal key: only that element holds it (variable slot -> key -> labels).
        self._keyed: dict[tuple[int, str], dict[str, set[Label]]] = defaultdict(lambda: defaultdict(set))
        self._returns: dict[str, set[Label]] = {key: set() for key in self._facts.callees}
        self._external = linked.returns if linked is not None else {}
        self._poisoned: dict[int, set[Label]] = defaultdict(set)
        self._constants: dict[str, set[Label]] = defaultdict(set)
        # Labels computed in the current round of solving (and, once solved, for good): an expression shared by
        # several facts, or a receiver chain `$a->b()->c()->d()`, is evaluated once per round, not once per path.
        self._memo: dict[int, Labels] = {}
        for key, slots in self._facts.params.items():
            for index, slot in enumerate(slots):
                self._vars[self._facts.slot(*slot)].add(("param", key, index))
                if linked is not None:
                    self._vars[self._facts.slot(*slot)] |= linked.arguments.get((key, index), set())
        for slot in self._facts.request_objects:
            self._vars[slot].add(REQUEST_OBJECT)
        for name, labels in (linked.globals if linked is not None else {}).items():
            self._vars[(GLOBAL, name)] |= labels
        self._solve()

    @property
    def facts(self) -> Facts:
        return self._facts

    def exports(self) -> Exports:
        """Only functions and constructors cross files: their names are the plugin's own (a method name is shared
        by every class that has one, and which class a call reaches is not known here)."""
        out = Exports()
        for key, labels in self._returns.items():
            if key.startswith(LINKED_CALLEES):
                out.returns[key] |= labels
        for key, args in self._facts.calls:
            if key in self._returns or not key.startswith(LINKED_CALLEES):
                continue
            for index, arg in enumerate(args):
                concrete = {label for label in self.labels(arg) if not isinstance(label, tuple)}
                if concrete:
                    out.arguments[(key, index)] |= concrete
        for (scope, name), labels in self._vars.items():
            concrete = {label for label in labels if not isinstance(label, tuple)}
            if scope == GLOBAL and concrete:
                out.globals[name] |= concrete
        return out

    def labels(self, node: Node) -> Labels:
        return self._eval(node)

    def is_request_data(self, node: Node) -> bool:
        found = self.labels(node)
        return REQUEST in found or REQUEST_OBJECT in found

    # -- solving: grow every label set until nothing changes ------------------------------------------------

    def _solve(self) -> None:
        for _ in range(32):
            self._memo = {}
            if not self._round():
                break
        self._memo = {}

    def _round(self) -> bool:
        """One solving round, each kind of fact in turn; whether any label set grew."""
        changed = self._round_assignments()
        changed |= self._round_calls()
        changed |= self._round_throws_and_globals()
        return changed

    def _round_assignments(self) -> bool:
        facts = self._facts
        changed = False
        for left, right in facts.assignments:
            changed |= self._assign(left, self._eval(right))
        for source, target in facts.foreach:
            changed |= self._assign(target, _elements(self._eval(source)), destructure=True)
        for key, expr in facts.returns:
            # A summary keeps request data and its own parameters; another callee's parameters mean nothing
            # at this callee's call sites.
            own = {label for label in self._eval(expr) if not isinstance(label, tuple) or label[1] == key}
            changed |= _merge(self._returns.setdefault(key, set()), own)
        return changed

    def _round_calls(self) -> bool:
        facts = self._facts
        changed = False
        for key, args in facts.calls:
            changed |= self._pass(key, args)
            changed |= self._pass_back(key, args)
        for function, args in facts.dynamic_calls:
            for key in self._closure_keys(function):
                changed |= self._pass(key, args)
        for callable_expr, data in facts.feeds:
            fed = {label for arg in data for label in _elements(self._eval(arg)) if not isinstance(label, tuple)}
            for key in self._callable_keys(callable_expr):
                for slot in facts.params.get(key, ()):
                    changed |= _merge(self._vars[facts.slot(*slot)], fed)
        for name, args in facts.dispatches:
            for key in self._hooked(name):
                changed |= self._pass(key, args)
        return changed

    def _round_throws_and_globals(self) -> bool:
        facts = self._facts
        changed = False
        thrown = {label for expr in facts.throws for label in self._eval(expr)}
        for var in facts.catches:
            changed |= self._assign(var, frozenset(thrown))
        for scope, source in facts.poisons:
            changed |= _merge(self._poisoned[scope], _elements(self._eval(source)))
        for constant, value in facts.constants:
            changed |= _merge(self._constants[constant], self._eval(value))
        return changed

    def _pass(self, key: str, args: list[Node]) -> bool:
        """A call hands its arguments' request data to the callee's parameters."""
        changed = False
        for slot, arg in zip(self._facts.params.get(key, ()), args, strict=False):
            concrete = {label for label in self._eval(arg) if not isinstance(label, tuple)}
            changed |= _merge(self._vars[self._facts.slot(*slot)], concrete)
        return changed

    def _pass_back(self, key: str, args: list[Node]) -> bool:
        """What a callee writes into its `&$param`s reaches the variables the call passed there."""
        changed = False
        for index in self._facts.by_reference.get(key, ()):
            params = self._facts.params.get(key, [])
            if index < len(args) and index < len(params):
                labels = self._vars.get(self._facts.slot(*params[index]), set())
                changed |= self._assign(
                    args[index], frozenset(label for label in labels if not isinstance(label, tuple))
                )
        return changed

    def _callable_keys(self, expr: Node) -> set[str]:
        """The file's own functions, methods and closures a callable value names: a closure, 'name',
        'Class::method', [ $object, 'method' ]."""
        if expr.type in CLOSURES:
            return {callee_key(expr)}
        if expr.type == "array_creation_expression" and len(expr.named_children) == 2:
            method = (
                self._resolve(expr.named_children[1].named_children[-1])
                if expr.named_children[1].named_children
                else None
            )
            return {f"m:{method.lower()}"} if method else set()
        name = self._resolve(expr)
        if name is None:
            return self._closure_keys(expr)
        if "::" in name:
            return {f"m:{name.rsplit('::', 1)[1].lower()}"}
        return {f"f:{name.lstrip(chr(92)).lower()}"}

    def _hooked(self, name: Node) -> set[str]:
        """The callables the file itself hooks to the action or filter `name` (to every one when the name is not
        known statically)."""
        hook = self._resolve(name)
        return {
            key
            for registered, callable_expr in self._facts.hooks
            if hook is None or self._resolve(registered) in (hook, None)
            for key in self._callable_keys(callable_expr)
        }

    def _closure_keys(self, function: Node) -> set[str]:
        """The closures a variable function call may call: one written in place, or those assigned to the variable."""
        while function.type == "parenthesized_expression" and function.named_children:
            function = function.named_children[0]
        if function.type in CLOSURES:
            return {callee_key(function)}
        if function.type == "variable_name":
            return self._facts.closures.get(self._facts.slot(self._facts.scope(function), text(function)), set())
        return set()

    def _assign(self, target: Node, labels: Labels, *, destructure: bool = False) -> bool:
        if not labels:
            return False
        kind = target.type
        facts = self._facts
        if kind in ("list_literal", "array_creation_expression"):
            elements = labels if destructure else _elements(labels)
            return any([self._assign(v, elements) for v in walk(target) if v.type == "variable_name"])
        if kind == "pair":  # foreach ( $rows as $key => $value )
            return any([self._assign(c, labels, destructure=destructure) for c in target.named_children])
        if kind == "by_ref" and target.named_children:
            return self._assign(target.named_children[0], labels, destructure=destructure)
        if kind == "variable_name":
            return _merge(self._vars[facts.slot(facts.scope(target), text(target))], labels)
        if kind == "subscript_expression" and target.named_children:
            return self._assign_element(target, labels)
        if kind in PROPERTY_ACCESS:
            name = target.child_by_field_name("name")
            return name is not None and _merge(self._props[text(name).lstrip("$").lower()], labels)
        if kind == "dynamic_variable_name":
            resolved = self._variable_variable(target)
            if resolved is not None:
                return _merge(self._vars[facts.slot(facts.scope(target), resolved)], labels)
            return _merge(self._poisoned[facts.scope(target)], _elements(labels))
        return False

    def _assign_element(self, target: Node, labels: Labels) -> bool:
        """`$a['key'] = …`: a global named through $GLOBALS, a known key of a local array, else the whole array."""
        facts = self._facts
        base = target.named_children[0]
        if base.type == "variable_name" and text(base) == "$GLOBALS" and len(target.named_children) > 1:
            key = self._resolve(target.named_children[1])
            if key is not None:
                return _merge(self._vars[(GLOBAL, f"${key}")], labels)
            return _merge(self._poisoned[GLOBAL], _elements(labels))
        key = self._resolve(target.named_children[1]) if len(target.named_children) > 1 else None
        if base.type == "variable_name" and key is not None and text(base) not in REQUEST_SUPERGLOBALS:
            slot = facts.slot(facts.scope(base), text(base))
            return _merge(self._keyed[slot][key], labels)
        return self._assign(base, labels)

    # -- evaluation: the labels of one expression under the current label sets -----------------------------

    def _eval(self, node: Node) -> Labels:
        cached = self._memo.get(node.id)
        if cached is None:
            cached = self._memo[node.id] = self._compute(node)
        return cached

    def _compute(self, node: Node) -> Labels:
        """Where values live: variables, elements, properties, constants, what calls return; else an operator."""
        kind = node.type
        if kind == "variable_name":
            return self._variable(node, text(node))
        if kind == "dynamic_variable_name":
            return self._dynamic_variable(node)
        if kind == "subscript_expression" and node.named_children:
            return self._subscript(node)
        if kind in PROPERTY_ACCESS[:2]:
            return self._property(node)
        if kind == "scoped_property_access_expression":
            name = node.child_by_field_name("name")
            return frozenset(self._props.get(text(name).lstrip("$").lower(), ())) if name is not None else NONE
        if kind in CALLS:
            return self._call(node)
        if kind == "name":  # a constant
            return frozenset(self._constants.get(text(node), ()))
        return self._operation(node)

    def _operation(self, node: Node) -> Labels:
        """What an operator, a conversion or a choice between values gives; else the union of its parts."""
        kind = node.type
        if kind == "binary_expression":
            if binary_operator(node) in BOOLEAN_OPERATORS:
                return NONE
            return self._union(node.named_children)
        if kind == "unary_op_expression":
            return NONE if text(node).lstrip().startswith("!") else self._union(node.named_children)
        if kind == "cast_expression":
            return self._cast(node)
        if kind == "conditional_expression":
            body = node.child_by_field_name("body")
            outcomes = [body if body is not None else node.child_by_field_name("condition")]
            outcomes.append(node.child_by_field_name("alternative"))
            return self._union([n for n in outcomes if n is not None])
        if kind == "match_expression":
            body = node.child_by_field_name("body")
            arms = [a.named_children[-1] for a in (body.named_children if body else []) if a.named_children]
            return self._union(arms)
        if kind in ("anonymous_function", "arrow_function", "function_definition", "class_constant_access_expression"):
            return NONE
        if kind in ("assignment_expression", "augmented_assignment_expression", "reference_assignment_expression"):
            right = node.child_by_field_name("right")
            return self._eval(right) if right is not None else NONE
        return self._union(node.named_children)

    def _dynamic_variable(self, node: Node) -> Labels:
        """`$$name`: the variable it names when that is known; request data when the name is."""
        resolved = self._variable_variable(node)
        if resolved is not None:
            return self._variable(node, resolved)
        inner = node.named_children[0] if node.named_children else None
        return ONLY_REQUEST if inner is not None and REQUEST in self._eval(inner) else NONE

    def _property(self, node: Node) -> Labels:
        name = node.child_by_field_name("name")
        owner = node.child_by_field_name("object")
        found = set(self._props.get(text(name).lower(), ())) if name is not None and name.type == "name" else set()
        if owner is not None and REQUEST in self._eval(owner):
            found.add(REQUEST)  # a property of an object decoded from request data
        return frozenset(found)

    def _cast(self, node: Node) -> Labels:
        """A cast to a number or a boolean carries no request data on."""
        cast = node.child_by_field_name("type")
        if cast is not None and text(cast).strip("() ").lower() in ("int", "integer", "bool", "boolean", "float"):
            return NONE
        value = node.child_by_field_name("value")
        return self._eval(value) if value is not None else NONE

    def _union(self, nodes: list[Node]) -> Labels:
        found: set[Label] = set()
        for child in nodes:
            found |= self._eval(child)
        return frozenset(found)

    def _variable(self, node: Node, name: str, element: str | None = None, scope: int | None = None) -> Labels:
        """A variable's labels; with `element`, those of `$name['element']` (other literal keys left out); in
        `scope` rather than `node`'s own."""
        if name in REQUEST_SUPERGLOBALS or name == "$GLOBALS":
            return ONLY_REQUEST
        if name == "$this":
            return NONE
        scope = self._facts.scope(node) if scope is None else scope
        key = self._facts.slot(scope, name)
        found = self._vars.get(key)
        # After extract( $_POST ) any variable may be the visitor's; the ones the code assigns itself keep what
        # it assigns (the extract() call is an error of its own).
        declared = key in self._facts.declared or name in WORDPRESS_GLOBALS
        poisoned = self._poisoned.get(scope) if not declared else None
        elements = self._keyed.get(key)
        if poisoned or elements:
            chosen = (elements or {}).values() if element is None else [(elements or {}).get(element, set())]
            extra = {label for labels in chosen for label in labels}
            return frozenset((found or set()) | (poisoned or set()) | extra)
        return frozenset(found) if found else NONE

    def _variable_variable(self, node: Node) -> str | None:
        """`${'_G' . 'ET'}` / `$$name` with a statically known name: that variable's name."""
        inner = node.named_children[0] if node.named_children else None
        if inner is None:
            return None
        resolved = self._resolve(inner)
        return f"${resolved}" if resolved else None

    def _subscript(self, node: Node) -> Labels:
        base = node.named_children[0]
        if base.type == "variable_name" and text(base) == "$GLOBALS":
            index = node.named_children[1] if len(node.named_children) > 1 else None
            key = self._resolve(index) if index is not None else None
            if key is not None:
                if f"${key}" in REQUEST_SUPERGLOBALS:
                    return ONLY_REQUEST
                return self._variable(node, f"${key}", scope=GLOBAL)
            # The visitor picks which global: any of them, the superglobals included.
            return ONLY_REQUEST if index is not None and REQUEST in self._eval(index) else NONE
        # The element of an array; which key picked it does not matter (a lookup in the code's own table).
        index = node.named_children[1] if len(node.named_children) > 1 else None
        key = self._resolve(index) if index is not None and base.type == "variable_name" else None
        if key is not None:
            return _elements(self._variable(base, text(base), element=key))
        return _elements(self._eval(base))

    def _call(self, node: Node) -> Labels:
        name = call_name(node)
        method = method_name(node)
        args = arguments(node)
        key = f"f:{name}" if name is not None else f"m:{method}" if method is not None else None
        if name in TAINT_BREAKERS or name in LOOKUPS:
            return NONE
        # WP_REST_Request's methods, on any receiver, unless the file defines a method of that name itself
        # (a class of its own); on a request object, always.
        receiver = node.child_by_field_name("object")
        on_request = receiver is not None and REQUEST_OBJECT in self._eval(receiver)
        if name in REQUEST_FUNCTIONS or (method in REQUEST_METHODS and (on_request or key not in self._returns)):
            return ONLY_REQUEST
        if name == "apply_filters" and len(args) > 1:
            # The filtered value, or what the file's own filters on that hook return; the other arguments only
            # inform the filters.
            hooked = {label for key in self._hooked(args[0]) for label in self._substitute(key, args[1:])}
            return frozenset(self._eval(args[1]) | hooked)
        if name == "getenv":
            header = self._resolve(args[0]) if args else ""
            return ONLY_REQUEST if header is None or header.upper().startswith("HTTP_") else NONE
        if name in PHP_INPUT_READERS and args and "php://input" in (self._resolve(args[0]) or ""):
            return ONLY_REQUEST
        if name == "compact":
            names = [f"${n}" for a in args if (n := self._resolve(a))]
            return frozenset(label for n in names for label in self._variable(node, n))
        if key is not None and (key in self._returns or key in self._external):
            return self._substitute(key, args)
        function = node.child_by_field_name("function") if node.type == "function_call_expression" else None
        closures = self._closure_keys(function) if function is not None and name is None else set()
        if closures:
            return frozenset(label for key in closures for label in self._substitute(key, args))
        found: set[Label] = set()
        for child in (*args, *_receiver(node)):
            found |= self._eval(child)
        found.discard(REQUEST_OBJECT)  # a request object's other methods return the route, the method, …
        return frozenset(found)

    def _substitute(self, key: str, args: list[Node]) -> Labels:
        out: set[Label] = set()
        summary = self._returns[key] if key in self._returns else self._external.get(key, set())
        for label in summary:
            if isinstance(label, tuple) and label[1] == key:
                if label[2] < len(args):
                    out |= self._eval(args[label[2]])
            else:
                out.add(label)
        return frozenset(out)


def _merge(into: set[Label], labels: AbstractSet[Label]) -> bool:
    before = len(into)
    into |= labels
    return len(into) != before


def _elements(labels: Labels) -> Labels:
    """What an element of a value holds: a request object's elements are request data."""
    if REQUEST_OBJECT in labels:
        return frozenset((labels - {REQUEST_OBJECT}) | {REQUEST})
    return labels


def _receiver(node: Node) -> Iterator[Node]:
    """The object a method is called on (its result may be data decoded from the request)."""
    owner = node.child_by_field_name("object") or node.child_by_field_name("scope")
    if owner is not None and node.type != "function_call_expression":
        yield owner
    elif node.type == "function_call_expression" and call_name(node) is None:
        function = node.child_by_field_name("function")
        if function is not None:
            yield function
