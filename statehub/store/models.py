"""The ORM rows behind State Hub's store, on the shared column types of ``sqlstore.types``.

The migrations in ``migrations/versions`` are the source of truth for the
schema; these classes mirror them for queries (a test keeps the two in step).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
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
    trust_repo_config: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_state: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    last_findings: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    # Each finding explained as the last check saw it (fleet.explain.Detail), and how its
    # last fetch went: neither moves last_changed_at, both are for the operator to read.
    last_details: Mapped[list[Any] | None] = mapped_column(JSONDocument)
    last_fetch: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)


class ChangeRow(Base):
    """One row per repo each time its findings or heads change: the repo's history."""

    __tablename__ = "repo_changes"
    # AUTOINCREMENT on SQLite so an id is never reused: ids are the history's paging cursor.
    __table_args__ = (
        # "The newest row of each repo" and "a repo's rows, newest first" walk this index.
        Index("ix_repo_changes_repo_id_id", "repo_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repos.id", ondelete="CASCADE"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sweep_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))  # needs_action, clean, missing, error
    findings: Mapped[list[str]] = mapped_column(JSONDocument)
    heads: Mapped[dict[str, str]] = mapped_column(JSONDocument)  # branch (or HEAD) -> commit
    # branch -> its upstream's commit (null when the upstream ref is gone or unset)
    upstream_heads: Mapped[dict[str, str | None]] = mapped_column(JSONDocument)


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


class DeliveryRow(Base):
    """One message for one channel: the outbox. Rows change status; they are kept as the log."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # "What is due now" walks this index; delivered rows never match it.
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # repo_alert, digest, health, overdue, ping
    # Redacted (no password, token or secret path): the configured URL is looked up by it.
    channel: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    sweep_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # pending, delivered, failed, gave_up
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertStateRow(Base):
    """What was last announced about one subject ("repo:NAME", "health", "overdue"), and the
    new state waiting to hold long enough to be announced."""

    __tablename__ = "alert_states"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    announced: Mapped[Any | None] = mapped_column(JSONDocument)
    candidate: Mapped[Any | None] = mapped_column(JSONDocument)
    streak: Mapped[int] = mapped_column(default=0)  # consecutive sweeps the candidate held
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SummaryRow(Base):
    """One row per sweep event: what the dashboard, the status banner and /metrics read
    instead of the payload (``statehub.digest.SweepDigest`` names each column)."""

    __tablename__ = "sweep_summaries"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("progress_events.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sweep_id: Mapped[str | None] = mapped_column(String(36))
    triggered_by: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lock_skipped: Mapped[bool]
    exit_code: Mapped[int | None]
    failed: Mapped[bool]
    health: Mapped[str] = mapped_column(String(16))
    problem: Mapped[str | None] = mapped_column(Text)
    document_sweep_id: Mapped[str | None] = mapped_column(Text)
    document_triggered_by: Mapped[str | None] = mapped_column(Text)
    caller_run_id: Mapped[str | None] = mapped_column(Text)
    health_reasons: Mapped[list[str]] = mapped_column(JSONDocument)
    health_derived: Mapped[bool]
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    mode: Mapped[str | None] = mapped_column(Text)
    held_by: Mapped[str | None] = mapped_column(Text)
    repos_total: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int]
    clean: Mapped[int]
    missing: Mapped[int]
    budget: Mapped[int]
    errors: Mapped[int]
    fetched: Mapped[int]
    fetch_attempted: Mapped[int]
    fetch_failed: Mapped[int]
    fetch_timeout: Mapped[int]
    findings: Mapped[dict[str, int]] = mapped_column(JSONDocument)


class PrunedSweepTotalRow(Base):
    """The sweeps retention deleted, per trigger and outcome: added to at each prune, in the
    transaction that deletes their summary rows, and never deleted itself, so the counts
    /metrics exports (rows + this) never fall (``statehub.store.sweep_totals``)."""

    __tablename__ = "pruned_sweep_totals"

    # "" for a sweep recorded without a trigger: a key column is never NULL.
    trigger: Mapped[str] = mapped_column(String(100), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    sweeps: Mapped[int] = mapped_column(Integer)
