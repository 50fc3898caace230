"""Every test here runs once per store (State Hub's, activity-core's), and the ones asking for
``database_url`` on SQLite and PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sqlstore.database import Database
from tests.sqlstore.kinds import KINDS, StoreKind


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> StoreKind:
    return KINDS[request.param]


@pytest.fixture
def any_store(kind: StoreKind, database_url: str) -> Iterator[Database]:
    """A migrated store of ``kind`` on ``database_url``, disposed after the test."""
    opened = kind.store.open(database_url)
    try:
        yield opened
    finally:
        opened.dispose()
