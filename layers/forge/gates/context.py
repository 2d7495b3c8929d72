"""What every rule is handed: the plugin's files, its parsed PHP, JavaScript and TypeScript, and the scan settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from forge.gates.findings import Finding, Severity

if TYPE_CHECKING:
    from forge.gates.js_ast import JsFile
    from forge.gates.php_ast import PhpFile

# Every extension a web server may hand to PHP, not only .php: a shell saved as .php7 or .pht still runs.
PHP_SOURCE_EXTENSIONS = (".php", ".phtml", ".inc", ".php3", ".php4", ".php5", ".php7", ".php8", ".pht", ".phps")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    check: Callable[[Rule, ScanContext], Iterable[Finding]]


@dataclass
class ScanContext:
    root: Path
    files: dict[str, bytes]  # relative POSIX path -> content, every file of the plugin
    allowed_hosts: frozenset[str]
    slug_override: str | None = None

    @cached_property
    def php(self) -> dict[str, PhpFile]:
        # The parsers (tree-sitter) load when a scan first reads the code, not wherever a Rule is named.
        from forge.gates.php_ast import Plugin, parse_php

        parsed = {p: parse_php(p, data) for p, data in self.files.items() if p.lower().endswith(PHP_SOURCE_EXTENSIONS)}
        plugin = Plugin(list(parsed.values()))
        for php in parsed.values():
            php.plugin = plugin
        return parsed

    @cached_property
    def js(self) -> dict[str, JsFile]:
        """Every JavaScript and TypeScript file (any platform's: a Shopify app, a WooCommerce blocks script),
        parsed once on first use."""
        from forge.gates.js_ast import is_js_source, parse_js

        return {p: parse_js(p, data) for p, data in self.files.items() if is_js_source(p)}

    @cached_property
    def slug(self) -> str:
        """The plugin's slug: the one the scan was given, else the folder's name (a platform's rules may know
        better, e.g. from the plugin's main file)."""
        return self.slug_override or self.root.resolve().name

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.allowed_hosts

    @staticmethod
    def hit(rule: Rule, path: str, line: int, message: str, severity: Severity | None = None) -> Finding:
        return Finding(rule=rule.id, path=path, line=line, severity=severity or rule.severity, message=message)
