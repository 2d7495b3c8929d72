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

from tree_sitter import Node

from forge.gates.php_ast import arguments, binary_operator, call_name, method_name, string_value, text, walk

REQUEST = "request"
REQUEST_OBJECT = "request-object"  # a WP_REST_Request: its elements and get_* methods are request data
Label = str | tuple[str, str, int]  # REQUEST, REQUEST_OBJECT or ("param", callee, index)
Labels = frozenset[Label]
NONE: Labels = frozenset()
ONLY_REQUEST: Labels = frozenset({REQUEST})

REQUEST_SUPERGLOBALS = frozenset(
    {"$_GET", "$_POST", "$_REQUEST", "$_COOKIE", "$_FILES", "$_SERVER", "$HTTP_RAW_POST_DATA"}
)
REQUEST_FUNCTIONS = frozenset(
    {
        "getallheaders",
        "apache_request_headers",
        "filter_input",
        "filter_input_array",
        "get_query_var",
        "get_search_query",
        "wp_get_referer",
        "wp_get_raw_referer",
    }
)
# WP_REST_Request methods returning request data (matched whatever the receiver).
REQUEST_METHODS = frozenset(
    {
        "get_param",
        "get_params",
        "get_body",
        "get_json_params",
        "get_body_params",
        "get_query_params",
        "get_url_params",
        "get_file_params",
        "get_header",
        "get_headers",
        "offsetget",
    }
)
# Calls whose result no longer carries attacker-chosen text (a number, a boolean).
TAINT_BREAKERS = frozenset(
    {
        "absint",
        "intval",
        "floatval",
        "boolval",
        "is_numeric",
        "isset",
        "empty",
        "count",
        "sizeof",
        "strlen",
        "mb_strlen",
        "in_array",
        "array_key_exists",
        "is_array",
        "is_string",
        "is_int",
        "is_scalar",
        "hash_equals",
        "wp_verify_nonce",
        "wp_validate_boolean",
        "rest_sanitize_boolean",
        "ctype_digit",
        "ctype_alnum",
    }
)
# Operators whose result is a boolean or an ordering.
BOOLEAN_OPERATORS = frozenset(
    {"==", "===", "!=", "!==", "<>", "<", ">", "<=", ">=", "<=>", "&&", "||", "and", "or", "xor", "instanceof"}
)
# Functions writing their input into a by-reference argument: name -> (input position, output position).
BY_REFERENCE = {"parse_str": (0, 1), "mb_parse_str": (0, 1), "preg_match": (1, 2), "preg_match_all": (1, 2)}
BY_REFERENCE_PUSH = frozenset({"array_push", "array_unshift"})  # the array receives the other arguments
# Calls that set variables of the current scope from their argument.
SCOPE_SETTERS = frozenset({"extract", "import_request_variables"})
PHP_INPUT_READERS = frozenset({"file_get_contents", "fopen", "file", "stream_get_contents"})
# WordPress's own globals: extract() cannot be what sets them.
WORDPRESS_GLOBALS = frozenset({"$wpdb", "$wp", "$wp_query", "$wp_rewrite", "$post", "$current_user", "$woocommerce"})
SCOPES = ("function_definition", "method_declaration", "anonymous_function")
PARAMETERS = ("simple_parameter", "variadic_parameter", "property_promotion_parameter")


