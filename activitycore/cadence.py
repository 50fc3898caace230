"""The mirror check: the slots a definition's trigger expects against its ActivityRuns.

Temporal's own counters say how many actions a schedule took, not which slots never
fired (a server down for an hour, a paused schedule, a catch-up window that dropped
them). Expanding the trigger ourselves and looking up one ``schedule`` run per slot
makes every missing fire visible. Pure: the CLI reads the rows and prints the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from activitycore import cron

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
MISSING = "missing"  # no run row for the slot at all
MAX_SLOTS = 50_000


def trigger_slots(trigger: str, timezone: str, start: datetime, end: datetime) -> list[datetime]:
    """The UTC times in [start, end) at which ``trigger`` fires in ``timezone``.

    Cron is matched minute by minute on the local wall clock (a month is 44,640 minutes:
    cheap, and DST needs no special case); ``@every`` counts from the Unix epoch, as Temporal
    does with no offset.
    """
    seconds = cron.every_seconds(trigger)
    if seconds is not None:
        step = timedelta(seconds=seconds)
        if (end - start) / step > MAX_SLOTS:
            raise ValueError(f"{trigger!r} fires more than {MAX_SLOTS} times in the window")
        at = _EPOCH + step * -(-(start - _EPOCH) // step)  # the first multiple at or after start
        fires = []
        while at < end:
            fires.append(at)
            at += step
        return fires
    (minutes, hours, days, months, weekdays), dom_restricted, dow_restricted = cron.field_values(
        trigger
    )
    zone = ZoneInfo(timezone)
    at = start.astimezone(UTC).replace(second=0, microsecond=0)
    if at < start:
        at += MINUTE
    fires = []
    while at < end:
        local = at.astimezone(zone)
        if local.minute in minutes and local.hour in hours and local.month in months:
            dom_ok = local.day in days
            dow_ok = (local.isoweekday() % 7) in weekdays
            if (dom_ok or dow_ok) if (dom_restricted and dow_restricted) else (dom_ok and dow_ok):
                fires.append(at)
        at += MINUTE
    return fires


@dataclass(frozen=True)
class RunMark:
    """An ActivityRun, reduced to what the mirror check needs."""

    run_id: str
    scheduled_for: datetime
    fired_at: datetime
    status: str
    trigger: str  # schedule | manual


@dataclass(frozen=True)
class SlotRuns:
    slot: datetime
    runs: tuple[RunMark, ...]

    @property
    def status(self) -> str:
        """The best outcome of the slot's scheduled runs, or ``missing``."""
        for status in ("succeeded", "running", "retrying", "failed", "skipped"):
            if any(r.status == status for r in self.runs):
                return status
        return self.runs[0].status if self.runs else MISSING


@dataclass(frozen=True)
class Mirror:
    start: datetime
    end: datetime
    slots: tuple[SlotRuns, ...]  # judged slots only
    pending: int  # slots too recent to judge
    manual_runs: int
    unexpected: tuple[RunMark, ...]  # schedule runs for a time the trigger does not name
    counts: dict[str, int]  # status → slots

    @property
    def missed(self) -> tuple[datetime, ...]:
        return tuple(s.slot for s in self.slots if s.status == MISSING)

    @property
    def ok(self) -> bool:
        """Every judged slot fired and none failed or was skipped (running is fine)."""
        return bool(self.slots) and all(
            s.status in ("succeeded", "running", "retrying") for s in self.slots
        )


def mirror(
    runs: Iterable[RunMark],
    *,
    slots: list[datetime],
    start: datetime,
    end: datetime,
    grace: timedelta,
) -> Mirror:
    """Pair each expected slot with its ``schedule`` runs (by ``scheduled_for``)."""
    expected = set(slots)
    by_slot: dict[datetime, list[RunMark]] = {slot: [] for slot in slots}
    manual = 0
    unexpected = []
    for run in runs:
        if run.trigger != "schedule":
            manual += 1
        elif run.scheduled_for in expected:
            by_slot[run.scheduled_for].append(run)
        elif start <= run.scheduled_for < end:
            unexpected.append(run)
    judged = [
        SlotRuns(slot, tuple(sorted(by_slot[slot], key=lambda r: r.fired_at)))
        for slot in slots
        if slot + grace <= end
    ]
    counts: dict[str, int] = {}
    for slot in judged:
        counts[slot.status] = counts.get(slot.status, 0) + 1
    return Mirror(
        start=start,
        end=end,
        slots=tuple(judged),
        pending=len(slots) - len(judged),
        manual_runs=manual,
        unexpected=tuple(unexpected),
        counts=counts,
    )
