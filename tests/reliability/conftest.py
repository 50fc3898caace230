"""Reliability fixtures: SQLite in a fresh home unless a test brings its own database
(the PostgreSQL faults start a server of their own, see ``own_postgres``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.support import OwnPostgres, shared_directory


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite: the faults here are about processes and repos; the store's own faults
    have their own tests, on a PostgreSQL each test controls."""
    return sqlite_url


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL server this module starts and may stop; running at every test's start."""
    with shared_directory("statehub-pg-") as base:
        server = OwnPostgres(base)
        server.init()
        server.start()
        try:
            yield server
        finally:
            if server.running():
                server.stop("immediate")


@pytest.fixture
def running_postgres(own_postgres: OwnPostgres) -> OwnPostgres:
    if not own_postgres.running():
        own_postgres.start()
    return own_postgres
