"""Hard-coded credentials: API-key-shaped literals, private keys, and long random values in secret-named slots or,
whatever their slot's name, used as a credential (an auth header, an HMAC key, a secret-named field)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from tree_sitter import Node

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import PhpFile, arguments, call_name, line, string_value, text, walk

# The random part of a key format sits in group 1: a placeholder (`sk_test_xxxxxxxx…`) has a fixed prefix but no
# entropy after it.
KNOWN_FORMATS = (
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_([0-9A-Za-z]{16,})"), "a Stripe-style secret key"),
    (re.compile(r"\bAKIA([0-9A-Z]{16})\b"), "an AWS access key id"),
    (re.compile(r"\bgh[pousr]_([0-9A-Za-z]{30,})"), "a GitHub token"),
    (re.compile(r"\bxox[abposr]-([0-9A-Za-z-]{10,})"), "a Slack token"),
    (re.compile(r"\bAIza([0-9A-Za-z_\-]{35})\b"), "a Google API key"),
    (re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\beyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}"), "a JSON Web Token"),
)
# Bits per character below which a key's random part is a placeholder (`xxxx…`, `0000…`, `abab…`); real keys
# score 3.5 and more, the AWS documentation key `AKIAIOSFODNN7EXAMPLE` 3.6.
PLACEHOLDER_ENTROPY = 2.5
SECRET_NAME = re.compile(r"(secret|api_?key|apikey|passw(or)?d|token|private_?key|auth|bearer|credential)", re.I)
# Header and field names a credential is sent under (`X-Api-Key`, `Authorization`).
CREDENTIAL_KEY = re.compile(r"(authorization|api[-_]?key|x-auth|secret|token|passw(or)?d)", re.I)
AUTH_SCHEMES = ("bearer ", "basic ", "token ")
# Calls whose argument at this position is a key: what is passed there is a secret.
KEY_ARGUMENTS = {"hash_hmac": 2, "hash_hmac_file": 2, "openssl_encrypt": 2, "openssl_decrypt": 2}
# Names that hold the *name* of where a secret lives, not the secret.
NAME_OF_SECRET = re.compile(r"(_NAME|_ENV|_OPTION|_FIELD|_LABEL|_HEADER)$", re.I)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _real_key(match: re.Match[str] | None) -> bool:
    """A known key format whose random part is random: not a documentation placeholder."""
    if match is None:
        return False
    random_part = match.group(1) if match.re.groups else None
    return random_part is None or _entropy(random_part) >= PLACEHOLDER_ENTROPY


def _has_key_segment(value: str) -> bool:
    """A `_`/`-` separated piece of 16+ characters mixing letters and digits: the random part of a prefixed key
    (`mk_live_9f8e7d6c5b4a3928…`), which no identifier or option name has."""
    return any(
        len(part) >= 16 and any(c.isdigit() for c in part) and any(c.isalpha() for c in part)
        for part in re.split(r"[-_]", value)
    )


def _random_looking(value: str) -> bool:
    """Long, no spaces, mixed letters and digits, high entropy: a key, not a word or an identifier."""
    if len(value) < 16 or " " in value:
        return False
    identifier = re.fullmatch(r"[A-Z0-9_]+|[A-Za-z_]+|[a-z]+(?:[-_][a-z0-9]+)+", value)
    if identifier and not _has_key_segment(value):
        return False
    has_digit, has_alpha = any(c.isdigit() for c in value), any(c.isalpha() for c in value)
    return has_digit and has_alpha and _entropy(value) >= 3.5


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
        return key is not None and bool(CREDENTIAL_KEY.search(key)) and not NAME_OF_SECRET.search(key)
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
            known = next((label for pattern, label in KNOWN_FORMATS if _real_key(pattern.search(value))), None)
            if known:
                yield ctx.hit(rule, path, line(node), f"hard-coded credential: {known}")
                continue
            slot = _slot_name(node)
            if not slot or NAME_OF_SECRET.search(slot) or not _random_looking(value):
                continue
            if SECRET_NAME.search(slot):
                yield ctx.hit(rule, path, line(node), f"hard-coded credential in {slot.strip(chr(39))}")
            elif _used_as_credential(php, slot):
                yield ctx.hit(rule, path, line(node), f"hard-coded credential in {slot.strip(chr(39))}, used as one")


RULES = (Rule("secret.hardcoded", Severity.ERROR, "hard-coded secrets (API-key-like literals)", _secrets),)
