"""Recorded sweep history for cadence tests.

A week of 15-minute slots cannot be waited for, so these write progress events
of the exact shape the sweep records (the payload is a real SweepResult), with
chosen times, straight into the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from statehub.cadence.slots import slot_start
from statehub.store import Store
from statehub.store.events import append_event
from statehub.sweep.result import EVENT_TYPE, LockHolder, SweepResult


def record_sweep(
    db: Session,
    *,
    triggered_by: str,
    started_at: datetime,
    lock_skipped: bool = False,
    exit_code: int = 0,
    duration: timedelta = timedelta(seconds=20),
) -> None:
    finished = started_at + (timedelta(milliseconds=5) if lock_skipped else duration)
    result = SweepResult(
        sweep_id=uuid.uuid4(),
        triggered_by=triggered_by,
        host="test-workstation",
        mode="warn",
        max_seconds=300,
        started_at=started_at,
        finished_at=finished,
        duration_seconds=(finished - started_at).total_seconds(),
        lock_skipped=lock_skipped,
        held_by=LockHolder(sweep_id=None, pid=1, started_at=started_at, triggered_by="other")
        if lock_skipped
        else None,
        exit_code=exit_code,
        repos_total=0,
    )
    append_event(
        db,
        event_type=EVENT_TYPE,
        summary=result.summary(),
        payload=result.model_dump(mode="json"),
        triggered_by=triggered_by,
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
