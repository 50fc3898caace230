"""State Hub's store: its schema and error classes on the shared SQL foundation (``sqlstore``).

    store = Store.open(settings.resolved_database_url)
    with store.session() as db:
        repos.add_repo(db, name="api", path="/src/api")
    with store.reading() as db:
        repos.list_repos(db)

Engines, SQLite's WAL and pragmas, read-only sessions, migrations and the mapping of driver
errors live in ``sqlstore``; this module only says which schema and which errors are State
Hub's (``schema``). Nothing here runs at import time.
"""

from __future__ import annotations

from sqlstore.database import Database
from statehub.store.schema import ERRORS, SCHEMA

__all__ = ["SCHEMA", "Store"]  # SCHEMA named here too, as before it moved to .schema


class Store(Database):
    """State Hub's migrated database (repos, progress events)."""

    schema = SCHEMA
    errors = ERRORS
