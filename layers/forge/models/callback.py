"""A queued answer to a workflow waiting on a task token (workflow_callbacks, the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class CallbackMessage(BaseModel):
    """What to tell the waiting task: success with an output, or failure with an error name and cause."""

    model_config = ConfigDict(frozen=True)

    outcome: Literal["success", "failure"]
    output: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None

    @classmethod
    def success(cls, output: dict[str, Any]) -> CallbackMessage:
        return cls(outcome="success", output=output)

    @classmethod
    def failure(cls, error: str, cause: str) -> CallbackMessage:
        return cls(outcome="failure", error=error, cause=cause)


class WorkflowCallback(CallbackMessage):
    model_config = ConfigDict(from_attributes=True, extra="ignore", frozen=True)

    id: UUID
    approval_request_id: UUID
    job_id: UUID | None = None
    task_token: str = Field(repr=False)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime
    delivered_at: datetime | None = None
    abandoned_at: datetime | None = None
    abandoned_reason: str | None = None
    created_at: datetime
