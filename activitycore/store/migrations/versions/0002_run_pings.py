"""activity_runs: what became of each run's pings to its definition's ping_url

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sqlstore.types import JSONDocument

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity_runs") as batch:
        batch.add_column(sa.Column("start_ping", JSONDocument, nullable=True))
        batch.add_column(sa.Column("finish_ping", JSONDocument, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activity_runs") as batch:
        batch.drop_column("finish_ping")
        batch.drop_column("start_ping")
