"""What the isolated half hands the trusted half: one CheckReport, as JSON bytes over a pipe.

Everything in it was produced next to untrusted code, so the trusted half accepts only this shape (bounded in
size by the pipe) and records nothing it did not validate here.
"""

from __future__ import annotations

from pydantic import Base64Bytes, BaseModel

from forge.models.results import CompatibilityRow, TestRow

# A report is a few KB of logs plus a JUnit file; anything far larger is not one.
MAX_RESULT_BYTES = 8 * 1024 * 1024


class CheckReport(BaseModel):
    ok: bool
    summary: str
    log: str
    error: str | None = None
    compatibility: list[CompatibilityRow] = []
    # plugin_contract_tests rows: the plugin's test cases, the contract suites, the real-site runs.
    contract_tests: list[TestRow] = []
    # The Test step's JUnit report, stored as the run's test report artifact.
    test_report: Base64Bytes | None = None
    # Counts the run keeps beside its summary (forge_runs.artifacts).
    artifacts: dict[str, int] = {}

    def contradicts_itself(self) -> bool:
        """Success claimed beside a failing row: refused, whatever produced it."""
        return self.ok and (
            any(r.result == "fail" for r in self.contract_tests) or any(not c.passed for c in self.compatibility)
        )
