"""Slots: UTC-aligned windows of ``every`` since the epoch, and the marks that fall in each.

For an ``every`` that divides an hour (15m: :00 :15 :30 :45) the slots are exactly the
cron expansion of ``*/N * * * *`` in UTC. The verdict and the dashboard's strip bucket
sweeps through here, so they never disagree about which slot a sweep belongs to. Pure.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from statehub.cadence.marks import SweepMark

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def slot_start(at: datetime, every: timedelta) -> datetime:
    """The start of the slot ``at`` falls in: the previous UTC multiple of ``every``."""
    at = aware(at, "at")
    step = int(every.total_seconds() * 1_000_000)
    offset = (at - _EPOCH) // timedelta(microseconds=1)
    return _EPOCH + timedelta(microseconds=offset - offset % step)


def expected_slots(
    start: datetime, end: datetime, every: timedelta
) -> list[tuple[datetime, datetime]]:
    """Slots starting in [start, end), at UTC multiples of ``every`` since the epoch.

    For an ``every`` that divides an hour (15m: :00 :15 :30 :45) this is exactly
    the cron expansion of ``*/N * * * *`` in UTC.
    """
    if every <= timedelta(0):
        raise ValueError(f"every must be positive, got {every}")
    start, end = aware(start, "start"), aware(end, "end")
    first = slot_start(start, every)
    if first < start:
        first += every
    slots = []
    at = first
    while at < end:
        slots.append((at, at + every))
        at += every
    return slots


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    marks: tuple[SweepMark, ...] = ()

    @property
    def ran_by(self) -> frozenset[str]:
        """Who ran a sweep that started in this slot (lock skips excluded)."""
        return frozenset(m.source for m in self.marks if not m.lock_skipped)

    @property
    def skipped_by(self) -> frozenset[str]:
        """Who fired but found the lock held."""
        return frozenset(m.source for m in self.marks if m.lock_skipped)

    @property
    def failed_by(self) -> frozenset[str]:
        return frozenset(m.source for m in self.marks if m.failed)

    @property
    def degraded_by(self) -> frozenset[str]:
        """Who ran a sweep here that did not see the whole fleet."""
        return frozenset(m.source for m in self.marks if m.degraded)

    @property
    def blind_by(self) -> frozenset[str]:
        """Who ran a sweep here that could fetch nothing at all."""
        return frozenset(m.source for m in self.marks if m.blind)

    @property
    def covered(self) -> bool:
        """A sweep ran in this slot, or one was already running when a caller fired."""
        return any(m.attended for m in self.marks)

    def attended_by(self, source: str, *, within: timedelta | None = None) -> bool:
        """``source`` fired in this slot (within ``within`` of its start) and a sweep happened."""
        return any(
            m.source == source
            and m.attended
            and (within is None or m.started_at - self.start <= within)
            for m in self.marks
        )


def bucket(marks: Iterable[SweepMark], slots: Sequence[tuple[datetime, datetime]]) -> list[Slot]:
    """Each mark goes to the slot its started_at falls in; marks outside every slot are dropped.

    ``slots`` must be sorted and not overlap (as ``expected_slots`` returns them).
    """
    starts = [s for s, _ in slots]
    grouped: list[list[SweepMark]] = [[] for _ in slots]
    for mark in marks:
        index = bisect_right(starts, mark.started_at) - 1
        if index >= 0 and mark.started_at < slots[index][1]:
            grouped[index].append(mark)
    return [
        Slot(start, end, tuple(sorted(group, key=lambda m: (m.started_at, m.event_id))))
        for (start, end), group in zip(slots, grouped, strict=True)
    ]
