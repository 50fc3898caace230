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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from durations import format_duration
from statehub.cadence.marks import ACTIVITY_CORE, SweepMark
from statehub.cadence.sight import SourceSight, sight_by_source, sight_reasons
from statehub.cadence.slots import Slot, aware, bucket, expected_slots

DEFAULT_EVERY = timedelta(minutes=15)
# activity-core records a run picked up more than 60 s late as skipped, and the
# timer fires within AccuracySec=1s; 5 minutes absorbs a slow tunnel or a busy
# host without letting a fire from the *next* half of the slot pass as punctual.
DEFAULT_TOLERANCE = timedelta(minutes=5)


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
class CadenceVerdict:
    """The cadence of one window and whether ``source`` alone kept it (what ``judge`` returns).

    Named for cadence: a sweep's per-repo outcome is ``statehub.sweep.check.Verdict``.
    """

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
    sight: tuple[SourceSight, ...] = field(default=())  # how much each source's sweeps saw


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
) -> CadenceVerdict:
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
    sight = sight_by_source(judged)
    blind_to = sight_reasons(sight, source=source)
    reasons.extend(blind_to)
    return CadenceVerdict(
        window_start=aware(start, "start"),
        window_end=aware(end, "end"),
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
        can_disable_timer=bool(judged) and not missed and not blind_to,
        reasons=tuple(reasons),
        sight=tuple(sight),
    )
