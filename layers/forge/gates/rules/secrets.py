"""Hard-coded credentials: API-key-shaped literals, private keys, and long random values in secret-named slots or,
whatever their slot's name, used as a credential (an auth header, an HMAC key, a secret-named field)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import PhpFile, arguments, call_name, line, string_value, text, walk
from forge.gates.secret_values import (
    AUTH_SCHEMES,
    credential_key,
    known_format,
    names_a_secret,
    random_looking,
    secret_slot,
)

# Calls whose argument at this position is a key: what is passed there is a secret.
KEY_ARGUMENTS = {"hash_hmac": 2, "hash_hmac_file": 2, "openssl_encrypt": 2, "openssl_decrypt": 2}


def _slot_name(node: Node) -> str | None:
    """The name a literal is stored under: variable, property, constant or array key."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "assignment_expression":
        left = parent.child_by_field_name("left")
        return text(left) if left is not None and left != node else None
    if parent.type in ("const_element", "property_element"):
        return text(parent.named_children[0])
    if parent.type == "array_element_initializer" and len(parent.named_children) == 2:
        return string_value(parent.named_children[0]) or text(parent.named_children[0])
    if parent.type == "argument" and parent.parent is not None and parent.parent.parent is not None:
        call = parent.parent.parent
        if call.type == "function_call_expression" and text(call.child_by_field_name("function") or call) == "define":
            first = call.child_by_field_name("arguments")
            if first is not None and first.named_children and first.named_children[0] != parent:
                return text(first.named_children[0])
    return None


def _credential_use(holder: Node) -> bool:
    """`holder` (a variable or constant) is sent as a credential or used as a key where it appears."""
    current = holder
    while current.parent is not None and current.parent.type in ("binary_expression", "parenthesized_expression"):
        current = current.parent
        if any((string_value(c) or "").lower().startswith(AUTH_SCHEMES) for c in current.named_children):
            return True
    parent = current.parent
    if parent is None:
        return False
    pair = parent.named_children
    if parent.type == "array_element_initializer" and len(pair) == 2 and pair[1] == current:
        key = string_value(pair[0])
        return key is not None and credential_key(key)
    call = parent.parent.parent if parent.type == "argument" and parent.parent is not None else None
    name = call_name(call) if call is not None else None
    if name in KEY_ARGUMENTS and call is not None:
        args = arguments(call)
        position = KEY_ARGUMENTS[name]
        return len(args) > position and args[position] == current
    return False


def _used_as_credential(php: PhpFile, slot: str) -> bool:
    """Any use of the variable or constant `slot` (whatever its name) in a credential position."""
    kinds = ("variable_name",) if slot.startswith("$") else ("name",)
    bare = slot.strip("'\"")
    return any(n.type in kinds and text(n) == bare and _credential_use(n) for n in walk(php.root))


def _secrets(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, php in ctx.php.items():
        for node in walk(php.root):
            value = string_value(node)
            if not value:
                continue
            known = known_format(value)
            if known:
                yield ctx.hit(rule, path, line(node), f"hard-coded credential: {known}")
                continue
            slot = _slot_name(node)
            if not slot or names_a_secret(slot) or not random_looking(value):
                continue
            if secret_slot(slot):
                yield ctx.hit(rule, path, line(node), f"hard-coded credential in {slot.strip(chr(39))}")
            elif _used_as_credential(php, slot):
                yield ctx.hit(rule, path, line(node), f"hard-coded credential in {slot.strip(chr(39))}, used as one")


RULES = (Rule("secret.hardcoded", Severity.ERROR, "hard-coded secrets (API-key-like literals)", _secrets),)
