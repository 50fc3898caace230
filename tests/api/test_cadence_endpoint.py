"""GET /consistency/cadence: the verdict over HTTP, behind the token like the rest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from statehub.api import create_app
from statehub.settings import Secret, Settings
from statehub.store import Store
from testing.history import parallel_week
from testing.serve import LiveServer
from tests.api.helpers import sqlite_only


def test_a_real_sweep_shows_in_the_current_slot(client: httpx.Client) -> None:
    answer = client.post(
        "/consistency/sweep/remote-all",
        json={"max_seconds": 30, "triggered_by": "activity-core"},
    )
    assert answer.status_code == 200, answer.text
    sweep = answer.json()

    got = client.get("/consistency/cadence", params={"since": "15m", "slots": "true"})

    assert got.status_code == 200, got.text
    body = got.json()
    marks = [m for slot in body["slots"] for m in slot["marks"]]
    # The window's first whole slot may start after the sweep; the sweep is then not in it.
    started = datetime.fromisoformat(sweep["started_at"])
    if started >= datetime.fromisoformat(body["window_start"]):
        assert [m["sweep_id"] for m in marks] == [sweep["sweep_id"]]
        [slot] = [s for s in body["slots"] if s["marks"]]
        assert slot["ran_by"] == ["activity-core"] and slot["covered"]
    assert body["every_seconds"] == 900 and body["tolerance_seconds"] == 300


def test_the_parallel_week_verdict(client: httpx.Client, store: Store) -> None:
    parallel_week(store, now=datetime.now(UTC))

    body = client.get("/consistency/cadence").json()

    assert body["can_disable_timer"] is True, body["reasons"]
    assert body["slots_judged"] >= 671  # 7 days back from now: 672, or 671 early in a slot
    assert body["slots"] is None  # only with ?slots=true
    totals = {t["source"]: t for t in body["totals"]}
    assert totals["activity-core"]["lock_skips"] == totals["local-timer"]["sweeps"]


@sqlite_only
def test_a_missed_fire_is_named(client: httpx.Client, store: Store) -> None:
    now = datetime.now(UTC)
    parallel_week(store, now=now, days=1, skip_activity_core=[10])

    body = client.get("/consistency/cadence", params={"since": "1d"}).json()

    assert body["can_disable_timer"] is False
    assert len(body["missed"]) == 1
    assert body["longest_source_gap"]["slots"] == 1
    assert "did not attend 1 of" in body["reasons"][0]


@sqlite_only
@pytest.mark.parametrize(
    "params",
    [
        {"since": "7"},
        {"since": "40d"},
        {"every": "0m"},
        {"every": "1s", "since": "31d"},
        {"tolerance": "15m"},
        {"source": ""},
        {"since": "9999999w"},
    ],
)
def test_bad_windows_are_422(client: httpx.Client, params: dict[str, str]) -> None:
    answer = client.get("/consistency/cadence", params=params)
    assert answer.status_code == 422, answer.text


@sqlite_only
def test_it_needs_the_token(settings: Settings, store: Store) -> None:
    app = create_app(replace(settings, token=Secret("s3cret")), store)
    with LiveServer(app) as server, server.client() as http:
        assert http.get("/consistency/cadence").status_code == 401
        ok = http.get("/consistency/cadence", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
