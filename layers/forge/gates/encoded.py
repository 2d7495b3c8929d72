"""Whether string literals hide what they say, whatever the language: long encoded blobs, and text written mostly
as hex or octal escapes. The PHP and the JavaScript obfuscation rules ask these same questions."""

from __future__ import annotations

import re

BLOB_MIN = 200
BASE64_BLOB = re.compile(r"^[A-Za-z0-9+/=\s]+$")
HEX_BLOB = re.compile(r"^(?:\\x[0-9a-fA-F]{2}|[0-9a-fA-F])+$")
ESCAPE = re.compile(r"\\x[0-9a-fA-F]{2}|\\[0-7]{3}")
TERMINAL_ESCAPES = frozenset({"\\x1b", "\\033"})
# More than this share of a file's string literal text written as \xNN or \NNN escapes hides what it says.
ESCAPE_SHARE = 0.3
ESCAPE_MIN_TEXT = 200


def encoded_blob(value: str) -> int | None:
    """The length of the blob a string's value is (base64 or hex, 200+ characters, line breaks ignored), else
    None. Prose has spaces; a blob has none."""
    if len(value) < BLOB_MIN:
        return None
    compact = re.sub(r"\s", "", value)
    encoded = BASE64_BLOB.match(compact) or HEX_BLOB.match(compact)
    return len(compact) if len(compact) >= BLOB_MIN and encoded and " " not in value.strip() else None


def escaped_characters(raw: str) -> int:
    """How many characters of a literal's source text are \\xNN / \\NNN escapes (each counted as the 4 it takes).
    The terminal's escape character (`\\x1b[31m`, `\\033[0m`: colours) hides nothing and is not counted."""
    return 4 * sum(1 for e in ESCAPE.findall(raw) if e.lower() not in TERMINAL_ESCAPES)


def mostly_escapes(escaped: int, total: int) -> bool:
    return total >= ESCAPE_MIN_TEXT and escaped / total > ESCAPE_SHARE
