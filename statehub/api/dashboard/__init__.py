"""The dashboard: the fleet and the cadence at a glance, served by the API itself.

Server-rendered Jinja2 and one small plain script; every asset is served from
``static/`` by this app (no CDN, no build step), so it works with no network.
``install(app)`` adds its routes and assets to the API app, its only importer.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from statehub.api.dashboard import pages, session

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.include_router(pages.router)
    app.include_router(session.router)
    # Open, like /health: the sign-in form needs its stylesheet and script, and
    # they hold nothing about the fleet.
    app.mount("/dashboard/static", StaticFiles(directory=STATIC_DIR), name="dashboard-static")


__all__ = ["install"]
