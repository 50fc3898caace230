"""Definitions → Temporal Schedules: make them match, and describe them.

One schedule per active definition, with the id ``<task queue>:<definition id>`` — the task
queue prefix is what marks a schedule as this activity-core's (so orphans can be found) and
keeps two installations (or two tests) sharing a namespace out of each other's way.

Whether a schedule is up to date is judged by a fingerprint of everything we set, stored in
the schedule action's memo: Temporal rewrites cron strings into calendar specs, so comparing
the described schedule with the desired one field by field would never match.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleDescription,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
)
from temporalio.service import RPCError, RPCStatusCode

from activitycore.errors import ConfigError
from activitycore.settings import Settings
from activitycore.store import Store, catalog
from activitycore.store.models import DefinitionRow
from activitycore.workflow import ActivityRunWorkflow, RunRequest

# Temporal refuses to go below this (it silently raises smaller windows to 10 s): the closest
# it gets to "never start a slot that was missed while the server was down".
SKIP_CATCHUP_WINDOW = timedelta(seconds=10)
MEMO_KEY = "activity_core_fingerprint"


def schedule_id(settings: Settings, definition_id: str) -> str:
    return f"{settings.task_queue}:{definition_id}"


@dataclass(frozen=True)
class ScheduleChange:
    schedule_id: str
    name: str
    paused: bool


@dataclass
class ScheduleReport:
    created: list[ScheduleChange] = field(default_factory=list)
    updated: list[ScheduleChange] = field(default_factory=list)
    unchanged: list[ScheduleChange] = field(default_factory=list)
    deleted: list[ScheduleChange] = field(default_factory=list)
    # Schedules with this task queue's prefix that the database knows nothing of: left alone
    # unless pruning (the database may be the wrong one, not the schedule an orphan).
    unknown: list[ScheduleChange] = field(default_factory=list)


def catchup_window(row: DefinitionRow, settings: Settings) -> timedelta:
    return settings.catch_up_window if row.misfire_policy == "catch_up" else SKIP_CATCHUP_WINDOW


def note_for(row: DefinitionRow) -> str:
    if row.enabled:
        return f"managed by activity-core from {row.source_path}"
    return f"paused by activity-core: enabled is false in {row.source_path}"


def desired_schedule(row: DefinitionRow, settings: Settings) -> tuple[Schedule, str]:
    """The schedule a definition calls for, and its fingerprint."""
    sid = schedule_id(settings, row.id)
    window = catchup_window(row, settings)
    fingerprint = _fingerprint(
        {
            "trigger": row.trigger,
            "timezone": row.timezone,
            "catchup_seconds": window.total_seconds(),
            "task_queue": settings.task_queue,
            "workflow": "ActivityRun/1",
            "note": note_for(row),
        }
    )
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            ActivityRunWorkflow.run,
            RunRequest(definition_id=row.id),
            # Temporal appends the slot's timestamp, so each run gets its own workflow id.
            id=sid,
            task_queue=settings.task_queue,
            memo={MEMO_KEY: fingerprint, "definition_name": row.name},
        ),
        spec=ScheduleSpec(cron_expressions=[row.trigger], time_zone_name=row.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=window),
        state=ScheduleState(paused=not row.enabled, note=note_for(row)),
    )
    return schedule, fingerprint


def _fingerprint(values: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


async def sync_schedules(
    client: Client, store: Store, settings: Settings, *, prune: bool = False
) -> ScheduleReport:
    """Create, update (in place) or delete schedules until they match the definitions.

    A schedule is deleted when the database says its definition was removed; one the database
    does not know at all only with ``prune``. From a database without any definition this
    refuses: it is far likelier the wrong database (another home) than a wish to delete every
    live schedule.
    """
    with store.reading() as db:
        active = catalog.active_definitions(db)
        removed = catalog.removed_definitions(db)
    if not active and not removed:
        raise ConfigError(
            f"{store.description} holds no activity definitions, so it cannot say which "
            "schedules are this installation's; run `activity-core sync-activity-definitions` "
            "first, or check ACTIVITY_CORE_HOME / ACTIVITY_CORE_DATABASE_URL"
        )
    report = ScheduleReport()
    for row in active:
        await _ensure(client, row, settings, report)
    gone = {schedule_id(settings, row.id): row.name for row in removed}
    known = gone.keys() | {schedule_id(settings, row.id) for row in active}
    unknown = []
    async for listed in await client.list_schedules():
        # The list is eventually consistent; the removed definitions above are the sure part.
        if listed.id.startswith(f"{settings.task_queue}:") and listed.id not in known:
            unknown.append(listed.id)
    for sid in sorted(unknown):
        change = ScheduleChange(sid, sid.split(":", 1)[1], paused=False)
        if not prune:
            report.unknown.append(change)
        elif await _delete(client, sid):
            report.deleted.append(change)
    for sid, name in sorted(gone.items()):
        if await _delete(client, sid):
            report.deleted.append(ScheduleChange(sid, name, paused=False))
    return report


async def _ensure(
    client: Client, row: DefinitionRow, settings: Settings, report: ScheduleReport
) -> None:
    schedule, fingerprint = desired_schedule(row, settings)
    sid = schedule_id(settings, row.id)
    change = ScheduleChange(sid, row.name, paused=not row.enabled)
    handle = client.get_schedule_handle(sid)
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        # Created concurrently by another sync: the next sync compares and updates it.
        with contextlib.suppress(ScheduleAlreadyRunningError):
            await client.create_schedule(sid, schedule, memo={"definition_id": row.id})
        report.created.append(change)
        return
    current = await _current_fingerprint(client, description)
    if current == fingerprint and description.schedule.state.paused == (not row.enabled):
        report.unchanged.append(change)
        return
    # Replaces spec, action, policies and state as a whole (paused and note included).
    await handle.update(lambda _: ScheduleUpdate(schedule=schedule))
    report.updated.append(change)


async def _current_fingerprint(client: Client, description: ScheduleDescription) -> str | None:
    action = description.schedule.action
    if not isinstance(action, ScheduleActionStartWorkflow) or not action.memo:
        return None
    payload = action.memo.get(MEMO_KEY)
    if payload is None:
        return None
    value = client.data_converter.payload_converter.from_payload(payload)
    return value if isinstance(value, str) else None


async def _delete(client: Client, sid: str) -> bool:
    try:
        await client.get_schedule_handle(sid).delete()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


@dataclass(frozen=True)
class RecentAction:
    scheduled_at: datetime
    started_at: datetime
    workflow_id: str


@dataclass
class ScheduleView:
    """One definition's schedule as Temporal sees it (``exists`` False: not synced yet)."""

    definition_id: str
    name: str
    schedule_id: str
    trigger: str
    timezone: str
    exists: bool
    paused: bool = False
    note: str | None = None
    in_sync: bool = False
    next_action_times: list[datetime] = field(default_factory=list)
    recent_actions: list[RecentAction] = field(default_factory=list)
    actions_taken: int = 0
    skipped_overlap: int = 0
    missed_catchup_window: int = 0


async def describe_schedules(
    client: Client, store: Store, settings: Settings
) -> list[ScheduleView]:
    with store.reading() as db:
        active = catalog.active_definitions(db)
    views = []
    for row in active:
        sid = schedule_id(settings, row.id)
        view = ScheduleView(row.id, row.name, sid, row.trigger, row.timezone, exists=False)
        try:
            description = await client.get_schedule_handle(sid).describe()
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            views.append(view)
            continue
        _, fingerprint = desired_schedule(row, settings)
        info = description.info
        view.exists = True
        view.paused = description.schedule.state.paused
        view.note = description.schedule.state.note
        view.in_sync = await _current_fingerprint(
            client, description
        ) == fingerprint and view.paused == (not row.enabled)
        view.next_action_times = list(info.next_action_times)
        view.recent_actions = [
            RecentAction(
                a.scheduled_at,
                a.started_at,
                getattr(a.action, "workflow_id", ""),
            )
            for a in info.recent_actions
        ]
        view.actions_taken = info.num_actions
        view.skipped_overlap = info.num_actions_skipped_overlap
        view.missed_catchup_window = info.num_actions_missed_catchup_window
        views.append(view)
    return views
