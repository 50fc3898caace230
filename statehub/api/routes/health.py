"""``GET /health``: liveness for the tunnel's health check. Open, minimal, quick."""

from __future__ import annotations

from typing import Literal

import anyio
from fastapi import APIRouter

from statehub import __version__
from statehub.api.deps import StoreDep
from statehub.api.schemas import Health
from statehub.errors import StoreError

router = APIRouter(tags=["health"])

# A health check must answer quickly even when the database hangs (PostgreSQL's
# connect timeout is 5 s); past this, the database counts as unavailable.
PING_TIMEOUT_S = 2.0


@router.get("/health", response_model=Health)
async def health(store: StoreDep) -> Health:
    """Liveness: always 200 while the process serves; ``database`` says whether the
    store answers. A tunnel keeps routing to a live server whose database is down,
    so callers get the API's clear 503s instead of a dead tunnel."""
    database: Literal["ok", "unavailable"] = "ok"
    try:
        with anyio.fail_after(PING_TIMEOUT_S):
            # abandon_on_cancel: a hung ping must not hold this answer hostage.
            await anyio.to_thread.run_sync(store.ping, abandon_on_cancel=True)
    except (StoreError, TimeoutError):
        database = "unavailable"
    return Health(status="ok", version=__version__, database=database)
