"""GET /health: open, minimal, and prompt while a sweep is busy."""

from __future__ import annotations

import time

import httpx

from statehub import __version__
from statehub.store import Store
from testing.fleet import FleetBuilder, register
from tests.api.helpers import sqlite_only


def test_it_reports_version_and_database(client: httpx.Client) -> None:
    answer = client.get("/health")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": __version__, "database": "ok"}


@sqlite_only
def test_it_answers_within_a_second_while_a_sweep_hangs_on_a_remote(
    client: httpx.Client, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(store, {"hangs": fleet_builder.hanging_remote("hangs")}, trusted={"hangs"})
    started = client.post(
        "/consistency/sweep/remote-all", json={"max_seconds": 3}, params={"wait": "false"}
    )
    assert started.status_code == 202
    location = started.headers["Location"]

    timings = []
    for _ in range(5):
        assert client.get(location).json()["status"] == "running"
        began = time.monotonic()
        answer = client.get("/health")
        timings.append(time.monotonic() - began)
        assert answer.status_code == 200 and answer.json()["database"] == "ok"
        time.sleep(0.2)

    assert max(timings) < 1.0, timings
    # The sweep itself went on to its budget and was recorded.
    deadline = time.monotonic() + 15
    while client.get(location).json()["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert client.get(location).json()["result"]["skipped_budget"] == ["hangs"]
