"""The two tables: activity definitions (mirrored from YAML) and ActivityRuns (the audit trail).

Column choices serve the runbook's "ActivityRun Check" SQL, which must run verbatim on SQLite
and PostgreSQL:

* ids are 36-character text UUIDs, so ``where definition_id = '7c4e…'`` compares text with
  text on both (a PostgreSQL ``uuid`` column would too, but SQLite has no such type);
* ``context_snapshot`` is JSON text on SQLite (whose ``->`` operator, SQLite ≥ 3.38, reads it)
  and JSONB on PostgreSQL (where ``->`` is native): ``sqlstore.types.JSONDocument``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sqlstore.types import JSONDocument, UTCDateTime


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
    spec: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    spec_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Soft delete: runs keep pointing at a definition whose file is gone.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RunRow(Base):
    __tablename__ = "activity_runs"
    __table_args__ = (Index("ix_activity_runs_definition_fired", "definition_id", "fired_at"),)

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    definition_id: Mapped[str] = mapped_column(ForeignKey("activity_definitions.id"))
    workflow_id: Mapped[str] = mapped_column(Text)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
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
    context_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, default=None)
    # The definition's ping_url, when it has one: what became of the /start ping and of the
    # success or /fail one ({"signal", "channel" (redacted), "sent_at", "error"}). Columns of
    # the run's own row, so `activity-core runs` shows them beside its status, and two, so
    # the start's background thread and the finish never write the same value.
    start_ping: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, default=None)
    finish_ping: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, default=None)
