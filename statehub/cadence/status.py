"""Status: is the sweep overdue, and which was the last that completed? (``GET
/consistency/status`` and the dashboard.) Reads the recorded sweeps; the rules are pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from statehub.cadence.marks import mark_of
from statehub.documents import SweepSummary
from statehub.health import Health, health_of
from statehub.store.events import ProgressEvent, latest_by_trigger, list_events
from statehub.sweep.result import EVENT_TYPE

# Skips come in bursts only while one sweep runs, so the newest real sweep is
# near the top; the bound keeps a pathological history from becoming a scan.
_PAGE = 100
_MAX_PAGES = 5


def summarize(event: ProgressEvent, now: datetime) -> SweepSummary:
    mark = mark_of(event)
    health, reasons, derived = health_of(event.payload)
    return SweepSummary(
        event_id=event.id,
        sweep_id=event.sweep_id,
        triggered_by=event.triggered_by,
        caller_run_id=mark.caller_run_id,
        finished_at=event.created_at,
        age_seconds=round((now - event.created_at).total_seconds(), 3),
        lock_skipped=mark.lock_skipped,
        exit_code=mark.exit_code,
        health=health,
        health_reasons=reasons,
        health_derived=derived,
        summary=event.summary,
    )


def latest_sweeps(db: Session) -> dict[str | None, ProgressEvent]:
    return latest_by_trigger(db, event_type=EVENT_TYPE)


def last_attempt(db: Session) -> ProgressEvent | None:
    """The newest sweep event that was not a lock skip: it swept, or failed to."""
    return _newest(db, lambda event: True)


def last_completed(db: Session) -> ProgressEvent | None:
    """The newest sweep event that actually swept (neither lock-skipped nor failed)."""
    return _newest(db, lambda event: health_of(event.payload)[0] is not Health.FAILED)


def _newest(db: Session, wanted: Callable[[ProgressEvent], bool]) -> ProgressEvent | None:
    before: int | None = None
    for _ in range(_MAX_PAGES):
        page = list_events(db, event_type=EVENT_TYPE, limit=_PAGE, before_id=before)
        for event in page:
            if not mark_of(event).lock_skipped and wanted(event):
                return event
        if len(page) < _PAGE:
            return None
        before = page[-1].id
    return None


class Recorded(Protocol):
    """A recorded sweep: its event, or its summary row (the dashboard reads those)."""

    @property
    def created_at(self) -> datetime: ...


def overdue(
    completed: Recorded | None, now: datetime, *, cadence_minutes: float, grace_minutes: float
) -> tuple[bool, str | None]:
    """Overdue when no real sweep finished within cadence + grace (or none ever did)."""
    if completed is None:
        return True, "no sweep has run yet"
    allowed = timedelta(minutes=cadence_minutes + grace_minutes)
    age = now - completed.created_at
    if age <= allowed:
        return False, None
    return True, (
        f"the last sweep that ran finished {age.total_seconds() / 60:.1f} min ago; "
        f"expected every {cadence_minutes:g} min (+{grace_minutes:g} min grace)"
    )
