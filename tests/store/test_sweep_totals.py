"""The sweeps' tally (statehub.store.sweep_totals): a prune adds what it deleted, per
trigger and outcome, in its own transaction; a dry run adds nothing; and migration 0006
brings the tally to a store that already holds sweeps. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import func, make_url, select

from sqlstore.engine import build_engine
from sqlstore.schema import alembic_config
from statehub.store import Store
from statehub.store.models import SummaryRow
from statehub.store.retention import prune
from statehub.store.schema import SCHEMA
from statehub.store.sweep_totals import delete_summaries, outcome_column, pruned_totals
from testing.history import record_sweep

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
WINDOW = timedelta(days=31)


def _sweeps(store: Store, ages_and_kinds: list[tuple[float, str | None, bool]]) -> None:
    with store.session() as db:
        for days, trigger, skipped in ages_and_kinds:
            record_sweep(
                db,
                triggered_by=trigger or "old-caller",
                untagged=trigger is None,
                started_at=NOW - days * DAY,
                lock_skipped=skipped,
            )


def _rows(store: Store) -> Counter[tuple[str | None, str]]:
    """The summary rows still stored, counted as /metrics counts them."""
    outcome = outcome_column()
    with store.reading() as db:
        query = select(SummaryRow.triggered_by, outcome, func.count()).group_by(
            SummaryRow.triggered_by, outcome
        )
        return Counter({(trigger, kind): n for trigger, kind, n in db.execute(query)})


def _totals(store: Store) -> Counter[tuple[str | None, str]]:
    with store.reading() as db:
        return _rows(store) + Counter(pruned_totals(db))


HISTORY: list[tuple[float, str | None, bool]] = [
    (200, "local-timer", False),
    (150, "local-timer", False),
    (140, "activity-core", True),
    (130, None, False),  # recorded before sweeps were tagged
    (120, None, False),
    (100, "activity-core", True),
    (40, "activity-core", False),
    (1, "local-timer", False),
    (1, "activity-core", True),
]


def test_a_prune_moves_what_it_deletes_into_the_tally(store: Store) -> None:
    _sweeps(store, HISTORY)
    before = _totals(store)
    assert before == {
        ("local-timer", "ok"): 3,
        ("activity-core", "lock_skipped"): 3,
        ("activity-core", "ok"): 1,
        (None, "ok"): 2,
    }

    dry = prune(store, now=NOW, older_than=90 * DAY, keep_window=WINDOW, dry_run=True)
    with store.reading() as db:
        assert pruned_totals(db) == {}  # a dry run adds nothing
    assert dry.sweep_summaries == 5 and _rows(store) == before

    prune(store, now=NOW, older_than=90 * DAY, keep_window=WINDOW)
    with store.reading() as db:
        tally = pruned_totals(db)
    # The newest untagged sweep is the newest of its kind: kept, as a prune keeps it.
    assert tally == {
        ("local-timer", "ok"): 2,
        ("activity-core", "lock_skipped"): 2,
        (None, "ok"): 1,
    }
    assert _totals(store) == before

    # A second prune adds to the rows already there, and to new ones.
    _sweeps(store, [(0.5, "local-timer", False), (0.5, "activity-core", True)])
    grown = _totals(store)
    prune(store, now=NOW + 365 * DAY, older_than=90 * DAY, keep_window=WINDOW)
    with store.reading() as db:
        tally = pruned_totals(db)
    assert tally[("local-timer", "ok")] == 3 and tally[("activity-core", "ok")] == 1
    assert _totals(store) == grown


def test_rows_deleted_twice_are_counted_once(store: Store) -> None:
    """What two prunes racing over the same rows do: the second deletes nothing, adds nothing."""
    _sweeps(store, [(100, "local-timer", False), (99, "local-timer", False)])
    with store.reading() as db:
        ids = list(db.scalars(select(SummaryRow.event_id)))
    with store.session() as db:
        assert delete_summaries(db, ids) == 2
    with store.session() as db:
        assert delete_summaries(db, ids) == 0
    with store.reading() as db:
        assert pruned_totals(db) == {("local-timer", "ok"): 2}


def test_0006_brings_an_empty_tally_to_a_store_with_sweeps(database_url: str) -> None:
    engine = build_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(SCHEMA, connection), "0005")
    finally:
        engine.dispose()
    # Sweeps recorded at 0005: their events and summary rows, no tally table yet.
    at_0005 = Store(make_url(database_url), build_engine(database_url))
    try:
        _sweeps(at_0005, HISTORY)
        before = _rows(at_0005)
    finally:
        at_0005.dispose()

    store = Store.open(database_url)  # migrates through 0006
    try:
        with store.reading() as db:
            assert pruned_totals(db) == {}
        assert _totals(store) == before
        prune(store, now=NOW, older_than=90 * DAY, keep_window=WINDOW)
        assert _totals(store) == before
    finally:
        store.dispose()
