"""``GET /consistency/status``: did the sweep keep its cadence, and is one running now?"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from statehub.api.deps import SettingsDep, StoreDep, SweepsDep
from statehub.api.schemas import ConsistencyStatus, ErrorBody, LockState
from statehub.cadence import status as cadence
from statehub.cadence.marks import UNTAGGED
from statehub.store import summaries
from statehub.sweep.lock import current_holder

router = APIRouter(prefix="/consistency", tags=["sweeps"])


@router.get(
    "/status",
    response_model=ConsistencyStatus,
    responses={503: {"model": ErrorBody, "description": "the database is unavailable"}},
)
def consistency_status(
    settings: SettingsDep, store: StoreDep, sweeps: SweepsDep
) -> ConsistencyStatus:
    """The last sweep (any trigger, and per trigger) with ages, overdue or not, the lock."""
    # Summary rows, not payloads: a status poll costs the same for 10 repos as for 10,000.
    with store.reading() as db:
        by_trigger = summaries.latest_by_trigger(db)
        completed = summaries.last_completed(db)
        attempt = summaries.last_attempt(db)
    now = datetime.now(UTC)
    newest = max(by_trigger.values(), key=lambda row: row.event_id, default=None)
    is_overdue, reason = cadence.overdue(
        completed,
        now,
        cadence_minutes=settings.cadence_minutes,
        grace_minutes=settings.cadence_grace_minutes,
    )
    holder = current_holder(settings.lock_path)
    attempt_summary = cadence.summarize(attempt, now) if attempt else None
    return ConsistencyStatus(
        checked_at=now,
        cadence_minutes=settings.cadence_minutes,
        grace_minutes=settings.cadence_grace_minutes,
        overdue=is_overdue,
        overdue_reason=reason,
        health=attempt_summary.health if attempt_summary else None,
        health_reasons=attempt_summary.health_reasons if attempt_summary else [],
        last_sweep=cadence.summarize(newest, now) if newest else None,
        last_attempt=attempt_summary,
        last_completed=cadence.summarize(completed, now) if completed else None,
        last_by_trigger={
            (trigger or UNTAGGED): cadence.summarize(row, now)
            for trigger, row in sorted(by_trigger.items(), key=lambda kv: kv[0] or "")
        },
        lock=LockState(held=holder is not None, holder=holder),
        running_here=sweeps.running_ids(),
    )
