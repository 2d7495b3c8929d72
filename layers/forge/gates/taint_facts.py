"""What one PHP file says about how values move, collected in one walk for the taint analysis (taint.py) to solve:
assignments, foreach bindings, returns, calls and the parameters they reach, closures held in variables, `global`
and `use` aliases, define()d constants, and the calls that make every variable of a scope the visitor's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tree_sitter import Node

from forge.gates.callables import FUNCTIONS, function_slots
from forge.gates.php_ast import arguments, call_name, method_name, string_value, text, walk
from forge.gates.request_data import ALWAYS_GLOBAL, BY_REFERENCE, BY_REFERENCE_PUSH, HOOK_REGISTRARS, SCOPE_SETTERS

SCOPES = ("function_definition", "method_declaration", "anonymous_function")  # arrow functions share their parent's
CALLABLES = (*SCOPES, "arrow_function")
CLOSURES = ("anonymous_function", "arrow_function")
ASSIGNMENTS = ("assignment_expression", "augmented_assignment_expression", "reference_assignment_expression")
HOOK_DISPATCHERS = ("do_action", "apply_filters", "do_action_ref_array", "apply_filters_ref_array")
PARAMETERS = ("simple_parameter", "variadic_parameter", "property_promotion_parameter")
Slot = tuple[int, str]  # (scope node id, variable name)
# The scope of every file's top-level code: a plugin's files are included at global scope, so they share it.
GLOBAL = 0


@dataclass
class Facts:
    params: dict[str, list[Slot]] = field(default_factory=lambda: defaultdict(list))  # callee key -> parameters
    request_objects: set[Slot] = field(default_factory=set)  # parameters holding a WP_REST_Request
    callees: set[str] = field(default_factory=set)  # keys of the file's own functions, methods and closures
    declared: set[Slot] = field(default_factory=set)  # variables the code assigns or receives itself
    closures: dict[Slot, set[str]] = field(default_factory=lambda: defaultdict(set))  # variable -> closures in it
    assignments: list[tuple[Node, Node]] = field(default_factory=list)  # (target, value)
    foreach: list[tuple[Node, Node]] = field(default_factory=list)  # (iterated, bound)
    returns: list[tuple[str, Node]] = field(default_factory=list)  # (callee key, returned expression)
    calls: list[tuple[str, list[Node]]] = field(default_factory=list)  # (callee key, arguments)
    dynamic_calls: list[tuple[Node, list[Node]]] = field(default_factory=list)  # (called expression, arguments)
    feeds: list[tuple[Node, list[Node]]] = field(default_factory=list)  # callable given to array_map & co. -> data
    hooks: list[tuple[Node, Node]] = field(default_factory=list)  # add_action/add_filter: (hook name, callable)
    dispatches: list[tuple[Node, list[Node]]] = field(default_factory=list)  # do_action/apply_filters: (name, args)
    by_reference: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # callee -> `&$param`s
    throws: list[Node] = field(default_factory=list)  # thrown expressions
    catches: list[Node] = field(default_factory=list)  # catch ( E $e ) variables
    poisons: list[tuple[int, Node]] = field(default_factory=list)  # (scope, what extract() & co. spread into it)
    constants: list[tuple[str, Node]] = field(default_factory=list)  # define( name, value )
    aliases: dict[Slot, Slot] = field(default_factory=dict)
    _scopes: dict[int, int] = field(default_factory=dict)

    def scope(self, node: Node) -> int:
        """The function, method or closure whose variables `node` sees (GLOBAL for top-level code)."""
        cached = self._scopes.get(node.id)
        if cached is None:
            current = node.parent
            while current is not None and current.type not in SCOPES:
                current = current.parent
            cached = self._scopes[node.id] = current.id if current is not None else GLOBAL
        return cached

    def slot(self, scope: int, name: str) -> Slot:
        """The variable a name means in a scope, through `global` and closures' `use`."""
        if name in ALWAYS_GLOBAL:
            return (GLOBAL, name)
        key = (scope, name)
        for _ in range(16):
            if key not in self.aliases:
                break
            key = self.aliases[key]
        return key


def collect(roots: list[Node]) -> Facts:
    """The facts of a whole plugin: functions, methods, hooks and globals are shared by all its files."""
    facts = Facts()
    callables: list[Node] = []
    routes: list[Node] = []
    for root in roots:
        _collect_file(facts, root, callables, routes)
    # Declarations last: a parameter's kind depends on whether register_rest_route() names its function anywhere.
    rest_callbacks = _rest_callbacks(routes)
    for node in callables:
        _declare(facts, node, rest_callbacks)
    facts.declared = {facts.slot(*s) for s in facts.declared}
    facts.request_objects = {facts.slot(*s) for s in facts.request_objects}
    facts.closures = defaultdict(set, {facts.slot(*s): keys for s, keys in facts.closures.items()})
    return facts


