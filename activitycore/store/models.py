"""The two tables: activity definitions (mirrored from YAML) and ActivityRuns (the audit trail).

Column choices serve the runbook's "ActivityRun Check" SQL, which must run verbatim on SQLite
and PostgreSQL:

* ids are 36-character text UUIDs, so ``where definition_id = '7c4e…'`` compares text with
  text on both (a PostgreSQL ``uuid`` column would too, but SQLite has no such type);
* ``context_snapshot`` is JSON text on SQLite (whose ``->`` operator, SQLite ≥ 3.38, reads it)
  and JSONB on PostgreSQL (where ``->`` is native).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# none_as_null: a run without a snapshot holds SQL NULL, not the JSON text "null".
JsonDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite stores them as naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: activity-core stores aware UTC times only")
        value = value.astimezone(UTC)
        # Same text format for every row, so `order by fired_at` sorts right on SQLite.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class DefinitionRow(Base):
    __tablename__ = "activity_definitions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(100))
    misfire_policy: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool]
    # The whole validated definition (after ${VAR} substitution), as JSON.
    spec: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    spec_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Soft delete: runs keep pointing at a definition whose file is gone.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class RunRow(Base):
    __tablename__ = "activity_runs"
    __table_args__ = (Index("ix_activity_runs_definition_fired", "definition_id", "fired_at"),)

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    definition_id: Mapped[str] = mapped_column(ForeignKey("activity_definitions.id"))
    workflow_id: Mapped[str] = mapped_column(Text)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # running | succeeded | failed | skipped
    status: Mapped[str] = mapped_column(String(20))
    # schedule | manual
    trigger: Mapped[str] = mapped_column(String(20))
    # manual: the operator (user@host); schedule: the Temporal schedule id
    triggered_by: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # The job URL an asynchronous action is polling: saved the moment the peer accepts, so a
    # retried attempt (another worker) resumes polling it instead of starting a second job.
    action_location: Mapped[str | None] = mapped_column(Text, default=None)
    context_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument, default=None)
