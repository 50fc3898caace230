"""Status: is the sweep overdue, and each recorded sweep as ``GET /consistency/status`` and the
dashboard show it. Pure: the callers read the sweeps' summary rows (``statehub.store.summaries``),
never their payloads (a megabyte each for a big fleet)."""

from __future__ import annotations

from datetime import datetime, timedelta

from statehub.digest import SweepDigest
from statehub.documents import SweepSummary
from statehub.health import Health


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
