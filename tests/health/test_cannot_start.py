"""A sweep that cannot start — its home cannot be created, its lock file cannot be opened —
exits 3 with one line that says what, where and how to fix it, and is recorded as a
``failed`` sweep wherever the database can still be used (SQLite outside the home, and
PostgreSQL). The API answers 503 with that document, never a 500.

The faults are real: a home below a regular file cannot be created (ENOTDIR) and a lock
path that is a directory cannot be opened (EISDIR), for root too — where a permission bit
would stop nobody."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import list_events
from statehub.sweep.result import EVENT_TYPE
from testing import ROOT
from testing.serve import statehub_env
from tests.reliability.support import (
    NOBODY,
    as_user_prefix,
    shared_directory,
    statehub_cli,
)


def _statehub(home: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STATEHUB_HOME": str(home),
        "STATEHUB_DATABASE_URL": database_url,
        "COLUMNS": "300",
    }
    return subprocess.run(
        [sys.executable, "-m", "statehub", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _one_clean_line(stderr: str) -> str:
    """The one error line (the human output first names the home and database it used)."""
    assert "Traceback" not in stderr
    lines = [
        line
        for line in stderr.splitlines()
        if line.strip() and not line.startswith("State Hub home")
    ]
    assert len(lines) == 1, stderr
    return lines[0]


def _recorded(store: Store) -> list[dict[str, object]]:
    with store.reading() as db:
        return [e.payload for e in list_events(db, event_type=EVENT_TYPE)]


def test_an_unusable_lock_file_exits_3_with_one_line_and_records_a_failed_sweep(
    settings: Settings, store: Store
) -> None:
    settings.lock_path.mkdir(parents=True)  # the lock "file" is a directory

    out = _statehub(settings.home, settings.resolved_database_url, "sweep", "--json")

    assert out.returncode == 3, out.stderr
    line = _one_clean_line(out.stderr)
    assert line.startswith("error: cannot start the sweep: the lock file")
    assert str(settings.lock_path) in line and "Is a directory" in line
    assert "STATEHUB_HOME" in line and "recorded as a failed sweep" in line
    printed = json.loads(out.stdout)
    assert (printed["health"], printed["exit_code"], printed["lock_skipped"]) == (
        "failed",
        3,
        False,
    )
    [event] = _recorded(store)
    assert event["sweep_id"] == printed["sweep_id"] and event["health"] == "failed"
    assert event["health_reasons"] == printed["health_reasons"]
    assert "the lock file" in printed["health_reasons"][0]


def test_a_home_that_cannot_be_created_exits_3_and_is_recorded_where_the_database_is(
    tmp_path: Path, database_url: str, store: Store
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    home = blocker / "home"

    out = _statehub(home, database_url, "sweep")

    assert out.returncode == 3, out.stderr
    line = _one_clean_line(out.stderr)
    assert f"the State Hub home {home} cannot be created (Not a directory)" in line
    assert "recorded as a failed sweep" in line
    [event] = _recorded(store)
    assert event["health"] == "failed" and event["triggered_by"] == "manual"


def test_a_home_that_cannot_be_created_with_the_database_in_it_still_gets_one_line(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    home = blocker / "home"

    out = _statehub(home, f"sqlite:///{home / 'statehub.db'}", "sweep")

    assert out.returncode == 3
    line = _one_clean_line(out.stderr)
    assert str(home) in line and "Not a directory" in line


def test_the_api_answers_503_with_the_failed_document_and_status_is_not_fooled(
    client: httpx.Client, settings: Settings, store: Store
) -> None:
    settings.lock_path.mkdir(parents=True)

    answer = client.post("/consistency/sweep/remote-all", json={"max_seconds": 30})

    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["detail"].startswith("cannot start the sweep: the lock file")
    assert body["result"]["health"] == "failed"
    status = client.get("/consistency/status").json()
    # A sweep that could not run is no sweep: still overdue, and the status says why.
    assert status["overdue"] is True and status["last_completed"] is None
    assert status["health"] == "failed"
    assert status["health_reasons"] == body["result"]["health_reasons"]
    assert [e["sweep_id"] for e in _recorded(store)] == [body["result"]["sweep_id"]]


def test_a_read_only_home_exits_3_with_one_line_and_no_traceback() -> None:
    """Run as ``nobody``: as root (CI) a mode-0555 directory is writable, and this would
    prove nothing. The home exists but cannot be written, and a home below it cannot be
    created: each is one ``error:`` line naming the path, exit 3."""
    prefix = as_user_prefix()
    with shared_directory("statehub-read-only-", owner=NOBODY) as base:
        home = base / "home"
        home.mkdir()
        home.chmod(0o555)
        env = statehub_env(home, f"sqlite:///{home / 'statehub.db'}", HOME=str(base))
        env["GIT_CONFIG_GLOBAL"] = os.devnull  # git reads no config nobody cannot reach
        written = statehub_cli(env, "sweep", "--remote-all", "--no-fetch", prefix=prefix)
        below = {**env, "STATEHUB_HOME": str(home / "sub")}
        below["STATEHUB_DATABASE_URL"] = f"sqlite:///{home / 'sub' / 'statehub.db'}"
        created = statehub_cli(below, "sweep", "--remote-all", "--no-fetch", prefix=prefix)
    for run, path in ((written, home), (created, home / "sub")):
        assert run.returncode == 3, run.stdout + run.stderr
        assert "Traceback" not in run.stderr
        errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and str(path) in errors[0], run.stderr
