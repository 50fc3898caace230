"""A sweep's writes land together or not at all (the generic session and reading semantics
are in tests/sqlstore, for both stores)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from statehub.store import Store
from statehub.store.events import append_event, list_events
from statehub.store.repos import add_repo, list_repos
from tests.store.checks import record_check


class Boom(Exception):
    pass


def test_it_rolls_back_a_sweeps_writes_to_every_table_when_the_block_raises(
    store: Store,
) -> None:
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
