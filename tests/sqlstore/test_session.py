"""A session is one transaction, and a reading one never waits for a writer nor writes."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from sqlstore.database import Database
from sqlstore.errors import StoreError
from tests.sqlstore.kinds import StoreKind


class Boom(Exception):
    pass


def test_it_commits_when_the_block_ends(kind: StoreKind, any_store: Database) -> None:
    with any_store.session() as db:
        kind.write(db, "api")
    with any_store.session() as db:
        assert kind.names(db) == ["api"]


def test_it_rolls_back_everything_when_the_block_raises(
    kind: StoreKind, any_store: Database
) -> None:
    with any_store.session() as db:
        kind.write(db, "api")
    with pytest.raises(Boom), any_store.session() as db:
        kind.write(db, "web")
        kind.write(db, "worker")
        db.flush()
        raise Boom
    with any_store.reading() as db:
        assert kind.names(db) == ["api"]


def test_a_read_goes_on_while_a_writer_holds_the_database(
    kind: StoreKind, any_store: Database
) -> None:
    with any_store.session() as db:
        kind.write(db, "first")
    # A writer recording its result holds SQLite's write lock (BEGIN IMMEDIATE) for a while;
    # a reading transaction must neither wait for it nor see its uncommitted writes.
    with any_store.session() as writer:
        kind.write(writer, "new")
        writer.flush()
        with any_store.reading() as reader:
            assert kind.names(reader) == ["first"]
    with any_store.reading() as reader:
        assert kind.names(reader) == ["first", "new"]


def test_a_reading_transaction_refuses_writes(kind: StoreKind, any_store: Database) -> None:
    # PostgreSQL: READ ONLY; SQLite: PRAGMA query_only. Either way the write fails, and the
    # next ordinary session writes as before.
    with pytest.raises((StoreError, DBAPIError), match=r"read-?only"), any_store.reading() as db:
        kind.write(db, "api")
        db.flush()
    with any_store.session() as db:
        kind.write(db, "web")
    with any_store.reading() as db:
        assert kind.names(db) == ["web"]
