"""The server: its worker delivers what sweeps announce, GET /notifications and the dashboard
show it, and the watchdog announces an overdue sweep and its return, once each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from statehub.api import create_app
from statehub.notify.watchdog import Watchdog
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.deliveries import recent
from statehub.store.events import append_event
from statehub.sweep.result import EVENT_TYPE
from testing.fleet import FleetBuilder, register
from testing.receiver import Receiver
from testing.serve import LiveServer
from testing.waiting import wait_for

SWEEP = "/consistency/sweep/remote-all"


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@pytest.mark.slow
def test_the_server_delivers_what_its_sweeps_announce_and_shows_it(
    fleet_builder: FleetBuilder, settings: Settings, store: Store, hook: Receiver
) -> None:
    register(store, {"api": fleet_builder.dirty("api")})
    notifying = replace(settings, notify=hook.apprise_url("alerts"))
    with LiveServer(create_app(notifying, store)) as live, live.client() as client:
        for _ in range(2):
            assert client.post(SWEEP, json={"max_seconds": 60}).status_code == 200

        [body] = hook.wait_for_bodies(1)
        assert body["title"] == "api needs action: dirty"
        listed = wait_for(
            lambda: [n for n in client.get("/notifications").json() if n["status"] == "delivered"],
            what="the delivery recorded",
        )
        page = client.get("/").text

    assert [(n["kind"], n["title"]) for n in listed] == [("repo_alert", "api needs action: dirty")]
    assert listed[0]["channel"] == f"json://127.0.0.1:{hook.port}/alerts"
    assert 'id="notifications"' in page and "api needs action: dirty" in page
    assert f"json://127.0.0.1:{hook.port}/alerts" in page


def _sweep_recorded(store: Store, at: datetime) -> None:
    payload = {
        "sweep_id": "00000000-0000-0000-0000-000000000001",
        "triggered_by": "local-timer",
        "host": "h",
        "mode": "warn",
        "max_seconds": 60,
        "started_at": at.isoformat(),
        "finished_at": at.isoformat(),
        "duration_seconds": 0.1,
        "exit_code": 0,
        "repos_total": 0,
    }
    with store.session() as db:
        append_event(db, event_type=EVENT_TYPE, summary="ok", payload=payload, created_at=at)


def test_the_watchdog_announces_overdue_once_and_back_on_schedule_once(
    settings: Settings, store: Store
) -> None:
    t0 = datetime.now(UTC)
    now = [t0]
    watchdog = Watchdog(settings, store, ["json://127.0.0.1:9/x"], clock=lambda: now[0])

    assert watchdog.check() == 0  # a fresh server with no sweep yet is not late
    now[0] = t0 + timedelta(minutes=21)  # cadence 15 + grace 5 passed: overdue
    assert watchdog.check() == 1
    assert watchdog.check() == 0  # still overdue: said once
    _sweep_recorded(store, now[0])
    now[0] += timedelta(minutes=1)
    assert watchdog.check() == 1
    assert watchdog.check() == 0

    with store.reading() as db:
        said = [(d.kind, d.title, d.body) for d in reversed(recent(db))]
    assert [(k, t) for k, t, _ in said] == [
        ("overdue", "sweep overdue on test-workstation"),
        ("overdue", "sweep back on schedule on test-workstation"),
    ]
    assert "no sweep has run yet" in said[0][2]


def test_the_watchdog_thread_checks_every_interval(settings: Settings, store: Store) -> None:
    woken = []
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    watchdog = Watchdog(
        settings,
        store,
        ["json://127.0.0.1:9/x"],
        interval=0.05,
        on_enqueued=lambda: woken.append(1),
    )
    watchdog.started_at = long_ago
    watchdog.start()
    try:
        wait_for(lambda: woken, what="the watchdog's first overdue announcement")
    finally:
        watchdog.stop()
    with store.reading() as db:
        assert [d.kind for d in recent(db)] == ["overdue"]
