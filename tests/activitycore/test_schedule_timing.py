"""A schedule firing every few seconds fires on time, and each ActivityRun's scheduled_for is
the nominal slot (Temporal's TemporalScheduledStartTime), never the moment it fired."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path

import pytest

from activitycore.schedules import schedule_id, sync_schedules
from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.temporal import connect
from activitycore.worker import running_worker
from testing.waiting import until
from tests.activitycore.support import load_and_sync_definitions, runs_of, write_definition

pytestmark = pytest.mark.temporal
DEFINITION_ID = "eeeeeeee-5555-4555-8555-555555555555"


@pytest.mark.slow
def test_runs_fire_on_their_slots_and_record_the_nominal_time(
    temporal_settings: Settings, store: Store, definitions_dir: Path
) -> None:
    write_definition(definitions_dir, id=DEFINITION_ID, trigger="@every 2s")

    def succeeded() -> list:
        done = [r for r in runs_of(store, DEFINITION_ID) if r.status == "succeeded"]
        return done if len(done) >= 3 else []

    async def scenario() -> None:
        client = await connect(temporal_settings)
        load_and_sync_definitions(temporal_settings, store)
        await sync_schedules(client, store, temporal_settings)
        async with running_worker(client, store, temporal_settings):
            await until(succeeded, timeout=20, what="three scheduled runs")
        description = await client.get_schedule_handle(
            schedule_id(temporal_settings, DEFINITION_ID)
        ).describe()
        slots = {a.action.workflow_id: a.scheduled_at for a in description.info.recent_actions}  # type: ignore[attr-defined]

        runs = runs_of(store, DEFINITION_ID)
        for run in runs:
            assert run.trigger == "schedule"
            assert run.triggered_by == schedule_id(temporal_settings, DEFINITION_ID)
            # @every 2s slots sit on even seconds since the epoch.
            assert run.scheduled_for.microsecond == 0
            assert int(run.scheduled_for.timestamp()) % 2 == 0
            assert run.scheduled_for == slots[run.workflow_id]
            # On time: fired just after its slot, not a slot late.
            assert timedelta(0) <= run.fired_at - run.scheduled_for < timedelta(seconds=1.5)
        gaps = {b.scheduled_for - a.scheduled_for for a, b in itertools.pairwise(runs)}
        assert gaps == {timedelta(seconds=2)}, gaps
        assert runs[0].context_snapshot == {"health": runs[0].context_snapshot["health"]}
        assert runs[0].context_snapshot["health"]["status"] == "ok"

    asyncio.run(scenario())
