"""Administrator accounts created, granted or logged into outside an admin screen that checks capability and
nonce: WordPress's user functions, raw writes to the users and usermeta tables, and auth cookies."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import (
    PhpFile,
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


def _admin_users(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
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
