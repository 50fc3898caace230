"""``GET /consistency/cadence``: per slot, who swept; and whether the timer can be disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from durations import DurationError, format_duration, parse_duration
from statehub.api.deps import StoreDep
from statehub.api.schemas import ErrorBody
from statehub.cadence.document import CadenceDocument
from statehub.cadence.history import window_verdict
from statehub.cadence.marks import ACTIVITY_CORE
from statehub.cadence.verdict import DEFAULT_EVERY, DEFAULT_TOLERANCE

router = APIRouter(prefix="/consistency", tags=["sweeps"])

SOURCE_PATTERN = r"^[A-Za-z0-9(][A-Za-z0-9_.:@/()-]{0,99}$"
# Durations are checked by the shared grammar, not by a Query pattern, so a bad one gets
# the same message here as from `statehub cadence` and `activity-core cadence`.
_DURATION = "a duration: 1 to 999999 and s, m, h, d or w"


def _duration(name: str, text: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise HTTPException(422, f"{name}: {exc}") from None


@router.get(
    "/cadence",
    response_model=CadenceDocument,
    response_model_exclude_none=False,
    responses={
        422: {"model": ErrorBody, "description": "a window, slot or tolerance it cannot judge"},
        503: {"model": ErrorBody, "description": "the database is unavailable"},
    },
)
def consistency_cadence(
    store: StoreDep,
    since: Annotated[str, Query(description=f"window back from now ({_DURATION})")] = "7d",
    every: Annotated[
        str, Query(description=f"slot length, UTC-aligned ({_DURATION})")
    ] = format_duration(DEFAULT_EVERY),
    tolerance: Annotated[
        str, Query(description=f"how late a fire still counts ({_DURATION})")
    ] = format_duration(DEFAULT_TOLERANCE),
    source: Annotated[
        str, Query(pattern=SOURCE_PATTERN, description="triggered_by that must cover alone")
    ] = ACTIVITY_CORE,
    slots: Annotated[bool, Query(description="include every slot and its sweeps")] = False,
) -> CadenceDocument:
    """Expected slots in the window against recorded sweeps; the verdict on the timer."""
    window = _duration("since", since)
    slot_length = _duration("every", every)
    late_by = _duration("tolerance", tolerance)
    try:
        verdict = window_verdict(
            store,
            now=datetime.now(UTC),
            window=window,
            every=slot_length,
            tolerance=late_by,
            source=source,
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return CadenceDocument.of(verdict, include_slots=slots)
