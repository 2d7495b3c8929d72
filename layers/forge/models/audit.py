"""The generation audit chain's verdict (sira_generation_audit: an append-only hash chain)."""

from __future__ import annotations

from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainReport:
    rows: int
    # The first row that does not verify (None: the whole chain holds) and why.
    broken_id: int | None = None
    broken_audit_id: str | None = None
    reason: str = ""
    last_hash: str = GENESIS
    # With verify(expect_head=...): how many rows the chain held up to and including that hash (0 for the
    # genesis hash), None when the verified chain never reaches it (rows at or before it were removed).
    expected_head_at: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None
