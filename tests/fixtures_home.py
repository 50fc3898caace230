"""A State Hub home for one test: settings over the parametrized database, and a sweeper."""

from __future__ import annotations

from pathlib import Path

import pytest

from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.engine import Sweeper


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
def sweeper(settings: Settings, store: Store) -> Sweeper:
    return Sweeper(settings, store)