class Taint:
    """Request-data labels for the expressions of one parsed file. `resolve` gives an expression's static string
    value (the file's constant folder), used for `$GLOBALS[...]` keys and variable-variable names."""

    def __init__(self, root: Node, resolve: Callable[[Node], str | None]) -> None:
        self._root = root
        self._resolve = resolve
        self._vars: dict[tuple[int, str], set[Label]] = defaultdict(set)
        self._props: dict[str, set[Label]] = defaultdict(set)
        self._returns: dict[str, set[Label]] = {}
        self._params: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self._aliases: dict[tuple[int, str], tuple[int, str]] = {}
        self._poisoned: dict[int, set[Label]] = defaultdict(set)
        self._declared: set[tuple[int, str]] = set()  # variables the code itself assigns or receives
        self._scopes: dict[int, int] = {}
        self._memo: dict[int, Labels] | None = None
        self._assignments: list[tuple[Node, Node]] = []
        self._foreach: list[tuple[Node, Node]] = []
        self._return_facts: list[tuple[str, Node]] = []
        self._call_facts: list[tuple[str, list[Node]]] = []
        self._poison_facts: list[tuple[int, Node]] = []
        self._collect()
        self._solve()

    # -- public ---------------------------------------------------------------------------------------------

    def labels(self, node: Node) -> Labels:
        if self._memo is None:
            return self._eval(node)
        cached = self._memo.get(node.id)
        if cached is None:
            cached = self._memo[node.id] = self._eval(node)
        return cached

    def is_request_data(self, node: Node) -> bool:
        found = self.labels(node)
        return REQUEST in found or REQUEST_OBJECT in found

    # -- collection -----------------------------------------------------------------------------------------

    def _scope(self, node: Node) -> int:
        cached = self._scopes.get(node.id)
        if cached is not None:
            return cached
        current = node.parent
        while current is not None and current.type not in SCOPES:
            current = current.parent
        scope = (current or self._root).id
        self._scopes[node.id] = scope
        return scope

    def _key(self, scope: int, name: str) -> tuple[int, str]:
        seen = 0
        key = (scope, name)
        while key in self._aliases and seen < 16:
            key = self._aliases[key]
            seen += 1
        return key

    def _collect(self) -> None:
        rest_callbacks = _rest_callbacks(self._root)
        for node in walk(self._root):
            kind = node.type
            if kind in ("function_definition", "method_declaration", "anonymous_function", "arrow_function"):
                self._declare(node, rest_callbacks)
            elif kind == "global_declaration":
                for var in node.named_children:
                    if var.type == "variable_name":
                        self._aliases[(self._scope(node), text(var))] = (self._root.id, text(var))
            elif kind in (
                "assignment_expression",
                "augmented_assignment_expression",
                "reference_assignment_expression",
            ):
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is not None and right is not None:
                    self._assignments.append((left, right))
                    if left.type == "variable_name":
                        self._declared.add((self._scope(left), text(left)))
            elif kind == "foreach_statement" and len(node.named_children) >= 2:
                self._foreach.append((node.named_children[0], node.named_children[1]))
            elif kind == "return_statement" and node.named_children:
                owner = _enclosing_callable(node)
                if owner is not None:
                    self._return_facts.append((_callee_key(owner), node.named_children[0]))
            else:
                self._collect_call(node)
        self._declared = {self._key(*slot) for slot in self._declared}

    def _declare(self, node: Node, rest_callbacks: tuple[set[str], set[str], set[int]]) -> None:
        functions, methods, closures = rest_callbacks
        key = _callee_key(node)
        if node.type == "arrow_function":
            scope = self._scope(node)
        else:
            scope = node.id
            self._returns.setdefault(key, set())
        name = node.child_by_field_name("name")
        lowered = text(name).lower() if name is not None else ""
        is_rest_callback = (
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
            self._declared.add(slot)
            self._params[key].append(slot)
            self._vars[slot].add(("param", key, index))
            if _request_object_parameter(param) or (index == 0 and is_rest_callback):
                self._vars[slot].add(REQUEST_OBJECT)
        if node.type == "anonymous_function":
            for clause in (c for c in node.named_children if c.type == "anonymous_function_use_clause"):
                for var in (v for v in walk(clause) if v.type == "variable_name"):
                    self._aliases[(scope, text(var))] = (self._scope(node), text(var))

    def _collect_call(self, node: Node) -> None:
        name = call_name(node)
        if name is not None:
            args = arguments(node)
            self._call_facts.append((f"f:{name}", args))
            if name in BY_REFERENCE:
                source, target = BY_REFERENCE[name]
                if len(args) > target:
                    self._assignments.append((args[target], args[source]))
                elif name.endswith("parse_str") and args:
                    self._poison_facts.append((self._scope(node), args[0]))
            elif name in BY_REFERENCE_PUSH and len(args) > 1:
                self._assignments.extend((args[0], value) for value in args[1:])
            elif name in SCOPE_SETTERS and args:
                self._poison_facts.append((self._scope(node), args[0]))
        elif (method := method_name(node)) is not None:
            self._call_facts.append((f"m:{method}", arguments(node)))

    # -- solving --------------------------------------------------------------------------------------------

    def _solve(self) -> None:
        for _ in range(32):
            changed = False
            for left, right in self._assignments:
                changed |= self._assign(left, self._eval(right))
            for source, target in self._foreach:
                changed |= self._assign(target, _elements(self._eval(source)), destructure=True)
            for key, expr in self._return_facts:
                changed |= _merge(self._returns.setdefault(key, set()), self._eval(expr))
            for key, args in self._call_facts:
                for slot, arg in zip(self._params.get(key, ()), args, strict=False):
                    concrete = {label for label in self._eval(arg) if not isinstance(label, tuple)}
                    changed |= _merge(self._vars[self._key(*slot)], concrete)
            for scope, source in self._poison_facts:
                changed |= _merge(self._poisoned[scope], _elements(self._eval(source)))
            if not changed:
                break
        self._memo = {}

    def _assign(self, target: Node, labels: Labels, *, destructure: bool = False) -> bool:
        if not labels:
            return False
        kind = target.type
        if kind in ("list_literal", "array_creation_expression"):
            elements = labels if destructure else _elements(labels)
            return any([self._assign(v, elements) for v in walk(target) if v.type == "variable_name"])
        if kind == "pair":  # foreach ( $rows as $key => $value )
            return any([self._assign(c, labels, destructure=destructure) for c in target.named_children])
        if kind == "by_ref" and target.named_children:
            return self._assign(target.named_children[0], labels, destructure=destructure)
        if kind == "variable_name":
            return _merge(self._vars[self._key(self._scope(target), text(target))], labels)
        if kind == "subscript_expression" and target.named_children:
            return self._assign(target.named_children[0], labels)
        if kind in (
            "member_access_expression",
            "nullsafe_member_access_expression",
            "scoped_property_access_expression",
        ):
            name = target.child_by_field_name("name")
            return name is not None and _merge(self._props[text(name).lstrip("$").lower()], labels)
        if kind == "dynamic_variable_name":
            resolved = self._variable_variable(target)
            if resolved is not None:
                return _merge(self._vars[self._key(self._scope(target), resolved)], labels)
            return _merge(self._poisoned[self._scope(target)], _elements(labels))
        return False

    # -- evaluation -----------------------------------------------------------------------------------------

    def _eval(self, node: Node) -> Labels:  # noqa: C901 - one branch per expression kind reads best here
        kind = node.type
        if kind == "variable_name":
            return self._variable(node, text(node))
        if kind == "dynamic_variable_name":
            resolved = self._variable_variable(node)
            if resolved is not None:
                return self._variable(node, resolved)
            inner = node.named_children[0] if node.named_children else None
            return ONLY_REQUEST if inner is not None and REQUEST in self._eval(inner) else NONE
        if kind == "subscript_expression" and node.named_children:
            return self._subscript(node)
        if kind in ("member_access_expression", "nullsafe_member_access_expression"):
            name = node.child_by_field_name("name")
            owner = node.child_by_field_name("object")
            found = set(self._props.get(text(name).lower(), ())) if name is not None and name.type == "name" else set()
            if owner is not None and REQUEST in self._eval(owner):
                found.add(REQUEST)  # a property of an object decoded from request data
            return frozenset(found)
        if kind == "scoped_property_access_expression":
            name = node.child_by_field_name("name")
            return frozenset(self._props.get(text(name).lstrip("$").lower(), ())) if name is not None else NONE
        if kind in ("function_call_expression", "member_call_expression", "scoped_call_expression"):
            return self._call(node)
        if kind == "nullsafe_member_call_expression":
            return self._call(node)
        if kind == "binary_expression":
            if binary_operator(node) in BOOLEAN_OPERATORS:
                return NONE
            return self._union(node.named_children)
        if kind == "unary_op_expression":
            return NONE if text(node).lstrip().startswith("!") else self._union(node.named_children)
        if kind == "cast_expression":
            cast = node.child_by_field_name("type")
            if cast is not None and text(cast).strip("() ").lower() in ("int", "integer", "bool", "boolean", "float"):
                return NONE
            value = node.child_by_field_name("value")
            return self._eval(value) if value is not None else NONE
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

    def _union(self, nodes: list[Node]) -> Labels:
        found: set[Label] = set()
        for child in nodes:
            found |= self._eval(child)
        return frozenset(found)

    def _variable(self, node: Node, name: str) -> Labels:
        if name in REQUEST_SUPERGLOBALS or name == "$GLOBALS":
            return ONLY_REQUEST
        if name == "$this":
            return NONE
        scope = self._scope(node)
        key = self._key(scope, name)
        found = self._vars.get(key)
        # After extract( $_POST ) any variable may be the visitor's; the ones the code assigns itself keep what
        # it assigns (the extract() call is an error of its own).
        declared = key in self._declared or name in WORDPRESS_GLOBALS
        poisoned = self._poisoned.get(scope) if not declared else None
        if poisoned:
            return frozenset((found or set()) | poisoned)
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
                return self._variable(self._root, f"${key}") if f"${key}" not in REQUEST_SUPERGLOBALS else ONLY_REQUEST
            # The visitor picks which global: any of them, the superglobals included.
            return ONLY_REQUEST if index is not None and REQUEST in self._eval(index) else NONE
        # The element of an array; which key picked it does not matter (a lookup in the code's own table).
        return _elements(self._eval(base))

    def _call(self, node: Node) -> Labels:
        name = call_name(node)
        method = method_name(node)
        args = arguments(node)
        if name in TAINT_BREAKERS:
            return NONE
        if name in REQUEST_FUNCTIONS or method in REQUEST_METHODS:
            return ONLY_REQUEST
        if name == "getenv":
            header = self._resolve(args[0]) if args else ""
            return ONLY_REQUEST if header is None or header.upper().startswith("HTTP_") else NONE
        if name in PHP_INPUT_READERS and args and "php://input" in (self._resolve(args[0]) or ""):
            return ONLY_REQUEST
        if name == "compact":
            scope = self._scope(node)
            names = [self._resolve(a) for a in args]
            return self._union_vars(scope, [f"${n}" for n in names if n])
        key = f"f:{name}" if name is not None else f"m:{method}" if method is not None else None
        if key is not None and key in self._returns:
            return self._substitute(key, args)
        found: set[Label] = set()
        for child in (*args, *_receiver(node)):
            found |= self._eval(child)
        found.discard(REQUEST_OBJECT)  # a request object's other methods return the route, the method, …
        return frozenset(found)

    def _union_vars(self, scope: int, names: list[str]) -> Labels:
        found: set[Label] = set()
        for name in names:
            found |= self._vars.get(self._key(scope, name), set())
        return frozenset(found)

    def _substitute(self, key: str, args: list[Node]) -> Labels:
        out: set[Label] = set()
        for label in self._returns.get(key, ()):
            if isinstance(label, tuple) and label[1] == key:
                if label[2] < len(args):
                    out |= self._eval(args[label[2]])
            else:
                out.add(label)
        return frozenset(out)


def _merge(into: set[Label], labels: Labels | set[Label]) -> bool:
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


def _callee_key(node: Node) -> str:
    name = node.child_by_field_name("name")
    if node.type == "function_definition" and name is not None:
        return f"f:{text(name).lower()}"
    if node.type == "method_declaration" and name is not None:
        return f"m:{text(name).lower()}"
    return f"c:{node.id}"


def _enclosing_callable(node: Node) -> Node | None:
    current = node.parent
    while current is not None and current.type not in (*SCOPES, "arrow_function"):
        current = current.parent
    return current


def _request_object_parameter(param: Node) -> bool:
    """Typed WP_REST_Request (nullable or in a union), or an untyped parameter named `$request`."""
    kind = param.child_by_field_name("type")
    name = param.child_by_field_name("name")
    if kind is not None:
        return "wp_rest_request" in text(kind).lower()
    return name is not None and text(name) == "$request"


def _rest_callbacks(root: Node) -> tuple[set[str], set[str], set[int]]:
    """Functions, methods and closures that register_rest_route() names as a route's callbacks: their first
    parameter is the WP_REST_Request."""
    functions: set[str] = set()
    methods: set[str] = set()
    closures: set[int] = set()
    for node in walk(root):
        if call_name(node) != "register_rest_route":
            continue
        for element in (n for n in walk(node) if n.type == "array_element_initializer"):
            named = element.named_children
            key = string_value(named[0]) if len(named) == 2 else None
            if key is None or not key.endswith("callback"):
                continue
            value = named[1]
            if value.type in ("anonymous_function", "arrow_function"):
                closures.add(value.id)
            elif (literal := string_value(value)) is not None:
                functions.add(literal.lstrip("\\").lower())
            elif value.type == "array_creation_expression" and len(value.named_children) == 2:
                method = value.named_children[1].named_children
                literal = string_value(method[-1]) if method else None
                if literal is not None:
                    methods.add(literal.lower())
    return functions, methods, closures
