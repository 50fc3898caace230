"""SIGKILL at the worst moments: ``statehub serve`` in the middle of a sweep, CLI sweeps at
random points of their life (the event transaction included). Afterwards the lock is free,
no event is half-written, SQLite's ``PRAGMA integrity_check`` is ok, and the next sweep runs.

The activity-core worker and the Temporal dev server are killed in ``test_scheduler_crashes``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.lock import current_holder
from testing import ROOT
from testing.fleet import FleetBuilder, register
from testing.processes import read_pids
from testing.serve import free_port, serve_process, statehub_env
from tests.reliability.support import (
    assert_lock_free,
    assert_sqlite_intact,
    assert_whole_events,
    cli_sweep,
    parse_json,
    sweep_events,
    wait_until,
)

KILLS = 8


def _kill_leftover_hangs(builder: FleetBuilder, name: str) -> list[int]:
    """git runs in a session of its own, so a SIGKILLed parent leaves its hung fetch behind
    (it holds no lock). Returns the pids that were still alive, after killing them."""
    alive = []
    for pid in read_pids(builder.hang_pids_file(name), expect=0):
        try:
            os.kill(pid, signal.SIGKILL)
            alive.append(pid)
        except ProcessLookupError:
            pass
    return alive


def test_sigkill_of_the_server_mid_sweep_leaves_nothing_behind(
    tmp_path: Path, settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    register(
        store,
        {"hangs": fleet_builder.hanging_remote("hangs"), "clean": fleet_builder.clean("clean")},
        trusted={"hangs"},
    )
    env = statehub_env(settings.home, settings.resolved_database_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serve_process(env, tmp_path / "serve-1.log", port=port) as server:
        started = httpx.post(
            f"{url}/consistency/sweep/remote-all",
            json={"max_seconds": 60, "triggered_by": "activity-core"},
            headers={"Prefer": "respond-async"},
            timeout=30,
        )
        assert started.status_code == 202
        wait_until(lambda: current_holder(settings.lock_path), timeout=15, what="the sweep's lock")
        server.process.kill()
        server.process.wait()
    _kill_leftover_hangs(fleet_builder, "hangs")

    assert_lock_free(settings.lock_path)
    assert sweep_events(store) == []  # the killed sweep left no partial event
    assert_sqlite_intact(settings.home.parent / "statehub.db")
    with serve_process(env, tmp_path / "serve-2.log", port=port):
        # The restarted server has never heard of the killed sweep: a poller learns that
        # (activity-core records the run failed), instead of waiting for ever.
        lost = httpx.get(f"{url}{started.headers['Location']}", timeout=10)
        assert lost.status_code == 404
        after = httpx.post(
            f"{url}/consistency/sweep/remote-all", json={"max_seconds": 2}, timeout=30
        )
        assert after.status_code == 200 and after.json()["lock_skipped"] is False
    assert [e.sweep_id for e in sweep_events(store)] == [after.json()["sweep_id"]]
    _kill_leftover_hangs(fleet_builder, "hangs")


@pytest.mark.slow
def test_sigkill_of_cli_sweeps_at_random_moments_never_leaves_a_partial_event(
    settings: Settings, store: Store, fleet_builder: FleetBuilder
) -> None:
    # Enough repos that the end of a sweep (many repos' states and the event, in one
    # transaction) is a window a random kill can land in.
    register(store, {f"repo-{i}": fleet_builder.dirty(f"repo-{i}") for i in range(12)})
    env = statehub_env(settings.home, settings.resolved_database_url)
    command = [sys.executable, "-m", "statehub", "sweep", "--remote-all", "--json"]
    chance = random.Random(20261128)  # fixed: a failure can be replayed
    began = time.monotonic()
    first = cli_sweep(env, "--json")  # how long a whole run takes on this machine, now
    whole = time.monotonic() - began
    assert first.returncode == 0, first.stderr
    finished, killed = 1, 0
    # A loaded machine makes some runs finish before their kill; keep going (bounded) until
    # enough kills have landed mid-run for the test to mean something.
    for _ in range(3 * KILLS):
        if killed == KILLS:
            break
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Anywhere from interpreter start-up to the last moment: fetches, the record.
        time.sleep(chance.uniform(0.2, 1.0) * whole)
        if process.poll() is None:
            process.kill()
            killed += 1
        else:
            finished += 1
        process.wait()

    events = sweep_events(store)
    assert killed >= KILLS // 2, f"only {killed} of {KILLS} kills landed mid-run"
    assert len(events) >= finished  # every sweep that finished recorded its event…
    assert_whole_events(events)  # …and none is half-written
    assert_lock_free(settings.lock_path)
    assert_sqlite_intact(settings.home.parent / "statehub.db")
    after = cli_sweep(env, "--json", "--max-seconds", "30")
    assert after.returncode == 0, after.stderr
    assert len(parse_json(after.stdout)["repos_processed"]) == 12
