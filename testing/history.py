"""Sweep history written in the past, for cadence, status and dashboard tests.

A week of 15-minute slots cannot be waited for, and the strip is about the last 24 hours:
these record progress events of the exact shape the sweep records, with chosen times —
either a bare result document straight into the store (``record_sweep``, ``parallel_week``)
or a real sweep's result again through the engine's own ``Sweeper.record`` with only the
trigger and the times moved (``record_ran``, ``record_skip``).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from statehub.cadence.slots import slot_start
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import append_event
from statehub.sweep.document import lock_skipped_result
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import EVENT_TYPE, LockHolder, SweepResult
from statehub.sweep.result_schema import read_result


def record_sweep(
    db: Session,
    *,
    triggered_by: str,
    started_at: datetime,
    lock_skipped: bool = False,
    exit_code: int = 0,
    duration: timedelta = timedelta(seconds=20),
    untagged: bool = False,
) -> None:
    """``untagged``: the event's ``triggered_by`` column left empty, as on events recorded
    before callers said who they were (the document still names ``triggered_by``)."""
    finished = started_at + (timedelta(milliseconds=5) if lock_skipped else duration)
    # Validated from a plain document, as a recorded event is read back: the health the
    # sweep would have given it is derived, not chosen here.
    result = read_result(
        {
            "sweep_id": uuid.uuid4(),
            "triggered_by": triggered_by,
            "host": "test-workstation",
            "mode": "warn",
            "max_seconds": 300,
            "started_at": started_at,
            "finished_at": finished,
            "duration_seconds": (finished - started_at).total_seconds(),
            "lock_skipped": lock_skipped,
            "held_by": LockHolder(sweep_id=None, pid=1, started_at=started_at, triggered_by="other")
            if lock_skipped
            else None,
            "exit_code": exit_code,
            "repos_total": 0,
        }
    )
    append_event(
        db,
        event_type=EVENT_TYPE,
        summary=result.summary(),
        payload=result.document(),
        triggered_by=None if untagged else triggered_by,
        sweep_id=str(result.sweep_id),
        created_at=finished,
    )


def parallel_week(
    store: Store,
    *,
    now: datetime,
    days: float = 7,
    every: timedelta = timedelta(minutes=15),
    skip_activity_core: Iterable[int] = (),
) -> int:
    """The parallel week up to ``now``: each slot the timer sweeps at +2 s and activity-core
    fires at +4 s and is lock-skipped (except in ``skip_activity_core`` slot indexes, where it
    never fires). Slots not yet reached get nothing. Returns the number of slots written."""
    first = slot_start(now - timedelta(days=days), every)
    missing = set(skip_activity_core)
    count = 0
    with store.session() as db:
        at = first
        while at <= now:
            if at + timedelta(seconds=4) <= now:
                record_sweep(db, triggered_by="local-timer", started_at=at + timedelta(seconds=2))
                if count not in missing:
                    record_sweep(
                        db,
                        triggered_by="activity-core",
                        started_at=at + timedelta(seconds=4),
                        lock_skipped=True,
                    )
            at += every
            count += 1
    return count


def record_ran(
    settings: Settings,
    store: Store,
    template: SweepResult,
    *,
    started_at: datetime,
    triggered_by: str,
    seconds: float = 4.2,
    exit_code: int = 0,
) -> SweepResult:
    """``template`` (a real result) again, as if ``triggered_by`` had run it at ``started_at``."""
    result = dataclasses.replace(
        template,
        sweep_id=uuid.uuid4(),
        triggered_by=triggered_by,
        started_at=started_at,
        finished_at=started_at + timedelta(seconds=seconds),
        duration_seconds=seconds,
        exit_code=exit_code,
    )
    Sweeper(settings, store).record(result, [])
    return result


def record_skip(
    settings: Settings,
    store: Store,
    *,
    started_at: datetime,
    triggered_by: str,
    held_by: SweepResult,
) -> SweepResult:
    """A lock skip: ``triggered_by`` fired while ``held_by`` held the lock."""
    request = SweepRequest(max_seconds=300, triggered_by=triggered_by)
    result = lock_skipped_result(
        request,
        host=settings.hostname,
        started_at=started_at,
        finished_at=started_at + timedelta(milliseconds=40),
        held_by=LockHolder(
            sweep_id=str(held_by.sweep_id),
            pid=4242,
            started_at=held_by.started_at,
            triggered_by=held_by.triggered_by,
            host=settings.hostname,
        ),
        repos_total=held_by.repos_total,
    )
    Sweeper(settings, store).record(result, [])
    return result
