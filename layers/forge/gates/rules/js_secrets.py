"""Hard-coded credentials in JavaScript and TypeScript, judged by the same tests as PHP's (`secret_values.py`):
known key formats anywhere, long random values in secret-named slots (`const apiKey = …`, `{ 'X-Api-Key': … }`,
class fields, default parameters) or, whatever their name, used as one (`` `Bearer ${KEY}` ``, an `Authorization`
header, an HMAC key)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.js_ast import JsFile, arguments, callee, string_text, unwrap
from forge.gates.secret_values import AUTH_SCHEMES, credential_key, known_format, names_a_secret, random_looking
from forge.gates.secret_values import secret_slot as secret_named
from forge.gates.syntax import line, text

SLOT_PARENTS = frozenset({"variable_declarator", "public_field_definition", "field_definition", "assignment_pattern"})
HMAC_CALLS = frozenset({"crypto.createHmac", "createHmac", "crypto.createCipheriv", "createCipheriv"})


def _slot_name(node: Node) -> str | None:
    """The name a literal is stored under: variable, class field, default parameter, assigned property, object
    key."""
    parent = node.parent
    while parent is not None and parent.type in ("as_expression", "satisfies_expression", "parenthesized_expression"):
        node, parent = parent, parent.parent
    if parent is None:
        return None
    if parent.type in SLOT_PARENTS:
        name = parent.child_by_field_name("name") or parent.child_by_field_name("left")
        return text(name) if name is not None and name != node else None
    if parent.type == "assignment_expression":
        left = parent.child_by_field_name("left")
        prop = left.child_by_field_name("property") if left is not None else None
        return text(prop or left) if left is not None and left != node else None
    if parent.type == "pair":
        key = parent.child_by_field_name("key")
        return (string_text(key) or text(key)) if key is not None and key != node else None
    return None


def _credential_position(js: JsFile, node: Node) -> bool:
    """The expression sits where a credential goes: after `Bearer `, under an `Authorization`-like key, as an
    HMAC or cipher key."""
    current = node
    while current.parent is not None and current.parent.type in ("binary_expression", "template_substitution"):
        current = current.parent
        literal = current if current.type == "binary_expression" else current.parent
        head = text(literal).lstrip("`'\"").lower() if literal is not None else ""
        if head.startswith(AUTH_SCHEMES):
            return True
        if current.type == "template_substitution" and current.parent is not None:
            current = current.parent
    parent = current.parent
    if parent is not None and parent.type == "pair":
        key = parent.child_by_field_name("key")
        return key is not None and credential_key(string_text(key) or text(key))
    call = parent.parent if parent is not None and parent.type == "arguments" else None
    if call is not None and callee(js, call) in HMAC_CALLS:
        args = arguments(call)
        return len(args) > 1 and unwrap(args[1]) == current
    return False


def _used_as_credential(js: JsFile, slot: str) -> bool:
    return any(_credential_position(js, n) for n in js.identifiers.get(slot, []))


def _finding(js: JsFile, node: Node, value: str) -> str | None:
    known = known_format(value)
    if known:
        return f"hard-coded credential: {known}"
    scheme = next((s for s in AUTH_SCHEMES if value.lower().startswith(s)), None)
    if scheme is not None and random_looking(value[len(scheme) :].strip()):
        return f"hard-coded credential after {value[: len(scheme)].strip()}"
    slot = _slot_name(node)
    if not slot or names_a_secret(slot) or not random_looking(value):
        return None
    if secret_named(slot) or credential_key(slot):
        return f"hard-coded credential in {slot[:40]}"
    if _used_as_credential(js, slot) or _credential_position(js, node):
        return f"hard-coded credential in {slot[:40]}, used as one"
    return None


def _values(node: Node) -> Iterator[str]:
    """A literal's value, or each literal piece of a template with substitutions."""
    whole = string_text(node)
    if whole is not None:
        yield whole
    elif node.type == "template_string":
        yield from (text(part) for part in node.named_children if part.type == "string_fragment")


def _secrets(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, js in ctx.js.items():
        for node in js.strings:
            message = next((m for v in _values(node) if v and (m := _finding(js, node, v))), None)
            if message is not None:
                yield ctx.hit(rule, path, line(node), message)


RULES = (Rule("js.secret", Severity.ERROR, "JavaScript hard-coded secrets (API-key-like literals)", _secrets),)
