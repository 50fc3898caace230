"""A recorded sweep reduced to a ``SweepMark``: what cadence needs of it.

Everything cadence (the verdict, the strip, the status page, the dashboard's sweep rows)
knows about a recorded sweep comes through ``mark_from_payload`` (``mark_of`` for a stored
event, ``mark_from_digest`` for its summary row), all three on ``statehub.digest``'s one
reading of a document, so they never disagree about when a sweep started, who fired it,
whether it was a lock skip or whether it failed. Pure: no I/O.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from statehub.digest import RecordedSweep, SweepDigest, facts_of
from statehub.health import Health

ACTIVITY_CORE = "activity-core"
LOCAL_TIMER = "local-timer"
UNTAGGED = "(none)"

logger = logging.getLogger("statehub.cadence")


@dataclass(frozen=True)
class SweepMark:
    """One recorded sweep, reduced to what cadence needs."""

    event_id: int
    sweep_id: str | None
    triggered_by: str | None
    started_at: datetime
    finished_at: datetime
    lock_skipped: bool
    exit_code: int | None
    failed: bool  # it did not sweep properly: see ``mark_from_payload``
    caller_run_id: str | None = None  # the caller's id for correlation, when it gave one
    health: str = Health.OK.value  # ok / degraded / failed (derived for old records)
    # Repos whose remotes were all fetched, of those it tried to fetch (0 and 0 when it
    # fetched nothing: a lock skip, a failure, --no-fetch).
    fetched: int = 0
    fetch_attempted: int = 0

    @property
    def source(self) -> str:
        return self.triggered_by or UNTAGGED

    @property
    def ran(self) -> bool:
        """A real sweep that did its work (not skipped, not failed)."""
        return not self.lock_skipped and not self.failed

    @property
    def degraded(self) -> bool:
        """It ran but did not see the whole fleet."""
        return self.ran and self.health == Health.DEGRADED.value

    @property
    def blind(self) -> bool:
        """It ran and tried to fetch, but could fetch nothing (e.g. no credentials)."""
        return self.ran and self.fetch_attempted > 0 and self.fetched == 0

    @property
    def attended(self) -> bool:
        """Its caller fired and a sweep happened (its own, or the one holding the lock)."""
        return not self.failed


def mark_from_payload(
    event_id: int, payload: dict[str, Any], *, recorded_at: datetime | None = None
) -> SweepMark:
    """A mark from a ``consistency_sweep_remote_all`` payload (the sweep result document);
    ValueError when its times cannot be read. The rules are ``statehub.digest.facts_of``'s,
    shared with the sweep's summary row."""
    facts = facts_of(payload, recorded_at=recorded_at)
    return SweepMark(
        event_id=event_id,
        sweep_id=facts.sweep_id,
        triggered_by=facts.triggered_by,
        started_at=facts.started_at,
        finished_at=facts.finished_at,
        lock_skipped=facts.lock_skipped,
        exit_code=facts.exit_code,
        failed=facts.failed,
        caller_run_id=facts.caller_run_id,
        health=facts.health.value,
        fetched=facts.fetched,
        fetch_attempted=facts.fetch_attempted,
    )


def mark_from_digest(row: SweepDigest) -> SweepMark:
    """The mark of a sweep's summary row: the same as ``mark_of`` its event."""
    if row.problem is not None:
        return _unreadable(row.event_id, row.sweep_id, row.triggered_by, row.created_at)
    return SweepMark(
        event_id=row.event_id,
        sweep_id=row.document_sweep_id,
        triggered_by=row.document_triggered_by,
        started_at=row.started_at,
        finished_at=row.finished_at,
        lock_skipped=row.lock_skipped,
        exit_code=row.exit_code,
        failed=row.failed,
        caller_run_id=row.caller_run_id,
        health=row.health,
        fetched=row.fetched,
        fetch_attempted=row.fetch_attempted,
    )


def _unreadable(
    event_id: int, sweep_id: str | None, triggered_by: str | None, recorded_at: datetime
) -> SweepMark:
    # A row we cannot read must not vanish from the verdict: it counts as a
    # failed sweep at the time it was recorded.
    return SweepMark(
        event_id=event_id,
        sweep_id=sweep_id,
        triggered_by=triggered_by,
        started_at=recorded_at,
        finished_at=recorded_at,
        lock_skipped=False,
        exit_code=None,
        failed=True,
        health=Health.FAILED.value,
    )


def mark_of(event: RecordedSweep) -> SweepMark:
    """The event's mark; one whose payload cannot be read is a failed sweep at its created_at."""
    try:
        return mark_from_payload(event.id, event.payload, recorded_at=event.created_at)
    except ValueError as exc:
        logger.warning("progress event %s: %s; counted as a failed sweep", event.id, exc)
        return _unreadable(event.id, event.sweep_id, event.triggered_by, event.created_at)
