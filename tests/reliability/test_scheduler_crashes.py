"""SIGKILL of the activity-core worker in the middle of its action, and of the Temporal dev
server in the middle of a scheduled run, against the real State Hub (``statehub serve``)
sweeping a fleet with a remote that never answers (so a sweep lasts its whole budget).

Afterwards: State Hub's lock is free, no event is half-written, both SQLite databases pass
``PRAGMA integrity_check``, the next run works, and there is one ActivityRun per run, a
retried action counted in its ``attempts``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activitycore.devserver import DevServer, find_temporal_cli, free_port
from activitycore.schedules import sync_schedules
from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.store.models import RunRow
from activitycore.temporal import connect
from activitycore.trigger import trigger_run
from statehub.store import Store as HubStore
from statehub.sweep.lock import current_holder
from testing.fleet import FleetBuilder, register
from testing.processes import stop_process
from testing.waiting import wait_for
from tests.activitycore.support import (
    StateHubServer,
    load_and_sync_definitions,
    runs_of,
    worker_process,
    write_definition,
)
from tests.reliability.support import assert_sqlite_intact, assert_whole_events, sweep_events

pytestmark = [pytest.mark.temporal, pytest.mark.slow]
DEFINITION_ID = "5eed0000-7777-4777-8777-777777777777"
BUDGET = 4  # seconds each sweep lasts: the hanging remote takes all of it
HUB_TOKEN = "rel-hub-T0ken-5b4a39"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Makefile exports ACTIVITY_CORE_HOME and STATE_HUB_URL: every test states its own.
    for name in list(os.environ):
        if name.startswith(("ACTIVITY_CORE_", "ACTIVITY_DEFINITION_DIRS", "TEMPORAL_", "STATE_")):
            monkeypatch.delenv(name)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[StateHubServer]:
    """A State Hub of this test's own, whose fleet holds a never-answering remote."""
    server = StateHubServer(tmp_path / "statehub", free_port(), token=HUB_TOKEN)
    server.home.mkdir(parents=True)
    builder = FleetBuilder(tmp_path / "fleet")
    store = HubStore.open(f"sqlite:///{server.home / 'statehub.db'}")
    try:
        register(
            store,
            {"hangs": builder.hanging_remote("hangs"), "clean": builder.clean("clean")},
            trusted={"hangs"},
        )
    finally:
        store.dispose()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        for pid in builder.hang_pids_file("hangs").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


