"""The cadence verdict over a real store (SQLite and PostgreSQL): paging, window, bad rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from statehub.cadence.history import iter_marks, window_verdict
from statehub.store import Store
from statehub.store.events import append_event
from statehub.sweep.result import EVENT_TYPE
from testing.history import parallel_week, record_sweep

NOW = datetime(2026, 3, 9, 10, 7, 30, tzinfo=UTC)


def test_a_parallel_week_with_lock_skips_lets_the_timer_go(store: Store) -> None:
    parallel_week(store, now=NOW)

    verdict = window_verdict(store, now=NOW, window=timedelta(days=7))

    assert verdict.judged == 672
    assert verdict.can_disable_timer, verdict.reasons
    totals = {t.source: t for t in verdict.totals}
    assert totals["local-timer"].sweeps == 672
    assert totals["activity-core"].lock_skips == 672
    assert totals["activity-core"].slots_attended == 672
    assert verdict.longest_gap is None


def test_one_missed_fire_keeps_the_timer(store: Store) -> None:
    parallel_week(store, now=NOW, skip_activity_core=[100, 101, 102])

    verdict = window_verdict(store, now=NOW, window=timedelta(days=7))

    assert not verdict.can_disable_timer
    assert len(verdict.missed) == 3
    assert verdict.longest_source_gap is not None and verdict.longest_source_gap.slots == 3
    assert verdict.longest_gap is None  # the timer covered them: no slot went without a sweep
    assert "did not attend 3 of 672 slots" in verdict.reasons[0]


def test_it_reads_only_the_window_a_page_at_a_time(store: Store) -> None:
    with store.session() as db:
        for i in range(30):  # old history outside the window
            record_sweep(
                db, triggered_by="local-timer", started_at=NOW - timedelta(days=20, minutes=i)
            )
        for i in range(7):
            record_sweep(
                db, triggered_by="activity-core", started_at=NOW - timedelta(minutes=15 * i)
            )
        marks = list(iter_marks(db, since=NOW - timedelta(hours=2), page=3))

    assert len(marks) == 7
    assert all(m.triggered_by == "activity-core" for m in marks)
    assert [m.event_id for m in marks] == sorted((m.event_id for m in marks), reverse=True)


def test_an_unreadable_event_counts_as_a_failed_sweep(store: Store) -> None:
    with store.session() as db:
        append_event(
            db,
            event_type=EVENT_TYPE,
            summary="garbled",
            payload={"started_at": "not a time", "exit_code": 0},
            triggered_by="activity-core",
            created_at=NOW - timedelta(minutes=6),
        )
    verdict = window_verdict(store, now=NOW, window=timedelta(minutes=15))

    [slot] = verdict.slots
    assert slot.failed_by == {"activity-core"}
    assert not verdict.can_disable_timer


@pytest.mark.parametrize(
    ("window", "every", "message"),
    [
        (timedelta(days=32), timedelta(minutes=15), "between 1s and 31d"),
        (timedelta(days=31), timedelta(seconds=1), "more than 20000 slots"),
    ],
)
def test_it_refuses_windows_too_large_to_judge_cheaply(
    store: Store, window: timedelta, every: timedelta, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        window_verdict(store, now=NOW, window=window, every=every, tolerance=timedelta(0))


def test_it_refuses_a_slot_longer_than_the_window(store: Store) -> None:
    # Found by the API fuzz test: a slot this long ran past datetime's year 9999 (a 500).
    with pytest.raises(ValueError, match=r"every \(.*\) must not be longer than the window"):
        window_verdict(store, now=NOW, window=timedelta(days=7), every=timedelta(days=3_000_000))
