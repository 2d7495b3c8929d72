"""Quality gates: the static analyser (`forge scan`) that blocks packaging of unsafe or non-compliant plugins.

`scan` is loaded on first use: the scanner brings every rule and the tree-sitter parsers (about 45 ms), which the
code that only names a `Rule` or a `Finding` (every platform's module, so every handler that names a platform)
does not need."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from forge.gates.findings import Finding, ScanReport, Severity

if TYPE_CHECKING:
    from forge.gates.scanner import scan

__all__ = ["Finding", "ScanReport", "Severity", "scan"]


def __getattr__(name: str) -> Any:
    if name == "scan":
        from forge.gates.scanner import scan

        return scan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
