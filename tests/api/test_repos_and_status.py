"""GET /repos, /repos/{name} and /consistency/status."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import httpx

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import append_event
from statehub.sweep.lock import SweepLock
from statehub.sweep.result import EVENT_TYPE, LockHolder
from testing.fleet import FleetBuilder, register
from tests.api.helpers import sqlite_only


def _sweep(client: httpx.Client, **body: object) -> dict:
    answer = client.post("/consistency/sweep/remote-all", json={"max_seconds": 60, **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_repos_show_the_last_observed_state_and_findings(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"clean": fleet_builder.clean("clean"), "ahead": fleet_builder.ahead("ahead")})
    before = client.get("/repos").json()
    assert [r["last_checked_at"] for r in before] == [None, None]

    _sweep(client)

    repos = {r["name"]: r for r in client.get("/repos").json()}
    assert repos["ahead"]["last_findings"] == ["ahead"]
    assert repos["ahead"]["last_state"]["ahead"] == 1
    assert repos["clean"]["last_findings"] == []
    one = client.get("/repos/ahead")
    # The one repo's view is the listing's entry and more (explanations, history).
    assert one.status_code == 200 and one.json().items() >= repos["ahead"].items()


@sqlite_only
def test_an_unknown_repo_is_404(client: httpx.Client) -> None:
    answer = client.get("/repos/nope")

    assert answer.status_code == 404
    assert "nope" in answer.json()["detail"]


def test_status_before_any_sweep_is_overdue(client: httpx.Client) -> None:
    status = client.get("/consistency/status").json()

    assert status["overdue"] is True
    assert status["overdue_reason"] == "no sweep has run yet"
    assert status["last_sweep"] is None and status["last_by_trigger"] == {}
    assert status["lock"] == {"held": False, "holder": None}


def test_status_reports_the_last_sweep_per_trigger(
    client: httpx.Client, settings: Settings
) -> None:
    _sweep(client, triggered_by="local-timer")
    ran = _sweep(client, triggered_by="activity-core", caller_run_id="run-7")
    holder = LockHolder(
        sweep_id="0b7e0c1e-2222-4222-8222-222222222222",
        pid=os.getpid(),
        started_at=datetime.now(UTC),
        triggered_by="local-timer",
    )
    with SweepLock(settings.lock_path) as lock:
        assert lock.try_acquire(holder)
        skipped = _sweep(client, triggered_by="local-timer")
        status = client.get("/consistency/status").json()

    assert skipped["lock_skipped"] is True
    assert status["overdue"] is False
    assert status["cadence_minutes"] == 15 and status["grace_minutes"] == 5
    assert status["last_sweep"]["sweep_id"] == skipped["sweep_id"]
    assert status["last_completed"]["sweep_id"] == ran["sweep_id"]
    assert status["last_by_trigger"]["activity-core"]["caller_run_id"] == "run-7"
    assert status["last_by_trigger"]["local-timer"]["lock_skipped"] is True
    assert 0 <= status["last_completed"]["age_seconds"] < 60
    assert status["lock"]["held"] is True
    assert status["lock"]["holder"]["sweep_id"] == holder.sweep_id


@sqlite_only
def test_status_is_overdue_past_cadence_and_grace(client: httpx.Client, store: Store) -> None:
    old = datetime.now(UTC) - timedelta(minutes=21)
    with store.session() as db:
        append_event(
            db,
            event_type=EVENT_TYPE,
            summary="old",
            payload={"lock_skipped": False, "exit_code": 0},
            triggered_by="local-timer",
            sweep_id="0b7e0c1e-3333-4333-8333-333333333333",
            created_at=old,
        )

    status = client.get("/consistency/status").json()

    assert status["overdue"] is True
    assert "21.0 min ago" in status["overdue_reason"]
    assert status["last_by_trigger"]["local-timer"]["age_seconds"] >= 21 * 60
