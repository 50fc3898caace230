"""The ORM rows behind State Hub's store, on the shared column types of ``sqlstore.types``.

The migrations in ``migrations/versions`` are the source of truth for the
schema; these classes mirror them for queries (a test keeps the two in step).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sqlstore.types import JSONDocument, UTCDateTime


class Base(DeclarativeBase):
    pass


class RepoRow(Base):
    __tablename__ = "repos"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    # Text, not String(n): paths may be long and hold spaces, unicode, newlines.
    path: Mapped[str] = mapped_column(Text, unique=True)
    allow_push: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_state: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    last_findings: Mapped[list[str]] = mapped_column(JSONDocument, default=list)


class EventRow(Base):
    """One progress event. Append-only: rows are never updated or deleted."""

    __tablename__ = "progress_events"
    # AUTOINCREMENT on SQLite so an id is never reused: ids are the paging cursor.
    __table_args__ = (
        Index("ix_progress_events_event_type_id", "event_type", "id"),
        Index("ix_progress_events_event_type_triggered_by_id", "event_type", "triggered_by", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    triggered_by: Mapped[str | None] = mapped_column(String(100))
    sweep_id: Mapped[str | None] = mapped_column(String(36), index=True)
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
