"""The cadence strip: the last 24 hours as 96 fifteen-minute UTC slots. Pure: no I/O.

The slots and the bucketing are ``statehub.cadence.slots``'s, the same rules the
cutover verdict uses, so the strip and ``statehub cadence`` never disagree about
which slot a sweep belongs to. This module only decides how a slot looks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from statehub.cadence.marks import ACTIVITY_CORE, LOCAL_TIMER, SweepMark
from statehub.cadence.slots import Slot, bucket, expected_slots, slot_start

EVERY = timedelta(minutes=15)
SLOTS = 96  # 24 h: the issue asks for exactly this view, whatever the configured cadence
MANUAL = "manual"

# Legend order; "none" last. The CSS has a class per kind.
KIND_LABELS: dict[str, str] = {
    "activity-core": "activity-core",
    "local-timer": "local timer",
    "manual": "manual",
    "other": "other caller",
    "skip": "lock skip only",
    "none": "nothing ran",
}
_KNOWN = {ACTIVITY_CORE: "activity-core", LOCAL_TIMER: "local-timer", MANUAL: "manual"}


def window(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the strip: 96 slots, the last one holding ``now``."""
    end = slot_start(now, EVERY) + EVERY
    return end - SLOTS * EVERY, end


@dataclass(frozen=True)
class Cell:
    start: datetime
    end: datetime
    kind: str  # a key of KIND_LABELS
    failed: bool  # some sweep in it could not run properly
    degraded: bool  # the sweeps that ran in it did not see the whole fleet
    current: bool  # the slot holding "now": its sweep may still be coming
    marks: tuple[SweepMark, ...]

    @property
    def primary(self) -> SweepMark | None:
        """The sweep the cell links to: the first that ran, else the first skip."""
        ran = [m for m in self.marks if not m.lock_skipped]
        candidates = ran or list(self.marks)
        return candidates[0] if candidates else None


def _kind(slot: Slot) -> str:
    ran = [m for m in slot.marks if not m.lock_skipped]
    if ran:
        return _KNOWN.get(ran[0].triggered_by or "", "other")
    return "skip" if slot.marks else "none"


def cells(marks: Iterable[SweepMark], now: datetime) -> list[Cell]:
    start, end = window(now)
    current = slot_start(now, EVERY)
    return [
        Cell(
            start=slot.start,
            end=slot.end,
            kind=_kind(slot),
            failed=any(m.failed for m in slot.marks),
            # As the verdict counts it: degraded when no sweep that ran here saw everything.
            degraded=bool(ran := [m for m in slot.marks if m.ran]) and all(m.degraded for m in ran),
            current=slot.start == current,
            marks=slot.marks,
        )
        for slot in bucket(marks, expected_slots(start, end, EVERY))
    ]


def describe(mark: SweepMark) -> str:
    """One line per sweep for the tooltip: when, who, and how it ended."""
    who = mark.triggered_by or "untagged"
    seconds = (mark.finished_at - mark.started_at).total_seconds()
    if mark.lock_skipped:
        outcome = "lock skipped"
    elif mark.failed:
        outcome = f"failed (exit {mark.exit_code})"
    elif mark.blind:
        outcome = f"ran {seconds:.0f} s, blind: fetched 0 of {mark.fetch_attempted}"
    elif mark.degraded:
        outcome = f"ran {seconds:.0f} s, degraded: fetched {mark.fetched} of {mark.fetch_attempted}"
    else:
        outcome = f"ran {seconds:.0f} s"
    return f"{mark.started_at:%H:%M:%S} {who}: {outcome}"
