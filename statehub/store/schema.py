"""Bringing a database's schema to this code's Alembic head, safely.

Two processes may open the same fresh database at once (the CLI's sweep and
the server starting together). Both would try to create the tables, and the
loser would fail half-way. So the revision check and the upgrade run inside one
transaction that first takes a database-wide lock:

* SQLite: ``BEGIN IMMEDIATE`` (see ``database.py``) takes the write lock up
  front; the other process waits on ``busy_timeout`` and then finds the head
  already applied. SQLite DDL is transactional, so a crash leaves no half schema.
* PostgreSQL: a transaction-scoped advisory lock, released at commit.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from statehub.errors import SchemaTooNew, StoreError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Arbitrary, fixed: any State Hub process migrating any database agrees on it.
_PG_MIGRATION_LOCK_KEY = int.from_bytes(b"statehub", "big")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config built in memory: no alembic.ini in the cwd is needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "statehub/store/migrations/versions holds no migration"
    return head


def ensure_schema(connection: Connection, *, migrate: bool, describe: str) -> None:
    """Check the database's revision and, when ``migrate``, upgrade it to head.

    ``connection`` must not be in a transaction: this function owns it.
    Raises SchemaTooNew for a revision this code does not know, and StoreError
    when ``migrate`` is false and the schema is behind.
    """
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
            )
        current = set(MigrationContext.configure(connection).get_current_heads())
        _refuse_unknown(current, describe)
        head = head_revision()
        if current == {head}:
            return
        if not migrate:
            found = ", ".join(sorted(current)) or "none"
            raise StoreError(
                f"{describe} has schema revision {found}, this State Hub needs {head}; "
                "open it once with migrations enabled"
            )
        command.upgrade(alembic_config(connection), "head")


def _refuse_unknown(current: set[str], describe: str) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        raise SchemaTooNew(
            f"{describe} was migrated by a newer State Hub (revision {', '.join(unknown)}); "
            "upgrade State Hub"
        )
