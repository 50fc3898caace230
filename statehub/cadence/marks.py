"""The one reader of a recorded sweep's payload: a sweep event reduced to a ``SweepMark``.

Everything cadence (the verdict, the strip, the status page, the dashboard's sweep rows)
knows about a recorded sweep comes through ``mark_from_payload`` (``mark_of`` for a stored
event), so they never disagree about when a sweep started, who fired it, whether it was a
lock skip or whether it failed. Pure: no I/O.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from statehub.health import Health, health_of, observe

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


def _parse_time(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} {value!r} is not an ISO-8601 time") from None
    else:
        raise ValueError(f"{name} is missing or not a time: {value!r}")
    if parsed.tzinfo is None:
        raise ValueError(f"{name} {value!r} has no time zone")
    return parsed.astimezone(UTC)


def mark_from_payload(
    event_id: int, payload: dict[str, Any], *, recorded_at: datetime | None = None
) -> SweepMark:
    """A mark from a ``consistency_sweep_remote_all`` payload (the sweep result document).

    ``failed``: the exit code is missing or says the sweep could not run. Warn
    sweeps always exit 0 and fix-mode's 1 only means findings remain, so both ran.
    ``recorded_at`` (the event's created_at) stands in for a missing time, so
    one odd row cannot hide a whole week from the verdict.
    """
    started = payload.get("started_at")
    finished = payload.get("finished_at")
    if started is None and recorded_at is not None:
        started = recorded_at
    started_at = _parse_time(started, "started_at")
    finished_at = _parse_time(finished if finished is not None else started_at, "finished_at")
    raw_exit = payload.get("exit_code")
    exit_code = raw_exit if isinstance(raw_exit, int) and not isinstance(raw_exit, bool) else None
    lock_skipped = payload.get("lock_skipped") is True
    ok_codes = {0, 1} if payload.get("mode") == "fix" else {0}
    triggered_by = payload.get("triggered_by")
    sweep_id = payload.get("sweep_id")
    caller_run_id = payload.get("caller_run_id")
    health, _, _ = health_of(payload)
    seen = observe(payload)
    return SweepMark(
        event_id=event_id,
        sweep_id=str(sweep_id) if sweep_id is not None else None,
        triggered_by=str(triggered_by) if triggered_by is not None else None,
        started_at=started_at,
        finished_at=finished_at,
        lock_skipped=lock_skipped,
        exit_code=exit_code,
        failed=exit_code not in ok_codes or health is Health.FAILED,
        caller_run_id=str(caller_run_id) if caller_run_id is not None else None,
        health=health.value,
        fetched=seen.fetched,
        fetch_attempted=seen.fetch_attempted,
    )


class RecordedEvent(Protocol):
    """What a mark is read from: the store's ProgressEvent has these (named here, not
    imported, so that reading a payload stays free of the store)."""

    @property
    def id(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def sweep_id(self) -> str | None: ...
    @property
    def triggered_by(self) -> str | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...


def mark_of(event: RecordedEvent) -> SweepMark:
    """The event's mark; one whose payload cannot be read is a failed sweep at its created_at."""
    try:
        return mark_from_payload(event.id, event.payload, recorded_at=event.created_at)
    except ValueError as exc:
        # A row we cannot read must not vanish from the verdict: it counts as a
        # failed sweep at the time it was recorded.
        logger.warning("progress event %s: %s; counted as a failed sweep", event.id, exc)
        return SweepMark(
            event_id=event.id,
            sweep_id=event.sweep_id,
            triggered_by=event.triggered_by,
            started_at=event.created_at,
            finished_at=event.created_at,
            lock_skipped=False,
            exit_code=None,
            failed=True,
            health=Health.FAILED.value,
        )
