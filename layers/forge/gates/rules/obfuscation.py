"""Obfuscated code: long encoded blobs, encoder headers (ionCube, Zend Guard, SourceGuardian), escape soup."""

from __future__ import annotations

import re
from collections.abc import Iterator

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import line, string_value, walk

BLOB_MIN = 200
BASE64_BLOB = re.compile(r"^[A-Za-z0-9+/=\s]+$")
HEX_BLOB = re.compile(r"^(?:\\x[0-9a-fA-F]{2}|[0-9a-fA-F])+$")
ENCODER_MARKERS = (
    (re.compile(rb"ionCube Loader|ioncube_loader_|_il_exec\(", re.I), "ionCube-encoded file"),
    (re.compile(rb"@Zend;|Zend Guard|zend_loader_", re.I), "Zend Guard-encoded file"),
    (re.compile(rb"sg_load\(|SourceGuardian", re.I), "SourceGuardian-encoded file"),
    (re.compile(rb"<\?php\s+//\s*0\d{3,}"), "encoder header"),
)
# More than this share of a file's string literals written as \xNN or \NNN escapes hides what it says.
ESCAPE_SHARE = 0.3


def _blobs(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, data in ctx.files.items():
        for pattern, label in ENCODER_MARKERS:
            match = pattern.search(data)
            if match:
                yield ctx.hit(rule, path, data.count(b"\n", 0, match.start()) + 1, label)
                break
    for path, php in ctx.php.items():
        escaped = total = 0
        for node in walk(php.root):
            if node.type not in ("string", "encapsed_string", "heredoc", "nowdoc"):
                continue
            raw = (node.text or b"").decode("utf-8", errors="replace")
            total += len(raw)
            escaped += 4 * len(re.findall(r"\\x[0-9a-fA-F]{2}|\\[0-7]{3}", raw))
            value = string_value(node)
            if value is None or len(value) < BLOB_MIN:
                continue
            compact = re.sub(r"\s", "", value)
            # Prose has spaces; a blob has none (line breaks inside one are common and ignored).
            encoded = BASE64_BLOB.match(compact) or HEX_BLOB.match(compact)
            if len(compact) >= BLOB_MIN and encoded and " " not in value.strip():
                yield ctx.hit(rule, path, line(node), f"encoded blob of {len(compact)} characters in a string")
        if total >= 200 and escaped / total > ESCAPE_SHARE:
            yield ctx.hit(rule, path, 1, f"{escaped * 100 // total}% of string literal text is hex/octal escapes")


RULES = (Rule("obfuscation", Severity.ERROR, "long encoded blobs, encoder headers, escape-heavy strings", _blobs),)
