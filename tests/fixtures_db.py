"""Database fixtures: every test that asks for ``database_url`` runs on SQLite
and on PostgreSQL, each time against a database of its own.

PostgreSQL comes from STATEHUB_TEST_POSTGRES_URL (default: the local trust-auth
server, database ``test``, used only as the admin connection). When it cannot be
reached the PostgreSQL cases skip, unless STATEHUB_REQUIRE_POSTGRES=1 (CI),
where they fail: a CI run that silently skipped half the suite proves nothing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from statehub.store import Store

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> URL:
    return make_url(os.environ.get("STATEHUB_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))


def _libpq_url(url: URL) -> str:
    """The same URL without SQLAlchemy's driver suffix, for psycopg itself."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[psycopg.Connection]:
    """An autocommit connection to the admin database (CREATE DATABASE needs autocommit)."""
    url = postgres_admin_url()
    try:
        connection = psycopg.connect(_libpq_url(url), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = (
            f"PostgreSQL at {url.render_as_string(hide_password=True)} unreachable: "
            f"{str(exc).strip().splitlines()[0]}"
        )
        if os.environ.get("STATEHUB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"STATEHUB_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with connection:
        yield connection


@pytest.fixture
def postgres_url(postgres_admin: psycopg.Connection) -> Iterator[str]:
    """The URL of a brand-new, empty PostgreSQL database, dropped after the test."""
    name = f"statehub_test_{secrets.token_hex(6)}"
    postgres_admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield postgres_admin_url().set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE: a test that leaked a connection must not leak the database too.
        postgres_admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'statehub.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty (unmigrated) database URL; SQLite and PostgreSQL in turn."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated Store on ``database_url``, disposed after the test."""
    opened = Store.open(database_url)
    try:
        yield opened
    finally:
        opened.dispose()
