"""An approver's standing (enrolled, locked by failed codes, deactivated) and the audit of their second factor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

SecurityEventKind = Literal["enrolled", "re_enrolled", "mfa_failed", "locked", "unlocked", "deactivated"]


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore", frozen=True)


class ApproverStatus(_Row):
    name: str
    enrolled_at: datetime
    enrolled_by: str
    failed_attempts: int
    failure_window_started_at: datetime | None
    locked_at: datetime | None
    deactivated_at: datetime | None
    deactivated_by: str | None

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    def failures_in_window(self, window: timedelta, now: datetime) -> int:
        """Failed codes that still count: all of them once locked, else those of a window still open."""
        if self.locked or (self.failure_window_started_at and self.failure_window_started_at > now - window):
            return self.failed_attempts
        return 0


class SecurityEvent(_Row):
    id: int
    approver: str
    event: SecurityEventKind
    actor: str
    reason: str | None
    details: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class EnrolledApprover:
    name: str
    sealed_seed: bytes
    last_used_step: int
    enrolled_at: datetime


@dataclass(frozen=True)
class Attempt:
    """One code attempt, charged before the code is checked."""

    number: int  # within the current failure window, this one included
    locked_now: bool  # this attempt went past the limit and locked the approver
