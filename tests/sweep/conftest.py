"""Sweep fixtures: settings in a fresh home, over the parametrized database."""

from __future__ import annotations

from pathlib import Path

import pytest

from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.engine import Sweeper


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        workers=4,
        fetch_timeout=20,
        git_timeout=20,
        hostname="test-workstation",
    )


@pytest.fixture
def sweeper(settings: Settings, store: Store) -> Sweeper:
    return Sweeper(settings, store)
