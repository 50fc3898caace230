"""Alembic environment for activity-core: the shared runner (``sqlstore.alembic_env``) on its
tables and version table. For hand-run ``alembic`` commands, pass ``-x url=...``."""

from __future__ import annotations

from activitycore.store.database import SCHEMA
from activitycore.store.models import Base
from sqlstore.alembic_env import run_migrations

run_migrations(Base.metadata, version_table=SCHEMA.version_table)
