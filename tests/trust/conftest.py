"""Trust-boundary fixtures: SQLite in a fresh home (these tests are about git, not the store,
whose own tests run on both databases), and a directory of planted payloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.trust.payloads import Payloads


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def payloads(tmp_path: Path) -> Payloads:
    return Payloads(tmp_path / "payloads")
