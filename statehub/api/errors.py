"""Typed errors become HTTP answers here, and only here.

Every answer is JSON ``{"detail": …}``; a traceback only ever reaches the server log.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from statehub.errors import (
    ConfigError,
    RepoNotFound,
    StateHubError,
    StoreError,
    StoreUnavailable,
)
from statehub.sweep.result import SweepCannotStart, SweepNotRecorded

logger = logging.getLogger("statehub.api")

# A database outage is usually short (a restart, a tunnel flap).
RETRY_AFTER_SECONDS = "30"


def _json(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _repo_not_found(_: Request, exc: Exception) -> JSONResponse:
    return _json(404, str(exc))


async def _store_error(_: Request, exc: Exception) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if isinstance(exc, StoreUnavailable) else None
    return _json(503, f"database unavailable: {exc}", headers)


async def _sweep_not_recorded(_: Request, exc: Exception) -> JSONResponse:
    # The sweep ran and released its lock; only its record is lost. The caller
    # gets the result document with the 503, so nothing it found is lost too.
    assert isinstance(exc, SweepNotRecorded)
    return JSONResponse(
        {
            "detail": f"database unavailable: {exc}",
            "result": exc.result.document(),
            "spooled_to": str(exc.spooled_to) if exc.spooled_to else None,
        },
        status_code=503,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def _sweep_cannot_start(_: Request, exc: Exception) -> JSONResponse:
    # The server's home is unusable: an operator must fix it (the detail says how); the
    # failed sweep's document is what was recorded for it.
    assert isinstance(exc, SweepCannotStart)
    return JSONResponse(
        {"detail": str(exc), "result": exc.result.document(), "spooled_to": None},
        status_code=503,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def _db_error(request: Request, exc: Exception) -> JSONResponse:
    # The store translates errors inside its sessions; this catches one that
    # escaped elsewhere (a lazy load, a pool checkout outside a session).
    assert isinstance(exc, DBAPIError)
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        first = str(exc.orig).strip().splitlines()
        reason = first[0] if first else type(exc.orig).__name__
        return _json(503, f"database unavailable: {reason}", {"Retry-After": RETRY_AFTER_SECONDS})
    # Handled here, so nothing re-raises it to the server's log: log it ourselves.
    logger.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
    return await _unexpected(request, exc)


async def _config_error(_: Request, exc: Exception) -> JSONResponse:
    # The server's own configuration (e.g. its fleet config file) is wrong: an
    # operator must act, and the message says where.
    return _json(500, f"server configuration error: {exc}")


async def _statehub_error(_: Request, exc: Exception) -> JSONResponse:
    return _json(500, str(exc))


def _json_safe(value: Any) -> Any:
    """``value`` with every NaN and infinity as text: Python's JSON reader takes ``NaN``,
    ``Infinity`` and ``1e400`` as floats, and a 422 quoting one back could not be encoded."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _json_safe(jsonable_encoder(exc.errors()))
    return JSONResponse({"detail": errors}, status_code=422)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after this answer, so the server logs the traceback.
    return _json(500, "internal server error (details are in the server log)")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(RepoNotFound, _repo_not_found)
    app.add_exception_handler(SweepNotRecorded, _sweep_not_recorded)
    app.add_exception_handler(SweepCannotStart, _sweep_cannot_start)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(DBAPIError, _db_error)
    app.add_exception_handler(ConfigError, _config_error)
    app.add_exception_handler(StateHubError, _statehub_error)
    app.add_exception_handler(Exception, _unexpected)
