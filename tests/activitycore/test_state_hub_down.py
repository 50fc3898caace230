"""With State Hub down, a run is recorded `failed` with the error — after the retries its
definition allows — and the schedule carries on: the next run happens, and succeeds once
State Hub is back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from activitycore.devserver import DevServer, free_port
from activitycore.schedules import sync_schedules
from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.store.models import RunRow
from activitycore.temporal import connect
from activitycore.worker import running_worker
from testing.waiting import until
from tests.activitycore.support import (
    StateHubServer,
    load_and_sync_definitions,
    runs_of,
    write_definition,
)

pytestmark = pytest.mark.temporal
DEFINITION_ID = "dddddddd-4444-4444-8444-444444444444"


@pytest.mark.slow
def test_a_run_fails_while_state_hub_is_down_and_the_next_one_still_happens(
    make_settings: Callable[..., Settings],
    temporal_server: DevServer,
    definitions_dir: Path,
    tmp_path: Path,
) -> None:
    # A State Hub of its own, not started yet: its port refuses connections.
    hub = StateHubServer(tmp_path / "statehub", free_port())
    hub.prepare()
    settings: Settings = make_settings(
        temporal_address=temporal_server.address,
        state_hub_url=hub.url,
        state_hub_token=hub.token,
    )
    store = Store.open(settings.resolved_database_url)
    write_definition(
        definitions_dir,
        id=DEFINITION_ID,
        name="Sweep",
        trigger="@every 2s",
        action={
            "http": {
                "method": "POST",
                "url": "${STATE_HUB_URL}/consistency/sweep/remote-all",
                "json": {"max_seconds": 30},
                "respond_async": True,
                "poll_interval_seconds": 0.5,
            },
            "context_key": "consistency_sweep_remote_all",
            "timeout_seconds": 30,
            "retry": {"maximum_attempts": 2, "initial_interval_seconds": 0.2},
        },
    )

    def finished(status: str) -> list[RunRow]:
        return [r for r in runs_of(store, DEFINITION_ID) if r.status == status]

    async def scenario() -> None:
        client = await connect(settings)
        load_and_sync_definitions(settings, store)
        await sync_schedules(client, store, settings)
        async with running_worker(client, store, settings):
            failed = (await until(lambda: finished("failed"), timeout=20, what="a failed run"))[0]
            assert failed.attempts == 2
            assert "cannot connect" in (failed.error or ""), failed.error
            assert hub.url in (failed.error or "")
            assert failed.context_snapshot is None
            assert failed.finished_at is not None

            hub.start()
            try:
                ok = await until(lambda: finished("succeeded"), timeout=30, what="a good run")
            finally:
                hub.stop()
        assert ok[0].scheduled_for > failed.scheduled_for
        assert ok[0].context_snapshot["consistency_sweep_remote_all"]["caller_run_id"] == (
            ok[0].run_id
        )

    try:
        asyncio.run(scenario())
    finally:
        store.dispose()
