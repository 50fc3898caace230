"""Twenty POSTs and a CLI timer run at once: one sweep runs, every other answer is a
recorded lock skip."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import list_events
from statehub.sweep.result import EVENT_TYPE
from testing import ROOT
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer, statehub_env

POSTS = 20
# The winner holds the lock this long (its fetch hangs until the budget cuts
# it), which is ample for a cold CLI process to start and try the lock.
BUDGET = 6


@pytest.mark.slow
def test_twenty_posts_and_a_cli_sweep_run_exactly_one_sweep(
    live: LiveServer, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(
        store,
        {"slow": fleet_builder.hanging_remote("slow"), "ok": fleet_builder.clean("ok")},
        trusted={"slow"},
    )
    start = threading.Barrier(POSTS + 1)

    def post(i: int) -> dict[str, Any]:
        with live.client() as client:
            start.wait()
            answer = client.post(
                "/consistency/sweep/remote-all",
                json={
                    "max_seconds": BUDGET,
                    "triggered_by": "activity-core",
                    "caller_run_id": f"r{i}",
                },
            )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def cli() -> dict[str, Any]:
        start.wait()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "statehub",
                "sweep",
                "--remote-all",
                "--json",
                "--max-seconds",
                str(BUDGET),
                "--triggered-by",
                "local-timer",
            ],
            env=statehub_env(settings.home, settings.resolved_database_url),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    with ThreadPoolExecutor(max_workers=POSTS + 1) as pool:
        futures = [pool.submit(post, i) for i in range(POSTS)] + [pool.submit(cli)]
        results = [f.result() for f in futures]

    ran = [r for r in results if not r["lock_skipped"]]
    assert len(ran) == 1, [r["triggered_by"] for r in ran]
    winner = ran[0]
    assert winner["skipped_budget"] == ["slow"] and winner["skipped_clean"] == ["ok"]
    skipped = [r for r in results if r["lock_skipped"]]
    assert len(skipped) == POSTS
    assert all(r["held_by"]["sweep_id"] == winner["sweep_id"] for r in skipped)
    assert all(r["exit_code"] == 0 for r in results)
    with store.session() as db:
        events = list_events(db, event_type=EVENT_TYPE, limit=100)
    assert len(events) == POSTS + 1
    assert {e.sweep_id for e in events} == {r["sweep_id"] for r in results}
