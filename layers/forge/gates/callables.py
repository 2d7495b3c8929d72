"""Where PHP built-ins and WordPress functions take a callable: the argument positions that request data must
never reach, because whatever name arrives there is called.

Positions are 0-based; negative ones count from the end (the array_*_ukey/uassoc family takes its comparison
callables after any number of arrays). Names are the parameters' names, for PHP 8 named arguments. Signatures follow
the PHP manual and the WordPress code reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tree_sitter import Node

from forge.gates.php_ast import call_name, method_name, named_arguments, text


@dataclass(frozen=True)
class Slots:
    positions: tuple[int, ...]
    names: tuple[str, ...]


def _at(*positions: int, names: tuple[str, ...] = ("callback",)) -> Slots:
    return Slots(positions, names)


_VALUE_LAST = _at(-1, names=("value_compare_func",))
_KEY_LAST = _at(-1, names=("key_compare_func",))
_BOTH_LAST = _at(-2, -1, names=("value_compare_func", "key_compare_func"))
_SESSION = ("open", "close", "read", "write", "destroy", "gc", "create_sid", "validate_sid", "update_timestamp")
_XML_HANDLERS = (
    "xml_set_character_data_handler",
    "xml_set_default_handler",
    "xml_set_processing_instruction_handler",
    "xml_set_unparsed_entity_decl_handler",
    "xml_set_notation_decl_handler",
    "xml_set_external_entity_ref_handler",
    "xml_set_start_namespace_decl_handler",
    "xml_set_end_namespace_decl_handler",
)
# WordPress admin pages: add_menu_page( $page_title, $menu_title, $capability, $menu_slug, $callback, … ) and the
# add_*_page( same four, $callback, … ) shortcuts; add_submenu_page has the parent slug first.
_ADMIN_PAGES = (
    "add_menu_page",
    "add_options_page",
    "add_management_page",
    "add_theme_page",
    "add_plugins_page",
    "add_users_page",
    "add_dashboard_page",
    "add_posts_page",
    "add_media_page",
    "add_links_page",
    "add_pages_page",
    "add_comments_page",
)

FUNCTIONS: dict[str, Slots] = {
    # Calling and forwarding.
    "call_user_func": _at(0),
    "call_user_func_array": _at(0),
    "forward_static_call": _at(0),
    "forward_static_call_array": _at(0),
    "call_user_method": _at(0, names=("method_name",)),
    "call_user_method_array": _at(0, names=("method_name",)),
    # Arrays.
    "array_map": _at(0),
    "array_filter": _at(1),
    "array_reduce": _at(1),
    "array_walk": _at(1),
    "array_walk_recursive": _at(1),
    "array_find": _at(1),
    "array_find_key": _at(1),
    "array_any": _at(1),
    "array_all": _at(1),
    "usort": _at(1),
    "uasort": _at(1),
    "uksort": _at(1),
    "array_udiff": _VALUE_LAST,
    "array_udiff_assoc": _VALUE_LAST,
    "array_uintersect": _VALUE_LAST,
    "array_uintersect_assoc": _VALUE_LAST,
    "array_diff_ukey": _KEY_LAST,
    "array_diff_uassoc": _KEY_LAST,
    "array_intersect_ukey": _KEY_LAST,
    "array_intersect_uassoc": _KEY_LAST,
    "array_udiff_uassoc": _BOTH_LAST,
    "array_uintersect_uassoc": _BOTH_LAST,
    "iterator_apply": _at(1),
    # Regular expressions: preg_replace_callback_array's pattern => callback map is one argument.
    "preg_replace_callback": _at(1),
    "preg_replace_callback_array": _at(0, names=("pattern",)),
    "mb_ereg_replace_callback": _at(1),
    # Handlers PHP calls later: shutdown, ticks, errors, exceptions, autoloading, output, headers, sessions.
    "register_shutdown_function": _at(0),
    "register_tick_function": _at(0),
    "set_error_handler": _at(0),
    "set_exception_handler": _at(0),
    "spl_autoload_register": _at(0),
    "ob_start": _at(0),
    "header_register_callback": _at(0),
    "session_set_save_handler": _at(*range(len(_SESSION)), names=_SESSION),
    "libxml_set_external_entity_loader": _at(0, names=("resolver_function",)),
    "xml_set_element_handler": _at(1, 2, names=("start_handler", "end_handler")),
    **{name: _at(1, names=("handler",)) for name in _XML_HANDLERS},
    "pcntl_signal": _at(1, names=("handler",)),
    "readline_completion_function": _at(0),
    "readline_callback_handler_install": _at(1),
    "sapi_windows_set_ctrl_handler": _at(0, names=("handler",)),
    "yaml_parse": _at(3, names=("callbacks",)),
    "yaml_parse_file": _at(3, names=("callbacks",)),
    # A stream wrapper is a class name PHP instantiates.
    "stream_wrapper_register": _at(1, names=("class",)),
    # WordPress.
    "add_action": _at(1),
    "add_filter": _at(1),
    "add_shortcode": _at(1),
    "add_feed": _at(1),
    "map_deep": _at(1),
    "register_activation_hook": _at(1),
    "register_deactivation_hook": _at(1),
    "register_uninstall_hook": _at(1),
    **{name: _at(4) for name in _ADMIN_PAGES},
    "add_submenu_page": _at(5),
    "add_meta_box": _at(2),
    "add_settings_section": _at(2),
    "add_settings_field": _at(2),
    "wp_add_dashboard_widget": _at(2, 3, names=("callback", "control_callback")),
    "wp_register_sidebar_widget": _at(2, names=("output_callback",)),
    "wp_register_widget_control": _at(2, names=("control_callback",)),
}

# A callable only when another argument says so: (function) -> (selector position, selector values, callable
# position). Selectors are compared lower-cased, as written (a constant's name) or as the literal's value.
SELECTED: dict[str, tuple[int, frozenset[str], int]] = {
    "assert_options": (0, frozenset({"assert_callback", "2"}), 1),
    "ini_set": (0, frozenset({"unserialize_callback_func"}), 1),
    "ini_alter": (0, frozenset({"unserialize_callback_func"}), 1),
    "filter_var": (1, frozenset({"filter_callback", "1024"}), 2),
    "filter_input": (2, frozenset({"filter_callback", "1024"}), 3),
    "curl_setopt": (
        1,
        frozenset(
            {
                "curlopt_writefunction",
                "curlopt_headerfunction",
                "curlopt_readfunction",
                "curlopt_progressfunction",
                "curlopt_xferinfofunction",
            }
        ),
        2,
    ),
}

# Methods, matched by name whatever the receiver: Closure::fromCallable, PDO's and SQLite3's user functions,
# WP_Hook::add_filter, WP_CLI::add_command.
METHODS: dict[str, Slots] = {
    "fromcallable": _at(0),
    "sqlitecreatefunction": _at(1),
    "sqlitecreateaggregate": _at(1, 2, names=("step", "finalize")),
    "sqlitecreatecollation": _at(1),
    "createfunction": _at(1),
    "createaggregate": _at(1, 2, names=("stepCallback", "finalCallback")),
    "createcollation": _at(1),
    "add_command": _at(1, names=("callable",)),
}
# Constructors (lower-case class names, namespace dropped).
CONSTRUCTORS: dict[str, Slots] = {
    "reflectionfunction": _at(0, names=("function",)),
    "reflectionmethod": _at(0, 1, names=("objectOrMethod", "method")),
    "reflectionclass": _at(0, names=("objectOrClass",)),
    "callbackfilteriterator": _at(1),
    "recursivecallbackfilteriterator": _at(1),
    "fiber": _at(0),
}
# Array keys naming a callable: register_rest_route's 'callback' and 'permission_callback', register_setting's
# 'sanitize_callback', register_block_type's 'render_callback', REST args' 'validate_callback', ...
CALLBACK_KEY_SUFFIX = "callback"

# Expressions that name a class or method statically: anything else in that place is chosen at run time.
STATIC_NAMES = ("name", "qualified_name", "relative_scope")
Resolver = Callable[[Node], "str | None"]


def function_slots(node: Node, resolve: Resolver) -> Iterator[tuple[str, Node]]:
    """(what, expression) for each callable argument of a call to a function in FUNCTIONS or SELECTED."""
    name = call_name(node)
    if name is None:
        return
    args = named_arguments(node)
    if name in FUNCTIONS:
        yield from ((f"{name}()", expr) for expr in _pick(args, FUNCTIONS[name]))
    elif name in SELECTED:
        selector, values, position = SELECTED[name]
        positional = [value for label, value in args if label is None]
        if len(positional) > max(selector, position):
            chosen = positional[selector]
            key = text(chosen).lstrip("\\").lower()
            if key in values or (resolve(chosen) or "").lower() in values:
                yield f"{name}() with {text(chosen)[:30]}", positional[position]


def callable_slots(node: Node, resolve: Resolver) -> Iterator[tuple[str, Node, bool]]:
    """(what, expression, names a function) for every place in `node` whose value is called or instantiated:
    callable arguments of functions, methods and constructors, `…callback` array keys, and the run-time names of
    `$obj->$m()`, `$class::m()`, `Cls::$m()` and `new $class`. Variable functions (`$f()`) are the caller's.
    "Names a function" is false where a name reaches a method or a class, never a global function."""
    kind = node.type
    if kind == "function_call_expression":
        yield from ((what, expr, True) for what, expr in function_slots(node, resolve))
    elif kind in ("member_call_expression", "nullsafe_member_call_expression", "scoped_call_expression"):
        name = node.child_by_field_name("name")
        scope = node.child_by_field_name("scope")
        if scope is not None and scope.type not in STATIC_NAMES:
            yield f"static call on class {text(scope)[:40]}", scope, False
        if name is not None and name.type != "name":
            yield f"method call ->{text(name)[:40]}()", name, False
        method = method_name(node)
        if method in METHODS:
            yield from ((f"{method}()", expr, True) for expr in _pick(named_arguments(node), METHODS[method]))
    elif kind == "object_creation_expression":
        cls = next((c for c in node.named_children if c.type not in ("arguments", "comment")), None)
        if cls is None or cls.type in ("anonymous_class", "declaration_list"):
            return
        if cls.type not in STATIC_NAMES:
            yield f"new {text(cls)[:40]}", cls, False
        class_name = text(cls) if cls.type in STATIC_NAMES else resolve(cls)
        slots = CONSTRUCTORS.get((class_name or "").rsplit("\\", 1)[-1].lower())
        if slots is not None:
            yield from ((f"new {class_name}", expr, True) for expr in _pick(named_arguments(node), slots))
    elif kind == "array_element_initializer" and len(node.named_children) == 2:
        key = resolve(node.named_children[0])
        if key is not None and key.lower().endswith(CALLBACK_KEY_SUFFIX):
            yield f"'{key}' array entry", node.named_children[1], True


def _pick(args: list[tuple[str | None, Node]], slots: Slots) -> Iterator[Node]:
    positional = [value for label, value in args if label is None]
    farthest = max((-p for p in slots.positions if p < 0), default=0)
    for position in slots.positions:
        if position >= 0 and position < len(positional):
            yield positional[position]
        elif position < 0 and len(positional) > farthest:
            # Counted from the end, after at least one array (array_udiff( $a, $b, $cmp )).
            yield positional[position]
    yield from (value for label, value in args if label is not None and label in slots.names)
