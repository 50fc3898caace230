"""The State Hub app served for real on loopback, for the API and dashboard tests.

``settings`` and ``store`` come from the requesting test's own scope (a directory's conftest
may adjust ``settings``, as tests/dashboard does).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store
from testing.serve import LiveServer


@pytest.fixture
def live(settings: Settings, store: Store) -> Iterator[LiveServer]:
    with LiveServer(create_app(settings, store)) as server:
        yield server


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with live.client() as http:
        yield http
