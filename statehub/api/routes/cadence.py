"""``GET /consistency/cadence``: per slot, who swept; and whether the timer can be disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from statehub.api.deps import StoreDep
from statehub.api.schemas import ErrorBody
from statehub.cadence import (
    ACTIVITY_CORE,
    DEFAULT_EVERY,
    DEFAULT_TOLERANCE,
    format_duration,
    parse_duration,
)
from statehub.cadence_document import verdict_as_dict
from statehub.cadence_history import window_verdict

router = APIRouter(prefix="/consistency", tags=["sweeps"])

DURATION_PATTERN = r"^[1-9][0-9]{0,5}[smhdw]$"
SOURCE_PATTERN = r"^[A-Za-z0-9(][A-Za-z0-9_.:@/()-]{0,99}$"


class CadenceTotals(BaseModel):
    source: str = Field(description="triggered_by")
    sweeps: int = Field(description="sweeps that ran (failed ones included)")
    lock_skips: int
    failures: int
    slots_attended: int = Field(description="judged slots it attended within the tolerance")


class CadenceGap(BaseModel):
    start: datetime
    end: datetime
    slots: int
    seconds: float


class CadenceMark(BaseModel):
    event_id: int
    sweep_id: str | None
    triggered_by: str | None
    started_at: datetime
    finished_at: datetime
    lock_skipped: bool
    exit_code: int | None
    failed: bool


class CadenceSlot(BaseModel):
    start: datetime
    end: datetime
    judged: bool = Field(description="false while its tolerance has not passed yet")
    covered: bool = Field(description="a sweep ran, or one was running when a caller fired")
    attended: bool = Field(description="the judged source fired within the tolerance")
    ran_by: list[str]
    skipped_by: list[str]
    failed_by: list[str]
    marks: list[CadenceMark]


class CadenceVerdict(BaseModel):
    window_start: datetime
    window_end: datetime
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
    missed: list[datetime] = Field(description="slots the source did not attend")
    late: list[datetime] = Field(description="of those, slots it fired in after the tolerance")
    can_disable_timer: bool
    reasons: list[str] = Field(description="why not, when it cannot")
    slots: list[CadenceSlot] | None = Field(default=None, description="with ?slots=true")


def _duration(name: str, text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise HTTPException(422, f"{name}: {exc}") from None


@router.get(
    "/cadence",
    response_model=CadenceVerdict,
    response_model_exclude_none=False,
    responses={
        422: {"model": ErrorBody, "description": "a window, slot or tolerance it cannot judge"},
        503: {"model": ErrorBody, "description": "the database is unavailable"},
    },
)
def consistency_cadence(
    store: StoreDep,
    since: Annotated[
        str, Query(pattern=DURATION_PATTERN, description="window back from now")
    ] = "7d",
    every: Annotated[
        str, Query(pattern=DURATION_PATTERN, description="slot length, UTC-aligned")
    ] = format_duration(DEFAULT_EVERY),
    tolerance: Annotated[
        str, Query(pattern=DURATION_PATTERN, description="how late a fire still counts")
    ] = format_duration(DEFAULT_TOLERANCE),
    source: Annotated[
        str, Query(pattern=SOURCE_PATTERN, description="triggered_by that must cover alone")
    ] = ACTIVITY_CORE,
    slots: Annotated[bool, Query(description="include every slot and its sweeps")] = False,
) -> dict[str, Any]:
    """Expected slots in the window against recorded sweeps; the verdict on the timer."""
    try:
        verdict = window_verdict(
            store,
            now=datetime.now(UTC),
            window=_duration("since", since),
            every=_duration("every", every),
            tolerance=_duration("tolerance", tolerance),
            source=source,
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    document = verdict_as_dict(verdict, include_slots=slots)
    document.setdefault("slots", None)
    return document
