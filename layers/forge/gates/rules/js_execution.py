"""JavaScript and TypeScript code execution: eval (direct, indirect, aliased, string timers, Node's vm), the
Function constructor, child processes, and modules loaded by a name chosen at run time."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.js_ast import JsFile, arguments, callee, module_name, required_module, string_text, unwrap
from forge.gates.js_request_data import is_request_data
from forge.gates.js_values import computed_callee, resolve_value
from forge.gates.syntax import line, text

EVALUATORS = frozenset(
    {"eval", "execScript", "vm.runInThisContext", "vm.runInNewContext", "vm.runInContext", "vm.compileFunction"}
)
EVALUATOR_CONSTRUCTORS = frozenset({"vm.Script", "vm.SourceTextModule"})
# Timers run a string first argument as code.
STRING_TIMERS = frozenset({"setTimeout", "setInterval", "setImmediate"})
FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function"})
PROTOTYPE_GETTERS = frozenset({"Object.getPrototypeOf", "Reflect.getPrototypeOf"})
# Modules whose only purpose is running other programs.
PROCESS_MODULES = frozenset({"child_process", "execa", "cross-spawn", "shelljs", "node-pty", "@npmcli/promise-spawn"})
PROCESS_CALLS = frozenset(
    {"process.binding", "process._linkedBinding", "process.dlopen", "Deno.run", "Deno.Command", "Bun.spawn"}
) | {"Bun.spawnSync", "Bun.$"}
# `Function('return this')()`: the pre-globalThis way to reach the global object, in polyfills and bundles.
GLOBAL_THIS_IDIOM = re.compile(r"\s*return\s+this\s*;?\s*")
LOADERS = frozenset({"require", "module.require", "process.mainModule.require", "require.main.require"})
LOADERS = LOADERS | {"importScripts"}


def _code_string(js: JsFile, node: Node) -> bool:
    """A timer's first argument that is a string (a literal, a concatenation, a variable holding one), not a
    callback."""
    node = unwrap(node)
    return node.type in ("string", "template_string", "binary_expression") or resolve_value(js, node) is not None


def _eval(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, js in ctx.js.items():
        for call in js.calls:
            name = computed_callee(js, call)
            args = arguments(call)
            if call.type == "call_expression" and name in EVALUATORS:
                direct = unwrap(call.child_by_field_name("function") or call).type == "identifier"
                how = "indirectly " if name == "eval" and not direct else ""
                yield ctx.hit(rule, path, line(call), f"{name}() {how}runs a string as JavaScript")
            elif call.type == "new_expression" and name in EVALUATOR_CONSTRUCTORS:
                yield ctx.hit(rule, path, line(call), f"new {name}() compiles a string as JavaScript")
            elif name in STRING_TIMERS and args and _code_string(js, args[0]):
                yield ctx.hit(rule, path, line(call), f"{name}() with a string runs it as JavaScript")


def _reaches_constructor(js: JsFile, node: Node, depth: int = 0) -> bool:
    """The expression is the constructor of a function: `(() => {}).constructor`, `[].constructor.constructor`,
    `[]['filter']['constructor']`, `Object.getPrototypeOf(async function () {}).constructor`, or a name the file
    gives one of those; not `this.constructor`, a class building a copy of itself."""
    node = unwrap(node)
    if node.type == "identifier" and depth < 4:
        bound = js.single_binding(node)
        return bound is not None and _reaches_constructor(js, bound, depth + 1)
    key = node.child_by_field_name("property" if node.type == "member_expression" else "index")
    obj = node.child_by_field_name("object")
    if node.type not in ("member_expression", "subscript_expression") or key is None or obj is None:
        return False
    if (resolve_value(js, key) if node.type == "subscript_expression" else text(key)) != "constructor":
        return False
    obj = unwrap(obj)
    # Any property's constructor may be Function's (`[].filter.constructor`); `this.constructor` and
    # `value.constructor` are a class's own.
    reached = obj.type in FUNCTION_VALUES or obj.type in ("member_expression", "subscript_expression")
    return reached or (obj.type == "call_expression" and computed_callee(js, obj) in PROTOTYPE_GETTERS)


def _function_constructor(call: Node, js: JsFile) -> str | None:
    """How a call builds a function from strings: `Function`, or the constructor reached through a function."""
    if computed_callee(js, call) == "Function":
        return "Function"
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    if function is not None and _reaches_constructor(js, function):
        return text(unwrap(function))[:40]
    return None


def _new_function(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, js in ctx.js.items():
        for call in js.calls:
            how = _function_constructor(call, js)
            args = arguments(call)
            if how is None or not args:
                continue
            body = resolve_value(js, args[-1])
            literal = all(string_text(a) is not None for a in args)
            if literal and body is not None and GLOBAL_THIS_IDIOM.fullmatch(body):
                continue
            yield ctx.hit(rule, path, line(call), f"{how}(…) compiles a string into a function")


def _process_modules(js: JsFile) -> Iterator[tuple[Node, str]]:
    """(node, module) for every import, export-from, require and import() of a module that runs processes."""
    for statement, module in js.specifiers:
        if module in PROCESS_MODULES:
            yield statement, module
    for call in js.calls:
        loaded = required_module(js, call) or _loaded_module(js, call)
        if loaded is not None and loaded in PROCESS_MODULES:
            yield call, loaded


def _child_process(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, js in ctx.js.items():
        for node, module in _process_modules(js):
            yield ctx.hit(rule, path, line(node), f"loads {module}: the code can run other programs")
        for call in js.calls:
            name = computed_callee(js, call)
            if name in PROCESS_CALLS:
                yield ctx.hit(rule, path, line(call), f"{name}() runs a program or loads native code")


def _loader_argument(js: JsFile, call: Node) -> Node | None:
    """The module argument of a loader: require(x), import(x), module.require(x), createRequire(…)(x)."""
    function = call.child_by_field_name("function")
    args = arguments(call)
    if call.type != "call_expression" or function is None or not args:
        return None
    function = unwrap(function)
    if function.type == "import" or callee(js, call) in LOADERS:
        return args[0]
    if function.type == "call_expression" and callee(js, function) in ("createRequire", "module.createRequire"):
        return args[0]
    return None


def _loaded_module(js: JsFile, call: Node) -> str | None:
    target = _loader_argument(js, call)
    value = resolve_value(js, target) if target is not None else None
    return module_name(value) if value is not None else None


def _dynamic_require(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, js in ctx.js.items():
        for call in js.calls:
            target = _loader_argument(js, call)
            if target is None or resolve_value(js, target) is not None:
                continue
            what = text(target)[:50]
            if is_request_data(js, target):
                yield ctx.hit(rule, path, line(call), f"loads a module named by request data: {what}")
            else:
                message = f"loads a module named at run time: {what}"
                yield ctx.hit(rule, path, line(call), message, Severity.WARNING)


RULES = (
    Rule("js.eval", Severity.ERROR, "JavaScript eval, indirect eval, string timers, vm", _eval),
    Rule("js.function-constructor", Severity.ERROR, "JavaScript new Function / Function(…)", _new_function),
    Rule("js.child-process", Severity.ERROR, "JavaScript child_process and process runners", _child_process),
    Rule("js.dynamic-require", Severity.ERROR, "require/import of a module named at run time", _dynamic_require),
)
