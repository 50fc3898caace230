"""The sweep totals a scrape reads, and the cache that spares re-reading them while no
summary row was added or removed. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from statehub.notify.scrape import SweepTotalsCache, read_snapshot
from statehub.store import Store
from statehub.store.models import SummaryRow
from statehub.store.retention import prune
from testing.history import record_sweep

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


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

    # Retention deletes the oldest sweeps: the rows fall, the totals are read again and
    # say the same, what was deleted now coming from the tally.
    report = prune(
        store, now=START + timedelta(days=365), older_than=timedelta(days=90), keep_window=DAY
    )
    assert report.sweep_summaries == 1  # the first local-timer sweep: not the newest of its kind
    pruned = read_snapshot(store, cache)
    assert pruned == grown
    assert pruned == read_snapshot(store)  # what an uncached read says

    # Any row gone is seen at once, even one deleted by hand, outside retention (no tally).
    with store.session() as db:
        newest = db.scalar(select(func.max(SummaryRow.event_id)))  # the local-timer at 30
        db.execute(delete(SummaryRow).where(SummaryRow.event_id == newest))
    assert read_snapshot(store, cache).sweeps[("local-timer", "ok")] == 1


def test_a_lock_skip_is_never_the_last_run(store: Store) -> None:
    _record(store, 0, duration=timedelta(seconds=42))
    _record(store, 15, lock_skipped=True)

    snapshot = read_snapshot(store)

    assert snapshot.last_run is not None
    assert snapshot.last_run.duration_seconds == 42
    assert snapshot.last_run.finished_at == START + timedelta(seconds=42)
