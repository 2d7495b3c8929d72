"""Quality gates: the static analyser (`forge scan`) that blocks packaging of unsafe or non-compliant plugins."""

from forge.gates.findings import Finding, ScanReport, Severity
from forge.gates.scanner import scan

__all__ = ["Finding", "ScanReport", "Severity", "scan"]
