"""A database that cannot be used is reported as the store's StoreUnavailable, saying which
and why, by both stores."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

import activitycore.errors
import statehub.errors
from sqlstore import engine
from sqlstore.database import Database
from sqlstore.errors import StoreError, StoreUnavailable
from sqlstore.urls import describe_url, normalize_url
from tests.fixtures_db import postgres_admin_url
from tests.sqlstore.kinds import StoreKind

# Each service's edges catch its own tree: the store must raise the service's classes.
SERVICE_ERRORS = {"statehub": statehub.errors, "activitycore": activitycore.errors}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_creates_the_sqlite_parent_directory(kind: StoreKind, tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "store.db"
    kind.store.open(f"sqlite:///{path}").dispose()
    assert path.is_file()


def test_it_reports_a_sqlite_path_under_a_regular_file(kind: StoreKind, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    path = blocker / "sub" / "store.db"

    with pytest.raises(SERVICE_ERRORS[kind.name].StoreUnavailable) as caught:
        kind.store.open(f"sqlite:///{path}")
    message = str(caught.value)
    assert message.startswith(f"cannot open SQLite database {path}: cannot create directory")


def test_it_reports_a_sqlite_path_that_is_a_directory(kind: StoreKind, tmp_path: Path) -> None:
    with pytest.raises(SERVICE_ERRORS[kind.name].StoreUnavailable) as caught:
        kind.store.open(f"sqlite:///{tmp_path}")
    assert str(caught.value) == (
        f"cannot open SQLite database {tmp_path}: unable to open database file"
        " (it must be a file this user can write, in a directory it can write)"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url at all", "invalid database URL (not a SQLAlchemy URL): 'not a url at all'"),
        ("mysql://u:s3cret@db/x", "unsupported database 'mysql'"),
        # A backend we use through a driver that is not installed: named, not imported.
        ("postgresql+psycopg2://u:s3cret@db/x", "unsupported database 'postgresql+psycopg2'"),
    ],
)
def test_it_refuses_a_url_it_cannot_use(kind: StoreKind, url: str, message: str) -> None:
    with pytest.raises(SERVICE_ERRORS[kind.name].StoreError) as caught:
        kind.store.open(url)
    assert str(caught.value).startswith(message)
    assert "s3cret" not in str(caught.value)


@pytest.mark.postgres
def test_it_reports_a_postgres_port_with_nothing_listening(kind: StoreKind) -> None:
    port = _free_port()
    url = postgres_admin_url().set(host="127.0.0.1", port=port, password="s3cret")

    with pytest.raises(SERVICE_ERRORS[kind.name].StoreUnavailable) as caught:
        kind.store.open(url.render_as_string(hide_password=False))
    message = str(caught.value)
    assert message.startswith(f"PostgreSQL at 127.0.0.1:{port}/")
    assert "refused the connection" in message
    assert "s3cret" not in message


@pytest.mark.postgres
def test_it_accepts_plain_postgresql_urls(kind: StoreKind, postgres_url: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    opened = kind.store.open(plain)
    try:
        assert opened.url.startswith("postgresql+psycopg://")
        opened.ping()
    finally:
        opened.dispose()


def test_it_masks_the_password_in_its_repr(kind: StoreKind) -> None:
    url = normalize_url("postgresql://statehub:s3cret@db.internal:6432/hub")
    assert describe_url(url) == "PostgreSQL at db.internal:6432/hub"
    assert "s3cret" not in repr(kind.store(url, engine.build_engine(url)))


def test_it_turns_a_locked_sqlite_database_into_store_unavailable(
    kind: StoreKind, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real fault, shortened: another writer holds the lock longer than
    # busy_timeout (10 s in production, a fraction here to keep the test fast).
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    opened = kind.store.open(sqlite_url)
    try:
        with opened.engine.connect() as holder:
            holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is ours
            with (
                pytest.raises(
                    SERVICE_ERRORS[kind.name].StoreUnavailable, match="database is locked"
                ),
                opened.session() as db,
            ):
                db.execute(text("SELECT 1"))
    finally:
        opened.dispose()


@pytest.mark.postgres
def test_it_turns_a_lost_postgres_connection_into_store_unavailable(
    kind: StoreKind, postgres_url: str, postgres_admin: psycopg.Connection
) -> None:
    opened = kind.store.open(postgres_url)
    try:
        with (
            pytest.raises(
                SERVICE_ERRORS[kind.name].StoreUnavailable, match="terminating connection"
            ),
            opened.session() as db,
        ):
            pid = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
            postgres_admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            db.execute(text("SELECT 1"))
        opened.ping()  # the pool recovers once the server is back
    finally:
        opened.dispose()


def test_ping_answers_on_a_healthy_database(any_store: Database) -> None:
    any_store.ping()


def test_ping_reports_a_vanished_sqlite_database(kind: StoreKind, tmp_path: Path) -> None:
    opened = kind.store.open(f"sqlite:///{tmp_path / 'db' / 'store.db'}")
    opened.dispose()
    shutil.rmtree(tmp_path / "db")
    with pytest.raises(StoreUnavailable, match="unable to open database file"):
        opened.ping()


def test_the_services_errors_are_the_foundations_too(kind: StoreKind) -> None:
    errors = kind.store.errors
    service = SERVICE_ERRORS[kind.name]
    assert (errors.error, errors.unavailable, errors.too_new) == (
        service.StoreError,
        service.StoreUnavailable,
        service.SchemaTooNew,
    )
    assert issubclass(service.StoreUnavailable, StoreUnavailable)
    assert issubclass(service.StoreError, StoreError)
