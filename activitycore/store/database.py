"""Opening activity-core's database: engine, connection settings, migrations, errors.

    store = Store.open(settings.resolved_database_url)
    with store.session() as db:
        ...

SQLite by default (a file in ACTIVITY_CORE_HOME), PostgreSQL when the URL names it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from activitycore.errors import StoreError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# A table of its own, so activity-core and State Hub may share one PostgreSQL database.
VERSION_TABLE = "activity_core_alembic_version"
SQLITE_BUSY_TIMEOUT_S = 10.0
# Arbitrary but fixed: every activity-core process migrating a database agrees on it.
_PG_MIGRATION_LOCK = int.from_bytes(b"actcore!", "big") & 0x7FFF_FFFF_FFFF_FFFF


def normalize_url(url: str) -> URL:
    """Parse a SQLAlchemy URL; plain ``postgresql://`` means psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"invalid database URL (not a SQLAlchemy URL): {url[:40]!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def build_engine(url: URL) -> Engine:
    if url.get_backend_name() == "postgresql":
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 5},
            json_serializer=_dump_json,
        )
    if url.get_backend_name() != "sqlite":
        raise StoreError(f"unsupported database {url.drivername!r}: use sqlite or postgresql")
    engine = create_engine(
        url, json_serializer=_dump_json, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module (its legacy mode runs DDL outside
        # transactions), and use WAL so `activity-core runs` reads while the worker writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front, where busy_timeout applies; a deferred
        # read-then-write transaction would fail at once if another writer got in between.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config built in memory: no alembic.ini is needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _describe(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"SQLite database {url.database}"
    return f"PostgreSQL database {url.render_as_string(hide_password=True)}"


class Store:
    """A migrated database and the engine that talks to it."""

    def __init__(self, url: URL, engine: Engine) -> None:
        self.description = _describe(url)
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect and bring the schema to head. Raises StoreError when it cannot."""
        parsed = normalize_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the directory for {parsed.database}: {exc}"
                ) from None
        engine = build_engine(parsed)
        try:
            with engine.connect() as connection, connection.begin():
                _migrate(connection)
        except DBAPIError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"cannot open {_describe(parsed)}: {reason}") from exc
        return cls(parsed, engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        try:
            with self._sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreError(f"cannot use {self.description}: {reason}") from exc


def _migrate(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Two processes opening a fresh database at once must not both create the tables.
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    current = set(context.get_current_heads())
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current - known:
        raise StoreError(
            f"the database was migrated by a newer activity-core (revision "
            f"{', '.join(sorted(current - known))}); upgrade activity-core"
        )
    if current != {script.get_current_head()}:
        command.upgrade(alembic_config(connection), "head")
