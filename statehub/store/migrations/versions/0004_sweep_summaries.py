"""sweep_summaries: one row per sweep event, backfilled from the events already stored

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sqlstore.types import UTCDateTime
from statehub.digest import SWEEP_EVENT, digest

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen here, as in 0001: a migration keeps creating the schema of the day it was written.
JSON_DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
TIMESTAMP = sa.DateTime(timezone=True)
# A page of payloads at a time: 90 days of a big fleet's sweeps do not fit in memory at once.
BACKFILL_PAGE = 200

COLUMNS: list[sa.Column[Any]] = [
    sa.Column(
        "event_id",
        sa.Integer,
        sa.ForeignKey("progress_events.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("sweep_id", sa.String(36), nullable=True),
    sa.Column("triggered_by", sa.String(100), nullable=True),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("started_at", TIMESTAMP, nullable=False),
    sa.Column("finished_at", TIMESTAMP, nullable=False),
    sa.Column("lock_skipped", sa.Boolean, nullable=False),
    sa.Column("exit_code", sa.Integer, nullable=True),
    sa.Column("failed", sa.Boolean, nullable=False),
    sa.Column("health", sa.String(16), nullable=False),
    sa.Column("problem", sa.Text, nullable=True),
    sa.Column("document_sweep_id", sa.Text, nullable=True),
    sa.Column("document_triggered_by", sa.Text, nullable=True),
    sa.Column("caller_run_id", sa.Text, nullable=True),
    sa.Column("health_reasons", JSON_DOCUMENT, nullable=False),
    sa.Column("health_derived", sa.Boolean, nullable=False),
    sa.Column("duration_seconds", sa.Float, nullable=True),
    sa.Column("mode", sa.Text, nullable=True),
    sa.Column("held_by", sa.Text, nullable=True),
    sa.Column("repos_total", sa.Integer, nullable=True),
    *(
        sa.Column(name, sa.Integer, nullable=False)
        for name in (
            "processed",
            "clean",
            "missing",
            "budget",
            "errors",
            "fetched",
            "fetch_attempted",
            "fetch_failed",
            "fetch_timeout",
        )
    ),
    sa.Column("findings", JSON_DOCUMENT, nullable=False),
]


class _Event:
    """A stored event as the digest reads it (statehub.digest.RecordedSweep)."""

    def __init__(self, row: sa.Row[Any]) -> None:
        self.id: int = row.id
        self.created_at: datetime = row.created_at
        self.sweep_id: str | None = row.sweep_id
        self.triggered_by: str | None = row.triggered_by
        self.summary: str = row.summary
        self.payload: dict[str, Any] = row.payload


def upgrade() -> None:
    op.create_table("sweep_summaries", *COLUMNS)
    op.create_index("ix_sweep_summaries_created_at", "sweep_summaries", ["created_at"])
    _backfill()


def _backfill() -> None:
    """Every sweep event already stored gets its row, read with the digest of this day
    (only the columns this revision creates are written, should the digest grow)."""
    events = sa.table(
        "progress_events",
        sa.column("id", sa.Integer),
        sa.column("event_type", sa.String),
        # The shared type reads and writes UTC the same way the ORM does (naive on SQLite).
        sa.column("created_at", UTCDateTime),
        sa.column("triggered_by", sa.String),
        sa.column("sweep_id", sa.String),
        sa.column("summary", sa.Text),
        sa.column("payload", JSON_DOCUMENT),
    )
    names = {column.name for column in COLUMNS}
    target = sa.table(
        "sweep_summaries",
        *(
            sa.column(c.name, UTCDateTime if isinstance(c.type, sa.DateTime) else c.type)
            for c in COLUMNS
        ),
    )
    connection = op.get_bind()
    after = 0
    while True:
        page = connection.execute(
            sa.select(events)
            .where(events.c.event_type == SWEEP_EVENT, events.c.id > after)
            .order_by(events.c.id)
            .limit(BACKFILL_PAGE)
        ).all()
        if not page:
            return
        rows = [digest(_Event(row)).columns() for row in page]
        connection.execute(
            sa.insert(target), [{k: v for k, v in row.items() if k in names} for row in rows]
        )
        after = page[-1].id


def downgrade() -> None:
    op.drop_table("sweep_summaries")
