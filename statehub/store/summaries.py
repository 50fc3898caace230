"""Per-sweep summaries: the row each sweep event gets, for readers that want its numbers.

The dashboard, the status banner and /metrics read these rather than payloads: a row is a
few hundred bytes where a 1,000-repo sweep's payload is a megabyte of JSON to parse.
``ledger.add_summary`` writes it for every sweep event ``ledger.append_event`` appends, in
its transaction, so a row and its event are written (and pruned) together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from statehub.digest import SWEEP_EVENT, SweepDigest
from statehub.store.models import EventRow, SummaryRow

_FIELDS = list(SweepDigest.__dataclass_fields__)


def _digest(row: SummaryRow) -> SweepDigest:
    return SweepDigest(**{name: getattr(row, name) for name in _FIELDS})


def _newest(db: Session, *conditions: ColumnElement[bool]) -> SweepDigest | None:
    query = select(SummaryRow).where(*conditions).order_by(SummaryRow.event_id.desc()).limit(1)
    row = db.scalars(query).first()
    return None if row is None else _digest(row)


def latest_summary(db: Session) -> SweepDigest | None:
    """The newest sweep's row, lock skips included."""
    return _newest(db)


def last_attempt(db: Session) -> SweepDigest | None:
    """The newest sweep that was not a lock skip: it swept, or failed to."""
    return _newest(db, SummaryRow.lock_skipped.is_(False))


def last_completed(db: Session) -> SweepDigest | None:
    """The newest sweep that actually swept (neither lock-skipped nor failed)."""
    return _newest(db, SummaryRow.lock_skipped.is_(False), SummaryRow.health != "failed")


def latest_by_trigger(db: Session) -> dict[str | None, SweepDigest]:
    """The newest sweep's row per ``triggered_by`` (None for untagged ones)."""
    # max(id) per caller reads only the events' (event_type, triggered_by, id) index; the
    # summary rows are then fetched by their key, one per caller.
    newest = (
        select(func.max(EventRow.id))
        .where(EventRow.event_type == SWEEP_EVENT)
        .group_by(EventRow.triggered_by)
    )
    rows = db.scalars(select(SummaryRow).where(SummaryRow.event_id.in_(newest)))
    return {digest.triggered_by: digest for digest in map(_digest, rows)}


def recent_summaries(db: Session, *, limit: int) -> list[SweepDigest]:
    """The newest ``limit`` sweeps' rows, newest first."""
    query = select(SummaryRow).order_by(SummaryRow.event_id.desc()).limit(limit)
    return [_digest(row) for row in db.scalars(query)]


def summaries_since(
    db: Session, since: datetime, *, limit: int | None = None, before_id: int | None = None
) -> list[SweepDigest]:
    """The rows of the sweeps recorded at or after ``since``, newest first (a day of
    sweeps every 15 minutes is ~100 small rows); ``limit`` and ``before_id`` (event ids
    below it) page through a longer window."""
    query = (
        select(SummaryRow)
        .where(SummaryRow.created_at >= since)
        .order_by(SummaryRow.event_id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(SummaryRow.event_id < before_id)
    return [_digest(row) for row in db.scalars(query)]
