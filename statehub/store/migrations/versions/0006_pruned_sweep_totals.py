"""pruned_sweep_totals: what retention deleted of the sweeps, so their counters never fall

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

/metrics counts sweeps from their summary rows; a prune deletes the old ones, and a counter
that falls reads to Prometheus as a reset. Each prune adds what it deleted here instead. It
starts empty: what prunes before this revision deleted is not known any more.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pruned_sweep_totals",
        sa.Column("trigger", sa.String(100), primary_key=True),
        sa.Column("outcome", sa.String(16), primary_key=True),
        sa.Column("sweeps", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pruned_sweep_totals")
