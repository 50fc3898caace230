"""`sync-schedules`: one Temporal schedule per definition, idempotent, updated in place,
orphans deleted, paused with a note while disabled — and a paused schedule never fires."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.service import RPCError, RPCStatusCode

from activitycore.schedules import SKIP_CATCHUP_WINDOW, schedule_id, sync_schedules
from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.temporal import connect
from activitycore.worker import running_worker
from tests.activitycore.support import load_and_sync_definitions, runs_of, write_definition

pytestmark = pytest.mark.temporal

ID_A = "aaaaaaaa-1111-4111-8111-111111111111"
ID_B = "bbbbbbbb-2222-4222-8222-222222222222"


def counts(report: object) -> tuple[int, int, int, int]:
    return tuple(len(getattr(report, k)) for k in ("created", "updated", "unchanged", "deleted"))  # type: ignore[return-value]


async def describe(client: Client, sid: str):  # type: ignore[no-untyped-def]
    return await client.get_schedule_handle(sid).describe()


def test_it_mirrors_definitions_as_schedules(
    temporal_settings: Settings, store: Store, definitions_dir: Path
) -> None:
    settings = temporal_settings.model_copy(update={"catch_up_window_seconds": 3600})
    a = write_definition(definitions_dir, "a.yaml", id=ID_A, name="Alpha", trigger="*/15 * * * *")
    write_definition(definitions_dir, "b.yaml", id=ID_B, name="Beta", enabled=False)
    sid_a, sid_b = schedule_id(settings, ID_A), schedule_id(settings, ID_B)

    async def scenario() -> None:
        client = await connect(settings)
        load_and_sync_definitions(settings, store)
        assert counts(await sync_schedules(client, store, settings)) == (2, 0, 0, 0)
        assert counts(await sync_schedules(client, store, settings)) == (0, 0, 2, 0)

        alpha = await describe(client, sid_a)
        assert alpha.schedule.spec.time_zone_name == "UTC"
        assert alpha.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
        assert alpha.schedule.policy.catchup_window == SKIP_CATCHUP_WINDOW
        assert not alpha.schedule.state.paused
        assert all(t.minute % 15 == 0 and t.second == 0 for t in alpha.info.next_action_times)
        beta = await describe(client, sid_b)
        assert beta.schedule.state.paused
        assert "enabled is false" in (beta.schedule.state.note or "")

        # Edit in place: same schedule id, new cron / zone / catch-up window.
        created_at = alpha.info.created_at
        write_definition(
            definitions_dir,
            "a.yaml",
            id=ID_A,
            name="Alpha",
            trigger="0 3 * * *",
            timezone="Europe/Berlin",
            misfire_policy="catch_up",
        )
        write_definition(definitions_dir, "b.yaml", id=ID_B, name="Beta", enabled=True)
        load_and_sync_definitions(settings, store)
        assert counts(await sync_schedules(client, store, settings)) == (0, 2, 0, 0)
        alpha = await describe(client, sid_a)
        assert alpha.info.created_at == created_at
        assert alpha.schedule.policy.catchup_window == timedelta(hours=1)
        berlin = [t.astimezone(ZoneInfo("Europe/Berlin")) for t in alpha.info.next_action_times]
        assert berlin and all((t.hour, t.minute) == (3, 0) for t in berlin)
        assert not (await describe(client, sid_b)).schedule.state.paused

        # A definition gone from disk takes its schedule with it; so does an orphan.
        a.unlink()
        load_and_sync_definitions(settings, store)
        orphan = schedule_id(settings, "cccccccc-3333-4333-8333-333333333333")
        await client.create_schedule(
            orphan,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    "ActivityRun", id=orphan, task_queue=settings.task_queue
                ),
                spec=ScheduleSpec(cron_expressions=["0 0 1 1 *"]),
                state=ScheduleState(paused=True),
            ),
        )
        report = await sync_schedules(client, store, settings)
        assert sorted(c.schedule_id for c in report.deleted) == sorted([sid_a, orphan])
        assert counts(report)[:3] == (0, 0, 1)
        for gone in (sid_a, orphan):
            with pytest.raises(RPCError) as raised:
                await describe(client, gone)
            assert raised.value.status == RPCStatusCode.NOT_FOUND
        assert counts(await sync_schedules(client, store, settings)) == (0, 0, 1, 0)

    asyncio.run(scenario())


def test_a_paused_schedule_does_not_fire(
    temporal_settings: Settings, store: Store, definitions_dir: Path
) -> None:
    write_definition(definitions_dir, id=ID_A, trigger="@every 1s", enabled=False)
    sid = schedule_id(temporal_settings, ID_A)

    async def scenario() -> None:
        client = await connect(temporal_settings)
        load_and_sync_definitions(temporal_settings, store)
        await sync_schedules(client, store, temporal_settings)
        async with running_worker(client, store, temporal_settings):
            await asyncio.sleep(3.5)
            description = await describe(client, sid)
            assert description.schedule.state.paused
            assert description.info.num_actions == 0
            assert runs_of(store, ID_A) == []

            # The pause is what held it: enabled, the same schedule fires within seconds.
            write_definition(definitions_dir, id=ID_A, trigger="@every 1s", enabled=True)
            load_and_sync_definitions(temporal_settings, store)
            await sync_schedules(client, store, temporal_settings)
            # Fires within seconds; on a loaded machine a run may still be finishing.
            ran: list[Any] = []
            for _ in range(60):
                await asyncio.sleep(0.25)
                ran = [r for r in runs_of(store, ID_A) if r.status != "running"]
                if ran:
                    break
            assert ran and all(r.status == "succeeded" for r in ran)

            # Disabled in the database but the schedule not re-synced yet: the database wins.
            write_definition(definitions_dir, id=ID_A, trigger="@every 1s", enabled=False)
            load_and_sync_definitions(temporal_settings, store)
            disabled_at = datetime.now(UTC)
            await asyncio.sleep(2.5)
        later = [r for r in runs_of(store, ID_A) if r.fired_at > disabled_at]
        assert later and all(r.status == "skipped" for r in later)
        assert "disabled" in (later[-1].error or "")

    asyncio.run(scenario())
