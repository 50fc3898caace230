"""Dependencies, declared once: what a route needs, read from the app's state.

``create_app`` (and its lifespan) put the settings, the store and the running
sweeps on ``app.state``; nothing here is built at import time.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from statehub.api.running import RunningSweeps
from statehub.settings import Settings
from statehub.store import Store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store | None = request.app.state.store
    if store is None:  # only when a test drives the app without its lifespan
        raise RuntimeError("the app's store is not open: run it with its lifespan")
    return store


def get_sweeps(request: Request) -> RunningSweeps:
    sweeps: RunningSweeps | None = request.app.state.sweeps
    if sweeps is None:
        raise RuntimeError("the app's store is not open: run it with its lifespan")
    return sweeps


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
SweepsDep = Annotated[RunningSweeps, Depends(get_sweeps)]
