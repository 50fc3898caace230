"""Engines with the connection settings every store needs, and SQLite's switch to WAL.

Nothing here connects at import time; ``build_engine`` connects lazily.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.pool import StaticPool

from sqlstore.dbapi import SQLITE_BUSY_TIMEOUT_S, configure_sqlite, dump_json, sqlite_begin
from sqlstore.urls import normalize_url, sqlite_path

POSTGRES_CONNECT_TIMEOUT_S = 5
# How often the WAL switch asks again while another process holds the lock.
WAL_RETRY_PAUSE_S = 0.02
# Execution option read by the SQLite "begin" hook: a reader's transaction takes no write lock.
SQLITE_BEGIN = "sqlstore_sqlite_begin"
# Connection-record key: could the connection write when it opened the file?
_OPENED_WRITABLE = "sqlstore_opened_writable"


def build_engine(url: str | URL) -> Engine:
    """An engine with the stores' connection settings; connects lazily."""
    url = normalize_url(url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(
        url,
        # A dropped tunnel or restarted server must not hand out dead connections.
        pool_pre_ping=True,
        connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
        json_serializer=dump_json,
    )


def _sqlite_engine(url: URL) -> Engine:
    path = sqlite_path(url)
    engine = create_engine(
        url,
        json_serializer=dump_json,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
        # One shared connection, or every checkout would see its own empty database.
        **({"poolclass": StaticPool} if path is None else {}),
    )
    event.listen(engine, "connect", _configure_connection(path))
    event.listen(engine, "begin", _begin)
    if path is not None:
        event.listen(engine, "checkout", _reopen_when_writable(path))
    return engine


def _configure_connection(path: str | None) -> Callable[[Any, Any], None]:
    def configure(dbapi_connection: Any, record: Any) -> None:
        # SQLite settles a connection's mode when it opens the file (see _reopen_when_writable).
        record.info[_OPENED_WRITABLE] = path is None or os.access(path, os.W_OK)
        configure_sqlite(dbapi_connection, busy_timeout_s=SQLITE_BUSY_TIMEOUT_S)

    return configure


def _begin(connection: Connection) -> None:
    # See sqlite_begin: IMMEDIATE for writers, DEFERRED and query_only for readers.
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    for begin in sqlite_begin(mode):
        connection.exec_driver_sql(begin)


def _reopen_when_writable(path: str) -> Callable[[Any, Any, Any], None]:
    def reopen(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # A connection opened while the file was read-only stays read-only after
        # write permission is back: replace it then, or writes never resume.
        if not record.info.get(_OPENED_WRITABLE, True) and os.access(path, os.W_OK):
            raise DisconnectionError("the SQLite file is writable again")

    return reopen


def enable_wal(engine: Engine) -> None:
    """Switch a SQLite database to WAL, so readers go on while a writer writes.

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
                pause_before_retry()
            finally:
                cursor.close()


def pause_before_retry() -> None:
    time.sleep(WAL_RETRY_PAUSE_S)
