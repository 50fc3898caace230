"""Bringing a database's schema to its Alembic head, safely and cheaply.

Two processes may open the same fresh database at once (a sweep and the server starting
together, two workers). Both would try to create the tables, and the loser would fail
half-way. So the revision check and the upgrade run inside one transaction that first takes
a database-wide lock:

* SQLite: ``BEGIN IMMEDIATE`` (see ``engine.py``) takes the write lock up front; the other
  process waits on ``busy_timeout`` and then finds the head already applied. SQLite DDL is
  transactional, so a crash leaves no half schema.
* PostgreSQL: a transaction-scoped advisory lock, released at commit.

Opening an up-to-date database costs one query: the recorded revision is compared with the
head the store declares, and Alembic (slow to import) is loaded only when they differ — to
migrate, or to tell a newer schema from an older one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, String, column, inspect, select, table, text

from sqlstore.errors import StoreErrors

if TYPE_CHECKING:
    from alembic.config import Config


@dataclass(frozen=True)
class Schema:
    """What a store's schema is: its migrations and who owns them."""

    product: str  # who wrote the migrations, as a user names it: "State Hub"
    migrations: Path  # the Alembic script directory (env.py, versions/)
    head: str  # the newest revision in ``migrations``; a test keeps the two in step
    # Fixed per product: every process of it migrating any database agrees on it, and two
    # products sharing one PostgreSQL database do not wait on each other.
    lock_key: int
    # A table of its own, so two products may share one PostgreSQL database.
    version_table: str = "alembic_version"


def current_revisions(connection: Connection, schema: Schema) -> set[str]:
    """The revisions recorded in the database; empty for a database never migrated."""
    if not inspect(connection).has_table(schema.version_table):
        return set()
    versions = table(schema.version_table, column("version_num", String))
    return set(connection.scalars(select(versions.c.version_num)))


def ensure_schema(
    connection: Connection,
    schema: Schema,
    *,
    migrate: bool,
    describe: str,
    errors: StoreErrors,
) -> None:
    """Check the database's revision and, when ``migrate``, upgrade it to head.

    ``connection`` must not be in a transaction: this function owns it.
    Raises ``errors.too_new`` for a revision this code does not know, and ``errors.error``
    when ``migrate`` is false and the schema is behind.
    """
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": schema.lock_key})
        current = current_revisions(connection, schema)
        if current == {schema.head}:
            return
        _refuse_unknown(current, schema, describe, errors)
        if not migrate:
            found = ", ".join(sorted(current)) or "none"
            raise errors.error(
                f"{describe} has schema revision {found}, this {schema.product} needs "
                f"{schema.head}; open it once with migrations enabled"
            )
        from alembic import command

        command.upgrade(alembic_config(schema, connection), "head")


def alembic_config(schema: Schema, connection: Connection | None = None) -> Config:
    """An Alembic config built in memory: no alembic.ini in the cwd is needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(schema.migrations))
    config.attributes["connection"] = connection
    return config


def known_revisions(schema: Schema) -> set[str]:
    """Every revision in the store's migrations directory (imports Alembic)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(schema))
    return {revision.revision for revision in script.walk_revisions()}


def alembic_head(schema: Schema) -> str | None:
    """The head Alembic finds in the migrations directory (imports Alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(schema)).get_current_head()


def _refuse_unknown(current: set[str], schema: Schema, describe: str, errors: StoreErrors) -> None:
    unknown = sorted(current - known_revisions(schema))
    if unknown:
        raise errors.too_new(
            f"{describe} was migrated by a newer {schema.product} (revision "
            f"{', '.join(unknown)}); upgrade {schema.product}"
        )