def _collect_file(facts: Facts, root: Node, callables: list[Node], routes: list[Node]) -> None:
    for node in walk(root):
        kind = node.type
        if kind in CALLABLES:
            callables.append(node)
        elif kind == "global_declaration":
            _global_declaration(facts, node)
        elif kind in ASSIGNMENTS:
            _assignment(facts, node)
        elif kind == "static_variable_declaration":
            _static_variable(facts, node)
        elif kind == "foreach_statement" and len(node.named_children) >= 2:
            facts.foreach.append((node.named_children[0], node.named_children[1]))
        elif kind in ("return_statement", "yield_expression") and node.named_children:
            _returned(facts, node)
        elif kind == "throw_expression" and node.named_children:
            facts.throws.append(node.named_children[0])
        elif kind == "catch_clause" and (caught := node.child_by_field_name("name")) is not None:
            facts.catches.append(caught)
        else:
            if call_name(node) == "register_rest_route":
                routes.append(node)
            _call(facts, node)


def _global_declaration(facts: Facts, node: Node) -> None:
    for var in (v for v in node.named_children if v.type == "variable_name"):
        facts.aliases[(facts.scope(node), text(var))] = (GLOBAL, text(var))


def _static_variable(facts: Facts, node: Node) -> None:
    name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
    if name is not None and value is not None:
        facts.assignments.append((name, value))
        facts.declared.add((facts.scope(name), text(name)))


def _returned(facts: Facts, node: Node) -> None:
    owner = _enclosing_callable(node)
    if owner is not None:  # a generator's yields are what iterating its result gives
        facts.returns.append((callee_key(owner), node.named_children[-1]))


def callee_key(node: Node) -> str:
    """How calls name a function (`f:name`), a method (`m:name`, whatever its class), a class's constructor
    (`new:class`) or a closure (`c:<node>`)."""
    name = node.child_by_field_name("name")
    if node.type == "function_definition" and name is not None:
        return f"f:{text(name).lower()}"
    if node.type == "method_declaration" and name is not None:
        if text(name).lower() == "__construct" and (owner := _enclosing_class(node)) is not None:
            return f"new:{owner}"
        return f"m:{text(name).lower()}"
    return f"c:{node.id}"


def _enclosing_class(node: Node) -> str | None:
    current = node.parent
    while current is not None and current.type not in ("class_declaration", "anonymous_class"):
        current = current.parent
    name = current.child_by_field_name("name") if current is not None else None
    return text(name).lower() if name is not None else None


def _constructed_class(node: Node) -> str | None:
    """The class `new …` instantiates, when the code names it: `new Foo`, `new \\ns\\Foo`, `new self`/`static`."""
    cls = next((c for c in node.named_children if c.type not in ("arguments", "comment")), None)
    if cls is None:
        return None
    if cls.type == "name" and text(cls).lower() in ("self", "static"):
        return _enclosing_class(node)
    if cls.type in ("name", "qualified_name"):
        return text(cls).rsplit("\\", 1)[-1].lower()
    return None


def _declare(facts: Facts, node: Node, rest_callbacks: tuple[set[str], set[str], set[int]]) -> None:
    functions, methods, closures = rest_callbacks
    key = callee_key(node)
    facts.callees.add(key)
    scope = facts.scope(node) if node.type == "arrow_function" else node.id
    if node.type == "arrow_function" and (body := node.child_by_field_name("body")) is not None:
        facts.returns.append((key, body))
    name = node.child_by_field_name("name")
    lowered = text(name).lower() if name is not None else ""
    rest_callback = (
        (node.type == "function_definition" and lowered in functions)
        or (node.type == "method_declaration" and lowered in methods)
        or node.id in closures
    )
    params = node.child_by_field_name("parameters")
    for index, param in enumerate(p for p in (params.named_children if params else []) if p.type in PARAMETERS):
        var = param.child_by_field_name("name")
        if var is None:
            continue
        slot = (scope, text(var))
        facts.declared.add(slot)
        facts.params[key].append(slot)
        if any(c.type == "reference_modifier" for c in param.children):
            facts.by_reference[key].add(index)
        if _request_object_parameter(param) or (index == 0 and rest_callback):
            facts.request_objects.add(slot)
    if node.type == "anonymous_function":
        for clause in (c for c in node.named_children if c.type == "anonymous_function_use_clause"):
            for var in (v for v in walk(clause) if v.type == "variable_name"):
                facts.aliases[(scope, text(var))] = (facts.scope(node), text(var))


