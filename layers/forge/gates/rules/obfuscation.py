"""Obfuscated code: long encoded blobs, encoder headers (ionCube, Zend Guard, SourceGuardian), escape soup."""

from __future__ import annotations

import re
from collections.abc import Iterator

from forge.gates.context import Rule, ScanContext
from forge.gates.encoded import encoded_blob, escaped_characters, mostly_escapes
from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import line, string_value, walk

ENCODER_MARKERS = (
    (re.compile(rb"ionCube Loader|ioncube_loader_|_il_exec\(", re.I), "ionCube-encoded file"),
    (re.compile(rb"@Zend;|Zend Guard|zend_loader_", re.I), "Zend Guard-encoded file"),
    (re.compile(rb"sg_load\(|SourceGuardian", re.I), "SourceGuardian-encoded file"),
    (re.compile(rb"<\?php\s+//\s*0\d{3,}"), "encoder header"),
)


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
            escaped += escaped_characters(raw)
            value = string_value(node)
            blob = encoded_blob(value) if value is not None else None
            if blob is not None:
                yield ctx.hit(rule, path, line(node), f"encoded blob of {blob} characters in a string")
        if mostly_escapes(escaped, total):
            yield ctx.hit(rule, path, 1, f"{escaped * 100 // total}% of string literal text is hex/octal escapes")


RULES = (Rule("obfuscation", Severity.ERROR, "long encoded blobs, encoder headers, escape-heavy strings", _blobs),)
