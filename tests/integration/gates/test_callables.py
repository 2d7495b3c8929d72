"""The callable-position table (forge/gates/callables.py) checked against the real signatures: PHP's own, by
reflection in the installed php, and WordPress's, parsed from the WordPress build the bootstrap installs."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile

from forge.cms.woocommerce.wordpress_site import builds_source
from forge.gates.callables import CONSTRUCTORS, FUNCTIONS, METHODS, Slots
from forge.gates.php_ast import parse_php, text, walk

# Functions of the table that the installed PHP 8.2 does not have: WordPress's, PHP 8.4's array_find family, the
# removed call_user_method*, and extensions not installed here (yaml, Windows SAPI).
NOT_IN_PHP = {"array_all", "array_any", "array_find", "array_find_key", "call_user_method", "call_user_method_array"}
NOT_IN_PHP |= {"yaml_parse", "yaml_parse_file", "sapi_windows_set_ctrl_handler"}
WORDPRESS = {
    name
    for name in FUNCTIONS
    if name.startswith(("add_", "register_", "wp_add_", "wp_register_")) or name == "map_deep"
} - {"register_shutdown_function", "register_tick_function"}
REFLECT = r"""
$out = [];
foreach (json_decode(stream_get_contents(STDIN), true) as $name) {
    if (function_exists($name)) {
        $params = (new ReflectionFunction($name))->getParameters();
    } elseif (class_exists($name)) {
        $params = (new ReflectionMethod($name, '__construct'))->getParameters();
    } else {
        $out[$name] = null;
        continue;
    }
    $out[$name] = array_map(fn($p) => [$p->getName(), (string) $p->getType(), $p->isVariadic()], $params);
}
echo json_encode($out);
"""


def _reflect(names: list[str]) -> dict[str, list[list] | None]:
    done = subprocess.run(["php", "-r", REFLECT], input=json.dumps(names), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _check(name: str, slots: Slots, params: list[tuple[str, bool]], callable_types: list[str] | None) -> list[str]:
    problems = []
    for position in slots.positions:
        if position < 0:
            # Counted from the end: only a variadic signature hides the callable after "any number of arrays".
            if not params or not params[-1][1]:
                problems.append(f"{name}: position {position} but the signature is not variadic")
        elif position >= len(params):
            problems.append(f"{name}: no parameter {position} in {[p for p, _ in params]}")
        else:
            declared = params[position][0]
            typed = callable_types is not None and "callable" in callable_types[position]
            if not typed and declared not in slots.names:
                problems.append(f"{name}: parameter {position} is ${declared}, not a callable")
    if all(p >= 0 for p in slots.positions):
        problems += [f"{name}: no parameter named ${n}" for n in slots.names if n not in {p for p, _ in params}]
    return problems


def test_php_builtins_take_callables_where_the_table_says() -> None:
    builtins = sorted(set(FUNCTIONS) - WORDPRESS)
    reflected = _reflect(builtins)
    assert {name for name, sig in reflected.items() if sig is None} == NOT_IN_PHP
    problems = []
    for name in builtins:
        if (sig := reflected[name]) is not None:
            problems += _check(name, FUNCTIONS[name], [(p[0], p[2]) for p in sig], [p[1] for p in sig])
    assert problems == []


def test_constructors_take_callables_where_the_table_says() -> None:
    classes = {
        "reflectionfunction": "ReflectionFunction",
        "reflectionmethod": "ReflectionMethod",
        "reflectionclass": "ReflectionClass",
        "callbackfilteriterator": "CallbackFilterIterator",
        "recursivecallbackfilteriterator": "RecursiveCallbackFilterIterator",
        "fiber": "Fiber",
    }
    assert set(classes) == set(CONSTRUCTORS)
    reflected = _reflect(list(classes.values()))
    problems = []
    for key, name in classes.items():
        sig = reflected[name]
        assert sig is not None, name
        # Reflection's first parameters name a function or a class as a string: no callable type to check.
        problems += [f"{name}: {p}" for p in _check(name, CONSTRUCTORS[key], [(p[0], p[2]) for p in sig], None)]
    assert problems == []


def test_closure_from_callable_is_a_method_slot() -> None:
    reflected = json.loads(
        subprocess.run(
            ["php", "-r", "echo json_encode(array_map(fn($p) => (string) $p->getType(), "
             "(new ReflectionMethod('Closure', 'fromCallable'))->getParameters()));"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )  # fmt: skip
    assert reflected == ["callable"]
    assert METHODS["fromcallable"].positions == (0,)


def _wordpress_signatures() -> dict[str, list[str]]:
    builds = builds_source(None)
    assert builds is not None, "no WordPress build: run scripts/bootstrap.sh"
    archive = sorted(builds.glob("wp-6.*.zip"))[-1]
    wanted = re.compile(rb"function\s+(" + b"|".join(n.encode() for n in sorted(WORDPRESS)) + rb")\s*\(")
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            if not member.endswith(".php"):
                continue
            data = zf.read(member)
            if not wanted.search(data):
                continue
            for node in walk(parse_php(member, data).root):
                name = node.child_by_field_name("name")
                if node.type == "function_definition" and name is not None and text(name) in WORDPRESS:
                    params = node.child_by_field_name("parameters")
                    found[text(name)] = [
                        text(p.child_by_field_name("name") or p).lstrip("$") for p in params.named_children
                    ]
    return found


def test_wordpress_functions_take_callables_where_the_table_says() -> None:
    signatures = _wordpress_signatures()
    assert set(signatures) == WORDPRESS
    problems = []
    for name, params in sorted(signatures.items()):
        problems += _check(name, FUNCTIONS[name], [(p, False) for p in params], None)
    assert problems == []


def test_every_function_slot_has_a_name_per_position() -> None:
    for name, slots in FUNCTIONS.items():
        assert len(slots.names) == len(slots.positions), name
