"""Plain DB-API transactions, for statements run so often that importing SQLAlchemy and going
through its ORM cost more than the work itself (State Hub's sweep, issue 15).

    transactions = open_sqlite_at_head(path, schema, description=..., errors=...)
    with transactions.writing() as tx:            # SQLite: BEGIN IMMEDIATE
        tx.executemany(UPDATE, rows)
    with transactions.reading() as tx:            # DEFERRED + query_only / READ ONLY
        tx.rows(SELECT, {"name": "api"})

SQL is written once, with ``:name`` parameters (``Statement``): sqlite3 takes it as it is,
psycopg gets ``%(name)s`` and its JSON parameters cast to jsonb. Values are stored exactly as
``sqlstore.types`` stores them (``Transaction.time`` / ``Transaction.json`` and their readers),
so the ORM reads what this writes and the other way round. Connections come from a SQLite file
opened here (``SQLiteFile``: the same pragmas as ``engine.py``, which takes them from here) or
from a ``Database``'s pool (``Database.transactions``). Driver errors become the store's errors
as ``Database`` maps them (``errors.unavailable`` naming the database). Nothing here imports
SQLAlchemy or psycopg (an import-linter contract says so).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlstore.errors import StoreErrors, first_line, unavailable
from sqlstore.revisions import Schema, declared_heads

SQLITE, POSTGRESQL = "sqlite", "postgresql"
SQLITE_BUSY_TIMEOUT_S = 10.0
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

Params = Mapping[str, Any]
# One DB-API connection for one transaction: where it comes from, and what to do after an
# error that may have killed it (a pool discards it).
ConnectionSource = Callable[[], AbstractContextManager[Any]]


def configure_sqlite(
    connection: sqlite3.Connection, *, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S
) -> None:
    """The settings every SQLite connection of every store gets, when it opens."""
    # Take BEGIN away from the sqlite3 module: its legacy mode runs SELECT
    # and DDL outside transactions and breaks SAVEPOINT.
    connection.isolation_level = None
    cursor = connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        # Durable at every commit in WAL mode except on power loss; never corrupt.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def sqlite_begin(mode: str) -> tuple[str, str]:
    """The statements that begin a SQLite transaction: IMMEDIATE writes, DEFERRED reads.

    IMMEDIATE takes the write lock at BEGIN, where busy_timeout applies: a deferred
    transaction that reads and then writes fails at once with SQLITE_BUSY if another writer
    committed in between. A DEFERRED one is a reader's: it refuses writes, as PostgreSQL's
    READ ONLY does, instead of taking the lock halfway through. query_only is set before
    BEGIN, which query_only left on by a reader would itself refuse.
    """
    return f"PRAGMA query_only = {int(mode == 'DEFERRED')}", f"BEGIN {mode}"


@dataclass(frozen=True)
class Statement:
    """SQL with ``:name`` parameters, rendered once per dialect; ``json`` names the
    parameters that are JSON documents (jsonb on PostgreSQL, text on SQLite)."""

    sql: str
    json: frozenset[str] = frozenset()
    _rendered: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def text(self, dialect: str) -> str:
        rendered = self._rendered.get(dialect)
        if rendered is None:
            rendered = self.sql if dialect == SQLITE else _PARAMETER.sub(self._pyformat, self.sql)
            self._rendered[dialect] = rendered
        return rendered

    def _pyformat(self, found: re.Match[str]) -> str:
        name = found[1]
        return f"CAST(%({name})s AS jsonb)" if name in self.json else f"%({name})s"


def statement(sql: str, *, json: Iterable[str] = ()) -> Statement:
    return Statement(sql, frozenset(json))


def placeholders(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``:p0, :p1, …`` for an ``IN (…)`` list, and their parameters."""
    names = [f"{prefix}{k}" for k in range(len(values))]
    return ", ".join(f":{n}" for n in names), dict(zip(names, values, strict=True))


# ensure_ascii=False keeps non-ASCII readable for operators' own SQL (as the ORM's rows). One
# encoder for every call: json.dumps builds a new one per call when given an argument, which
# was half the cost of recording a sweep's checks.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def dump_json(value: Any) -> str:
    """A JSON document's text, exactly as ``json.dumps(value, ensure_ascii=False)``."""
    return _ENCODE(value)


