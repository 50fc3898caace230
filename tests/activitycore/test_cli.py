"""The command line: every command has help and is documented, and operator mistakes end
in one clear line and exit status 1 (3 when the database cannot be used), never a
traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from activitycore.cli import app
from activitycore.devserver import free_port
from activitycore.store import Store
from tests.activitycore.support import REPO

COMMANDS = [
    "sync-activity-definitions",
    "sync-schedules",
    "worker",
    "trigger",
    "runs",
    "schedules",
    "cadence",
    "dev",
]


def test_every_command_is_registered() -> None:
    registered = {
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    }
    assert registered == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_docs(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    docs = (REPO / "docs" / "activity-core.md").read_text()
    assert f"activity-core {command}" in docs


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ACTIVITY_CORE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # nobody listens
    return tmp_path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sync-schedules"], "cannot reach Temporal at 127.0.0.1:"),
        (["schedules"], "cannot reach Temporal at 127.0.0.1:"),
        (["trigger", "No Such Activity"], "no activity definition is named"),
        (["runs", "--definition", "nope"], "no activity definition is named"),
        (["sync-activity-definitions", "--dir", "/nonexistent"], "not a directory"),
        (["cadence", "any", "--grace", "999999w"], "--grace 999999w: at most 31d"),
    ],
)
def test_it_fails_with_one_clear_line(home: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "blocked"),
    [
        (["runs"], True),
        (["cadence", "any"], True),
        (["trigger", "any"], True),
        (["sync-activity-definitions", "--allow-empty"], False),
    ],
)
def test_a_database_that_cannot_be_opened_is_exit_3_and_one_line(
    home: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], blocked: bool
) -> None:
    # Two real faults: a PostgreSQL port nobody listens on, and a SQLite file under a file.
    if blocked:
        url = f"postgresql://activity@127.0.0.1:{free_port()}/activity"
        expected = "refused the connection (is the server running?)"
    else:
        (home / "not-a-dir").write_text("")
        url = f"sqlite:///{home / 'not-a-dir' / 'activity-core.db'}"
        expected = "cannot create directory"
    monkeypatch.setenv("ACTIVITY_CORE_DATABASE_URL", url)
    monkeypatch.setenv("ACTIVITY_DEFINITION_DIRS", str(home))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    assert expected in result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_a_database_migrated_by_a_newer_activity_core_is_exit_3(home: Path) -> None:
    url = f"sqlite:///{home / 'home' / 'activity-core.db'}"
    Store.open(url).dispose()
    with sqlite3.connect(home / "home" / "activity-core.db") as connection:
        connection.execute("UPDATE activity_core_alembic_version SET version_num = 'f00d'")
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 3, result.output
    assert "migrated by a newer activity-core (revision f00d); upgrade activity-core" in (
        result.output
    )


def test_it_names_a_bad_setting(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_HUB_URL", "ftp://nope")
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 1
    assert "STATE_HUB_URL" in result.output and "http(s) URL" in result.output


@pytest.mark.parametrize("url", ["postgresql+asyncpg://u@127.0.0.1/db", "mysql://u@h/db"])
def test_a_database_url_of_an_unsupported_kind_names_the_supported_ones(
    home: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("ACTIVITY_CORE_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 3, result.output  # the database cannot be used
    assert "unsupported database" in result.output
    assert "sqlite:///PATH" in result.output and "postgresql://" in result.output
    assert "Traceback" not in result.output


def test_runs_on_an_empty_database(home: Path) -> None:
    result = CliRunner().invoke(app, ["runs"])
    assert result.exit_code == 0
    assert "no runs yet" in result.output
    assert CliRunner().invoke(app, ["runs", "--json"]).output.strip() == "[]"


@pytest.mark.parametrize(
    ("args", "status", "stream", "expected"),
    [
        (["runs", "--json"], 0, "stdout", "[]"),
        (["sync-schedules"], 1, "stderr", "cannot reach Temporal"),
        (["runs", "--definition", "any"], 3, "stderr", "cannot open SQLite database"),
        (["no-such-command"], 2, "stderr", "No such command"),
    ],
)
def test_the_installed_command_keeps_its_status_and_output(
    home: Path, args: list[str], status: int, stream: str, expected: str
) -> None:
    if status == 3:  # the database's directory cannot be made: its parent is a file
        (home / "home").write_text("")
    # The console script leaves through os._exit once Temporal's core is loaded (see
    # activitycore.cli._exit_without_finalizing); output piped to a file must still arrive whole.
    done = subprocess.run(
        [sys.executable, "-m", "activitycore.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == status, done.stderr
    assert expected in getattr(done, stream)


def test_make_and_the_installed_command_share_one_database(tmp_path: Path) -> None:
    """docs/activity-core.md's one-machine recipe: `activity-core dev` in one shell, `make
    sync-…` and `activity-core trigger` in another must all use one database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ACTIVITY_CORE_", "ACTIVITY_DEFINITION", "XDG_", "STATE_HUB_"))
    }
    env["HOME"] = str(tmp_path)
    expected = tmp_path / ".local" / "state" / "activity-core" / "activity-core.db"

    made = subprocess.run(
        ["make", "-s", "-C", str(REPO), "-o", ".venv/.installed-stamp",
         "sync-activity-definitions", f"ACTIVITY_DEFINITION_DIRS={REPO / 'activities'}"],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    direct = subprocess.run(
        [str(Path(sys.executable).parent / "activity-core"), "runs"],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip

    assert made.returncode == 0, made.stderr
    assert f"SQLite database {expected}" in made.stdout
    assert f"activity-core database: SQLite database {expected}" in direct.stderr
