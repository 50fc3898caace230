"""GET /metrics: real sweeps over real repos, scraped from a real server on loopback.

Sweeps run through the engine directly count as much as the server's own: that is the CLI's
and the timer's path, and the collector reads the store, not the server's memory.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from statehub.api import create_app
from statehub.settings import Secret, Settings
from statehub.store import Store
from statehub.store.events import get_event_by_sweep_id, list_events
from statehub.store.models import SummaryRow
from statehub.store.retention import prune
from statehub.sweep.engine import Sweeper
from statehub.sweep.lock import SweepLock
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import EVENT_TYPE, LockHolder, SweepCannotStart
from testing.fleet import FleetBuilder, register
from testing.metrics import samples, value
from testing.serve import LiveServer
from tests.api.helpers import sqlite_only

DAY = timedelta(days=1)


def _scrape(client: httpx.Client) -> str:
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return answer.text


def _sweep(settings: Settings, store: Store, triggered_by: str) -> None:
    Sweeper(settings, store).run(SweepRequest(max_seconds=60, triggered_by=triggered_by))


def _holder() -> LockHolder:
    return LockHolder(sweep_id="held-by-test", pid=1, started_at=None, triggered_by="test")


def test_it_counts_every_sweep_by_trigger_and_outcome(
    client: httpx.Client, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"clean": fleet_builder.clean("clean")})
    assert value(_scrape(client), "statehub_sweep_last_run_timestamp_seconds") == 0

    _sweep(settings, store, "local-timer")  # ok
    answer = client.post("/consistency/sweep/remote-all", json={"max_seconds": 60})
    assert answer.status_code == 200 and answer.json()["health"] == "ok"  # manual, ok
    manual_id = answer.json()["sweep_id"]
    with SweepLock(settings.lock_path) as lock:
        assert lock.try_acquire(_holder())
        _sweep(settings, store, "activity-core")  # lock skipped
    register(store, {"plain-dir": fleet_builder.not_a_repo("plain-dir")})
    _sweep(settings, store, "local-timer")  # degraded: one repo cannot be inspected
    # The lock file cannot be opened: the sweep cannot start, and is recorded as failed.
    settings.lock_path.unlink()
    settings.lock_path.mkdir()
    with pytest.raises(SweepCannotStart):
        _sweep(settings, store, "local-timer")

    text = _scrape(client)

    counts = {
        (dict(labels)["trigger"], dict(labels)["outcome"]): v
        for (name, labels), v in samples(text).items()
        if name == "statehub_sweeps_total"
    }
    assert counts == {
        ("local-timer", "ok"): 1,
        ("local-timer", "degraded"): 1,
        ("local-timer", "failed"): 1,
        ("local-timer", "lock_skipped"): 0,
        ("manual", "ok"): 1,
        ("manual", "degraded"): 0,
        ("manual", "failed"): 0,
        ("manual", "lock_skipped"): 0,
        ("activity-core", "ok"): 0,
        ("activity-core", "degraded"): 0,
        ("activity-core", "failed"): 0,
        ("activity-core", "lock_skipped"): 1,
    }
    with store.reading() as db:
        newest = list_events(db, event_type=EVENT_TYPE, limit=1)[0]
        last_ok = get_event_by_sweep_id(db, sweep_id=manual_id)
    assert last_ok is not None
    assert newest.payload["health"] == "failed"
    # The last run is the failed one; the last success the newest ok sweep (the manual one).
    assert value(text, "statehub_sweep_last_run_timestamp_seconds") == pytest.approx(
        newest.created_at.timestamp()
    )
    assert value(text, "statehub_sweep_last_success_timestamp_seconds") == pytest.approx(
        last_ok.created_at.timestamp()
    )
    assert value(text, "statehub_sweep_last_duration_seconds") == pytest.approx(
        newest.payload["duration_seconds"]
    )


def _sweep_counts(text: str) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["trigger"], dict(labels)["outcome"]): v
        for (name, labels), v in samples(text).items()
        if name == "statehub_sweeps_total"
    }


def test_a_prune_never_makes_a_sweep_counter_fall(
    client: httpx.Client, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"clean": fleet_builder.clean("clean")})
    for _ in range(3):
        _sweep(settings, store, "local-timer")  # ok
    with SweepLock(settings.lock_path) as lock:
        assert lock.try_acquire(_holder())
        for _ in range(2):
            _sweep(settings, store, "activity-core")  # lock skipped
    register(store, {"plain-dir": fleet_builder.not_a_repo("plain-dir")})
    for _ in range(2):
        _sweep(settings, store, "activity-core")  # degraded
    settings.lock_path.unlink()
    settings.lock_path.mkdir()
    for _ in range(2):
        with pytest.raises(SweepCannotStart):
            _sweep(settings, store, "local-timer")  # failed
    before = _sweep_counts(_scrape(client))
    assert {k: v for k, v in before.items() if v} == {
        ("local-timer", "ok"): 3,
        ("local-timer", "failed"): 2,
        ("activity-core", "lock_skipped"): 2,
        ("activity-core", "degraded"): 2,
    }

    # A year on, everything is past the retention but what a prune always keeps.
    report = prune(
        store, now=datetime.now(UTC) + 365 * DAY, older_than=90 * DAY, keep_window=31 * DAY
    )
    with store.reading() as db:
        rows_left = db.scalar(select(func.count()).select_from(SummaryRow))
    assert (report.sweep_summaries, rows_left) == (7, 2)  # the newest of each trigger stay

    after = _sweep_counts(_scrape(client))
    assert after == before  # every series equal: none fell, none grew
    with pytest.raises(SweepCannotStart):
        _sweep(settings, store, "local-timer")  # and counting goes on from there
    assert _sweep_counts(_scrape(client))[("local-timer", "failed")] == 3


def test_it_counts_repos_by_finding_and_never_names_one(
    client: httpx.Client, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(
        store,
        {
            "alpha-clean": fleet_builder.clean("alpha-clean"),
            "bravo-ahead": fleet_builder.ahead("bravo-ahead"),
            "charlie-behind": fleet_builder.behind("charlie-behind"),
            "delta-dirty": fleet_builder.dirty("delta-dirty"),
        },
    )
    before = _scrape(client)
    assert value(before, "statehub_repos_registered") == 4
    assert value(before, "statehub_repos_needing_action") == 0  # none checked yet

    _sweep(settings, store, "local-timer")
    text = _scrape(client)

    assert value(text, "statehub_repos_registered") == 4
    assert value(text, "statehub_repos_needing_action") == 3
    for finding, expected in {"ahead": 1, "behind": 1, "dirty": 1, "diverged": 0}.items():
        assert value(text, "statehub_repos", finding=finding) == expected, finding
    assert value(text, "statehub_fetch_failures") == 0
    for name in ("alpha", "bravo", "charlie", "delta"):
        assert name not in text


def test_fetch_failures_are_the_last_sweeps(
    client: httpx.Client,
    settings: Settings,
    store: Store,
    fleet_builder: FleetBuilder,
    tmp_path: Path,
) -> None:
    repos = {"online": fleet_builder.clean("online"), "offline": fleet_builder.clean("offline")}
    register(store, repos)
    fleet_builder.git(repos["offline"], "remote", "set-url", "origin", str(tmp_path / "gone.git"))

    _sweep(settings, store, "local-timer")
    text = _scrape(client)

    assert value(text, "statehub_fetch_failures") == 1
    assert value(text, "statehub_repos", finding="fetch_failed") == 1
    assert value(text, "statehub_sweeps_total", trigger="local-timer", outcome="degraded") == 1
    # Degraded is not a success: an overdue alert would fire on the age of this sample.
    assert value(text, "statehub_sweep_last_success_timestamp_seconds") == 0


@sqlite_only
def test_it_shows_the_lock_without_taking_it(client: httpx.Client, settings: Settings) -> None:
    assert value(_scrape(client), "statehub_lock_held") == 0
    with SweepLock(settings.lock_path) as lock:
        assert lock.try_acquire(_holder())
        assert value(_scrape(client), "statehub_lock_held") == 1
        assert value(_scrape(client), "statehub_lock_held") == 1
    # The scrapes took nothing: the lock is free for the next sweep at once.
    with SweepLock(settings.lock_path) as lock:
        assert lock.try_acquire(_holder())


@sqlite_only
@pytest.mark.parametrize(
    ("public", "bearer", "expected"),
    [
        (False, None, 401),
        (False, "wrong", 401),
        (False, "s3cret", 200),
        (True, None, 200),
    ],
)
def test_it_needs_the_token_unless_public(
    settings: Settings,
    store: Store,
    public: bool,
    bearer: str | None,
    expected: int,
) -> None:
    locked = replace(settings, token=Secret("s3cret"), metrics_public=public)
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    with LiveServer(create_app(locked, store)) as live, live.client() as http:
        answer = http.get("/metrics", headers=headers)
        # Public opens /metrics alone: the rest of the API keeps its token.
        assert http.get("/repos").status_code == 401

    assert answer.status_code == expected, answer.text
    if expected == 200:
        assert value(answer.text, "statehub_up") == 1


@sqlite_only
def test_a_store_that_cannot_be_read_is_statehub_up_0(
    settings: Settings, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    opened = Store.open(sqlite_url)
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    try:
        with LiveServer(create_app(settings, opened)) as live, live.client() as http:
            assert value(_scrape(http), "statehub_up") == 1
            # The database file is gone and a directory stands in its place: every new
            # connection fails, as on a disk that went away.
            opened.dispose()
            for path in database.parent.glob(database.name + "*"):
                path.unlink()
            database.mkdir()
            text = _scrape(http)
    finally:
        opened.dispose()
        shutil.rmtree(database, ignore_errors=True)

    assert value(text, "statehub_up") == 0
    assert value(text, "statehub_lock_held") == 0
    assert value(text, "statehub_sweep_cadence_seconds") == settings.cadence_minutes * 60
    assert value(text, "statehub_repos_registered") is None
    failures = [r for r in caplog.records if r.name == "statehub.metrics"]
    assert failures and all(r.exc_info is None for r in failures)
    assert "statehub_up 0" in failures[0].getMessage()


def test_a_query_the_store_does_not_translate_is_statehub_up_0_too(
    client: httpx.Client, store: Store
) -> None:
    # A table gone under the server (a hand-run DROP, a restore gone wrong). On PostgreSQL
    # that is a ProgrammingError the store does not call "unavailable": still not a 500.
    with store.engine.begin() as connection:
        # The table the counters are read from.
        connection.exec_driver_sql("DROP TABLE sweep_summaries")

    answer = client.get("/metrics")

    assert answer.status_code == 200, answer.text
    assert value(answer.text, "statehub_up") == 0
    assert value(answer.text, "statehub_lock_held") == 0
