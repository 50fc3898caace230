"""A worker killed mid-run leaves one ActivityRun, not two: the next worker resumes polling
the job the first one started (its Location is the heartbeat checkpoint) instead of
starting it again.

Stand-in peer: the real State Hub cannot be made to run a sweep for as long as this test
needs to kill a worker in the middle of it.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.temporal import connect
from activitycore.trigger import trigger_run
from testing.processes import stop_process
from testing.waiting import wait_for
from tests.activitycore.standin import stand_in
from tests.activitycore.support import (
    load_and_sync_definitions,
    runs_of,
    worker_process,
    write_definition,
)

pytestmark = pytest.mark.temporal
DEFINITION_ID = "13131313-8888-4888-8888-888888888888"


@pytest.mark.slow
def test_a_worker_killed_mid_run_leaves_one_run(
    temporal_settings: Settings, store: Store, definitions_dir: Path, tmp_path: Path
) -> None:
    with stand_in(job_seconds=6) as peer:
        write_definition(
            definitions_dir,
            id=DEFINITION_ID,
            name="Long Job",
            action={
                "http": {
                    "method": "POST",
                    "url": f"{peer.url}/job",
                    "json": {},
                    "respond_async": True,
                    "poll_interval_seconds": 0.3,
                },
                "context_key": "job",
                "retry": {"maximum_attempts": 3, "initial_interval_seconds": 0.2},
            },
        )
        load_and_sync_definitions(temporal_settings, store)
        first = worker_process(temporal_settings, tmp_path / "worker-1.log")
        second = None
        try:

            async def start() -> str:
                client = await connect(temporal_settings)
                started = await trigger_run(
                    client,
                    store,
                    temporal_settings,
                    name_or_id="Long Job",
                    identity="t",
                    wait_seconds=None,
                )
                return started.run_id

            run_id = asyncio.run(start())
            wait_for(lambda: peer.polls >= 2, timeout=20, what="the first worker polling")
            os.kill(first.pid, signal.SIGKILL)  # no goodbye: Temporal notices by heartbeat
            first.wait()
            second = worker_process(temporal_settings, tmp_path / "worker-2.log")
            done = wait_for(
                lambda: [r for r in runs_of(store, DEFINITION_ID) if r.finished_at],
                timeout=30,
                what="the run to finish on the second worker",
            )
        finally:
            for process in (first, second):
                stop_process(process, timeout=30)

    (run,) = done
    assert run.run_id == run_id
    assert run.status == "succeeded", run.error
    assert run.attempts == 2
    assert len(peer.posts) == 1, "the second worker started the job again"
    assert run.context_snapshot["job"]["caller_run_id"] == run_id
    assert run.action_location == f"{peer.url}/jobs/{run.context_snapshot['job']['job']}"
