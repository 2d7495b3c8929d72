"""Whether a string written in code is a credential, whatever the language: known key formats (with a real random
part, not a documentation placeholder), and long random values; and which names mark a slot as holding one.
The PHP and the JavaScript rule families ask these same questions of their own syntax trees."""

from __future__ import annotations

import math
import re
from collections import Counter

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
# Names that hold the *name* of where a secret lives, not the secret.
NAME_OF_SECRET = re.compile(r"(_NAME|_ENV|_OPTION|_FIELD|_LABEL|_HEADER)$", re.I)


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _real_key(match: re.Match[str] | None) -> bool:
    """A known key format whose random part is random: not a documentation placeholder."""
    if match is None:
        return False
    random_part = match.group(1) if match.re.groups else None
    return random_part is None or entropy(random_part) >= PLACEHOLDER_ENTROPY


def _has_key_segment(value: str) -> bool:
    """A `_`/`-` separated piece of 16+ characters mixing letters and digits: the random part of a prefixed key
    (`mk_live_9f8e7d6c5b4a3928…`), which no identifier or option name has."""
    return any(
        len(part) >= 16 and any(c.isdigit() for c in part) and any(c.isalpha() for c in part)
        for part in re.split(r"[-_]", value)
    )


def random_looking(value: str) -> bool:
    """Long, no spaces, mixed letters and digits, high entropy: a key, not a word or an identifier."""
    if len(value) < 16 or " " in value:
        return False
    identifier = re.fullmatch(r"[A-Z0-9_]+|[A-Za-z_]+|[a-z]+(?:[-_][a-z0-9]+)+", value)
    if identifier and not _has_key_segment(value):
        return False
    has_digit, has_alpha = any(c.isdigit() for c in value), any(c.isalpha() for c in value)
    return has_digit and has_alpha and entropy(value) >= 3.5


def known_format(value: str) -> str | None:
    """What known credential format the value holds (`a Stripe-style secret key`), if any."""
    return next((label for pattern, label in KNOWN_FORMATS if _real_key(pattern.search(value))), None)


def secret_slot(name: str) -> bool:
    """A variable, property or key named for a secret (`apiKey`, `WEBHOOK_SECRET`), not for where one lives."""
    return bool(SECRET_NAME.search(name)) and not names_a_secret(name)


def names_a_secret(name: str) -> bool:
    """The slot holds the *name* of where a secret lives (`API_KEY_ENV`, `SECRET_OPTION`), not the secret."""
    return bool(NAME_OF_SECRET.search(name))


def credential_key(key: str) -> bool:
    """A header or field name a credential is sent under (`Authorization`, `X-Api-Key`)."""
    return bool(CREDENTIAL_KEY.search(key)) and not names_a_secret(key)
