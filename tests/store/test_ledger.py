"""The ledger's plain statements store what the ORM stores, and the ORM's readers read them.

Two checks of each: the raw rows the ledger writes equal, column for column, the rows the
ORM writes for the same values (on SQLite that is the very text: datetimes in SQLAlchemy's
format, JSON as ``json.dumps(..., ensure_ascii=False)``, booleans as 0/1); and real sweeps
recorded through the ledger read back through the ORM's readers as their own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from sqlstore.database import in_session
from statehub.digest import digest
from statehub.settings import Settings
from statehub.store import Store, ledger
from statehub.store.events import get_event, get_event_by_sweep_id, list_events
from statehub.store.history import list_changes
from statehub.store.models import ChangeRow, EventRow, RepoRow, SummaryRow
from statehub.store.records import CheckRecord, Observation
from statehub.store.repos import add_repo, get_repo
from statehub.store.summaries import recent_summaries
from statehub.store.sweepstore import SweepStore
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import EVENT_TYPE
from testing.fleet import FleetBuilder, register

T0 = datetime(2026, 3, 1, 9, 59, 59, 999999, tzinfo=UTC)
STATE = {"branch": "main", "head": "a" * 40, "note": "naïve café — 日本語 ✓", "counts": [1, 2]}
DETAILS = [{"finding": "behind", "branch": "main", "count": 2}]
FETCH = {"fetched": True, "ok": False, "finding": "fetch_failed", "message": "fatal: ünreachable"}


def _raw(store: Store, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def test_it_stores_a_check_as_the_orm_stores_it(store: Store) -> None:
    with store.session() as db:
        for name in ("orm", "plain"):
            add_repo(db, name=name, path=f"/src/{name}")
    with store.session() as db:
        repo = db.get_one(RepoRow, get_repo(db, name="orm").id)
        repo.last_checked_at = repo.last_changed_at = T0
        repo.last_state, repo.last_findings = STATE, ["behind"]
        repo.last_details, repo.last_fetch = DETAILS, FETCH
    with SweepStore.over(store).writing() as tx:
        check = CheckRecord("plain", STATE, ["behind"], DETAILS, FETCH)
        ledger.record_checks(tx, checked_at=T0, checks=[check])

    columns = (
        "last_checked_at, last_changed_at, last_state, last_findings, last_details, last_fetch"
    )
    rows = _raw(store, f"SELECT name, {columns} FROM repos ORDER BY name")
    assert [r[0] for r in rows] == ["orm", "plain"]
    assert rows[0][1:] == rows[1][1:]
    if store.engine.dialect.name == "sqlite":
        assert rows[1][1] == "2026-03-01 09:59:59.999999"
        assert rows[1][3] == json.dumps(STATE, ensure_ascii=False)


def test_it_stores_history_rows_as_the_orm_stores_them(store: Store) -> None:
    with store.session() as db:
        repo_id = add_repo(db, name="api", path="/src/api").id
    seen = Observation("needs_action", ["behind"], {"main": "a" * 40}, {"main": None})
    with store.session() as db:
        db.add(
            ChangeRow(
                repo_id=repo_id,
                observed_at=T0,
                sweep_id="orm",
                status=seen.status,
                findings=seen.findings,
                heads=seen.heads,
                upstream_heads=seen.upstream_heads,
            )
        )
    moved = Observation("needs_action", ["behind"], {"main": "b" * 40}, {"main": None})
    with SweepStore.over(store).writing() as tx:
        # The same as the newest row: nothing written; then a move of heads: a row.
        assert (
            ledger.record_changes(tx, observed_at=T0, sweep_id="x", observations=[(repo_id, seen)])
            == 0
        )
        assert (
            ledger.record_changes(
                tx, observed_at=T0, sweep_id="orm", observations=[(repo_id, moved)]
            )
            == 1
        )

    rows = _raw(
        store,
        "SELECT observed_at, sweep_id, status, findings, upstream_heads "
        "FROM repo_changes ORDER BY id",
    )
    assert rows[0] == rows[1]
    heads = _raw(store, "SELECT heads FROM repo_changes ORDER BY id")
    if store.engine.dialect.name == "sqlite":
        assert heads == [(json.dumps(seen.heads),), (json.dumps(moved.heads),)]


def _event(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "sweep_id": "5b0c4f9e-3a1d-4d7e-9b2a-0c1d2e3f4a5b",
        "event_type": EVENT_TYPE,
        "triggered_by": "local-timer",
        "host": "werkbank-ü",
        "mode": "warn",
        "max_seconds": 300,
        "started_at": "2026-03-01T09:59:30+00:00",
        "finished_at": "2026-03-01T09:59:59.999999+00:00",
        "duration_seconds": 29.999999,
        "exit_code": 0,
        "lock_skipped": False,
        "repos_total": 3,
        "repos_processed": [{"name": "api", "findings": ["behind", "dirty"]}],
        "skipped_clean": ["web"],
        "skipped_missing": ["gone"],
        "errors": [],
        "health": "degraded",
        "health_reasons": ["1 repo is missing"],
    }
    return payload | changes


def test_it_stores_an_event_and_its_summary_as_the_orm_stores_them(store: Store) -> None:
    payload = _event()
    with store.session() as db:
        row = EventRow(
            event_type=EVENT_TYPE,
            summary="1 needs action ✓",
            payload=payload,
            triggered_by="local-timer",
            sweep_id=payload["sweep_id"],
            created_at=T0,
        )
        db.add(row)
        db.flush()
        db.refresh(row)
        db.add(SummaryRow(**digest(row).columns()))
    with SweepStore.over(store).writing() as tx:
        plain_id = ledger.append_event(
            tx,
            event_type=EVENT_TYPE,
            summary="1 needs action ✓",
            payload=payload,
            triggered_by="local-timer",
            sweep_id=payload["sweep_id"],
            created_at=T0,
        )

    events = _raw(store, "SELECT * FROM progress_events ORDER BY id")
    assert [e[0] for e in events][-1] == plain_id
    assert events[0][1:] == events[1][1:]
    summaries = _raw(store, "SELECT * FROM sweep_summaries ORDER BY event_id")
    assert [s[0] for s in summaries] == [events[0][0], plain_id]
    assert summaries[0][1:] == summaries[1][1:]
    with store.reading() as db:
        newest = recent_summaries(db, limit=1)[0]
        event = get_event(db, event_id=plain_id)
    assert event is not None and event.payload == payload and event.created_at == T0
    assert (newest.health, newest.processed, newest.missing, newest.findings) == (
        "degraded",
        1,
        1,
        {"behind": 1, "dirty": 1},
    )


def test_times_sort_as_times(store: Store) -> None:
    # Text that sorts as the times do: 09:59:59.999999 before 10:00:00 (microseconds always
    # written, even when zero), whatever the order the rows were written in.
    times = [T0 + timedelta(microseconds=1), T0, T0 - timedelta(hours=1), T0 + timedelta(days=1)]
    names = [f"repo-{k}" for k in range(len(times))]
    with store.session() as db:
        for name in [*names, "never"]:
            add_repo(db, name=name, path=f"/src/{name}")
    sweeps = SweepStore.over(store)
    for name, at in zip(names, times, strict=True):
        with sweeps.writing() as tx:
            ledger.record_checks(tx, checked_at=at, checks=[CheckRecord(name, None, [])])
    with sweeps.reading() as tx:
        order = [(r.name, r.last_checked_at) for r in ledger.list_repos_stalest_first(tx)]

    assert order == [("never", None), *sorted(zip(names, times, strict=True), key=lambda p: p[1])]


def test_real_sweeps_read_back_through_the_orm(
    settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    api, web = fleet_builder.clean("api"), fleet_builder.dirty("web")
    register(store, {"api": api, "web": web})
    sweeper = Sweeper(settings, store)

    first = sweeper.run(SweepRequest(max_seconds=60, fetch=False, triggered_by="local-timer"))
    (api / "more.txt").write_text("more\n")
    fleet_builder.git(api, "add", "more.txt")
    fleet_builder.git(api, "commit", "-q", "-m", "more")  # api: one ahead, its head moved
    second = sweeper.run(SweepRequest(max_seconds=60, fetch=False))
    third = sweeper.run(SweepRequest(max_seconds=60, fetch=False))  # nothing changed

    with store.reading() as db:
        repo = get_repo(db, name="api")
        changes = list_changes(db, repo_id=repo.id)
        events = list_events(db, event_type=EVENT_TYPE)
        summaries = recent_summaries(db, limit=5)
        by_id = get_event_by_sweep_id(db, sweep_id=str(second.sweep_id))

    assert repo.last_checked_at == third.finished_at
    assert repo.last_changed_at == second.finished_at
    assert repo.last_findings == ["ahead"]
    assert repo.last_state is not None and repo.last_state["ahead"] == 1
    assert repo.last_fetch == {"fetched": False, "ok": None, "finding": None, "message": None}
    assert [(c.status, c.findings, c.sweep_id) for c in changes] == [
        ("needs_action", ["ahead"], str(second.sweep_id)),
        ("clean", [], str(first.sweep_id)),
    ]
    assert [c.observed_at for c in changes] == [second.finished_at, first.finished_at]
    assert changes[0].heads["main"] != changes[1].heads["main"]
    sweeps = [first, second, third]
    assert [e.sweep_id for e in events] == [str(s.sweep_id) for s in reversed(sweeps)]
    assert [e.created_at for e in events] == [s.finished_at for s in reversed(sweeps)]
    assert [e.payload for e in events] == [s.document() for s in reversed(sweeps)]
    assert events[-1].triggered_by == "local-timer"
    assert summaries == [digest(e) for e in events]
    assert by_id == events[1]


def test_the_sweep_of_a_sqlite_file_at_head_runs_without_sqlalchemys_store(
    settings: Settings, store: Store, fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    register(store, {"api": fleet_builder.clean("api")})
    sweeps = SweepStore.open(store.url)
    try:
        result = Sweeper(settings, sweeps).run(SweepRequest(max_seconds=60, fetch=False))
        on_its_own = sweeps._store is None
    finally:
        sweeps.close()
    with store.reading() as db:
        event = get_event_by_sweep_id(db, sweep_id=str(result.sweep_id))

    assert event is not None and event.payload["skipped_clean"] == ["api"]
    # SQLite at head: plain sqlite3; PostgreSQL: Store.open and its pool, as before.
    assert on_its_own is (store.engine.dialect.name == "sqlite")


def test_a_session_can_run_the_ledger_in_its_own_transaction(store: Store) -> None:
    with store.session() as db:
        add_repo(db, name="api", path="/src/api")
        with in_session(db) as tx:
            ledger.record_checks(tx, checked_at=T0, checks=[CheckRecord("api", None, ["dirty"])])
        assert get_repo(db, name="api").last_findings == ["dirty"]  # the session reads it
