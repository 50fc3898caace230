"""The ORM rows behind the store, and the two column types both dialects share.

The migrations in ``migrations/versions`` are the source of truth for the
schema; these classes mirror them for queries (a test keeps the two in step).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

# JSONB on PostgreSQL so operators' SQL can use ->, ->> and containment cheaply.
# none_as_null: a Python None is SQL NULL, not the JSON literal 'null'.
JSONDocument: TypeEngine[Any] = JSON(none_as_null=True).with_variant(
    JSONB(none_as_null=True), "postgresql"
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the dialect.

    SQLite has no time zones: it stores what it is given, so we store naive UTC
    and re-attach UTC on the way out. PostgreSQL's timestamptz comes back in the
    session's time zone, so it is converted to UTC too. Naive datetimes are
    refused: guessing their zone is how audit trails end up an hour off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


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
