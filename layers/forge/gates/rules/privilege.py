"""Administrator accounts created, granted or logged into outside an admin screen that checks capability and
nonce: WordPress's user functions, raw writes to the users and usermeta tables, auth cookies, passwords and roles
set from request data, and the default role of new registrations; capability filters that grant admin rights, and
user-query filters that hide accounts."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import (
    PhpFile,
    arguments,
    binary_operator,
    call_name,
    enclosing_function,
    line,
    method_name,
    missing_guards,
    string_literals,
    text,
    walk,
)

USER_WRITERS = frozenset({"wp_insert_user", "wp_update_user", "wp_create_user", "set_role", "add_role", "add_cap"})
USER_WRITERS = USER_WRITERS | {"update_user_meta", "add_user_meta", "grant_super_admin"}
# Logging a visitor in as a user: with an administrator picked, a login without a password.
LOGINS = frozenset({"wp_set_auth_cookie", "wp_set_current_user"})
# $wpdb writes: with the administrator role or capabilities in them, an account made behind WordPress's back.
DATABASE_WRITERS = frozenset({"insert", "update", "replace", "query"})
# Setting a password: with the password or the user from the request, an account takeover.
PASSWORD_SETTERS = frozenset({"wp_set_password", "reset_password", "wp_update_user"})
ROLE_OPTIONS = frozenset({"default_role"})
OPTION_WRITERS = frozenset({"update_option", "add_option", "update_site_option", "add_site_option"})
# Where a user writer takes the role or capability: (argument index, array key or None for the argument itself).
ROLE_ARGUMENTS = {
    "set_role": (0, None),
    "add_role": (0, None),
    "add_cap": (0, None),
    "wp_insert_user": (0, "role"),
    "wp_update_user": (0, "role"),
}
# Filters deciding capabilities: a callback that names an admin capability grants it.
CAPABILITY_FILTERS = frozenset({"user_has_cap", "map_meta_cap", "role_has_cap"})
# Filters shaping the Users screen's query: a callback that rewrites the query hides accounts.
USER_QUERY_HOOKS = frozenset({"pre_user_query", "users_list_table_query_args"})
ADMIN_MARKERS = ("administrator", "wp_capabilities", "manage_options", "promote_users", "edit_users")


def _writer(node: Node) -> str | None:
    name = call_name(node) or method_name(node)
    if name in USER_WRITERS or name in LOGINS:
        return name
    receiver = node.child_by_field_name("object")
    if name in DATABASE_WRITERS and receiver is not None and text(receiver) == "$wpdb":
        return f"$wpdb->{name}"
    return None


def _mentions_admin(php: PhpFile, scope: Node) -> bool:
    """The function (or file) names the administrator role or an admin capability, in a literal or in pieces
    joined by concatenation (`'admin' . 'istrator'`)."""
    values = [v.lower() for _, v in string_literals(scope)]
    for node in walk(scope):
        if node.type == "binary_expression" and binary_operator(node) == ".":
            values.append((php.resolve_value(node) or "").lower())
    return any(marker in value for value in values for marker in ADMIN_MARKERS)


def _takeover(php: PhpFile, node: Node) -> str | None:
    """A password set from request data, or new accounts made administrators, without the admin screen's checks."""
    name = call_name(node)
    if name not in PASSWORD_SETTERS and name not in OPTION_WRITERS:
        return None
    args = arguments(node)
    sets_password = name in PASSWORD_SETTERS and any(php.is_request_data(a) for a in args)
    sets_password = sets_password and (
        name != "wp_update_user" or any("user_pass" in v for _, v in string_literals(node))
    )
    role_option = len(args) >= 2 and name in OPTION_WRITERS and php.resolve_value(args[0]) in ROLE_OPTIONS
    admin_role = role_option and _mentions_admin(php, args[1])
    if not (sets_password or admin_role) or not missing_guards(enclosing_function(node)):
        return None
    if sets_password:
        return f"{name}() sets a password from request data without a capability and nonce check"
    return f"{name}() makes every new account an administrator"


def _role_from_request(php: PhpFile, node: Node) -> str | None:
    name = call_name(node) or method_name(node)
    if name not in ROLE_ARGUMENTS:
        return None
    index, key = ROLE_ARGUMENTS[name]
    args = arguments(node)
    if len(args) <= index:
        return None
    role = args[index]
    if key is not None and role.type == "array_creation_expression":
        entries = [e.named_children for e in role.named_children if len(e.named_children) == 2]
        values = [value for k, value in entries if php.resolve_value(k) == key]
        chosen = any(php.is_request_data(v) for v in values)
    else:
        chosen = php.is_request_data(role)
    if chosen and missing_guards(enclosing_function(node)):
        return f"{name}() takes the role or capability from request data without a capability and nonce check"
    return None


def _callback_bodies(php: PhpFile, callback: Node) -> list[Node]:
    """The code a hooked callback runs: a closure, or the file's function or method it names."""
    if callback.type in ("anonymous_function", "arrow_function"):
        return [callback]
    if callback.type == "array_creation_expression" and len(callback.named_children) == 2:
        method = callback.named_children[1].named_children
        name = php.resolve_value(method[-1]) if method else None
        kinds = ("method_declaration",)
    else:
        name = php.resolve_value(callback)
        kinds = ("function_definition",)
    if not name:
        return []
    wanted = name.lstrip("\\").lower()
    return [
        n
        for n in walk(php.root)
        if n.type in kinds and (found := n.child_by_field_name("name")) is not None and text(found).lower() == wanted
    ]


def _hooked_takeover(php: PhpFile, node: Node) -> str | None:
    """A capability filter granting admin capabilities, or a user-query filter rewriting the Users screen's query."""
    if call_name(node) not in ("add_filter", "add_action"):
        return None
    args = arguments(node)
    hook = php.resolve_value(args[0]) if len(args) >= 2 else None
    if hook not in CAPABILITY_FILTERS and hook not in USER_QUERY_HOOKS:
        return None
    for body in _callback_bodies(php, args[1]):
        if hook in CAPABILITY_FILTERS and _mentions_admin(php, body):
            return f"a {hook} filter grants administrator capabilities"
        rewrites = any(
            n.type in ("assignment_expression", "augmented_assignment_expression")
            and "query_where" in text(n.child_by_field_name("left") or n)
            for n in walk(body)
        )
        if hook in USER_QUERY_HOOKS and rewrites:
            return f"a {hook} callback rewrites the Users screen's query: accounts can be hidden"
    return None


def _admin_users(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            reason = _takeover(php, node) or _role_from_request(php, node) or _hooked_takeover(php, node)
            if reason is not None:
                yield ctx.hit(rule, path, line(node), reason)
                continue
            name = _writer(node)
            if name is None:
                continue
            scope = enclosing_function(node)
            # The role is often set through a variable: look in the whole function for the marker.
            grants_admin = name == "grant_super_admin" or _mentions_admin(php, scope or node)
            # Only an admin screen handler (a function checking capability and nonce first) may do this.
            if grants_admin and missing_guards(scope):
                verb = "logs the visitor in as an administrator" if name in LOGINS else "grants administrator rights"
                message = f"{name}() {verb} without a capability and nonce check"
                yield ctx.hit(rule, path, line(node), message)


RULES = (Rule("priv.admin-user", Severity.ERROR, "creating administrator users outside admin screens", _admin_users),)
