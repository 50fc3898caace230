"""repos.trust_repo_config: a per-repo opt-in to the repo's own programs (docs/security.md)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite cannot ALTER a column's constraints in place; a plain ADD COLUMN with a
    # server default is what both dialects do here, and existing repos stay untrusted.
    with op.batch_alter_table("repos") as batch:
        batch.add_column(
            sa.Column("trust_repo_config", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("repos") as batch:
        batch.drop_column("trust_repo_config")
