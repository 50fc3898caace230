"""Progress events: the append-only audit trail every sweep writes to.

Ids only grow, so an id is the paging cursor: "older than id N" is stable while
new events arrive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sqlstore.database import in_session
from sqlstore.dbapi import dump_json
from statehub.store import ledger
from statehub.store.models import EventRow


@dataclass(frozen=True)
class ProgressEvent:
    id: int
    event_type: str
    created_at: datetime
    triggered_by: str | None
    sweep_id: str | None
    summary: str
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: EventRow) -> ProgressEvent:
        return cls(
            id=row.id,
            event_type=row.event_type,
            created_at=row.created_at,
            triggered_by=row.triggered_by,
            sweep_id=row.sweep_id,
            summary=row.summary,
            payload=row.payload,
        )


def append_event(
    db: Session,
    *,
    event_type: str,
    summary: str,
    payload: dict[str, Any],
    triggered_by: str | None = None,
    sweep_id: str | None = None,
    created_at: datetime | None = None,
) -> ProgressEvent:
    """``ledger.append_event`` (the event, and a sweep event's summary row) in the session's
    transaction, for the callers that have one: the API's POST, a prune's own event."""
    when = created_at or datetime.now(UTC)
    # The record holds what a read returns: a JSON round trip, in UTC.
    stored = json.loads(dump_json(payload))
    with in_session(db) as tx:
        event_id = ledger.append_event(
            tx,
            event_type=event_type,
            summary=summary,
            payload=stored,
            triggered_by=triggered_by,
            sweep_id=sweep_id,
            created_at=when,
        )
    return ProgressEvent(
        id=event_id,
        event_type=event_type,
        created_at=when.astimezone(UTC),
        triggered_by=triggered_by,
        sweep_id=sweep_id,
        summary=summary,
        payload=stored,
    )


def list_events(
    db: Session,
    *,
    event_type: str | None = None,
    limit: int = 20,
    before_id: int | None = None,
    since: datetime | None = None,
) -> list[ProgressEvent]:
    """Newest first. ``before_id`` pages on (ids below it); ``since`` is created_at >= since."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    query = select(EventRow).order_by(EventRow.id.desc()).limit(limit)
    if event_type is not None:
        query = query.where(EventRow.event_type == event_type)
    if before_id is not None:
        query = query.where(EventRow.id < before_id)
    if since is not None:
        query = query.where(EventRow.created_at >= since)
    return [ProgressEvent.from_row(row) for row in db.scalars(query)]


def get_event(db: Session, *, event_id: int) -> ProgressEvent | None:
    row = db.get(EventRow, event_id)
    return None if row is None else ProgressEvent.from_row(row)


def get_event_by_sweep_id(db: Session, *, sweep_id: str) -> ProgressEvent | None:
    """The event a sweep recorded (the newest, should a sweep id ever repeat)."""
    query = (
        select(EventRow).where(EventRow.sweep_id == sweep_id).order_by(EventRow.id.desc()).limit(1)
    )
    row = db.scalars(query).first()
    return None if row is None else ProgressEvent.from_row(row)
