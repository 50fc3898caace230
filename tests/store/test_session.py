"""A session is one transaction: all of it lands, or none of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError

from statehub.errors import StoreError
from statehub.store import Store
from statehub.store.events import append_event, list_events
from statehub.store.repos import add_repo, list_repos, record_check


class Boom(Exception):
    pass


def test_it_commits_when_the_block_ends(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")
    with store.session() as db:
        assert [repo.name for repo in list_repos(db)] == ["api"]


def test_it_rolls_back_everything_when_the_block_raises(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")

    # What a sweep that dies between its writes looks like: nothing may remain.
    with pytest.raises(Boom), store.session() as db:
        add_repo(db, name="web", path="/src/web")
        record_check(
            db, name="api", checked_at=datetime.now(UTC), state={"ahead": 1}, findings=["ahead"]
        )
        append_event(db, event_type="consistency_sweep_remote_all", summary="x", payload={})
        raise Boom

    with store.session() as db:
        assert [(r.name, r.last_checked_at) for r in list_repos(db)] == [("api", None)]
        assert list_events(db) == []


def test_a_read_goes_on_while_a_writer_holds_the_database(store: Store) -> None:
    with store.session() as db:
        append_event(db, event_type="consistency_sweep_remote_all", summary="first", payload={})
    # A sweep recording its result holds SQLite's write lock (BEGIN IMMEDIATE) for a while;
    # a reading transaction must neither wait for it nor see its uncommitted writes.
    with store.session() as writer:
        append_event(writer, event_type="consistency_sweep_remote_all", summary="new", payload={})
        writer.flush()
        with store.reading() as reader:
            assert [e.summary for e in list_events(reader)] == ["first"]
    with store.reading() as reader:
        assert [e.summary for e in list_events(reader)] == ["new", "first"]


def test_a_reading_transaction_refuses_writes(store: Store) -> None:
    # PostgreSQL: READ ONLY; SQLite: PRAGMA query_only. Either way the write fails, and the
    # next ordinary session writes as before.
    with pytest.raises((StoreError, DBAPIError), match=r"read-?only"), store.reading() as db:
        add_repo(db, name="api", path="/src/api")
        db.flush()
    with store.session() as db:
        add_repo(db, name="web", path="/src/web")
    with store.reading() as db:
        assert [repo.name for repo in list_repos(db)] == ["web"]
