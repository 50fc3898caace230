"""413 for big bodies, 503 for a database that is down — as JSON, never a traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from sqlstore import engine as sqlstore_engine
from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.lock import current_holder
from testing import ROOT
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer, statehub_env
from tests.api.helpers import sqlite_only

ONE_MIB = 1024 * 1024


@sqlite_only
def test_a_body_over_1_mib_is_refused_by_its_declared_length(client: httpx.Client) -> None:
    answer = client.post(
        "/progress/",
        content=b"{" + b" " * ONE_MIB + b"}",
        headers={"Content-Type": "application/json"},
    )

    assert answer.status_code == 413
    assert "1048576" in answer.json()["detail"]


@sqlite_only
def test_a_chunked_body_over_1_mib_is_refused_as_it_streams(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"event_type": "x", "summary": "'
        for _ in range(20):
            yield b"a" * 64 * 1024
        yield b'"}'

    answer = client.post(
        "/progress/", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 413
    assert "1048576" in answer.json()["detail"]


@sqlite_only
def test_a_body_just_under_the_limit_is_read(client: httpx.Client) -> None:
    body = b'{"event_type": "x"' + b" " * (ONE_MIB - 100) + b"}"

    answer = client.post("/progress/", content=body, headers={"Content-Type": "application/json"})

    assert answer.status_code == 201


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_dropped_postgres_database_answers_503(
    settings: Settings, database_url: str, postgres_admin: psycopg.Connection
) -> None:
    store = Store.open(database_url)
    app = create_app(settings, store)
    try:
        with LiveServer(app) as server, server.client() as client:
            assert client.get("/progress/").status_code == 200
            name = make_url(database_url).database
            postgres_admin.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )

            for method, path in [
                ("GET", "/progress/"),
                ("POST", "/progress/"),
                ("GET", "/repos"),
                ("GET", "/consistency/status"),
                ("POST", "/consistency/sweep/remote-all"),
            ]:
                body = {"event_type": "x"} if path == "/progress/" else {}
                answer = client.request(method, path, json=body)
                assert answer.status_code == 503, (path, answer.text)
                assert answer.json()["detail"].startswith("database unavailable")
                assert "Traceback" not in answer.text
            health = client.get("/health")
            assert health.status_code == 200
            assert health.json()["database"] == "unavailable"
    finally:
        store.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_sweep_whose_database_goes_away_is_reported_failed(
    settings: Settings,
    database_url: str,
    postgres_admin: psycopg.Connection,
    fleet_builder: FleetBuilder,
) -> None:
    store = Store.open(database_url)
    register(store, {"hangs": fleet_builder.hanging_remote("hangs")}, trusted={"hangs"})
    try:
        with LiveServer(create_app(settings, store)) as server, server.client() as client:
            started = client.post(
                "/consistency/sweep/remote-all", json={"max_seconds": 2}, params={"wait": "false"}
            )
            assert started.status_code == 202
            name = make_url(database_url).database
            postgres_admin.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
            deadline = time.monotonic() + 15
            while (status := client.get(started.headers["Location"]).json())["status"] == "running":
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        store.dispose()

    assert status["status"] == "failed"
    assert status["detail"].startswith("cannot use PostgreSQL")
    assert current_holder(settings.lock_path) is None  # the lock was released all the same


@sqlite_only
def test_a_sqlite_database_locked_by_another_process_answers_503(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real second writer holds the lock. Only the busy timeout is shortened
    # (from 10 s) so the test does not sit it out; engines read it on connect.
    monkeypatch.setattr(sqlstore_engine, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    store = Store.open(settings.resolved_database_url)
    other = sqlite3.connect(make_url(settings.resolved_database_url).database, isolation_level=None)
    try:
        with LiveServer(create_app(settings, store)) as server, server.client() as client:
            other.execute("BEGIN EXCLUSIVE")
            locked = client.post("/progress/", json={"event_type": "x"})
            other.execute("ROLLBACK")
            after = client.post("/progress/", json={"event_type": "x"})
    finally:
        other.close()
        store.dispose()

    assert locked.status_code == 503, locked.text
    assert "database is locked" in locked.json()["detail"]
    assert locked.headers["Retry-After"]
    assert after.status_code == 201  # and it recovers once the lock is released


@sqlite_only
def test_serve_with_its_database_down_exits_with_a_clear_message(settings: Settings) -> None:
    env = statehub_env(
        settings.home,
        "postgresql://statehub@127.0.0.1:1/statehub",  # nothing listens on :1
    )

    done = subprocess.run(
        [sys.executable, "-m", "statehub", "serve", "--port", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 3, done.stderr
    assert "refused the connection" in done.stderr
    assert "Traceback" not in done.stderr