class Transaction:
    """Statements on one DB-API cursor, in one transaction, for one dialect."""

    def __init__(self, cursor: Any, dialect: str) -> None:
        self.cursor = cursor
        self.dialect = dialect

    def execute(self, stmt: Statement, params: Params | None = None) -> Any:
        self.cursor.execute(stmt.text(self.dialect), params or {})
        return self.cursor

    def executemany(self, stmt: Statement, rows: Sequence[Params]) -> None:
        if rows:
            self.cursor.executemany(stmt.text(self.dialect), rows)

    def rows(self, stmt: Statement, params: Params | None = None) -> list[tuple[Any, ...]]:
        return list(self.execute(stmt, params).fetchall())

    def scalar(self, stmt: Statement, params: Params | None = None) -> Any:
        row = self.execute(stmt, params).fetchone()
        return None if row is None else row[0]

    # Values as sqlstore.types stores them.

    def time(self, value: datetime | None) -> Any:
        """An aware datetime as UTCDateTime binds it: naive UTC text on SQLite."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        if self.dialect != SQLITE:
            return value
        # SQLAlchemy's SQLite DATETIME text: microseconds always, so every row sorts as text.
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def time_of(self, raw: Any) -> datetime | None:
        """A stored time, aware UTC, as UTCDateTime reads it."""
        if raw is None:
            return None
        value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def json(self, value: Any) -> str | None:
        """A JSON document as JSONDocument binds it: None is SQL NULL."""
        return None if value is None else _ENCODE(value)

    def json_of(self, raw: Any) -> Any:
        """A stored JSON document (psycopg has parsed jsonb already)."""
        return json.loads(raw) if isinstance(raw, str | bytes) else raw


class Transactions:
    """Read and write transactions on the connections one source hands out."""

    def __init__(
        self,
        source: ConnectionSource,
        *,
        dialect: str,
        description: str,
        errors: StoreErrors,
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self._source = source
        self.dialect = dialect
        self.description = description
        self.errors = errors
        self._close = close

    @contextmanager
    def writing(self) -> Iterator[Transaction]:
        """One write transaction: committed when the block ends, rolled back if it raises.
        On SQLite it holds the write lock from its start: keep it short."""
        with self._transaction(write=True) as tx:
            yield tx

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A read-only transaction that never waits for SQLite's write lock."""
        with self._transaction(write=False) as tx:
            yield tx

    def close(self) -> None:
        self._close()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Transaction]:
        try:
            with self._source() as connection:
                cursor = connection.cursor()
                try:
                    if self.dialect == SQLITE:
                        for begin in sqlite_begin("IMMEDIATE" if write else "DEFERRED"):
                            cursor.execute(begin)
                    elif not write:
                        # psycopg has begun the transaction itself: this is its first statement.
                        cursor.execute("SET TRANSACTION READ ONLY")
                    yield Transaction(cursor, self.dialect)
                    connection.commit()
                except BaseException:
                    with suppress(Exception):  # a dead connection cannot roll back: it is gone
                        connection.rollback()
                    raise
                finally:
                    with suppress(Exception):
                        cursor.close()
        except driver_errors() as exc:
            raise self.store_error(exc) from exc

    def store_error(self, exc: BaseException) -> Exception:
        """The store's error for a driver's, as ``Database`` maps it."""
        if is_unavailable(exc):
            return unavailable(self.errors, self.description, exc, opening=False)
        return self.errors.error(f"cannot use {self.description}: {first_line(exc)}")


def driver_errors() -> tuple[type[BaseException], ...]:
    """The drivers' base errors. psycopg's only once something imported it: no psycopg
    connection (so no psycopg error) exists before that, and SQLite must not pay for it."""
    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error, psycopg.Error) if psycopg is not None else (sqlite3.Error,)


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or used right now (retry later), as SQLAlchemy's
    OperationalError and invalidated connections are for ``Database``."""
    psycopg = sys.modules.get("psycopg")
    kinds: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)
    if psycopg is not None:
        kinds += (psycopg.OperationalError, psycopg.InterfaceError)
    return isinstance(exc, kinds)


class SQLiteFile:
    """One SQLite connection to a file, opened with every store's pragmas, shared by the
    threads of one process one transaction at a time (a short-lived CLI process needs no
    pool, and closing the last connection after each transaction would checkpoint the WAL)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(
                self.path, timeout=SQLITE_BUSY_TIMEOUT_S, check_same_thread=False
            )
            configure_sqlite(connection)
            self._connection = connection
        return self._connection

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self.connect()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def open_sqlite_at_head(
    path: str, schema: Schema, *, description: str, errors: StoreErrors
) -> Transactions | None:
    """Transactions on an existing SQLite file already at ``schema``'s head and in WAL mode,
    checked with one query; None for anything else (no file yet, an older or newer schema,
    another journal mode, a file that cannot be read), which only ``Database.open`` may
    handle: it migrates, switches to WAL, or says what is wrong."""
    declared = declared_heads(schema.migrations)
    if declared is None or not os.path.isfile(path):
        return None
    file = SQLiteFile(path)
    try:
        found = file.connect().execute(
            f"SELECT version_num, (SELECT journal_mode FROM pragma_journal_mode) "
            f"FROM {schema.version_table}"
        )
        rows = found.fetchall()
    except sqlite3.Error:
        file.close()
        return None
    if {version for version, _ in rows} != set(declared) or any(m != "wal" for _, m in rows):
        file.close()
        return None
    return Transactions(
        file.connection, dialect=SQLITE, description=description, errors=errors, close=file.close
    )
