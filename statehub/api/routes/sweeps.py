"""Start the remote-all sweep and follow it.

``POST /consistency/sweep/remote-all`` answers with the result document when the
sweep is done, or at once with 202 and a ``Location`` to poll (``Prefer:
respond-async`` or ``?wait=false``), so a five-minute sweep never depends on one
connection staying open through a tunnel. A lock skip answers 200 at once either way.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from statehub.api.deps import SettingsDep, SweepsDep
from statehub.api.schemas import ErrorBody, SweepStart, SweepStatus, SweepUnavailableBody
from statehub.sweep.result import SweepResult

router = APIRouter(prefix="/consistency", tags=["sweeps"])


def _wants_async(prefer: str | None) -> bool:
    """RFC 7240: ``Prefer: respond-async`` among any other preferences."""
    if not prefer:
        return False
    tokens = (part.split(";")[0].strip().lower() for part in prefer.split(","))
    return "respond-async" in tokens


@router.post(
    "/sweep/remote-all",
    response_model=SweepResult,
    responses={
        200: {"description": "the sweep's result document (also when the lock was held)"},
        202: {"model": SweepStatus, "description": "started; poll the Location"},
        503: {
            "model": SweepUnavailableBody,
            "description": "the database is unavailable; `result` holds the result document "
            "of a sweep that ran but could not be recorded",
        },
    },
)
async def start_sweep(
    request: Request,
    settings: SettingsDep,
    sweeps: SweepsDep,
    body: Annotated[SweepStart | None, Body()] = None,
    wait: Annotated[
        bool, Query(description="false: answer 202 at once (same as Prefer: respond-async)")
    ] = True,
    prefer: Annotated[str | None, Header(description="respond-async: answer 202 at once")] = None,
) -> SweepResult | JSONResponse:
    """Run the remote-all consistency sweep and record its progress event."""
    sweep_request = (body or SweepStart()).to_request(settings.default_max_seconds)
    # Taking the lock (and recording a skip) is blocking I/O: off the event loop.
    outcome = await run_in_threadpool(sweeps.start, sweep_request)
    if isinstance(outcome, SweepResult):
        return outcome  # lock skipped, already recorded
    prefers_async = _wants_async(prefer)
    if not wait or prefers_async:
        location = (
            f"{request.scope.get('root_path', '')}/consistency/sweeps/{sweep_request.sweep_id}"
        )
        headers = {"Location": location}
        if prefers_async:
            headers["Preference-Applied"] = "respond-async"
        accepted = SweepStatus(sweep_id=sweep_request.sweep_id, status="running")
        return JSONResponse(
            accepted.model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers=headers,
        )
    # shield: if the client goes away and this task is cancelled, the sweep
    # (on its own thread) still finishes and is recorded.
    return await asyncio.shield(asyncio.wrap_future(outcome))


@router.get(
    "/sweeps/{sweep_id}",
    response_model=SweepStatus,
    responses={404: {"model": ErrorBody, "description": "no such sweep"}},
)
def sweep_status(sweep_id: UUID, sweeps: SweepsDep) -> SweepStatus:
    """A sweep's progress: ``running``, or ``finished`` with its result document."""
    found = sweeps.status(sweep_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no sweep {sweep_id}")
    return found
