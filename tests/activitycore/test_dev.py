"""`activity-core dev`: one command starts a Temporal dev server (its SQLite file in
ACTIVITY_CORE_HOME), syncs, runs the worker — and SIGTERM stops everything it started."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from activitycore.devserver import free_port, port_is_free
from activitycore.store import Store
from testing.waiting import wait_for
from tests.activitycore.support import BIN, StateHubServer, runs_of, write_definition

pytestmark = pytest.mark.temporal
DEFINITION_ID = "14141414-9999-4999-8999-999999999999"


@pytest.mark.slow
def test_dev_runs_everything_and_stops_everything(
    tmp_path: Path, definitions_dir: Path, state_hub: StateHubServer
) -> None:
    write_definition(definitions_dir, id=DEFINITION_ID, trigger="@every 1s")
    home = tmp_path / "home"
    port = free_port()
    env = {
        **os.environ,
        "ACTIVITY_CORE_HOME": str(home),
        "ACTIVITY_DEFINITION_DIRS": str(definitions_dir),
        "ACTIVITY_CORE_TASK_QUEUE": f"dev-{port}",
        "STATE_HUB_URL": state_hub.url,
        "STATE_HUB_TOKEN": state_hub.token,
    }
    log = tmp_path / "dev.log"
    with log.open("wb") as out:
        dev = subprocess.Popen(
            [str(BIN / "activity-core"), "dev", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        store = wait_for(
            lambda: (
                (home / "activity-core.db").exists()
                and Store.open(f"sqlite:///{home / 'activity-core.db'}")
            ),
            timeout=30,
            what="the database",
        )
        try:
            wait_for(
                lambda: [r for r in runs_of(store, DEFINITION_ID) if r.status == "succeeded"],
                timeout=40,
                what=f"a scheduled run under dev ({log.read_text()[-1500:]})",
            )
        finally:
            store.dispose()
        assert (home / "temporal-dev.db").exists()
        dev.send_signal(signal.SIGTERM)
        assert dev.wait(timeout=30) == 0, log.read_text()
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()
    assert port_is_free(port), "the Temporal dev server outlived `activity-core dev`"
    output = log.read_text()
    assert "1 created" in output and "stopped the Temporal dev server" in output
    assert "Traceback" not in output
