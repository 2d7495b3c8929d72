"""Administrator accounts created or granted outside an admin screen that checks capability and nonce."""

from __future__ import annotations

from collections.abc import Iterator

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import call_name, enclosing_function, line, method_name, missing_guards, string_literals, walk

USER_WRITERS = frozenset({"wp_insert_user", "wp_update_user", "wp_create_user", "set_role", "add_role", "add_cap"})
USER_WRITERS = USER_WRITERS | {"update_user_meta", "add_user_meta", "grant_super_admin"}
ADMIN_MARKERS = ("administrator", "wp_capabilities", "manage_options", "promote_users", "edit_users")


def _admin_users(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            name = call_name(node) or method_name(node)
            if name not in USER_WRITERS:
                continue
            scope = enclosing_function(node)
            # The role is often set through a variable: look in the whole function (or file) for the marker.
            values = [v.lower() for _, v in string_literals(scope or node)]
            grants_admin = name == "grant_super_admin" or any(m in v for v in values for m in ADMIN_MARKERS)
            # Only an admin screen handler (a function checking capability and nonce first) may do this.
            if grants_admin and missing_guards(scope):
                message = f"{name}() grants administrator rights without a capability and nonce check"
                yield ctx.hit(rule, path, line(node), message)


RULES = (Rule("priv.admin-user", Severity.ERROR, "creating administrator users outside admin screens", _admin_users),)
