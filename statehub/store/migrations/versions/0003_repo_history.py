"""repo_changes (each repo's history) and repos.last_details / last_fetch

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen here, as in 0001: a migration keeps creating the schema of the day it was written.
JSON_DOCUMENT = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("repos") as batch:
        batch.add_column(sa.Column("last_details", JSON_DOCUMENT, nullable=True))
        batch.add_column(sa.Column("last_fetch", JSON_DOCUMENT, nullable=True))
    op.create_table(
        "repo_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "repo_id",
            sa.Integer,
            sa.ForeignKey("repos.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("observed_at", TIMESTAMP, nullable=False),
        sa.Column("sweep_id", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("findings", JSON_DOCUMENT, nullable=False),
        sa.Column("heads", JSON_DOCUMENT, nullable=False),
        sa.Column("upstream_heads", JSON_DOCUMENT, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_repo_changes_repo_id_id", "repo_changes", ["repo_id", "id"])


def downgrade() -> None:
    op.drop_table("repo_changes")
    with op.batch_alter_table("repos") as batch:
        batch.drop_column("last_fetch")
        batch.drop_column("last_details")
