"""`sync-schedules`: one Temporal schedule per definition, idempotent, updated in place,
unknown schedules deleted only with --prune, nothing deleted from an empty database, paused
with a note while disabled — and a paused schedule never fires."""

from __future__ import annotations

import asyncio
import os
import subprocess
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
from tests.activitycore.support import (
    BIN,
    load_and_sync_definitions,
    runs_of,
    write_definition,
)

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

        # A definition gone from disk takes its schedule with it; a schedule the database
        # does not know is listed and left alone, unless pruning.
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
        assert [c.schedule_id for c in report.deleted] == [sid_a]
        assert [c.schedule_id for c in report.unknown] == [orphan]
        assert counts(report)[:3] == (0, 0, 1)
        assert (await describe(client, orphan)).schedule.state.paused
        report = await sync_schedules(client, store, settings, prune=True)
        assert [c.schedule_id for c in report.deleted] == [orphan] and report.unknown == []
        for gone in (sid_a, orphan):
            with pytest.raises(RPCError) as raised:
                await describe(client, gone)
            assert raised.value.status == RPCStatusCode.NOT_FOUND
        assert counts(await sync_schedules(client, store, settings)) == (0, 0, 1, 0)

    asyncio.run(scenario())


@pytest.mark.slow
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


def test_from_an_empty_database_it_refuses_and_the_live_schedule_stays(
    temporal_settings: Settings, store: Store, definitions_dir: Path, tmp_path: Path
) -> None:
    """The trap the issue names: a shell on another home (an empty database) that ran
    sync-schedules silently deleted the live schedule."""
    write_definition(definitions_dir, "a.yaml", id=ID_A, name="Alpha")
    load_and_sync_definitions(temporal_settings, store)
    sid = schedule_id(temporal_settings, ID_A)
    env = {
        **{
            k: v for k, v in os.environ.items() if not k.startswith(("ACTIVITY_CORE_", "STATE_HUB"))
        },
        "ACTIVITY_CORE_HOME": str(tmp_path / "another-home"),
        "TEMPORAL_ADDRESS": temporal_settings.temporal_address,
        "ACTIVITY_CORE_TASK_QUEUE": temporal_settings.task_queue,
    }

    async def scenario() -> None:
        client = await connect(temporal_settings)
        await sync_schedules(client, store, temporal_settings)
        for args in (["sync-schedules"], ["sync-schedules", "--prune"]):
            done = subprocess.run(
                [str(BIN / "activity-core"), *args], env=env, capture_output=True, text=True,
                timeout=60, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            assert done.returncode == 1, done.stdout + done.stderr
            assert "holds no activity definitions" in done.stderr
            assert str(tmp_path / "another-home") in done.stderr  # the database it used
            assert (await describe(client, sid)).schedule.spec is not None

    asyncio.run(scenario())


def test_the_command_lists_unknown_schedules_and_prunes_only_when_asked(
    temporal_settings: Settings, store: Store, definitions_dir: Path
) -> None:
    write_definition(definitions_dir, "a.yaml", id=ID_A, name="Alpha")
    load_and_sync_definitions(temporal_settings, store)
    stray = schedule_id(temporal_settings, "dddddddd-4444-4444-8444-444444444444")
    env = {
        **{
            k: v for k, v in os.environ.items() if not k.startswith(("ACTIVITY_CORE_", "STATE_HUB"))
        },
        "ACTIVITY_CORE_DATABASE_URL": temporal_settings.resolved_database_url,
        "TEMPORAL_ADDRESS": temporal_settings.temporal_address,
        "ACTIVITY_CORE_TASK_QUEUE": temporal_settings.task_queue,
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(BIN / "activity-core"), "sync-schedules", *args], env=env, capture_output=True,
            text=True, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    async def scenario() -> None:
        client = await connect(temporal_settings)
        await client.create_schedule(
            stray,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    "ActivityRun", id=stray, task_queue=temporal_settings.task_queue
                ),
                spec=ScheduleSpec(cron_expressions=["0 0 1 1 *"]),
                state=ScheduleState(paused=True),
            ),
        )
        kept = run()
        assert f"unknown    {stray}" in kept and "--prune deletes it" in kept
        assert "activity-core database: SQLite database" in kept
        assert (await describe(client, stray)).schedule is not None
        pruned = run("--prune")
        assert f"deleted    {stray.split(':', 1)[1]}  ({stray})" in pruned
        with pytest.raises(RPCError):
            await describe(client, stray)

    asyncio.run(scenario())
