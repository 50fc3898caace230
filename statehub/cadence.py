"""Did the sweep keep its 15-minute cadence, and can the local timer go? Pure: no I/O.

The question the runbook exists to answer is per *slot*: every 15 minutes, UTC
(``*/15 * * * *``), some sweep must have run. Sweep events become ``SweepMark``s,
``expected_slots`` names the slots of a window, ``bucket`` puts each mark in the
slot its ``started_at`` falls in, and ``judge`` turns the slots into a verdict:
per-source totals, the longest gap, and whether activity-core alone attended
every slot — the evidence that ``custodian-sync.timer`` can be disabled.

Why a lock skip counts as attendance: during the parallel week the timer and
activity-core fire together and one of them loses the lock. The loser still
fired on time and a sweep was running, so had it been alone it would have swept
(or been skipped by Temporal's overlap policy just the same).

Times are State Hub's clock (the event's ``started_at``): both callers are
judged by the one clock that recorded them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

ACTIVITY_CORE = "activity-core"
LOCAL_TIMER = "local-timer"
UNTAGGED = "(none)"
DEFAULT_EVERY = timedelta(minutes=15)
# activity-core records a run picked up more than 60 s late as skipped, and the
# timer fires within AccuracySec=1s; 5 minutes absorbs a slow tunnel or a busy
# host without letting a fire from the *next* half of the slot pass as punctual.
DEFAULT_TOLERANCE = timedelta(minutes=5)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``"7d"``, ``"15m"``, ``"90s"``, ``"2h"``, ``"1w"`` → timedelta (positive, one unit)."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 15m, 2h, 7d (a positive whole number)")
    try:
        return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


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

    @property
    def source(self) -> str:
        return self.triggered_by or UNTAGGED

    @property
    def ran(self) -> bool:
        """A real sweep that did its work (not skipped, not failed)."""
        return not self.lock_skipped and not self.failed

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
    return SweepMark(
        event_id=event_id,
        sweep_id=str(sweep_id) if sweep_id is not None else None,
        triggered_by=str(triggered_by) if triggered_by is not None else None,
        started_at=started_at,
        finished_at=finished_at,
        lock_skipped=lock_skipped,
        exit_code=exit_code,
        failed=exit_code not in ok_codes,
    )


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def slot_start(at: datetime, every: timedelta) -> datetime:
    """The start of the slot ``at`` falls in: the previous UTC multiple of ``every``."""
    at = _aware(at, "at")
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
    start, end = _aware(start, "start"), _aware(end, "end")
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


@dataclass(frozen=True)
class SourceTotals:
    source: str
    sweeps: int = 0  # real sweeps (not lock-skipped), failed ones included
    lock_skips: int = 0
    failures: int = 0
    slots_attended: int = 0  # judged slots this source attended on time


@dataclass(frozen=True)
class Gap:
    """Consecutive judged slots without what was looked for."""

    start: datetime
    end: datetime
    slots: int

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Verdict:
    window_start: datetime
    window_end: datetime
    every: timedelta
    tolerance: timedelta
    source: str  # the scheduler being judged (activity-core)
    slots: tuple[Slot, ...]  # every expected slot in the window, pending ones included
    judged: int  # slots old enough to judge
    covered: int  # judged slots in which any sweep happened
    attended: int  # judged slots ``source`` attended on time
    totals: tuple[SourceTotals, ...]
    longest_gap: Gap | None  # longest run of judged slots with no sweep at all
    longest_source_gap: Gap | None  # longest run ``source`` did not attend
    missed: tuple[datetime, ...]  # judged slots ``source`` did not attend
    late: tuple[datetime, ...]  # of those, slots where it fired but after the tolerance
    can_disable_timer: bool
    reasons: tuple[str, ...] = field(default=())


def _longest_gap(slots: Sequence[Slot], ok: list[bool]) -> Gap | None:
    best: Gap | None = None
    run_start: int | None = None
    for i, good in enumerate([*ok, True]):
        if not good and run_start is None:
            run_start = i
        elif good and run_start is not None:
            gap = Gap(slots[run_start].start, slots[i - 1].end, i - run_start)
            if best is None or gap.slots > best.slots:
                best = gap
            run_start = None
    return best


def _totals(
    slots: Sequence[Slot], judged: Sequence[Slot], tolerance: timedelta
) -> list[SourceTotals]:
    counts: dict[str, dict[str, int]] = {}
    for slot in slots:
        for m in slot.marks:
            c = counts.setdefault(m.source, {"sweeps": 0, "lock_skips": 0, "failures": 0})
            c["lock_skips" if m.lock_skipped else "sweeps"] += 1
            c["failures"] += m.failed
    return [
        SourceTotals(
            source=source,
            slots_attended=sum(s.attended_by(source, within=tolerance) for s in judged),
            **c,
        )
        for source, c in sorted(counts.items())
    ]


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def _examples(times: Sequence[datetime], limit: int = 3) -> str:
    shown = ", ".join(_when(t) for t in times[:limit])
    return shown + (f" and {len(times) - limit} more" if len(times) > limit else "")


def judge(
    marks: Iterable[SweepMark],
    *,
    start: datetime,
    end: datetime,
    every: timedelta = DEFAULT_EVERY,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    source: str = ACTIVITY_CORE,
) -> Verdict:
    """The cadence of [start, end) and whether ``source`` alone kept it.

    A slot is judged once ``tolerance`` has passed since its start (before that
    its fire may simply not have happened yet). ``source`` attends a slot when
    it fired within ``tolerance`` of the slot's start and a sweep happened.
    """
    if tolerance < timedelta(0) or tolerance >= every:
        raise ValueError(f"tolerance must be in [0, {every}), got {tolerance}")
    slots = bucket(marks, expected_slots(start, end, every))
    judged = [s for s in slots if s.start + tolerance <= end]
    attended = [s.attended_by(source, within=tolerance) for s in judged]
    missed = [s.start for s, ok in zip(judged, attended, strict=True) if not ok]
    late = [
        s.start for s, ok in zip(judged, attended, strict=True) if not ok and s.attended_by(source)
    ]
    reasons: list[str] = []
    if not judged:
        reasons.append(f"no slot in the window is old enough to judge (window {start} to {end})")
    if missed:
        reasons.append(
            f"{source} did not attend {len(missed)} of {len(judged)} slots: {_examples(missed)}"
        )
    if late:
        reasons.append(
            f"{source} fired later than {format_duration(tolerance)} after the slot in "
            f"{len(late)} of them: {_examples(late)}"
        )
    missed_set = set(missed)
    failed = [s.start for s in judged if s.start in missed_set and source in s.failed_by]
    if failed:
        reasons.append(f"{source}'s sweep failed in {len(failed)} of them: {_examples(failed)}")
    return Verdict(
        window_start=_aware(start, "start"),
        window_end=_aware(end, "end"),
        every=every,
        tolerance=tolerance,
        source=source,
        slots=tuple(slots),
        judged=len(judged),
        covered=sum(s.covered for s in judged),
        attended=sum(attended),
        totals=tuple(_totals(slots, judged, tolerance)),
        longest_gap=_longest_gap(judged, [s.covered for s in judged]),
        longest_source_gap=_longest_gap(judged, attended),
        missed=tuple(missed),
        late=tuple(late),
        can_disable_timer=bool(judged) and not missed,
        reasons=tuple(reasons),
    )
