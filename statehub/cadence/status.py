"""Status: is the sweep overdue, and which was the last that completed? (``GET
/consistency/status`` and the dashboard.) Reads the sweeps' summary rows, never their
payloads (a megabyte each for a big fleet); the rules are pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statehub.digest import SWEEP_EVENT, SweepDigest
from statehub.documents import SweepSummary
from statehub.health import Health
from statehub.store.models import EventRow, SummaryRow


def summarize(row: SweepDigest, now: datetime) -> SweepSummary:
    return SweepSummary(
        event_id=row.event_id,
        sweep_id=row.sweep_id,
        triggered_by=row.triggered_by,
        caller_run_id=row.caller_run_id,
        finished_at=row.created_at,
        age_seconds=round((now - row.created_at).total_seconds(), 3),
        lock_skipped=row.lock_skipped,
        exit_code=row.exit_code,
        health=Health(row.health),
        health_reasons=row.health_reasons,
        health_derived=row.health_derived,
        summary=row.summary,
    )


def latest_by_trigger(db: Session) -> dict[str | None, SweepDigest]:
    """The newest sweep's summary row per ``triggered_by`` (None for untagged ones)."""
    # A store query (statehub.store.summaries is where it belongs, beside ``_digest``).
    # max(id) per caller reads only the events' (event_type, triggered_by, id) index; the
    # summary rows are then fetched by their key, one per caller.
    newest = (
        select(func.max(EventRow.id))
        .where(EventRow.event_type == SWEEP_EVENT)
        .group_by(EventRow.triggered_by)
    )
    rows = db.scalars(select(SummaryRow).where(SummaryRow.event_id.in_(newest)))
    fields = SweepDigest.__dataclass_fields__
    digests = [SweepDigest(**{name: getattr(row, name) for name in fields}) for row in rows]
    return {d.triggered_by: d for d in digests}


def overdue(
    completed: SweepDigest | None, now: datetime, *, cadence_minutes: float, grace_minutes: float
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
