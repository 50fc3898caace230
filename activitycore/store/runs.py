"""The activity_runs table: one row per run, written idempotently by the worker's activities.

Every write is keyed by ``run_id`` and safe to repeat, because Temporal may run an activity
again (a retry after a worker died, a timeout racing a late success).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activitycore.store.models import DefinitionRow, RunRow

RUNNING, SUCCEEDED, FAILED, SKIPPED = "running", "succeeded", "failed", "skipped"
# An attempt failed and Temporal will try again: `error` holds that attempt's reason.
RETRYING = "retrying"
IN_PROGRESS = (RUNNING, RETRYING)
FINISHED = (SUCCEEDED, FAILED, SKIPPED)


@dataclass(frozen=True)
class NewRun:
    run_id: str
    definition_id: str
    workflow_id: str
    fired_at: datetime
    scheduled_for: datetime
    trigger: str
    triggered_by: str | None
    status: str = RUNNING
    error: str | None = None
    finished_at: datetime | None = None


def start_run(db: Session, *, run: NewRun) -> RunRow:
    """Insert the run, or return the row a previous attempt already inserted."""
    existing = db.get(RunRow, run.run_id)
    if existing is not None:
        return existing
    row = RunRow(**run.__dict__, attempts=0)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        # Another attempt of the same activity got there first (a zombie attempt).
        found = db.get(RunRow, run.run_id)
        if found is None:
            raise
        return found
    return row


def begin_attempt(db: Session, *, run_id: str, attempt: int) -> str | None:
    """Count the action's ``attempt``-th try (never counting down); return the job location
    an earlier attempt saved, if any, for this one to resume."""
    db.execute(
        update(RunRow)
        .where(RunRow.run_id == run_id, RunRow.attempts < attempt)
        .values(attempts=attempt)
    )
    return db.scalar(select(RunRow.action_location).where(RunRow.run_id == run_id))


def record_failed_attempt(db: Session, *, run_id: str, error: str) -> None:
    """An attempt failed: the row says so (and why) while the run waits for its next try.
    Never touches a run that already finished (a late, zombie attempt)."""
    db.execute(
        update(RunRow)
        .where(RunRow.run_id == run_id, RunRow.status.in_(IN_PROGRESS))
        .values(status=RETRYING, error=error)
    )


def save_location(db: Session, *, run_id: str, location: str) -> None:
    db.execute(update(RunRow).where(RunRow.run_id == run_id).values(action_location=location))


def finish_run(
    db: Session,
    *,
    run_id: str,
    status: str,
    finished_at: datetime,
    error: str | None = None,
    context_snapshot: dict[str, Any] | None = None,
) -> None:
    db.execute(
        update(RunRow)
        .where(RunRow.run_id == run_id)
        .values(
            status=status,
            finished_at=finished_at,
            error=error,
            context_snapshot=context_snapshot,
        )
    )


def record_ping(db: Session, *, run_id: str, which: str, outcome: dict[str, Any]) -> None:
    """What became of the run's ``start`` or ``finish`` ping."""
    column = {"start": RunRow.start_ping, "finish": RunRow.finish_ping}[which]
    db.execute(update(RunRow).where(RunRow.run_id == run_id).values({column: outcome}))


def list_runs(
    db: Session, *, definition_id: str | None = None, limit: int = 20
) -> list[tuple[RunRow, str]]:
    """Runs newest first, each with its definition's name."""
    query = select(RunRow, DefinitionRow.name).join(
        DefinitionRow, DefinitionRow.id == RunRow.definition_id
    )
    if definition_id is not None:
        query = query.where(RunRow.definition_id == definition_id)
    query = query.order_by(RunRow.fired_at.desc(), RunRow.run_id).limit(limit)
    return [(row, name) for row, name in db.execute(query)]


def get_run(db: Session, *, run_id: str) -> RunRow | None:
    return db.get(RunRow, run_id)


def runs_fired_since(db: Session, *, definition_id: str, since: datetime) -> list[tuple[Any, ...]]:
    """(run_id, scheduled_for, fired_at, status, trigger) of the definition's runs fired at or
    after ``since``: the mirror check's input, without the (large) context snapshots."""
    query = select(
        RunRow.run_id, RunRow.scheduled_for, RunRow.fired_at, RunRow.status, RunRow.trigger
    ).where(RunRow.definition_id == definition_id, RunRow.fired_at >= since)
    return [tuple(row) for row in db.execute(query)]


@dataclass(frozen=True)
class RunTotal:
    definition: str  # the definition's name
    status: str  # one of FINISHED
    runs: int
    last_finished_at: datetime | None


def run_totals(db: Session) -> list[RunTotal]:
    """Finished runs per definition name and status, and the newest finish of each: one
    aggregate over columns (never the context snapshots), for the worker's metrics."""
    query = (
        select(DefinitionRow.name, RunRow.status, func.count(), func.max(RunRow.finished_at))
        .join(DefinitionRow, DefinitionRow.id == RunRow.definition_id)
        .where(RunRow.status.in_(FINISHED))
        .group_by(DefinitionRow.name, RunRow.status)
    )
    return [RunTotal(name, status, count, last) for name, status, count, last in db.execute(query)]
