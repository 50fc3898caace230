"""With the worker stopped across several slots under misfire_policy skip, its return brings
no burst of catch-up runs: Temporal's overlap policy SKIP lets only one run wait for the
worker, and that one, being too late, is recorded as skipped instead of run."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
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
DEFINITION_ID = "ffffffff-6666-4666-8666-666666666666"


@pytest.mark.slow
def test_a_returning_worker_does_not_catch_up(
    temporal_settings: Settings, store: Store, definitions_dir: Path
) -> None:
    settings = temporal_settings.model_copy(update={"misfire_grace_seconds": 1.0})
    write_definition(definitions_dir, id=DEFINITION_ID, trigger="@every 2s")

    async def scenario() -> None:
        client = await connect(settings)
        load_and_sync_definitions(settings, store)
        await sync_schedules(client, store, settings)
        await asyncio.sleep(7)  # no worker: three or four slots go by
        returned = datetime.now(UTC)
        async with running_worker(client, store, settings):
            await until(
                lambda: [r for r in runs_of(store, DEFINITION_ID) if r.status == "succeeded"],
                timeout=15,
                what="a run after the worker's return",
            )
            await asyncio.sleep(2.5)
        description = await client.get_schedule_handle(
            schedule_id(settings, DEFINITION_ID)
        ).describe()
        assert description.info.num_actions_skipped_overlap >= 2

        runs = runs_of(store, DEFINITION_ID)
        missed = [r for r in runs if r.scheduled_for < returned - timedelta(seconds=1)]
        assert len(missed) == 1, [(r.scheduled_for, r.status) for r in runs]
        assert missed[0].status == "skipped"
        assert "missed its slot" in (missed[0].error or "")
        after = [r for r in runs if r not in missed]
        assert after and all(r.status == "succeeded" for r in after)
        # No burst: the runs after the return sit on distinct slots, one per 2 s.
        slots = [r.scheduled_for for r in after]
        assert len(set(slots)) == len(slots)
        assert all(b - a >= timedelta(seconds=2) for a, b in itertools.pairwise(slots))

    asyncio.run(scenario())
