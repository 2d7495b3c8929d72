"""Obfuscated JavaScript and TypeScript: long encoded blobs in strings and escape-heavy string text (the tests the
PHP family's `obfuscation` applies, `encoded.py`), and the hexadecimal names obfuscators give every variable
(`_0x3f2a`, javascript-obfuscator's default). A minifier's short names are not obfuscation: `js.minified` warns
about those."""

from __future__ import annotations

import re
from collections.abc import Iterator

from forge.gates.context import Rule, ScanContext
from forge.gates.encoded import encoded_blob, escaped_characters, mostly_escapes
from forge.gates.findings import Finding, Severity
from forge.gates.js_ast import JsFile, string_text
from forge.gates.syntax import line, text

OBFUSCATOR_NAME = re.compile(r"^_0x[0-9a-f]{4,}$")
# Distinct hexadecimal names from which a file is an obfuscator's output, not one odd variable.
OBFUSCATOR_NAMES = 5


def _file_findings(js: JsFile) -> Iterator[tuple[int, str]]:
    escaped = total = 0
    for node in js.strings:
        raw = text(node)
        total += len(raw)
        escaped += escaped_characters(raw)
        value = string_text(node)
        blob = encoded_blob(value) if value is not None else None
        if blob is not None:
            yield node.start_point[0] + 1, f"encoded blob of {blob} characters in a string"
    if mostly_escapes(escaped, total):
        yield 1, f"{escaped * 100 // total}% of string literal text is hex/octal escapes"
    hexadecimal = sorted(name for name in js.identifiers if OBFUSCATOR_NAME.match(name))
    if len(hexadecimal) >= OBFUSCATOR_NAMES:
        first = min((js.identifiers[name][0] for name in hexadecimal), key=lambda n: n.start_byte)
        yield line(first), f"{len(hexadecimal)} obfuscator-style names ({', '.join(hexadecimal[:3])}, …)"


def _obfuscation(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, js in ctx.js.items():
        for at, message in _file_findings(js):
            yield ctx.hit(rule, path, at, message)


RULES = (
    Rule(
        "js.obfuscation",
        Severity.ERROR,
        "JavaScript encoded blobs, escape-heavy strings, obfuscator names",
        _obfuscation,
    ),
)
