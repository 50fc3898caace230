"""Opening the database: engine, connection settings, migrations, errors.

    store = Store.open(settings.resolved_database_url)
    with store.session() as db:
        repos.add_repo(db, name="api", path="/src/api")

Nothing here runs at import time; the CLI and the app factory open a Store and
pass it on.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from statehub.errors import StoreError, StoreUnavailable
from statehub.store.schema import ensure_schema

SQLITE_BUSY_TIMEOUT_S = 10.0
POSTGRES_CONNECT_TIMEOUT_S = 5
# Execution option read by the SQLite "begin" hook; ping() needs no write lock.
_SQLITE_BEGIN = "statehub_sqlite_begin"
# Connection-record key: could the connection write when it opened the file?
_OPENED_WRITABLE = "statehub_opened_writable"


def normalize_url(url: str) -> URL:
    """Parse a SQLAlchemy URL; plain ``postgresql://`` means psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"invalid database URL (not a SQLAlchemy URL): {url[:40]!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def describe_url(url: URL) -> str:
    """A human name for the database, without the password."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite database {_sqlite_path(url) or ':memory:'}"
    if url.get_backend_name() == "postgresql":
        where = f"{url.host}:{url.port or 5432}" if url.host else "the local socket"
        return f"PostgreSQL at {where}/{url.database or ''}"
    return url.render_as_string(hide_password=True)


def build_engine(url: str | URL) -> Engine:
    """An engine with State Hub's connection settings; connects lazily."""
    url = normalize_url(url) if isinstance(url, str) else url
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(
            url,
            # A dropped tunnel or restarted server must not hand out dead connections.
            pool_pre_ping=True,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
            json_serializer=_dump_json,
        )
    return create_engine(url, json_serializer=_dump_json)


def _dump_json(value: Any) -> str:
    # ensure_ascii=False keeps non-ASCII readable for operators' own SQL.
    return json.dumps(value, ensure_ascii=False)


def _sqlite_path(url: URL) -> str | None:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return database


