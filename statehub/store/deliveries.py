"""The outbox: one row per message for one channel, kept until the channel took it.

A sweep (or the watchdog, or a ping) only *enqueues*: writing a row is all that happens on
its path. Whoever delivers — the server's worker, or the CLI's short pass after a sweep —
asks for what is ``due``, ``claim``s a row (so two processes never send it twice), sends
it, and marks it ``delivered`` or ``failed``; a failed row is due again after a back-off
that doubles with each attempt, and after ``MAX_ATTEMPTS`` it has ``gave_up``.

Rows are never deleted here: they are the log ``statehub notifications`` reads (``recent``).
Channels are stored redacted (no password, token or secret path); the deliverer finds the
configured URL again by its redacted form.

    with store.session() as db:
        enqueue(db, kind="repo_alert", channel="json://hooks.example/...", title=t, body=b)
    with store.session() as db:
        for delivery in due(db, now=now):
            if claim(db, delivery, now=now, lease=timedelta(seconds=30)):
                ...send..., then mark_delivered(db, delivery.id, now=...)
                             or mark_failed(db, delivery.id, error=..., now=...)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from statehub.store.models import DeliveryRow

KINDS: Final = ("repo_alert", "digest", "health", "overdue", "ping")
PENDING, DELIVERED, FAILED, GAVE_UP = "pending", "delivered", "failed", "gave_up"
STATUSES: Final = (PENDING, DELIVERED, FAILED, GAVE_UP)

# 30 s, 1 min, 2 min … capped at an hour: a channel down for a night is retried hourly, and
# twelve attempts span about four hours before the row gives up.
FIRST_RETRY: Final = timedelta(seconds=30)
LONGEST_RETRY: Final = timedelta(hours=1)
MAX_ATTEMPTS: Final = 12
# An error is for a person to read in a table; a channel's whole HTML error page is not.
ERROR_CHARS: Final = 500


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    channel: str
    title: str
    body: str
    sweep_id: str | None
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: DeliveryRow) -> Delivery:
        return cls(
            id=row.id,
            kind=row.kind,
            channel=row.channel,
            title=row.title,
            body=row.body,
            sweep_id=row.sweep_id,
            created_at=row.created_at,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
        )


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1 → 30 s, doubling, ≤ 1 h)."""
    doubled: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(doubled, LONGEST_RETRY)


def enqueue(
    db: Session,
    *,
    kind: str,
    channel: str,
    title: str,
    body: str,
    sweep_id: str | None = None,
    now: datetime | None = None,
) -> Delivery:
    """A new pending row, due at once."""
    if kind not in KINDS:
        raise ValueError(f"unknown delivery kind {kind!r}: one of {', '.join(KINDS)}")
    created = now or datetime.now(UTC)
    row = DeliveryRow(
        kind=kind,
        channel=channel,
        title=title,
        body=body,
        sweep_id=sweep_id,
        created_at=created,
        status=PENDING,
        attempts=0,
        next_attempt_at=created,
    )
    db.add(row)
    db.flush()
    db.refresh(row)  # what the database stored (UTC), as a later read returns it
    return Delivery.from_row(row)


def due(
    db: Session, *, now: datetime, limit: int = 100, channels: list[str] | None = None
) -> list[Delivery]:
    """Pending or failed rows whose time has come, oldest due first; only ``channels`` if given."""
    query = (
        select(DeliveryRow)
        .where(DeliveryRow.status.in_((PENDING, FAILED)), DeliveryRow.next_attempt_at <= now)
        .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
        .limit(limit)
    )
    if channels is not None:
        query = query.where(DeliveryRow.channel.in_(channels))
    return [Delivery.from_row(row) for row in db.scalars(query)]


def claim(db: Session, delivery: Delivery, *, now: datetime, lease: timedelta) -> bool:
    """Take ``delivery`` for one attempt; False when another process took it first.

    The conditional UPDATE is the lock: it matches only while the row is as ``due`` read it,
    and moves next_attempt_at past the attempt's lease, so a process that dies mid-send
    leaves the row due again once the lease is over instead of stuck.
    """
    taken = db.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.id == delivery.id,
            DeliveryRow.status.in_((PENDING, FAILED)),
            DeliveryRow.attempts == delivery.attempts,
            DeliveryRow.next_attempt_at <= now,
        )
        .values(attempts=DeliveryRow.attempts + 1, next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def mark_delivered(db: Session, delivery_id: int, *, now: datetime) -> None:
    db.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == delivery_id)
        .values(status=DELIVERED, delivered_at=now, next_attempt_at=None, last_error=None)
        .execution_options(synchronize_session=False)
    )


def mark_failed(
    db: Session,
    delivery_id: int,
    *,
    error: str,
    now: datetime,
    give_up: bool = False,
    max_attempts: int = MAX_ATTEMPTS,
) -> Delivery:
    """Record a failed attempt: due again after ``retry_delay``, or gave_up after the last one
    (or at once with ``give_up``, for errors no retry can mend, e.g. a channel removed from
    the configuration)."""
    row = db.get(DeliveryRow, delivery_id)
    if row is None:
        raise LookupError(f"no delivery {delivery_id}")
    attempts = max(row.attempts, 1)  # claim counted the attempt; a bare mark_failed counts one
    row.attempts = attempts
    row.last_error = " ".join(error.split())[:ERROR_CHARS] or "failed (no error given)"
    if give_up or attempts >= max_attempts:
        row.status, row.next_attempt_at = GAVE_UP, None
    else:
        row.status, row.next_attempt_at = FAILED, now + retry_delay(attempts)
    db.flush()
    db.refresh(row)
    return Delivery.from_row(row)


def recent(db: Session, *, limit: int = 20, kind: str | None = None) -> list[Delivery]:
    """Newest first: what was sent or is waiting, for ``statehub notifications``."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    query = select(DeliveryRow).order_by(DeliveryRow.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(DeliveryRow.kind == kind)
    return [Delivery.from_row(row) for row in db.scalars(query)]


def get(db: Session, delivery_id: int) -> Delivery | None:
    row = db.get(DeliveryRow, delivery_id)
    return None if row is None else Delivery.from_row(row)
