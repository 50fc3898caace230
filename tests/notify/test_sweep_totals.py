"""The sweep totals a scrape reads, and the cache that spares re-reading them while no
event was added or removed. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from statehub.notify.scrape import SweepTotalsCache, read_snapshot
from statehub.store import Store
from statehub.store.models import EventRow
from testing.history import record_sweep

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _record(store: Store, minutes: int, *, triggered_by: str = "local-timer", **kw: object) -> None:
    with store.session() as db:
        record_sweep(
            db, triggered_by=triggered_by, started_at=START + timedelta(minutes=minutes), **kw
        )


def test_the_cache_follows_every_append_and_every_prune(store: Store) -> None:
    cache = SweepTotalsCache()
    assert read_snapshot(store, cache).sweeps == {}

    _record(store, 0)
    _record(store, 15, lock_skipped=True, triggered_by="activity-core")
    first = read_snapshot(store, cache)
    assert first.sweeps == {("local-timer", "ok"): 1, ("activity-core", "lock_skipped"): 1}
    assert read_snapshot(store, cache) == first  # nothing changed: the same totals

    _record(store, 30)
    grown = read_snapshot(store, cache)
    assert grown.sweeps[("local-timer", "ok")] == 2
    assert grown.last_success_at == START + timedelta(minutes=30, seconds=20)

    # Retention deletes the oldest events: the count falls, the totals are read again.
    with store.session() as db:
        oldest = db.scalar(select(func.min(EventRow.id)))
        db.execute(delete(EventRow).where(EventRow.id == oldest))
    pruned = read_snapshot(store, cache)
    assert pruned.sweeps == {("local-timer", "ok"): 1, ("activity-core", "lock_skipped"): 1}
    assert pruned == read_snapshot(store)  # what an uncached read says


def test_a_lock_skip_is_never_the_last_run(store: Store) -> None:
    _record(store, 0, duration=timedelta(seconds=42))
    _record(store, 15, lock_skipped=True)

    snapshot = read_snapshot(store)

    assert snapshot.last_run is not None
    assert snapshot.last_run.duration_seconds == 42
    assert snapshot.last_run.finished_at == START + timedelta(seconds=42)
