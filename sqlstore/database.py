"""``Database``: a migrated database, the engine that talks to it, and its transactions.

A service's store is a subclass that names its schema and its error classes:

    class Store(Database):
        schema = Schema(product="State Hub", migrations=..., lock_key=...)
        errors = StoreErrors(StoreError, StoreUnavailable, SchemaTooNew)

    store = Store.open(settings.resolved_database_url)
    with store.session() as db:        # a write transaction
        ...
    with store.reading() as db:        # a read-only one, never waiting for a writer
        ...

Nothing here runs at import time; the services' edges open a store and pass it on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Self

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sqlstore.dbapi import Transaction, Transactions, driver_errors, is_unavailable
from sqlstore.engine import SQLITE_BEGIN, build_engine, enable_wal
from sqlstore.errors import StoreErrors, first_line, unavailable
from sqlstore.schema import Schema, ensure_schema
from sqlstore.urls import describe_url, normalize_url, sqlite_path


class Database:
    """A migrated database and the engine that talks to it."""

    schema: ClassVar[Schema]
    errors: ClassVar[StoreErrors] = StoreErrors()

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
        reader = engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"}, postgresql_readonly=True)
        self._read_sessions = sessionmaker(reader, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.safe_url!r})"

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Self:
        """Connect, and bring the schema to head (or only check it, if not ``migrate``).

        Raises ``errors.unavailable`` when the database cannot be reached or opened,
        ``errors.too_new`` when a newer program migrated it, ``errors.error`` otherwise.
        """
        parsed = normalize_url(url, cls.errors)
        describe = describe_url(parsed)
        path = sqlite_path(parsed)
        if path is not None:
            _make_parent_dir(path, describe, cls.errors)
        engine = build_engine(parsed)
        try:
            if path is not None:
                enable_wal(engine)
            with engine.connect() as connection:
                ensure_schema(
                    connection, cls.schema, migrate=migrate, describe=describe, errors=cls.errors
                )
        except DBAPIError as exc:
            engine.dispose()
            if _is_unavailable(exc):
                raise unavailable(cls.errors, describe, exc, opening=True) from exc
            raise cls.errors.error(f"cannot migrate {describe}: {first_line(exc)}") from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(parsed, engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On SQLite the transaction holds the write lock from its start, so keep
        it short — never across git, network or Temporal I/O.
        """
        with self._transaction(self._sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction, for listings and lookups; a write in it fails.

        Unlike ``session`` it never waits for SQLite's write lock, so listings go on while
        a writer records its result.
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
                raise unavailable(self.errors, self.description, exc, opening=False) from exc
            raise

    def transactions(self) -> Transactions:
        """Plain DB-API transactions on this engine's pooled connections (``sqlstore.dbapi``):
        the same connections, pragmas and error mapping as ``session()`` and ``reading()``."""
        return Transactions(
            self._raw_connection,
            dialect=self.engine.dialect.name,
            description=self.description,
            errors=self.errors,
        )

    @contextmanager
    def _raw_connection(self) -> Iterator[Any]:
        try:
            connection = self.engine.raw_connection()
        except DBAPIError as exc:
            if _is_unavailable(exc):
                raise unavailable(self.errors, self.description, exc, opening=False) from exc
            raise self.errors.error(f"cannot use {self.description}: {first_line(exc)}") from exc
        except SQLAlchemyError as exc:  # the pool's own: no connection free in time
            raise self.errors.unavailable(
                f"cannot use {self.description}: {first_line(exc)}"
            ) from exc
        try:
            yield connection.driver_connection
        except BaseException as exc:
            if is_unavailable(exc):
                # It may be dead (a restarted server, a dropped tunnel): the pool replaces it.
                connection.invalidate(exc if isinstance(exc, Exception) else None)
            raise
        finally:
            connection.close()  # back to the pool

    def ping(self) -> None:
        """Raise ``errors.unavailable`` unless the database answers ``SELECT 1``."""
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
                connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            raise unavailable(self.errors, self.description, exc, opening=False) from exc

    def dispose(self) -> None:
        """Close every pooled connection; the store may not be used afterwards."""
        self.engine.dispose()


@contextmanager
def in_session(session: Session) -> Iterator[Transaction]:
    """The session's own transaction, for ``sqlstore.dbapi`` statements: flushed first, so
    they follow the ORM's, its loaded rows expired after, so it reads what they wrote, and
    their driver errors raised as SQLAlchemy's, so ``session()`` maps them as the ORM's."""
    session.flush()
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        yield Transaction(cursor, connection.dialect.name)
        session.expire_all()
    except driver_errors() as exc:
        raise DBAPIError.instance(
            None, None, exc, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from exc
    finally:
        cursor.close()


def _is_unavailable(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) or exc.connection_invalidated


def _make_parent_dir(path: str, describe: str, errors: StoreErrors) -> None:
    parent = Path(path).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise errors.unavailable(
            f"cannot open {describe}: cannot create directory {parent}: {reason}"
            " (create it, or choose a writable home or database URL)"
        ) from exc
