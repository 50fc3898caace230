"""The app factory: one validated Settings in, a FastAPI app out. Nothing global.

app = create_app(load_settings())           # opens the store in its lifespan
app = create_app(settings, store=store)     # or uses a store the caller owns
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from statehub import __version__
from statehub.api import dashboard
from statehub.api.auth import Authenticated
from statehub.api.errors import install_error_handlers
from statehub.api.limits import MAX_BODY_BYTES, BodySizeLimit
from statehub.api.pruning import DailyPrune
from statehub.api.routes import (
    cadence,
    health,
    metrics,
    notifications,
    progress,
    repos,
    status,
    sweeps,
)
from statehub.api.running import RunningSweeps
from statehub.notify.channels import configured_channels
from statehub.notify.service import Notifier
from statehub.settings import Settings
from statehub.store import Store

DESCRIPTION = """\
State Hub's HTTP API: trigger the remote-all consistency sweep, follow it, read
the progress events it records, and see the fleet's last observed state.

When the server has a token (STATEHUB_TOKEN / STATEHUB_TOKEN_FILE), every
endpoint but `/health` — this schema and the docs included — requires
`Authorization: Bearer <token>` (`/metrics` too, unless STATEHUB_METRICS_PUBLIC=1).
Request bodies are limited to 1 MiB.
"""


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """Build the API. With ``store`` the caller owns (and disposes) it; without,
    the lifespan opens one from ``settings`` and disposes it at shutdown."""
    # Read once, now: a missing token file fails the start-up, not a request.
    token = settings.api_token()
    channels = configured_channels(settings)  # and a bad Apprise URL, too

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened: Store | None = None
        if app.state.store is None:
            opened = await anyio.to_thread.run_sync(Store.open, settings.resolved_database_url)
            app.state.store = opened
            app.state.sweeps = RunningSweeps(settings, opened)
        # Sweeps that finished while the database was away are recorded first, in order.
        await anyio.to_thread.run_sync(app.state.sweeps.record_spool)
        app.state.pruner = DailyPrune(settings, app.state.store)
        app.state.pruner.start()
        # Alerts: the delivery worker and the overdue watchdog, when channels are configured.
        notifier = Notifier(settings, app.state.store, channels) if channels else None
        if notifier is not None:
            notifier.start()
        try:
            yield
        finally:
            app.state.pruner.stop()
            if notifier is not None:
                await anyio.to_thread.run_sync(notifier.stop)
            # Graceful shutdown (SIGTERM): running sweeps finish — each is bounded
            # by its budget — and are recorded before the store closes.
            await anyio.to_thread.run_sync(app.state.sweeps.wait_all)
            if opened is not None:
                opened.dispose()
                app.state.store = app.state.sweeps = None

    app = FastAPI(
        title="State Hub",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served below, behind the token like everything else but /health.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.token = token
    app.state.notify_channels = channels
    app.state.store = store
    app.state.sweeps = RunningSweeps(settings, store) if store is not None else None

    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    install_error_handlers(app)
    app.include_router(health.router)
    for router in (
        sweeps.router,
        status.router,
        cadence.router,
        progress.router,
        repos.router,
        notifications.router,
    ):
        app.include_router(router, dependencies=[Authenticated])
    metrics.install(app, public=settings.metrics_public)
    _add_docs(app)
    dashboard.install(app)  # GET / and /dashboard/…: signs in by itself (see session.py)
    return app


def _add_docs(app: FastAPI) -> None:
    @app.get("/openapi.json", include_in_schema=False, dependencies=[Authenticated])
    def openapi() -> dict[str, Any]:
        return app.openapi()

    @app.get("/docs", include_in_schema=False, dependencies=[Authenticated])
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="State Hub API")
