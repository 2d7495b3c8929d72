"""Administrator accounts created, granted or logged into outside an admin screen that checks capability and
nonce: WordPress's user functions, raw writes to the users and usermeta tables, auth cookies, passwords set from
request data, and the default role of new registrations."""

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


def _admin_users(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            if (reason := _takeover(php, node)) is not None:
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
