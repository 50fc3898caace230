"""Real sweeps over real repos, on SQLite and PostgreSQL: a sweep that saw the whole fleet is
``ok``; one whose every fetch failed (the credentials trap: the service's environment has
no ssh agent) is ``degraded`` with "no remote could be fetched (0 of N)" while its exit code
stays 0; the health is the same in the HTTP answer, the event's payload,
``GET /consistency/status``, ``statehub progress`` and the dashboard's banner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import append_event, list_events
from statehub.sweep.engine import Sweeper
from statehub.sweep.lock import SweepLock
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import EVENT_TYPE, LockHolder
from testing import ROOT
from testing.fleet import FleetBuilder, register


def _unreachable(fleet_builder: FleetBuilder, name: str) -> Path:
    """A clean repo whose remote cannot be reached: every fetch of it fails, fast."""
    path = fleet_builder.clean(name)
    subprocess.run(
        ["git", "remote", "set-url", "origin", str(path.parent / f"{name}-gone.git")],
        cwd=path,
        check=True,
    )
    return path


def test_a_sweep_that_saw_everything_is_ok_and_a_missing_repo_does_not_change_that(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    register(
        store,
        {
            "clean": fleet_builder.clean("clean"),
            "dirty": fleet_builder.dirty("dirty"),
            "gone": fleet_builder.missing("gone"),
        },
    )
    result = sweeper.run(SweepRequest(max_seconds=60))
    assert (result.health, result.health_reasons, result.exit_code) == ("ok", [], 0)


def test_a_sweep_whose_every_fetch_failed_is_degraded_and_says_so(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    register(store, {f"r{i}": _unreachable(fleet_builder, f"r{i}") for i in range(3)})

    result = sweeper.run(SweepRequest(max_seconds=60, triggered_by="activity-core"))

    assert result.exit_code == 0  # it ran: exit_code keeps its meaning
    assert result.health == "degraded"
    assert result.health_reasons == ["no remote could be fetched (0 of 3); 3 failed: r0, r1, r2"]
    with store.reading() as db:
        [event] = list_events(db, event_type=EVENT_TYPE)
    assert event.payload["health"] == "degraded"
    assert event.payload["health_reasons"] == result.health_reasons
    assert event.summary.endswith("3 fetch failed, 0 unreadable (degraded)"), event.summary


def test_some_fetches_failing_an_unreadable_repo_and_the_budget_each_get_a_sentence(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper
) -> None:
    register(
        store,
        {
            "ok": fleet_builder.clean("ok"),
            "offline": _unreachable(fleet_builder, "offline"),
            "corrupt": fleet_builder.corrupt("corrupt"),
        },
    )
    result = sweeper.run(SweepRequest(max_seconds=60))
    assert result.health == "degraded"
    assert result.health_reasons == [
        "1 of 2 repos could not be fetched; 1 failed: offline",
        "1 repo could not be inspected: corrupt",
    ]


def test_a_lock_skip_is_ok(fleet_builder: FleetBuilder, store: Store, settings: Settings) -> None:
    register(store, {"offline": _unreachable(fleet_builder, "offline")})
    with SweepLock(settings.lock_path) as lock:
        assert lock.try_acquire(
            LockHolder(sweep_id="other", pid=1, started_at=None, triggered_by="local-timer")
        )
        result = Sweeper(settings, store).run(SweepRequest(max_seconds=60))
    assert result.lock_skipped and (result.health, result.health_reasons) == ("ok", [])


def test_the_api_status_progress_and_dashboard_all_show_the_health(
    client: httpx.Client, fleet_builder: FleetBuilder, store: Store, settings: Settings
) -> None:
    register(store, {"a": _unreachable(fleet_builder, "a"), "b": _unreachable(fleet_builder, "b")})
    reason = "no remote could be fetched (0 of 2); 2 failed: a, b"

    answer = client.post("/consistency/sweep/remote-all", json={"max_seconds": 60})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["health"], answer.json()["health_reasons"]) == ("degraded", [reason])

    status = client.get("/consistency/status").json()
    assert (status["health"], status["health_reasons"]) == ("degraded", [reason])
    assert status["last_completed"]["health"] == "degraded"
    assert status["last_completed"]["health_derived"] is False

    page = client.get("/").text
    assert 'data-level="degraded"' in page and "did not see the whole fleet" in page
    assert reason in page

    env = {
        **os.environ,
        "STATEHUB_HOME": str(settings.home),
        "STATEHUB_DATABASE_URL": settings.resolved_database_url,
        "COLUMNS": "300",
    }
    listed = subprocess.run(
        [sys.executable, "-m", "statehub", "progress", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [event] = json.loads(listed.stdout)
    assert (event["payload"]["health"], event["payload"]["health_reasons"]) == (
        "degraded",
        [reason],
    )
    table = subprocess.run(
        [sys.executable, "-m", "statehub", "progress"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "degraded: no remote could be fetched (0 of 2)" in table.stdout


def test_an_event_recorded_before_health_existed_reads_as_derived_never_a_crash(
    client: httpx.Client, store: Store
) -> None:
    old = {
        "sweep_id": "0d4f5e1a-1111-4c55-9d0e-3f7f1b8a9c01",
        "triggered_by": "local-timer",
        "host": "ws",
        "mode": "warn",
        "max_seconds": 300,
        "started_at": "2026-11-30T10:00:00+00:00",
        "finished_at": "2026-11-30T10:00:09+00:00",
        "duration_seconds": 9.0,
        "exit_code": 0,
        "repos_total": 1,
        "skipped_budget": ["slow"],
    }
    with store.session() as db:
        append_event(
            db,
            event_type=EVENT_TYPE,
            summary="old",
            payload=old,
            triggered_by="local-timer",
            sweep_id=old["sweep_id"],
        )
    status = client.get("/consistency/status")
    assert status.status_code == 200, status.text
    summary = status.json()["last_completed"]
    assert (summary["health"], summary["health_derived"]) == ("degraded", True)
    assert summary["health_reasons"] == ["1 repo not reached within the 300s budget: slow"]
    page = client.get("/")
    assert page.status_code == 200 and "derived from an older record" in page.text
    one = client.get(f"/dashboard/sweeps/{old['sweep_id']}")
    assert one.status_code == 200 and 'data-health="degraded"' in one.text
