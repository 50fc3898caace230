"""Alembic environment for State Hub: the shared runner (``sqlstore.alembic_env``) on its
tables. For hand-run ``alembic`` commands, pass ``-x url=...``."""

from __future__ import annotations

from sqlstore.alembic_env import run_migrations
from statehub.store.models import Base

run_migrations(Base.metadata)
