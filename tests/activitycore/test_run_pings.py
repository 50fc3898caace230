"""A definition's ping_url hears /start and success or /fail around each real run (rid = the
run's id), and a ping endpoint that answers 500 is recorded in the run's row without failing
the run. One worker, two definitions, against the session's Temporal and State Hub."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

import pytest

from activitycore.devserver import free_port
from activitycore.settings import Settings
from activitycore.store import Store, runs
from activitycore.store.models import RunRow
from activitycore.temporal import connect
from activitycore.trigger import trigger_run
from activitycore.worker import running_worker
from testing.pings import PingCheck
from testing.waiting import until
from tests.activitycore.support import load_and_sync_definitions, write_definition

pytestmark = pytest.mark.temporal


def test_the_worker_pings_around_a_run_and_a_failing_ping_never_fails_it(
    temporal_settings: Settings, store: Store, definitions_dir: Path
) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nobody listens: the action fails
    with PingCheck("error").serving() as broken, PingCheck().serving() as check:
        write_definition(definitions_dir, "probe.yaml", ping_url=broken.url)
        write_definition(
            definitions_dir,
            "down.yaml",
            id="41414141-9999-4999-8999-999999999999",
            name="Down",
            ping_url=check.url,
            action={
                "http": {"method": "GET", "url": f"{down}/health"},
                "context_key": "k",
                "retry": {"maximum_attempts": 1},
            },
        )
        load_and_sync_definitions(temporal_settings, store)

        def pinged(run_id: str) -> RunRow | None:
            with store.session() as db:
                row = runs.get_run(db, run_id=run_id)
            return row if row is not None and row.finish_ping is not None else None

        async def scenario() -> tuple[RunRow, RunRow]:
            client = await connect(temporal_settings)
            async with running_worker(client, store, temporal_settings):
                rows = []
                for name in ("Health Probe", "Down"):
                    started = await trigger_run(
                        client,
                        store,
                        temporal_settings,
                        name_or_id=name,
                        identity="t",
                        wait_seconds=60,
                    )
                    finished = partial(pinged, started.run_id)
                    rows.append(await until(finished, what="its finish ping recorded"))
                return rows[0], rows[1]

        probe, failed = asyncio.run(scenario())

        # The probe succeeded although both its pings were refused with a 500.
        assert probe.status == "succeeded"
        assert probe.start_ping is not None and probe.finish_ping is not None
        assert (probe.start_ping["signal"], probe.finish_ping["signal"]) == ("start", "success")
        assert probe.finish_ping["error"] == "HTTP 500: internal error"
        assert probe.finish_ping["channel"] == f"{broken.url.split('/ping/')[0]}/…"
        assert [(p.signal, p.rid) for p in broken.wait_for_pings(2)] == [
            ("start", probe.run_id),
            ("success", probe.run_id),
        ]
        # The failed run pinged /fail, with its error in the body, and the check took it.
        assert failed.status == "failed"
        start, fail = check.wait_for_pings(2)
        assert (start.signal, start.rid) == ("start", failed.run_id)
        assert (fail.signal, fail.rid) == ("fail", failed.run_id)
        assert "'Down': failed" in fail.body and "error: " in fail.body
        assert failed.finish_ping is not None and failed.finish_ping["error"] is None
