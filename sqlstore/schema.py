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
head read from the migration files' own ``revision`` / ``down_revision`` lines, and Alembic
(slow to import: it parses every migration as a module) is loaded only when they differ — to
migrate, or to tell a newer schema from an older one — or when a file cannot be read that way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, String, column, inspect, select, table, text

from sqlstore.errors import StoreErrors
from sqlstore.revisions import Schema as Schema  # re-exported: the stores name it from here
from sqlstore.revisions import declared_heads

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory


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
        declared = declared_heads(schema.migrations)
        if declared is not None and current == set(declared):
            return
        script = script_directory(schema)
        unknown = sorted(current - {revision.revision for revision in script.walk_revisions()})
        if unknown:
            raise errors.too_new(
                f"{describe} was migrated by a newer {schema.product} (revision "
                f"{', '.join(unknown)}); upgrade {schema.product}"
            )
        head = script.get_current_head()
        if current == {head}:
            return
        if not migrate:
            found = ", ".join(sorted(current)) or "none"
            raise errors.error(
                f"{describe} has schema revision {found}, this {schema.product} needs "
                f"{head}; open it once with migrations enabled"
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


def script_directory(schema: Schema) -> ScriptDirectory:
    """Alembic's view of the store's migrations (imports Alembic, parses every file)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(schema))
