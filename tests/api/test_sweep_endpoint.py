"""POST /consistency/sweep/remote-all and GET /consistency/sweeps/{id}, over real HTTP."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import httpx
import pytest

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import get_event_by_sweep_id, list_events
from statehub.sweep.lock import SweepLock
from statehub.sweep.result import EVENT_TYPE, LockHolder
from testing.fleet import FleetBuilder, register
from tests.api.helpers import sqlite_only

SWEEP = "/consistency/sweep/remote-all"


def _poll_until_finished(client: httpx.Client, location: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(location)
        assert answer.status_code == 200, answer.text
        if answer.json()["status"] != "running":
            return answer.json()
        time.sleep(0.1)
    pytest.fail(f"{location} still running after {timeout}s")


def test_it_answers_with_the_result_document_when_the_sweep_is_done(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"clean": fleet_builder.clean("clean"), "dirty": fleet_builder.dirty("dirty")})

    answer = client.post(
        SWEEP,
        json={"max_seconds": 60, "triggered_by": "activity-core", "caller_run_id": "run-42"},
    )

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["event_type"] == EVENT_TYPE
    assert (result["triggered_by"], result["caller_run_id"]) == ("activity-core", "run-42")
    assert result["lock_skipped"] is False and result["exit_code"] == 0
    assert result["skipped_clean"] == ["clean"]
    assert [r["name"] for r in result["repos_processed"]] == ["dirty"]
    with store.session() as db:
        event = get_event_by_sweep_id(db, sweep_id=result["sweep_id"])
    assert event is not None and event.payload == result


def test_it_takes_an_empty_body_as_all_defaults(client: httpx.Client) -> None:
    answer = client.post(SWEEP)

    assert answer.status_code == 200, answer.text
    assert answer.json()["max_seconds"] == 300
    assert answer.json()["mode"] == "warn"
    assert answer.json()["triggered_by"] == "manual"


@sqlite_only
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_seconds": 60, "max_secs": 5}, "max_secs"),
        ({"max_seconds": "300"}, "max_seconds"),
        ({"max_seconds": 0}, "max_seconds"),
        ({"max_seconds": 3601}, "max_seconds"),
        ({"mode": "yolo"}, "mode"),
        ({"triggered_by": 7}, "triggered_by"),
        ({"triggered_by": "x" * 101}, "triggered_by"),
        ({"caller_run_id": "a\nb"}, "caller_run_id"),
    ],
)
def test_it_refuses_a_bad_body_naming_the_field(
    client: httpx.Client, store: Store, body: dict, field: str
) -> None:
    answer = client.post(SWEEP, json=body)

    assert answer.status_code == 422, answer.text
    assert [e["loc"] for e in answer.json()["detail"]] == [["body", field]]
    with store.session() as db:
        assert list_events(db) == []  # refused before anything ran


@pytest.mark.parametrize("how", ["prefer-header", "wait-false"])
def test_it_starts_asynchronously_and_the_location_reports_the_result(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder, how: str
) -> None:
    register(store, {"behind": fleet_builder.behind("behind")})
    if how == "prefer-header":
        answer = client.post(SWEEP, json={}, headers={"Prefer": "wait=5, respond-async"})
    else:
        answer = client.post(SWEEP, params={"wait": "false"}, json={})

    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert accepted["status"] == "running" and accepted["result"] is None
    assert answer.headers["Location"] == f"/consistency/sweeps/{accepted['sweep_id']}"

    finished = _poll_until_finished(client, answer.headers["Location"])

    assert finished["status"] == "finished"
    assert finished["result"]["sweep_id"] == accepted["sweep_id"]
    assert [r["name"] for r in finished["result"]["repos_processed"]] == ["behind"]
    # With the line recorded beside it (the dashboard shows it as it is).
    (recorded,) = client.get("/progress/", params={"limit": 1}).json()
    assert recorded["sweep_id"] == accepted["sweep_id"]
    assert finished["summary"] == recorded["summary"]
    assert finished["summary"].startswith("1 repos: 1 need action")


def test_it_answers_404_for_a_sweep_it_never_saw(client: httpx.Client) -> None:
    answer = client.get("/consistency/sweeps/2f1c9a3e-0000-4000-8000-000000000000")

    assert answer.status_code == 404
    assert "no sweep" in answer.json()["detail"]
    assert client.get("/consistency/sweeps/not-a-uuid").status_code == 422


@sqlite_only
def test_a_sweep_another_process_is_running_reports_running(
    client: httpx.Client, settings: Settings
) -> None:
    holder = LockHolder(
        sweep_id="0b7e0c1e-4444-4444-8444-444444444444",
        pid=os.getpid(),
        started_at=datetime.now(UTC),
        triggered_by="local-timer",
    )
    with SweepLock(settings.lock_path) as lock:
        assert lock.try_acquire(holder)
        while_held = client.get(f"/consistency/sweeps/{holder.sweep_id}")
    after = client.get(f"/consistency/sweeps/{holder.sweep_id}")

    assert while_held.status_code == 200 and while_held.json()["status"] == "running"
    assert after.status_code == 404  # released without a record: it never finished


@pytest.mark.parametrize("headers", [{}, {"Prefer": "respond-async"}])
def test_it_answers_a_lock_skip_at_once_in_both_modes(
    client: httpx.Client, settings: Settings, store: Store, headers: dict[str, str]
) -> None:
    # Another process's sweep holds the lock (the CLI timer, say).
    holder = LockHolder(
        sweep_id="0b7e0c1e-1111-4111-8111-111111111111",
        pid=os.getpid(),
        started_at=datetime.now(UTC),
        triggered_by="local-timer",
    )
    with SweepLock(settings.lock_path) as lock:
        assert lock.try_acquire(holder)
        answer = client.post(SWEEP, json={"triggered_by": "activity-core"}, headers=headers)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["lock_skipped"] is True and result["exit_code"] == 0
    assert result["held_by"]["sweep_id"] == holder.sweep_id
    assert result["held_by"]["triggered_by"] == "local-timer"
    status = client.get(f"/consistency/sweeps/{result['sweep_id']}").json()
    assert status["status"] == "finished" and status["result"] == result
    assert status["summary"] == "lock skipped: held by local-timer"


@sqlite_only
def test_a_client_that_disconnects_does_not_abort_the_sweep(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"hangs": fleet_builder.hanging_remote("hangs")}, trusted={"hangs"})

    with pytest.raises(httpx.ReadTimeout):
        client.post(
            SWEEP,
            json={"max_seconds": 2, "caller_run_id": "gone-away"},
            timeout=httpx.Timeout(10, read=0.5),
        )

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with store.session() as db:
            recorded = [e for e in list_events(db) if e.payload.get("caller_run_id") == "gone-away"]
        if recorded:
            break
        time.sleep(0.2)
    assert len(recorded) == 1, "the abandoned sweep was never recorded"
    assert recorded[0].payload["skipped_budget"] == ["hangs"]
