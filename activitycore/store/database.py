"""activity-core's store: its schema and error classes on the shared SQL foundation
(``sqlstore``).

    store = Store.open(settings.resolved_database_url)
    with store.session() as db:
        catalog.sync_definitions(db, loaded=loaded)
    with store.reading() as db:
        runs.list_runs(db)

SQLite by default (a file in ACTIVITY_CORE_HOME), PostgreSQL when the URL names it. Engines,
SQLite's WAL and pragmas, read-only sessions, migrations and the mapping of driver errors
live in ``sqlstore``; this module only says which schema and which errors are
activity-core's.
"""

from __future__ import annotations

from pathlib import Path

from activitycore.errors import SchemaTooNew, StoreError, StoreUnavailable
from sqlstore.database import Database
from sqlstore.errors import StoreErrors
from sqlstore.schema import Schema

SCHEMA = Schema(
    product="activity-core",
    migrations=Path(__file__).with_name("migrations"),
    # Arbitrary but fixed: every activity-core process migrating a database agrees on it.
    lock_key=int.from_bytes(b"actcore!", "big") & 0x7FFF_FFFF_FFFF_FFFF,
    # A table of its own, so activity-core and State Hub may share one PostgreSQL database.
    version_table="activity_core_alembic_version",
)


class Store(Database):
    """activity-core's migrated database (definitions, ActivityRuns)."""

    schema = SCHEMA
    errors = StoreErrors(error=StoreError, unavailable=StoreUnavailable, too_new=SchemaTooNew)
