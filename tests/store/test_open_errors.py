"""A database that cannot be used is reported as StoreUnavailable, saying which and why."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from statehub.errors import StoreUnavailable
from statehub.store import Store, database
from tests.fixtures_db import postgres_admin_url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_creates_the_sqlite_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "statehub.db"
    Store.open(f"sqlite:///{path}").dispose()
    assert path.is_file()


def test_it_reports_a_sqlite_path_under_a_regular_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    path = blocker / "sub" / "statehub.db"

    with pytest.raises(StoreUnavailable) as caught:
        Store.open(f"sqlite:///{path}")
    message = str(caught.value)
    assert message.startswith(f"cannot open SQLite database {path}: cannot create directory")


def test_it_reports_a_sqlite_path_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        Store.open(f"sqlite:///{tmp_path}")
    assert (
        str(caught.value) == f"cannot open SQLite database {tmp_path}: unable to open database file"
    )


@pytest.mark.postgres
def test_it_reports_a_postgres_port_with_nothing_listening() -> None:
    port = _free_port()
    url = postgres_admin_url().set(host="127.0.0.1", port=port, password="s3cret")

    with pytest.raises(StoreUnavailable) as caught:
        Store.open(url.render_as_string(hide_password=False))
    message = str(caught.value)
    assert message.startswith(f"PostgreSQL at 127.0.0.1:{port}/")
    assert "refused the connection" in message
    assert "s3cret" not in message


@pytest.mark.postgres
def test_it_accepts_plain_postgresql_urls(postgres_url: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    opened = Store.open(plain)
    try:
        assert opened.url.startswith("postgresql+psycopg://")
        opened.ping()
    finally:
        opened.dispose()


def test_it_masks_the_password_in_its_repr() -> None:
    url = database.normalize_url("postgresql://statehub:s3cret@db.internal:6432/hub")
    assert database.describe_url(url) == "PostgreSQL at db.internal:6432/hub"
    assert "s3cret" not in repr(Store(url, database.build_engine(url)))


def test_it_turns_a_locked_sqlite_database_into_store_unavailable(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real fault, shortened: another writer holds the lock longer than
    # busy_timeout (10 s in production, a fraction here to keep the test fast).
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    opened = Store.open(sqlite_url)
    try:
        with opened.engine.connect() as holder:
            holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is ours
            with (
                pytest.raises(StoreUnavailable, match="database is locked"),
                opened.session() as db,
            ):
                db.execute(text("SELECT 1"))
    finally:
        opened.dispose()


@pytest.mark.postgres
def test_it_turns_a_lost_postgres_connection_into_store_unavailable(
    postgres_url: str, postgres_admin: psycopg.Connection
) -> None:
    opened = Store.open(postgres_url)
    try:
        with (
            pytest.raises(StoreUnavailable, match="terminating connection"),
            opened.session() as db,
        ):
            pid = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
            postgres_admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            db.execute(text("SELECT 1"))
        opened.ping()  # the pool recovers once the server is back
    finally:
        opened.dispose()


def test_ping_answers_on_a_healthy_database(store: Store) -> None:
    store.ping()


def test_ping_reports_a_vanished_sqlite_database(tmp_path: Path) -> None:
    opened = Store.open(f"sqlite:///{tmp_path / 'db' / 'statehub.db'}")
    opened.dispose()
    shutil.rmtree(tmp_path / "db")
    with pytest.raises(StoreUnavailable, match="unable to open database file"):
        opened.ping()
