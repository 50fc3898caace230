"""API fixtures: settings in a fresh home over the parametrized database, and
the app served for real on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store
from tests.api.helpers import LiveServer


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # token/token_file explicit: a STATEHUB_TOKEN in the developer's shell must
    # not switch auth on under the tests.
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        workers=4,
        fetch_timeout=20,
        git_timeout=20,
        hostname="test-workstation",
        token=None,
        token_file=None,
    )


@pytest.fixture
def live(settings: Settings, store: Store) -> Iterator[LiveServer]:
    with LiveServer(create_app(settings, store)) as server:
        yield server


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with live.client() as http:
        yield http
