"""What the reliability tests share: real processes, a PostgreSQL of their own, and the
checks every fault ends with (lock free, no partial event, an intact database)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from statehub.store import Store
from statehub.store.events import ProgressEvent, list_events
from statehub.sweep.lock import current_holder
from statehub.sweep.result import EVENT_TYPE
from testing import ROOT
from testing.serve import free_port
from testing.waiting import wait_for

NOBODY = 65534


def sweep_events(store: Store, limit: int = 5000) -> list[ProgressEvent]:
    with store.session() as db:
        return list_events(db, event_type=EVENT_TYPE, limit=limit)


def assert_sqlite_intact(db_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def assert_lock_free(lock_path: Path, within: float = 5.0) -> None:
    """Free now, or within a few seconds: a git child caught between fork and exec when
    its parent was SIGKILLed still shares the lock's descriptor until its exec closes it
    (O_CLOEXEC) — a window that stretches on a loaded machine."""
    deadline = time.monotonic() + within
    while current_holder(lock_path) is not None:
        assert time.monotonic() < deadline, "the sweep lock is still held"
        time.sleep(0.05)


def assert_whole_events(events: list[ProgressEvent]) -> None:
    """Every recorded sweep is a complete result document: nothing half-written."""
    for event in events:
        payload = event.payload
        assert payload["sweep_id"] == event.sweep_id
        assert payload["finished_at"] and payload["started_at"]
        if not payload["lock_skipped"]:
            placed = (
                [r["name"] for r in payload["repos_processed"]]
                + payload["skipped_clean"]
                + payload["skipped_missing"]
                + payload["skipped_budget"]
                + [e["name"] for e in payload["errors"]]
            )
            assert len(placed) == payload["repos_total"], payload


def ranges(events: list[ProgressEvent]) -> list[tuple[datetime, datetime, str]]:
    """[started_at, finished_at] of every sweep that ran (not lock-skipped), by start."""
    spans = [
        (
            datetime.fromisoformat(e.payload["started_at"]),
            datetime.fromisoformat(e.payload["finished_at"]),
            e.payload["triggered_by"],
        )
        for e in events
        if not e.payload["lock_skipped"]
    ]
    return sorted(spans)


def statehub_cli(
    env: dict[str, str], *args: str, prefix: list[str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``statehub ARGS`` in a process of its own (run through ``prefix``, e.g. as nobody)."""
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "statehub", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def cli_sweep(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return statehub_cli(env, "sweep", "--remote-all", *args, timeout=timeout)


def parse_json(text: str) -> dict[str, Any]:
    document = json.loads(text)
    assert isinstance(document, dict)
    return document


def wait_until(probe: Any, *, timeout: float, what: str, interval: float = 0.05) -> Any:
    """``wait_for`` with a finer default interval: these probes watch for short windows."""
    return wait_for(probe, timeout=timeout, interval=interval, what=what)


# -- an unprivileged user --------------------------------------------------------------------


def as_user_prefix() -> list[str]:
    """A command prefix that runs the rest as ``nobody``, without any capability.

    The suite runs as root in CI, and root reads and writes through any permission bit;
    a permission fault is only real for an ordinary user.
    """
    if os.geteuid() != 0:
        return []  # already unprivileged: permissions apply as they are
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv (util-linux) is missing: cannot drop privileges")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


@contextmanager
def shared_directory(prefix: str, owner: int | None = None) -> Iterator[Path]:
    """A directory in the system temp dir that another user can reach (pytest's tmp_path
    sits under a root-only directory), removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        path.chmod(0o755)
        if owner is not None and os.geteuid() == 0:
            os.chown(path, owner, owner)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def chown_tree(path: Path, uid: int) -> None:
    if os.geteuid() != 0:
        return
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.lchown(Path(root) / name, uid, uid)
    os.lchown(path, uid, uid)


# -- a PostgreSQL server of the test's own -----------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class OwnPostgres:
    """A PostgreSQL cluster in its own data directory on a free loopback port, from Debian's
    server binaries, that a test may stop and start at will.

    initdb refuses to run as root, so as root every server command runs as the
    ``postgres`` OS user, in a directory that user owns.
    """

    def __init__(self, base: Path) -> None:
        binaries = _pg_bin()
        if binaries is None:
            reason = "PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed"
            if os.environ.get("STATEHUB_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"STATEHUB_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
            pytest.skip(reason)
        self.bin = binaries
        self.base = base
        self.data = base / "data"
        self.log = base / "server.log"
        self.port = free_port()
        self._prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                import pwd

                entry = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no `postgres` user for initdb")
            os.chown(base, entry.pw_uid, entry.pw_gid)
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.skip("running as root and runuser is missing: initdb cannot run")
            self._prefix = [runuser, "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [*self._prefix, *command],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            cwd=self.base,
        )
        assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout}\n{done.stderr}"

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "--pgdata",
            str(self.data),
            "--auth=trust",
            "--username=postgres",
            "--no-sync",
            "--encoding=UTF8",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=50"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log),
            "--options",
            options,
            "--wait",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(self.bin / "pg_ctl"), "--pgdata", str(self.data), "-m", mode, "--wait", "stop"
        )

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()
