"""What the analyser reports: one finding per rule hit, and the report over a whole plugin."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Severity(StrEnum):
    ERROR = "error"  # blocks packaging
    WARNING = "warning"


class Finding(BaseModel):
    rule: str
    path: str
    line: int
    severity: Severity
    message: str

    def describe(self) -> str:
        return f"{self.severity.value:<7} {self.rule:<28} {self.path}:{self.line}  {self.message}"


class ScanReport(BaseModel):
    root: str
    files_scanned: int
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        warnings = len(self.findings) - len(self.errors)
        return f"{len(self.errors)} error(s), {warnings} warning(s) in {self.files_scanned} file(s)"

    def describe(self) -> str:
        return "\n".join([*(f.describe() for f in self.findings), self.summary()])
