"""Storage faults: a PostgreSQL server stopped in the middle of a sweep, a SQLite file that
is read-only. The API answers 503 (never a traceback), the CLI one clear error; the sweep's
result still reaches whoever asked for it; the lock is released; and once the database is
back, events are recorded again.

The PostgreSQL server is the test's own (``own_postgres``): the shared one of the rest of the
suite must not be stopped under other tests.
"""

from __future__ import annotations

import os
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.lock import current_holder
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer, free_port, serve_process, statehub_env
from tests.reliability.support import (
    NOBODY,
    OwnPostgres,
    as_user_prefix,
    assert_lock_free,
    assert_sqlite_intact,
    chown_tree,
    cli_sweep,
    parse_json,
    shared_directory,
    statehub_cli,
    sweep_events,
    wait_until,
)

BUDGET = 4  # the hanging remote keeps the sweep busy this long: time to stop the database


def _wait_for_sweep(settings: Settings, fleet_builder: FleetBuilder) -> None:
    """Until the sweep is in git: past its lock and its listing of the repos, which must
    still reach the database (a sweep that cannot list the fleet has no result to give)."""
    wait_until(
        lambda: current_holder(settings.lock_path), timeout=15, what="the sweep to take its lock"
    )
    started = fleet_builder.hang_pids_file("hangs")
    wait_until(
        lambda: started.exists() and started.read_text().strip(),
        timeout=15,
        what="the sweep to fetch from the hanging remote",
    )


def _assert_result(result: dict[str, Any]) -> None:
    """The document of the sweep that ran while the database went away."""
    assert result["lock_skipped"] is False
    assert result["skipped_budget"] == ["hangs"]
    assert result["skipped_clean"] == ["clean"]


@pytest.mark.slow
@pytest.mark.parametrize("respond", ["sync", "async"])
def test_postgres_stopped_mid_sweep_answers_503_with_the_result_then_recovers(
    running_postgres: OwnPostgres,
    pg_url: str,
    settings: Settings,
    fleet_builder: FleetBuilder,
    respond: str,
) -> None:
    settings = replace(settings, database_url=pg_url)
    store = Store.open(pg_url)
    register(
        store,
        {"hangs": fleet_builder.hanging_remote("hangs"), "clean": fleet_builder.clean("clean")},
        trusted={"hangs"},
    )
    headers = {"Prefer": "respond-async"} if respond == "async" else {}
    try:
        with (
            LiveServer(create_app(settings, store)) as server,
            server.client() as client,
            ThreadPoolExecutor(1) as pool,
        ):
            asked = pool.submit(
                client.post,
                "/consistency/sweep/remote-all",
                json={"max_seconds": BUDGET, "triggered_by": "activity-core"},
                headers=headers,
            )
            _wait_for_sweep(settings, fleet_builder)
            running_postgres.stop("fast")
            answer = asked.result(timeout=30)
            if respond == "sync":
                assert answer.status_code == 503, answer.text
                assert answer.headers["Retry-After"]
                body = answer.json()
            else:
                assert answer.status_code == 202, answer.text
                location = answer.headers["Location"]
                body = wait_until(
                    lambda: (s := client.get(location).json())["status"] != "running" and s,
                    timeout=20,
                    what="the sweep to end",
                )
                assert body["status"] == "failed"
            assert "could not be recorded yet: it is spooled in" in body["detail"]
            assert "refused the connection" in body["detail"]
            _assert_result(body["result"])
            assert Path(body["spooled_to"]).parent == settings.home / "spool"
            assert_lock_free(settings.lock_path)

            # While it is down: clear 503s, and /health says so.
            for method, path in [("GET", "/progress/"), ("GET", "/repos"), ("POST", "/progress/")]:
                down = client.request(method, path, json={"event_type": "x"})
                assert down.status_code == 503, (path, down.text)
                assert down.json()["detail"].startswith("database unavailable")
                assert "Traceback" not in down.text
            assert client.get("/health").json()["database"] == "unavailable"

            running_postgres.start()
            again = client.post("/consistency/sweep/remote-all", json={"max_seconds": 2})
            assert again.status_code == 200, again.text
            listed = client.get("/progress/", params={"event_type": "consistency_sweep_remote_all"})
            assert listed.status_code == 200
            # Events resume: the sweep that ran while the database was down is recorded
            # from the spool first, with its own times, then the new one.
            events = listed.json()
            assert [e["sweep_id"] for e in events] == [
                again.json()["sweep_id"],
                body["result"]["sweep_id"],
            ]
            assert events[1]["payload"] == body["result"]
            assert events[1]["created_at"] < again.json()["started_at"]
            assert not Path(body["spooled_to"]).exists()
    finally:
        store.dispose()