def _sqlite_engine(url: URL) -> Engine:
    path = _sqlite_path(url)
    in_memory = path is None
    engine = create_engine(
        url,
        json_serializer=_dump_json,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
        # One shared connection, or every checkout would see its own empty database.
        **({"poolclass": StaticPool} if in_memory else {}),
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, record: Any) -> None:
        # SQLite settles a connection's mode when it opens the file (see _reopen).
        record.info[_OPENED_WRITABLE] = path is None or os.access(path, os.W_OK)
        # Take BEGIN away from the sqlite3 module: its legacy mode runs SELECT
        # and DDL outside transactions and breaks SAVEPOINT.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        # Durable at every commit in WAL mode except on power loss; never corrupt.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock at BEGIN, where busy_timeout applies.
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY if another writer committed in between — which is exactly
        # what concurrent sweeps and API requests would do.
        mode = connection.get_execution_options().get(_SQLITE_BEGIN, "IMMEDIATE")
        # A deferred transaction is a reader's (Store.reading, ping): refuse writes in it, as
        # PostgreSQL's READ ONLY does, instead of letting one take the lock halfway through.
        # Set before BEGIN, which query_only left on from a reader would itself refuse.
        connection.exec_driver_sql(f"PRAGMA query_only = {int(mode == 'DEFERRED')}")
        connection.exec_driver_sql(f"BEGIN {mode}")

    if path is not None:

        @event.listens_for(engine, "checkout")
        def _reopen(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            # A connection opened while the file was read-only stays read-only after
            # write permission is back: replace it then, or writes never resume.
            if not record.info.get(_OPENED_WRITABLE, True) and os.access(path, os.W_OK):
                raise DisconnectionError("the SQLite file is writable again")

    return engine


def _unavailable(describe: str, exc: Exception, *, opening: bool) -> StoreUnavailable:
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = detail[0] if detail else type(exc).__name__
    lowered = reason.lower()
    if "connection refused" in lowered:
        return StoreUnavailable(f"{describe} refused the connection (is the server running?)")
    if "timeout expired" in lowered or "timed out" in lowered:
        return StoreUnavailable(f"{describe} did not answer: {reason}")
    verb = "cannot open" if opening else "cannot use"
    return StoreUnavailable(f"{verb} {describe}: {reason}")


def _is_unavailable(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) or exc.connection_invalidated


class Store:
    """A migrated database and the engine that talks to it."""

    def __init__(self, url: URL, engine: Engine) -> None:
        # The full URL (password included) so it can open the same database again;
        # use ``safe_url`` or ``description`` for anything a human will read.
        self.url: str = url.render_as_string(hide_password=False)
        self.safe_url: str = url.render_as_string(hide_password=True)
        self.description: str = describe_url(url)
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite: BEGIN DEFERRED takes no lock, and in WAL mode a reader never waits for a
        # writer. PostgreSQL: a READ ONLY transaction, so a stray write fails loudly.
        reader = engine.execution_options(**{_SQLITE_BEGIN: "DEFERRED"}, postgresql_readonly=True)
        self._read_sessions = sessionmaker(reader, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Store({self.safe_url!r})"

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect, and bring the schema to head (or only check it, if not ``migrate``).

        Raises StoreUnavailable when the database cannot be reached or opened,
        SchemaTooNew when a newer State Hub migrated it.
        """
        parsed = normalize_url(url)
        describe = describe_url(parsed)
        path = _sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
        if path is not None:
            _make_parent_dir(path, describe)
        engine = build_engine(parsed)
        try:
            if path is not None:
                _enable_wal(engine)
            with engine.connect() as connection:
                ensure_schema(connection, migrate=migrate, describe=describe)
        except DBAPIError as exc:
            engine.dispose()
            if _is_unavailable(exc):
                raise _unavailable(describe, exc, opening=True) from exc
            raise StoreError(f"cannot migrate {describe}: {exc.orig}") from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(parsed, engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On SQLite the transaction holds the write lock from its start, so keep
        it short — never across git or network I/O.
        """
        with self._transaction(self._sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction, for listings and lookups; a write in it fails.

        Unlike ``session`` it never waits for SQLite's write lock, so API reads and the
        sweep's own listing go on while a sweep records its result.
        """
        with self._transaction(self._read_sessions) as session:
            yield session

    @contextmanager
    def _transaction(self, sessions: sessionmaker[Session]) -> Iterator[Session]:
        try:
            with sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            if _is_unavailable(exc):
                raise _unavailable(self.description, exc, opening=False) from exc
            raise

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers ``SELECT 1``."""
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{_SQLITE_BEGIN: "DEFERRED"})
                connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            raise _unavailable(self.description, exc, opening=False) from exc

    def dispose(self) -> None:
        """Close every pooled connection; the Store may not be used afterwards."""
        self.engine.dispose()


def _enable_wal(engine: Engine) -> None:
    """Switch the database to WAL, so the dashboard can read while a sweep writes.

    The mode is stored in the file, so this matters once per database; but two
    processes opening a fresh file race to switch it, and SQLite answers the
    loser with SQLITE_BUSY at once, without consulting busy_timeout. Retry
    for as long as busy_timeout would have waited.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    with engine.connect() as connection:
        # The raw connection: a journal-mode change is refused inside a transaction.
        raw = connection.connection.dbapi_connection
        assert raw is not None
        while True:
            cursor = raw.cursor()
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise OperationalError("PRAGMA journal_mode = WAL", None, exc) from exc
                time.sleep(0.02)
            finally:
                cursor.close()


def _make_parent_dir(path: str, describe: str) -> None:
    parent = Path(path).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StoreUnavailable(
            f"cannot open {describe}: cannot create directory {parent}: {reason}"
        ) from exc
