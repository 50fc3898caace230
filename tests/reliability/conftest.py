"""Reliability fixtures: SQLite in a fresh home unless a test brings its own database
(the PostgreSQL faults start a server of their own, see ``own_postgres``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

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


@pytest.fixture
def pg_url(running_postgres: OwnPostgres) -> Iterator[str]:
    """A fresh database on the test's own server, dropped afterwards."""
    name = f"statehub_{secrets.token_hex(4)}"
    admin = make_url(running_postgres.url).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield make_url(running_postgres.url).set(database=name).render_as_string(hide_password=False)
    if running_postgres.running():
        with psycopg.connect(admin.render_as_string(), autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
