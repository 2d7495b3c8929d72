"""Minified JavaScript: scanned like any other file (every `js.*` rule reads its syntax tree, so minifying hides
nothing from them), and reported as a warning, because a reviewer cannot read it: a marketplace asks for the
readable source beside a bundle."""

from __future__ import annotations

from collections.abc import Iterator

from forge.gates.context import Rule, ScanContext
from forge.gates.findings import Finding, Severity


def _minified(rule: Rule, ctx: ScanContext) -> Iterator[Finding]:
    for path, js in ctx.js.items():
        if js.minified:
            message = "minified code: scanned, but not readable by a reviewer; ship its source beside it"
            yield ctx.hit(rule, path, 1, message)


RULES = (Rule("js.minified", Severity.WARNING, "minified JavaScript bundles (warning)", _minified),)
