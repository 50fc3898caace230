"""repos and progress_events

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen here rather than imported from statehub.store.models: a migration must
# keep creating the schema it created on the day it was written.
JSON_DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "repos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("allow_push", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.Column("last_checked_at", TIMESTAMP, nullable=True),
        sa.Column("last_changed_at", TIMESTAMP, nullable=True),
        sa.Column("last_state", JSON_DOCUMENT, nullable=True),
        sa.Column("last_findings", JSON_DOCUMENT, nullable=False, server_default="[]"),
        sa.UniqueConstraint("name", name="uq_repos_name"),
        sa.UniqueConstraint("path", name="uq_repos_path"),
    )
    op.create_table(
        "progress_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("triggered_by", sa.String(100), nullable=True),
        sa.Column("sweep_id", sa.String(36), nullable=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("payload", JSON_DOCUMENT, nullable=False),
        # The cursor must never repeat, so SQLite may not reuse a deleted max id.
        sqlite_autoincrement=True,
    )
    # "Newest N of type T" (and paging with id < cursor) walks this index backwards.
    op.create_index("ix_progress_events_event_type_id", "progress_events", ["event_type", "id"])
    # "Newest per caller" (latest_by_trigger) groups on a covering index, no table reads.
    op.create_index(
        "ix_progress_events_event_type_triggered_by_id",
        "progress_events",
        ["event_type", "triggered_by", "id"],
    )
    op.create_index("ix_progress_events_created_at", "progress_events", ["created_at"])
    op.create_index("ix_progress_events_sweep_id", "progress_events", ["sweep_id"])


def downgrade() -> None:
    op.drop_table("progress_events")
    op.drop_table("repos")
