"""The cadence verdict as one JSON document, the same type for ``statehub cadence --json``
and ``GET /consistency/cadence``. Pure: pydantic and the verdict, no I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

from statehub.cadence.marks import SweepMark
from statehub.cadence.sight import SourceSight
from statehub.cadence.slots import Slot
from statehub.cadence.verdict import CadenceVerdict, Gap, SourceTotals

# Every time in the document is UTC, written as Python's isoformat (``+00:00``), the
# spelling ``statehub cadence --json`` has always printed.
Time = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]


class CadenceTotals(BaseModel):
    source: str = Field(description="triggered_by")
    sweeps: int = Field(description="sweeps that ran (failed ones included)")
    lock_skips: int
    failures: int
    slots_attended: int = Field(description="judged slots it attended within the tolerance")
    slots_ran: int = Field(description="judged slots where one of its sweeps ran")
    slots_degraded: int = Field(description="of those, slots where none of them saw everything")
    slots_blind: int = Field(description="of those, slots where none of them fetched anything")
    repos_fetched: int = Field(description="repos its sweeps in judged slots fetched")
    fetches_attempted: int = Field(description="repos those sweeps tried to fetch")

    @classmethod
    def of(cls, totals: SourceTotals, sight: SourceSight | None) -> CadenceTotals:
        seen = sight or SourceSight(source=totals.source)
        return cls(
            source=totals.source,
            sweeps=totals.sweeps,
            lock_skips=totals.lock_skips,
            failures=totals.failures,
            slots_attended=totals.slots_attended,
            slots_ran=seen.slots_ran,
            slots_degraded=seen.slots_degraded,
            slots_blind=seen.slots_blind,
            repos_fetched=seen.fetched,
            fetches_attempted=seen.fetch_attempted,
        )


class CadenceGap(BaseModel):
    start: Time
    end: Time
    slots: int
    seconds: float

    @classmethod
    def of(cls, gap: Gap | None) -> CadenceGap | None:
        if gap is None:
            return None
        return cls(
            start=gap.start, end=gap.end, slots=gap.slots, seconds=gap.duration.total_seconds()
        )


class CadenceMark(BaseModel):
    event_id: int
    sweep_id: str | None
    triggered_by: str | None
    started_at: Time
    finished_at: Time
    lock_skipped: bool
    exit_code: int | None
    failed: bool
    health: str = Field(description="ok, degraded or failed (derived for old records)")
    repos_fetched: int
    fetches_attempted: int

    @classmethod
    def of(cls, mark: SweepMark) -> CadenceMark:
        return cls(
            event_id=mark.event_id,
            sweep_id=mark.sweep_id,
            triggered_by=mark.triggered_by,
            started_at=mark.started_at,
            finished_at=mark.finished_at,
            lock_skipped=mark.lock_skipped,
            exit_code=mark.exit_code,
            failed=mark.failed,
            health=mark.health,
            repos_fetched=mark.fetched,
            fetches_attempted=mark.fetch_attempted,
        )


class CadenceSlot(BaseModel):
    start: Time
    end: Time
    judged: bool = Field(description="false while its tolerance has not passed yet")
    covered: bool = Field(description="a sweep ran, or one was running when a caller fired")
    attended: bool = Field(description="the judged source fired within the tolerance")
    ran_by: list[str]
    skipped_by: list[str]
    failed_by: list[str]
    degraded_by: list[str] = Field(description="who ran a sweep here that did not see all")
    blind_by: list[str] = Field(description="who ran a sweep here that fetched nothing")
    marks: list[CadenceMark]

    @classmethod
    def of(cls, slot: Slot, verdict: CadenceVerdict) -> CadenceSlot:
        return cls(
            start=slot.start,
            end=slot.end,
            judged=slot.start <= verdict.window_end - verdict.tolerance,
            covered=slot.covered,
            attended=slot.attended_by(verdict.source, within=verdict.tolerance),
            ran_by=sorted(slot.ran_by),
            skipped_by=sorted(slot.skipped_by),
            failed_by=sorted(slot.failed_by),
            degraded_by=sorted(slot.degraded_by),
            blind_by=sorted(slot.blind_by),
            marks=[CadenceMark.of(m) for m in slot.marks],
        )


class CadenceDocument(BaseModel):
    """Expected slots in a window against the recorded sweeps, and the verdict on the timer."""

    window_start: Time
    window_end: Time
    every_seconds: float
    tolerance_seconds: float
    source: str = Field(description="the scheduler judged: must cover every slot alone")
    slots_expected: int
    slots_judged: int
    slots_covered: int
    slots_attended: int
    totals: list[CadenceTotals]
    longest_gap: CadenceGap | None = Field(description="longest run of slots with no sweep")
    longest_source_gap: CadenceGap | None = Field(description="longest run the source missed")
    missed: list[Time] = Field(description="slots the source did not attend")
    late: list[Time] = Field(description="of those, slots it fired in after the tolerance")
    can_disable_timer: bool
    reasons: list[str] = Field(description="why not, when it cannot")
    slots: list[CadenceSlot] | None = Field(
        default=None, description="every slot and its sweeps (the API: with ?slots=true)"
    )

    @classmethod
    def of(cls, verdict: CadenceVerdict, *, include_slots: bool = True) -> CadenceDocument:
        return cls(
            window_start=verdict.window_start,
            window_end=verdict.window_end,
            every_seconds=verdict.every.total_seconds(),
            tolerance_seconds=verdict.tolerance.total_seconds(),
            source=verdict.source,
            slots_expected=len(verdict.slots),
            slots_judged=verdict.judged,
            slots_covered=verdict.covered,
            slots_attended=verdict.attended,
            totals=[
                CadenceTotals.of(t, next((s for s in verdict.sight if s.source == t.source), None))
                for t in verdict.totals
            ],
            longest_gap=CadenceGap.of(verdict.longest_gap),
            longest_source_gap=CadenceGap.of(verdict.longest_source_gap),
            missed=list(verdict.missed),
            late=list(verdict.late),
            can_disable_timer=verdict.can_disable_timer,
            reasons=list(verdict.reasons),
            slots=[CadenceSlot.of(s, verdict) for s in verdict.slots] if include_slots else None,
        )
