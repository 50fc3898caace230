"""SQLite databases are switched to WAL once, and the switch outlasts a rival's lock.

The rival is real: another connection holding ``BEGIN IMMEDIATE`` on the fresh file, which is
what a second process opening the same new database does. SQLite answers the journal-mode
change with SQLITE_BUSY at once in that case, without waiting on busy_timeout.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqlstore import engine
from tests.sqlstore.kinds import StoreKind


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def rival(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection holding the write lock on the fresh database file."""
    connection = sqlite3.connect(db_path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    finally:
        connection.close()


def _journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def test_it_switches_a_new_database_to_wal(kind: StoreKind, db_path: Path) -> None:
    kind.store.open(f"sqlite:///{db_path}").dispose()
    assert _journal_mode(db_path) == "wal"


def test_it_retries_the_switch_until_the_rival_lets_go(
    kind: StoreKind, db_path: Path, rival: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a fake: the pause between attempts is only observed, so the rival can let go once
    # the switch has been refused at least once.
    refused = threading.Event()
    pause = engine.pause_before_retry

    def observed_pause() -> None:
        refused.set()
        pause()

    monkeypatch.setattr(engine, "pause_before_retry", observed_pause)
    outcome: list[BaseException | None] = []

    def open_store() -> None:
        try:
            kind.store.open(f"sqlite:///{db_path}").dispose()
            outcome.append(None)
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    opener = threading.Thread(target=open_store)
    opener.start()
    try:
        assert refused.wait(timeout=10), "the switch to WAL was never refused"
    finally:
        rival.execute("ROLLBACK")
        opener.join(timeout=30)
    assert outcome == [None]
    assert _journal_mode(db_path) == "wal"


def test_it_gives_up_once_busy_timeout_has_passed(
    kind: StoreKind, db_path: Path, rival: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_S", 0.3)
    started = time.monotonic()
    with pytest.raises(kind.store.errors.unavailable, match="database is locked"):
        kind.store.open(f"sqlite:///{db_path}")
    # It kept asking for the whole busy timeout instead of failing at the first refusal.
    assert time.monotonic() - started >= 0.3
