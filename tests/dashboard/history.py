"""Sweeps recorded in the past, for the cadence strip and the screenshot.

The strip is about the last 24 hours and a test cannot wait for them: these
record real result documents (a real sweep's, or the engine's own lock-skip
document) through the engine's own ``Sweeper.record``, with only the trigger
and the times moved.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.document import lock_skipped_result
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import LockHolder, SweepResult


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
    result = template.model_copy(
        update={
            "sweep_id": uuid4(),
            "triggered_by": triggered_by,
            "started_at": started_at,
            "finished_at": started_at + timedelta(seconds=seconds),
            "duration_seconds": seconds,
            "exit_code": exit_code,
        }
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
