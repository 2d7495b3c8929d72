"""What every rule is handed: the plugin's files, its parsed PHP and the scan settings."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from forge.gates.findings import Finding, Severity
from forge.gates.php_ast import PhpFile, Plugin, parse_php

PLUGIN_NAME_HEADER = re.compile(rb"^[ \t/*#@]*Plugin Name:", re.M)
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
        parsed = {p: parse_php(p, data) for p, data in self.files.items() if p.lower().endswith(PHP_SOURCE_EXTENSIONS)}
        plugin = Plugin(list(parsed.values()))
        for php in parsed.values():
            php.plugin = plugin
        return parsed

    @cached_property
    def main_file(self) -> str | None:
        """The root-level PHP file holding the `Plugin Name:` header, as WordPress finds it."""
        for path in sorted(self.files):
            if "/" not in path and path.endswith(".php") and PLUGIN_NAME_HEADER.search(self.files[path][:8192]):
                return path
        return None

    @cached_property
    def slug(self) -> str:
        if self.slug_override:
            return self.slug_override
        if self.main_file:
            return self.main_file.removesuffix(".php")
        return self.root.resolve().name

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.allowed_hosts

    @staticmethod
    def hit(rule: Rule, path: str, line: int, message: str, severity: Severity | None = None) -> Finding:
        return Finding(rule=rule.id, path=path, line=line, severity=severity or rule.severity, message=message)
