"""Progress events: the audit trail, newest first; other producers may add theirs."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from pydantic import AwareDatetime

from statehub.api.deps import StoreDep
from statehub.api.schemas import EVENT_TYPE_PATTERN, ErrorBody, ProgressEventIn
from statehub.documents import ProgressEventOut
from statehub.store.events import ProgressEvent, append_event, get_event, list_events

router = APIRouter(tags=["progress"])

# Event ids are an INTEGER column: PostgreSQL refuses to even compare with a
# larger number (DataError), so larger ids are a 422, not a 500.
MAX_ID = 2**31 - 1


def _out(event: ProgressEvent) -> ProgressEventOut:
    return ProgressEventOut.model_validate(event)


# Both spellings answer, neither redirects: the runbook uses "/progress/", and a
# redirect would turn a POST to "/progress" into a curl that silently did nothing.
@router.get("/progress", response_model=list[ProgressEventOut], include_in_schema=False)
@router.get("/progress/", response_model=list[ProgressEventOut])
def events(
    request: Request,
    response: Response,
    store: StoreDep,
    event_type: Annotated[str | None, Query(pattern=EVENT_TYPE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="only events with a smaller id (paging)")
    ] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="only events created at or after (with offset)")
    ] = None,
) -> list[ProgressEventOut]:
    """Events newest first. A full page carries ``Link: <…before=N>; rel="next"``."""
    if since is not None:
        try:
            since = since.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 lies before year 1 in UTC
            raise HTTPException(422, "since is out of range") from None
    with store.reading() as db:
        found = list_events(db, event_type=event_type, limit=limit, before_id=before, since=since)
    if len(found) == limit:
        following = request.url.include_query_params(before=found[-1].id)
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return [_out(e) for e in found]


@router.get(
    "/progress/{event_id}",
    response_model=ProgressEventOut,
    responses={404: {"model": ErrorBody}},
)
def one_event(event_id: Annotated[int, Path(ge=1, le=MAX_ID)], store: StoreDep) -> ProgressEventOut:
    with store.reading() as db:
        event = get_event(db, event_id=event_id)
    if event is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no progress event {event_id}")
    return _out(event)


@router.post("/progress", status_code=201, response_model=ProgressEventOut, include_in_schema=False)
@router.post("/progress/", status_code=201, response_model=ProgressEventOut)
def record_event(body: ProgressEventIn, response: Response, store: StoreDep) -> ProgressEventOut:
    """Record an event from another producer (never ``consistency_sweep_remote_all``)."""
    with store.session() as db:
        event = append_event(
            db,
            event_type=body.event_type,
            summary=body.summary,
            payload=body.payload,
            triggered_by=body.triggered_by,
        )
    response.headers["Location"] = f"/progress/{event.id}"
    return _out(event)
