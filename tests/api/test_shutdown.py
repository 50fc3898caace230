"""SIGTERM stops ``statehub serve`` gracefully: the running sweep is finished (at its
budget) and recorded before the process exits — and a caller still waiting gets its answer."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import list_events
from statehub.sweep.lock import current_holder
from testing.fleet import FleetBuilder, register
from testing.serve import CLEAN_STOP, free_port, serve_process, statehub_env
from tests.api.helpers import sqlite_only


@pytest.mark.slow
@sqlite_only
@pytest.mark.parametrize("respond", ["async", "sync"])
def test_sigterm_waits_for_the_running_sweep_and_records_it(
    tmp_path: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder, respond: str
) -> None:
    register(store, {"hangs": fleet_builder.hanging_remote("hangs")}, trusted={"hangs"})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = statehub_env(settings.home, settings.resolved_database_url)
    headers = {"Prefer": "respond-async"} if respond == "async" else {}

    with (
        serve_process(env, tmp_path / "serve.log", port=port) as server,
        ThreadPoolExecutor(1) as pool,
    ):
        answer = pool.submit(
            httpx.post,
            f"{url}/consistency/sweep/remote-all",
            json={"max_seconds": 3, "triggered_by": "activity-core"},
            headers=headers,
            timeout=30,
        )
        deadline = time.monotonic() + 10
        while current_holder(settings.lock_path) is None:  # until the sweep has begun
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        began = time.monotonic()
        status = server.terminate(timeout=30)
        took = time.monotonic() - began
        reply = answer.result()

    assert status in CLEAN_STOP, server.output()
    assert took < 3 + 5, f"shutdown took {took:.1f}s"
    with store.session() as db:
        [event] = list_events(db)
    assert event.payload["skipped_budget"] == ["hangs"], "the sweep was not recorded"
    assert event.payload["triggered_by"] == "activity-core"
    if respond == "async":
        assert reply.status_code == 202
        assert "waiting for 1 running sweep(s) to finish" in server.output()
    else:  # the connection was held open until the answer was sent
        assert reply.status_code == 200
        assert reply.json() == event.payload
