"""State Hub's store: its schema and error classes on the shared SQL foundation (``sqlstore``).

    store = Store.open(settings.resolved_database_url)
    with store.session() as db:
        repos.add_repo(db, name="api", path="/src/api")
    with store.reading() as db:
        repos.list_repos(db)

Engines, SQLite's WAL and pragmas, read-only sessions, migrations and the mapping of driver
errors live in ``sqlstore``; this module only says which schema and which errors are State
Hub's. Nothing here runs at import time.
"""

from __future__ import annotations

from pathlib import Path

from sqlstore.database import Database
from sqlstore.errors import StoreErrors
from sqlstore.schema import Schema
from statehub.errors import SchemaTooNew, StoreError, StoreUnavailable

SCHEMA = Schema(
    product="State Hub",
    migrations=Path(__file__).with_name("migrations"),
    # Arbitrary, fixed: any State Hub process migrating any database agrees on it.
    lock_key=int.from_bytes(b"statehub", "big"),
)


class Store(Database):
    """State Hub's migrated database (repos, progress events)."""

    schema = SCHEMA
    errors = StoreErrors(error=StoreError, unavailable=StoreUnavailable, too_new=SchemaTooNew)
