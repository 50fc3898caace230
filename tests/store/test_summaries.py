"""Per-sweep summary rows: written with each sweep event, read as the event reads, and
backfilled by migration 0004 from the events already stored. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import text

from sqlstore.engine import build_engine
from sqlstore.schema import alembic_config
from statehub.cadence.marks import mark_from_digest, mark_of
from statehub.digest import SWEEP_EVENT, digest
from statehub.health import Health, health_of
from statehub.store import Store
from statehub.store.events import append_event, list_events
from statehub.store.schema import SCHEMA
from statehub.store.summaries import (
    last_attempt,
    last_completed,
    latest_by_trigger,
    latest_summary,
    recent_summaries,
    summaries_since,
)
from statehub.sweep.result import EVENT_TYPE
from testing.history import record_sweep

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)

# Documents of every shape the append-only log may hold: a real sweep's (below, through
# record_sweep), one whose times cannot be read, an old one without health, a fix-mode one.
ODD = [
    {"started_at": "yesterday", "exit_code": 0},
    {
        "started_at": (T0 + 2 * M).isoformat(),
        "finished_at": (T0 + 3 * M).isoformat(),
        "exit_code": 0,
        "repos_total": 2,
        "repos_processed": [
            {"name": "a", "findings": ["fetch_failed", "dirty"]},
            {"name": "b", "findings": ["dirty"]},
        ],
        "skipped_clean": [],
    },
    {"started_at": (T0 + 4 * M).isoformat(), "mode": "fix", "exit_code": 1, "held_by": {}},
]


def test_the_event_type_is_the_sweeps() -> None:
    assert SWEEP_EVENT == EVENT_TYPE


def _fill(store: Store) -> None:
    with store.session() as db:
        record_sweep(db, triggered_by="activity-core", started_at=T0)
        record_sweep(db, triggered_by="activity-core", started_at=T0 + M, lock_skipped=True)
        for n, payload in enumerate(ODD):
            append_event(
                db,
                event_type=EVENT_TYPE,
                summary=f"odd {n}",
                payload=payload,
                triggered_by="tests",
                created_at=T0 + (5 + n) * M,
            )
        record_sweep(db, triggered_by="local-timer", started_at=T0 + 10 * M, exit_code=3)
        append_event(db, event_type="deploy", summary="not a sweep", payload={})


def test_each_sweep_event_has_its_row_read_back_as_its_event_reads(store: Store) -> None:
    _fill(store)
    with store.reading() as db:
        events = list_events(db, event_type=EVENT_TYPE, limit=100)
        rows = recent_summaries(db, limit=100)
    assert rows == [digest(e) for e in events]
    # The strip's marks from the rows are the marks from the payloads.
    assert [mark_from_digest(r) for r in rows] == [mark_of(e) for e in events]
    odd = {r.summary: r for r in rows}
    assert odd["odd 0"].problem is not None and odd["odd 0"].failed
    assert odd["odd 1"].findings == {"dirty": 2, "fetch_failed": 1}
    assert (odd["odd 1"].fetch_failed, odd["odd 1"].health) == (1, "degraded")


def test_the_newest_rows_the_status_reads(store: Store) -> None:
    _fill(store)
    with store.reading() as db:
        newest = latest_summary(db)
        attempt = last_attempt(db)
        completed = last_completed(db)
        since = summaries_since(db, T0 + 6 * M)
        events = list_events(db, event_type=EVENT_TYPE, limit=100)
    # The same sweeps as read from the payloads: the newest not lock-skipped, and of those
    # the newest whose health is not failed.
    attempts = [e for e in events if not mark_of(e).lock_skipped]
    assert attempt is not None and attempt.event_id == attempts[0].id
    ran = [e for e in attempts if health_of(e.payload)[0] is not Health.FAILED]
    assert completed is not None and completed.event_id == ran[0].id
    assert newest is not None and newest.triggered_by == "local-timer"
    assert attempt == newest
    assert [s.summary for s in since][-2:] == ["odd 2", "odd 1"]


def test_the_newest_row_per_trigger(store: Store) -> None:
    with store.session() as db:
        for who in ["activity-core", "local-timer", "activity-core", None, "local-timer", None]:
            append_event(
                db, event_type=SWEEP_EVENT, summary=f"by {who}", payload={}, triggered_by=who
            )
        newest_core = append_event(
            db, event_type=SWEEP_EVENT, summary="last", payload={}, triggered_by="activity-core"
        )
        append_event(db, event_type="other", summary="x", payload={}, triggered_by="manual")
    with store.reading() as db:
        latest = latest_by_trigger(db)
        everything = list_events(db, event_type=SWEEP_EVENT, limit=100)

    assert set(latest) == {"activity-core", "local-timer", None}
    assert latest["activity-core"].event_id == newest_core.id
    assert latest["activity-core"].summary == "last"
    for who, row in latest.items():
        assert row.event_id == max(e.id for e in everything if e.triggered_by == who)


def test_no_sweep_no_row_per_trigger(store: Store) -> None:
    with store.reading() as db:
        assert latest_by_trigger(db) == {}


def test_migration_0004_backfills_the_events_already_stored(database_url: str) -> None:
    engine = build_engine(database_url)
    payloads = [
        ("consistency_sweep_remote_all", "activity-core", ODD[1]),
        ("consistency_sweep_remote_all", None, ODD[0]),
        ("deploy", "ci", {}),
    ]
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(SCHEMA, connection), "0003")
            for n, (kind, by, payload) in enumerate(payloads):
                connection.execute(
                    text(
                        "INSERT INTO progress_events (event_type, created_at, triggered_by,"
                        " sweep_id, summary, payload) VALUES (:k, :at, :by, NULL, :s, :p)"
                    ),
                    {
                        "k": kind,
                        # As the store writes it: naive UTC on SQLite, aware on PostgreSQL.
                        "at": (T0 + n * M).replace(tzinfo=None)
                        if engine.dialect.name == "sqlite"
                        else T0 + n * M,
                        "by": by,
                        "s": f"old {n}",
                        "p": json.dumps(payload),
                    },
                )
    finally:
        engine.dispose()
    store = Store.open(database_url)
    try:
        with store.reading() as db:
            events = list_events(db, event_type=EVENT_TYPE, limit=10)
            rows = recent_summaries(db, limit=10)
    finally:
        store.dispose()
    assert len(events) == 2
    assert rows == [digest(e) for e in events]
