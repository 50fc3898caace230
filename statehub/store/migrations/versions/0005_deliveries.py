"""deliveries (the notifications outbox) and alert_states (what was announced)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Both tables come in one revision because the alerts cannot work without either: the outbox
holds what is to be sent until a channel took it, and alert_states what was last announced,
so a repo that stays behind is announced once, not every sweep.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen here, as in 0001: a migration keeps creating the schema of the day it was written.
JSON_DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sweep_id", sa.String(36), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("delivered_at", TIMESTAMP, nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"]
    )
    op.create_table(
        "alert_states",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("announced", JSON_DOCUMENT, nullable=True),
        sa.Column("candidate", JSON_DOCUMENT, nullable=True),
        sa.Column("streak", sa.Integer, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_states")
    op.drop_table("deliveries")
