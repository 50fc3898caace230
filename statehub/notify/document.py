"""A notification as ``statehub notifications --json`` and ``GET /notifications`` show it:
one outbox row (statehub.store.deliveries), its channel already redacted. Pydantic only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(description="repo_alert, digest, health, overdue or ping")
    channel: str = Field(description="the Apprise URL with its secrets hidden")
    title: str
    body: str
    sweep_id: str | None = Field(description="the sweep that caused it, if one did")
    created_at: datetime
    status: str = Field(description="pending, delivered, failed (to be retried) or gave_up")
    attempts: int
    next_attempt_at: datetime | None = Field(description="when it is tried again, if it is")
    last_error: str | None = Field(description="why the last attempt failed")
    delivered_at: datetime | None