def _assignment(facts: Facts, node: Node) -> None:
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return
    facts.assignments.append((left, right))
    if left.type == "variable_name":
        slot = (facts.scope(left), text(left))
        facts.declared.add(slot)
        if right.type in CLOSURES:
            facts.closures[slot].add(callee_key(right))


def _call(facts: Facts, node: Node) -> None:
    name = call_name(node)
    if node.type == "object_creation_expression":
        if (cls := _constructed_class(node)) is not None:
            facts.calls.append((f"new:{cls}", arguments(node)))
    elif (method := method_name(node)) is not None:
        facts.calls.append((f"m:{method}", arguments(node)))
    elif node.type == "function_call_expression" and name is None:
        function = node.child_by_field_name("function")
        if function is not None:
            facts.dynamic_calls.append((function, arguments(node)))
    if name is not None:
        _function_call(facts, node, name)


def _function_call(facts: Facts, node: Node, name: str) -> None:
    args = arguments(node)
    facts.calls.append((f"f:{name}", args))
    if name == "define" and len(args) >= 2 and (constant := string_value(args[0])) is not None:
        facts.constants.append((constant, args[1]))
    if name in FUNCTIONS and not name.startswith(HOOK_REGISTRARS):
        callables = [expr for _, expr in function_slots(node, string_value)]
        data = [a for a in args if all(a.id != c.id for c in callables)]
        facts.feeds.extend((callable_expr, data) for callable_expr in callables)
    _hook_call(facts, name, args)
    _by_reference_call(facts, node, name, args)


def _hook_call(facts: Facts, name: str, args: list[Node]) -> None:
    """add_action()/add_filter() register a callback; do_action()/apply_filters() and kin hand it values."""
    if name in ("add_action", "add_filter") and len(args) >= 2:
        facts.hooks.append((args[0], args[1]))
    if name in HOOK_DISPATCHERS and args:
        values = args[1:]
        if name.endswith("_ref_array") and len(args) > 1 and args[1].type == "array_creation_expression":
            values = [e.named_children[-1] for e in args[1].named_children if e.named_children]
        facts.dispatches.append((args[0], values))


def _by_reference_call(facts: Facts, node: Node, name: str, args: list[Node]) -> None:
    """Built-ins that write into an argument (preg_match's matches, array_push's array, extract()'s scope)."""
    if name in BY_REFERENCE:
        source, target = BY_REFERENCE[name]
        if len(args) > target:
            facts.assignments.append((args[target], args[source]))
        elif name.endswith("parse_str") and args:
            facts.poisons.append((facts.scope(node), args[0]))
    elif name in BY_REFERENCE_PUSH and len(args) > 1:
        facts.assignments.extend((args[0], value) for value in args[1:])
    elif name in SCOPE_SETTERS and args:
        facts.poisons.append((facts.scope(node), args[0]))


def _enclosing_callable(node: Node) -> Node | None:
    current = node.parent
    while current is not None and current.type not in CALLABLES:
        current = current.parent
    return current


def _request_object_parameter(param: Node) -> bool:
    """Typed WP_REST_Request (nullable or in a union), or an untyped parameter named `$request`."""
    kind = param.child_by_field_name("type")
    name = param.child_by_field_name("name")
    if kind is not None:
        return "wp_rest_request" in text(kind).lower()
    return name is not None and text(name) == "$request"


def _rest_callbacks(routes: list[Node]) -> tuple[set[str], set[str], set[int]]:
    """Functions, methods and closures that these register_rest_route() calls name as a route's callbacks: their
    first parameter is the WP_REST_Request."""
    functions: set[str] = set()
    methods: set[str] = set()
    closures: set[int] = set()
    for node in routes:
        for element in (n for n in walk(node) if n.type == "array_element_initializer"):
            named = element.named_children
            key = string_value(named[0]) if len(named) == 2 else None
            if key is None or not key.endswith("callback"):
                continue
            value = named[1]
            if value.type in CLOSURES:
                closures.add(value.id)
            elif (literal := string_value(value)) is not None:
                functions.add(literal.lstrip("\\").lower())
            elif value.type == "array_creation_expression" and len(value.named_children) == 2:
                method = value.named_children[1].named_children
                literal = string_value(method[-1]) if method else None
                if literal is not None:
                    methods.add(literal.lower())
    return functions, methods, closures