@pytest.fixture
def temporal(tmp_path: Path) -> Iterator[DevServer]:
    server = DevServer(
        binary=find_temporal_cli(), db_file=tmp_path / "temporal" / "dev.db", port=free_port()
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _settings(tmp_path: Path, temporal: DevServer, hub: StateHubServer) -> Settings:
    return Settings(
        home=tmp_path / "activity-core",
        task_queue=f"reliability-{os.getpid()}",
        definition_dirs=str(tmp_path / "definitions"),
        temporal_address=temporal.address,
        state_hub_url=hub.url,
        state_hub_token=hub.token,
        heartbeat_timeout_seconds=3,
        misfire_grace_seconds=60,
    )


def _sweep_definition(directory: Path, **fields: Any) -> None:
    write_definition(
        directory,
        id=DEFINITION_ID,
        name="Sweep",
        action={
            "http": {
                "method": "POST",
                "url": "${STATE_HUB_URL}/consistency/sweep/remote-all",
                "json": {"max_seconds": BUDGET},
                "respond_async": True,
                "poll_interval_seconds": 0.3,
            },
            "context_key": "consistency_sweep_remote_all",
            "timeout_seconds": 60,
            "retry": {"maximum_attempts": 3, "initial_interval_seconds": 0.2},
        },
        **fields,
    )


def _hub_checks(hub: StateHubServer) -> list[dict[str, Any]]:
    """State Hub after the crash: lock free, database intact, every event whole."""
    assert current_holder(hub.home / "sweep.lock") is None
    assert_sqlite_intact(hub.home / "statehub.db")
    store = HubStore.open(f"sqlite:///{hub.home / 'statehub.db'}")
    try:
        events = sweep_events(store)
    finally:
        store.dispose()
    assert_whole_events(events)
    return [e.payload for e in events]


def _one_row_per_run(runs: list[RunRow]) -> None:
    assert len({r.run_id for r in runs}) == len(runs)
    assert len({r.workflow_id for r in runs}) == len(runs)


@pytest.mark.slow
def test_sigkill_of_the_worker_mid_action_leaves_one_run_and_one_sweep(
    tmp_path: Path, temporal: DevServer, hub: StateHubServer
) -> None:
    settings = _settings(tmp_path, temporal, hub)
    _sweep_definition(tmp_path / "definitions", enabled=False)  # manual runs only
    store = Store.open(settings.resolved_database_url)
    load_and_sync_definitions(settings, store)
    first = worker_process(settings, tmp_path / "worker-1.log")
    second = None
    try:

        async def start() -> str:
            client = await connect(settings)
            run = await trigger_run(
                client, store, settings, name_or_id="Sweep", identity="t", wait_seconds=None
            )
            return run.run_id

        run_id = asyncio.run(start())
        # The action has started the sweep (State Hub holds its lock) and saved its Location.
        wait_for(lambda: current_holder(hub.home / "sweep.lock"), timeout=20, what="the sweep")
        wait_for(
            lambda: [r for r in runs_of(store, DEFINITION_ID) if r.action_location],
            timeout=10,
            what="the saved Location",
        )
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = worker_process(settings, tmp_path / "worker-2.log")
        done = wait_for(
            lambda: [r for r in runs_of(store, DEFINITION_ID) if r.finished_at],
            timeout=40,
            what="the run to finish on the second worker",
        )
    finally:
        for process in (first, second):
            stop_process(process, timeout=30)
        store.dispose()

    (run,) = done
    assert run.run_id == run_id
    assert run.status == "succeeded", run.error
    assert run.attempts == 2  # the killed attempt and the one that resumed polling
    sweeps = _hub_checks(hub)
    assert len(sweeps) == 1, "the retried action started a second sweep"
    assert sweeps[0]["caller_run_id"] == run_id
    assert sweeps[0]["skipped_budget"] == ["hangs"]
    assert run.context_snapshot["consistency_sweep_remote_all"] == sweeps[0]
    assert_sqlite_intact(settings.home / "activity-core.db")
    # The worker sent the token with every request; it is in no log and no record.
    for path in [*tmp_path.glob("worker-*.log"), *settings.home.glob("activity-core.db*")]:
        assert HUB_TOKEN.encode() not in path.read_bytes(), path
    assert HUB_TOKEN not in (hub.home / "serve.log").read_text()


@pytest.mark.slow
def test_sigkill_of_the_temporal_server_mid_run_then_the_schedule_carries_on(
    tmp_path: Path, temporal: DevServer, hub: StateHubServer
) -> None:
    settings = _settings(tmp_path, temporal, hub)
    _sweep_definition(tmp_path / "definitions", trigger="@every 6s")
    store = Store.open(settings.resolved_database_url)
    load_and_sync_definitions(settings, store)

    async def schedule() -> None:
        client = await connect(settings)
        await sync_schedules(client, store, settings)

    asyncio.run(schedule())
    worker = worker_process(settings, tmp_path / "worker.log")
    try:
        wait_for(lambda: current_holder(hub.home / "sweep.lock"), timeout=30, what="a sweep")
        (interrupted,) = [r for r in runs_of(store, DEFINITION_ID) if r.finished_at is None]
        process = temporal._process  # the server's own process group, killed without warning
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        temporal._process = None
        # Down across the rest of the sweep; then back on the same port and database file.
        wait_for(lambda: current_holder(hub.home / "sweep.lock") is None, timeout=BUDGET + 5)
        temporal.start()

        def settled() -> list[RunRow]:
            runs = runs_of(store, DEFINITION_ID)
            later = [
                r
                for r in runs
                if r.scheduled_for > interrupted.scheduled_for and r.status == "succeeded"
            ]
            ended = all(r.finished_at is not None for r in runs if r.run_id == interrupted.run_id)
            return runs if later and ended else []

        runs = wait_for(settled, timeout=60, what="the interrupted run to end and a next one")
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
        store.dispose()

    _one_row_per_run(runs)
    (again,) = [r for r in runs if r.run_id == interrupted.run_id]
    # Temporal came back with the run's history (its SQLite file survived the kill). The
    # action either reported in late or was retried (attempts 2: it resumed polling the
    # sweep it had started rather than start another); either way the run succeeded once.
    assert again.status == "succeeded", again.error
    sweeps = _hub_checks(hub)
    ran = [s for s in sweeps if not s["lock_skipped"]]
    assert [s["caller_run_id"] for s in ran].count(interrupted.run_id) == 1
    for run in runs:
        if run.status == "succeeded":
            assert run.context_snapshot["consistency_sweep_remote_all"]["caller_run_id"] == (
                run.run_id
            )
    assert_sqlite_intact(settings.home / "activity-core.db")