def test_postgres_stopped_mid_sweep_the_cli_prints_the_result_and_a_clear_error(
    running_postgres: OwnPostgres, pg_url: str, settings: Settings, fleet_builder: FleetBuilder
) -> None:
    store = Store.open(pg_url)
    register(
        store,
        {"hangs": fleet_builder.hanging_remote("hangs"), "clean": fleet_builder.clean("clean")},
        trusted={"hangs"},
    )
    env = statehub_env(settings.home, pg_url)
    try:
        with ThreadPoolExecutor(1) as pool:
            done = pool.submit(cli_sweep, env, "--json", "--max-seconds", str(BUDGET))
            _wait_for_sweep(settings, fleet_builder)
            running_postgres.stop("fast")
            out = done.result(timeout=60)

        assert out.returncode == 3, out.stderr
        spooled = parse_json(out.stdout)
        _assert_result(spooled)  # the result reached the caller…
        assert "error:" in out.stderr and "could not be recorded yet" in out.stderr  # …and why
        assert f"spooled in {settings.home / 'spool'}" in out.stderr
        assert "Traceback" not in out.stderr + out.stdout
        assert_lock_free(settings.lock_path)

        human = cli_sweep(env, "--max-seconds", "2")  # the database is still down
        assert human.returncode == 3
        assert "refused the connection" in human.stderr and "Traceback" not in human.stderr

        running_postgres.start()
        after = cli_sweep(env, "--json", "--max-seconds", "2")
        assert after.returncode == 0, after.stderr
        recorded = sweep_events(store)
        assert [e.sweep_id for e in recorded] == [
            parse_json(after.stdout)["sweep_id"],
            spooled["sweep_id"],
        ]
        assert recorded[1].payload == spooled
        assert list((settings.home / "spool").iterdir()) == []
    finally:
        store.dispose()


def _set_mode(home: Path, mode: int) -> None:
    for path in home.glob("statehub.db*"):  # the database and its -wal/-shm companions
        path.chmod(mode)


@pytest.mark.slow
def test_a_read_only_sqlite_file_gets_clear_errors_and_recovers_once_writable(
    tmp_path: Path,
) -> None:
    prefix = as_user_prefix()  # as root, a permission bit stops nobody
    with shared_directory("statehub-ro-", owner=NOBODY) as base:
        home = base / "home"
        clean = FleetBuilder(base / "fleet").clean("clean")
        chown_tree(base, NOBODY)
        url = f"sqlite:///{home / 'statehub.db'}"
        # git reads no config the unprivileged user cannot reach.
        env = statehub_env(home, url, HOME=str(base), GIT_CONFIG_GLOBAL=os.devnull)

        def cli(*args: str) -> subprocess.CompletedProcess[str]:

            return statehub_cli(env, *args, prefix=prefix)

        added = cli("repos", "add", str(clean))
        assert added.returncode == 0, added.stderr
        _set_mode(home, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)

        out = cli("sweep", "--remote-all", "--json", "--max-seconds", "20")
        assert out.returncode == 3, out.stderr
        spooled = parse_json(out.stdout)
        assert spooled["skipped_clean"] == ["clean"]
        assert "error:" in out.stderr and "readonly database" in out.stderr
        assert "Traceback" not in out.stderr + out.stdout
        assert_lock_free(home / "sweep.lock")

        port = free_port()
        api = f"http://127.0.0.1:{port}"
        with serve_process(env, tmp_path / "serve.log", port=port, prefix=prefix):
            refused = httpx.post(f"{api}/consistency/sweep/remote-all", json={}, timeout=60)
            assert refused.status_code == 503, refused.text
            assert "readonly database" in refused.json()["detail"]
            assert refused.json()["result"]["skipped_clean"] == ["clean"]
            written = httpx.post(f"{api}/progress/", json={"event_type": "note"}, timeout=10)
            assert written.status_code == 503 and "Traceback" not in written.text
            assert httpx.get(f"{api}/progress/", timeout=10).status_code == 200  # reads work

            _set_mode(home, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
            again = httpx.post(f"{api}/consistency/sweep/remote-all", json={}, timeout=60)
            assert again.status_code == 200, again.text
            events = httpx.get(f"{api}/progress/", timeout=10).json()
            # The two that could not be recorded, from the spool and in order, then the new one.
            assert [e["sweep_id"] for e in events] == [
                again.json()["sweep_id"],
                refused.json()["result"]["sweep_id"],
                spooled["sweep_id"],
            ]
        assert "Traceback" not in (tmp_path / "serve.log").read_text()
        assert_sqlite_intact(home / "statehub.db")
