"""``statehub doctor`` run as an operator runs it, against real git remotes on loopback (a
file remote, an HTTP server that wants a password, a listener that never answers, a closed
port), real SQLite and PostgreSQL, and the systemd user units through the suite's
``systemctl`` stand-in (no user manager runs in the test container)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from statehub.store import Store
from testing.fleet import FleetBuilder, register
from tests.deploy.units import UNITS

REPO = Path(__file__).resolve().parents[2]
SHIM = REPO / "tests" / "activitycore" / "systemctl_shim.py"
WORKSTATION_UNITS = (
    "statehub.service",
    "custodian-sync.service",
    "custodian-sync.timer",
    "state-hub-bridge.service",
)


@dataclass
class Workstation:
    home: Path
    env: dict[str, str]

    def doctor(self, *args: str) -> tuple[int, dict[str, Any], float]:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "statehub", "doctor", "--json", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        elapsed = time.monotonic() - started
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, json.loads(done.stdout), elapsed

    def systemctl(self, *args: str) -> None:
        subprocess.run(["systemctl", "--user", *args], env=self.env, check=True, timeout=30)

    def install_units(self, *, enable: bool = True) -> None:
        target = self.home / ".config" / "systemd" / "user"
        target.mkdir(parents=True, exist_ok=True)
        for name in WORKSTATION_UNITS:
            shutil.copy2(UNITS / name, target / name)
        if enable:
            self.systemctl("enable", "statehub.service", "state-hub-bridge.service")

    def env_file(self, text: str) -> None:
        path = self.home / ".config" / "statehub" / "env"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def workstation(tmp_path: Path, database_url: str) -> Workstation:
    home = tmp_path / "home"
    shim_dir = home / "shim-bin"
    shim_dir.mkdir(parents=True)
    shim = shim_dir / "systemctl"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} {SHIM} "$@"\n')
    shim.chmod(0o755)
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STATEHUB_", "XDG_")) and k != "SSH_AUTH_SOCK"
    }
    env = {
        **base,
        "HOME": str(home),
        "PATH": f"{shim_dir}:{base['PATH']}",
        "STATEHUB_HOME": str(home / ".local" / "state" / "statehub"),
        "STATEHUB_DATABASE_URL": database_url,
    }
    return Workstation(home, env)


def _problems(document: dict[str, Any], check: str) -> list[str]:
    return [p["message"] for p in document["problems"] if p["check"] == check]


def _register(database_url: str, repos: dict[str, Path]) -> None:
    store = Store.open(database_url)
    try:
        register(store, repos)
    finally:
        store.dispose()


def test_a_healthy_workstation_exits_0_and_names_what_it_looked_at(
    workstation: Workstation, database_url: str, fleet_builder: FleetBuilder
) -> None:
    _register(database_url, {"api": fleet_builder.clean("api"), "web": fleet_builder.clean("web")})
    workstation.install_units()

    code, document, _ = workstation.doctor()

    assert code == 0, document["problems"]
    looked = document["looked_at"]
    assert looked["home"] == workstation.env["STATEHUB_HOME"]
    assert looked["lock"].endswith("sweep.lock")
    assert looked["units"] == str(workstation.home / ".config" / "systemd" / "user")
    assert ("SQLite" in looked["database"]) or ("PostgreSQL" in looked["database"])
    remotes = next(c for c in document["checks"] if c["check"] == "remotes")
    assert remotes["ok"] and "2 remotes on 2 hosts" in remotes["summary"]


def test_the_database_is_named_without_its_password(
    workstation: Workstation, postgres_url: str
) -> None:
    # The suite's PostgreSQL trusts every local connection, so any password gets in.
    with_password = make_url(postgres_url).set(password="s3cret-pw")
    workstation.env["STATEHUB_DATABASE_URL"] = with_password.render_as_string(hide_password=False)
    Store.open(workstation.env["STATEHUB_DATABASE_URL"]).dispose()

    done = subprocess.run(
        [sys.executable, "-m", "statehub", "doctor", "--no-units"],
        env=workstation.env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "s3cret-pw" not in done.stdout + done.stderr
    assert "PostgreSQL at 127.0.0.1" in done.stdout


@pytest.fixture
def silent_listeners() -> Iterator[list[int]]:
    """Two loopback ports that accept connections and never answer (a host that hangs)."""
    sockets = []
    for _ in range(2):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        sockets.append(listener)
    try:
        yield [s.getsockname()[1] for s in sockets]
    finally:
        for listener in sockets:
            listener.close()


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.mark.slow
def test_every_remote_that_would_fail_is_named_with_why_in_parallel(
    workstation: Workstation,
    database_url: str,
    fleet_builder: FleetBuilder,
    password_server_url: str,
    silent_listeners: list[int],
) -> None:
    closed = _closed_port()
    hang_a, hang_b = silent_listeners
    _register(
        database_url,
        {
            "fine": fleet_builder.clean("fine"),
            "private": fleet_builder.password_remote("private", password_server_url),
            "down": fleet_builder.password_remote("down", f"http://127.0.0.1:{closed}/x.git"),
            "ssh-down": fleet_builder.password_remote(
                "ssh-down", f"ssh://git@127.0.0.1:{closed}/x.git"
            ),
            "hang-a": fleet_builder.password_remote("hang-a", f"http://127.0.0.1:{hang_a}/a"),
            "hang-b": fleet_builder.password_remote("hang-b", f"http://127.0.0.1:{hang_b}/b"),
            "gone": fleet_builder.password_remote("gone", str(fleet_builder.root / "no-such")),
        },
    )

    code, document, elapsed = workstation.doctor("--no-units", "--timeout", "3")

    assert code == 1
    found = _problems(document, "remotes")
    by_repo = {line.rsplit(" ", 1)[-1]: line for line in found}
    assert set(by_repo) == {
        "private/origin", "down/origin", "ssh-down/origin", "hang-a/origin", "hang-b/origin",
        "gone/origin",
    }  # fmt: skip
    assert "authentication refused" in by_repo["private/origin"]
    assert "host unreachable" in by_repo["down/origin"]
    assert "host unreachable" in by_repo["ssh-down/origin"]
    assert "timed out" in by_repo["hang-a/origin"] and "timed out" in by_repo["hang-b/origin"]
    assert "repository not found" in by_repo["gone/origin"]
    assert all(p["fix"] for p in document["problems"])
    # Two hosts that each hang for the whole 3 s bound: one after the other would take 6 s.
    assert elapsed < 5.5, elapsed


def test_a_home_that_is_a_file_and_a_broken_config_are_named(
    workstation: Workstation, tmp_path: Path
) -> None:
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    config = tmp_path / "fleet.yaml"
    config.write_text("repos:\n  - path: /x\n    name: [unclosed\n")
    workstation.env.update(STATEHUB_HOME=str(blocker), STATEHUB_CONFIG_FILE=str(config))

    code, document, _ = workstation.doctor("--no-units")

    assert code == 1
    [home_problem] = _problems(document, "settings")
    assert f"STATEHUB_HOME: {blocker} exists and is not a directory" in home_problem

    workstation.env["STATEHUB_HOME"] = str(tmp_path / "home-here")
    code, document, _ = workstation.doctor("--no-units")
    assert code == 1
    [config_problem] = _problems(document, "config")
    assert str(config) in config_problem and "not valid YAML" in config_problem


def test_a_database_that_does_not_answer_is_named(workstation: Workstation) -> None:
    workstation.env["STATEHUB_DATABASE_URL"] = (
        f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nothing"
    )

    code, document, _ = workstation.doctor("--no-units")

    assert code == 1
    [problem] = _problems(document, "database")
    assert "refused the connection" in problem


def test_units_not_installed_or_not_enabled_are_named(workstation: Workstation) -> None:
    code, document, _ = workstation.doctor()
    assert code == 1
    [missing] = _problems(document, "units")
    assert all(name in missing for name in WORKSTATION_UNITS)

    workstation.install_units(enable=False)
    code, document, _ = workstation.doctor()
    assert code == 1
    assert _problems(document, "units") == [
        "not enabled: statehub.service, state-hub-bridge.service"
    ]


@pytest.mark.slow
def test_ssh_remotes_need_the_agent_in_both_sweeping_units(
    workstation: Workstation, database_url: str, fleet_builder: FleetBuilder, tmp_path: Path
) -> None:
    repo = fleet_builder.clean("api")
    subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "remote",
            "add",
            "gh",
            f"ssh://git@127.0.0.1:{_closed_port()}/api.git",
        ],
        check=True,
    )
    _register(database_url, {"api": repo})
    workstation.install_units()

    _, document, _ = workstation.doctor("--timeout", "3")
    [no_agent] = _problems(document, "units")
    assert "custodian-sync.service and statehub.service get no SSH_AUTH_SOCK" in no_agent

    # A socket that is not there is as bad as none.
    workstation.env_file(f"SSH_AUTH_SOCK={tmp_path / 'agent.sock'}\n")
    _, document, _ = workstation.doctor("--timeout", "3")
    [gone] = _problems(document, "units")
    assert "does not exist" in gone

    # The env file both units read, pointing at a live socket: both get it.
    agent = socket.socket(socket.AF_UNIX)
    agent.bind(str(tmp_path / "agent.sock"))
    try:
        _, document, _ = workstation.doctor("--timeout", "3")
    finally:
        agent.close()
    assert _problems(document, "units") == []


@pytest.mark.slow
def test_a_server_beyond_loopback_without_a_token_is_named(workstation: Workstation) -> None:
    workstation.install_units()
    unit = workstation.home / ".config" / "systemd" / "user" / "statehub.service"
    unit.write_text(unit.read_text().replace("--host 127.0.0.1", "--host 0.0.0.0"))

    _, document, _ = workstation.doctor()
    [problem] = _problems(document, "token")
    assert "listens on 0.0.0.0, beyond loopback, and no token is set" in problem

    workstation.env["STATEHUB_TOKEN"] = "a-secret"
    _, document, _ = workstation.doctor()
    assert _problems(document, "token") == []


def test_an_unreadable_token_file_is_named(workstation: Workstation, tmp_path: Path) -> None:
    workstation.env["STATEHUB_TOKEN_FILE"] = str(tmp_path / "no-such-token")

    code, document, _ = workstation.doctor("--no-units")

    assert code == 1
    [problem] = _problems(document, "token")
    assert "cannot be read" in problem


def test_a_schema_behind_is_named(workstation: Workstation, sqlite_url: str) -> None:
    workstation.env["STATEHUB_DATABASE_URL"] = sqlite_url
    Store.open(sqlite_url).dispose()
    path = make_url(sqlite_url).database
    assert path is not None
    with sqlite3.connect(path) as conn:
        conn.execute("delete from alembic_version")

    code, document, _ = workstation.doctor("--no-units")

    assert code == 1
    [problem] = _problems(document, "database")
    assert "schema revision none" in problem


def test_a_discover_root_that_is_not_there_is_named(
    workstation: Workstation, tmp_path: Path
) -> None:
    config = tmp_path / "cfg" / "fleet.yaml"
    config.parent.mkdir()
    (tmp_path / "cfg" / "mounted").mkdir()
    # Relative roots are the file's own directory's, whatever the doctor's working directory.
    config.write_text("discover:\n  - mounted\n  - unmounted-disk\n")
    workstation.env["STATEHUB_CONFIG_FILE"] = str(config)

    code, document, _ = workstation.doctor("--no-units")

    assert code == 1
    [problem] = _problems(document, "config")
    assert f"discover root {tmp_path / 'cfg' / 'unmounted-disk'} is not a directory" in problem
