"""Helpers for the activity-core tests: definition files, a real State Hub with a demo fleet,
ActivityRuns and the runbook's SQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from testing import ROOT
from testing.serve import serve_process, statehub_env

REPO = ROOT
BIN = Path(sys.executable).parent
SWEEP_ID = "7c4e9a12-8f3b-4d5e-9c6a-1b2d3e4f5a6b"


def write_definition(directory: Path, filename: str = "activity.yaml", **fields: Any) -> Path:
    """Write a definition file: a fast, enabled GET of State Hub's /health unless overridden."""
    document: dict[str, Any] = {
        "id": "0b0c6a53-1d5e-4d8e-9a58-2f1f6c1d2e3f",
        "name": "Health Probe",
        "trigger": "@every 2s",
        "timezone": "UTC",
        "misfire_policy": "skip",
        "enabled": True,
        "action": {
            "http": {"method": "GET", "url": "${STATE_HUB_URL}/health"},
            "context_key": "health",
            "timeout_seconds": 20,
            "retry": {"maximum_attempts": 2, "initial_interval_seconds": 0.2},
        },
    }
    document.update(fields)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


class StateHubServer:
    """The real State Hub (``statehub serve``) on loopback, with a demo fleet of its own."""

    def __init__(self, home: Path, port: int, token: str = "test-token") -> None:
        self.home = home
        self.port = port
        self.token = token
        self.url = f"http://127.0.0.1:{port}"
        self._running = ExitStack()

    @property
    def env(self) -> dict[str, str]:
        return statehub_env(self.home, STATEHUB_TOKEN=self.token)

    def prepare(self) -> None:
        """Build and register the demo fleet (``statehub demo``)."""
        self.home.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(BIN / "statehub"), "demo"],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    def start(self) -> None:
        log = self.home / "serve.log"
        self._running.enter_context(serve_process(self.env, log, host="127.0.0.1", port=self.port))

    def stop(self) -> None:
        self._running.close()

    def progress_events(self, limit: int = 20) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.url}/progress/",
            params={"event_type": "consistency_sweep_remote_all", "limit": limit},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        response.raise_for_status()
        return list(response.json())


def load_and_sync_definitions(settings: Any, store: Any) -> Any:
    """What `activity-core sync-activity-definitions` does, as a library call."""
    from activitycore.definitions import load_definitions
    from activitycore.store import catalog

    loaded = load_definitions(settings.definition_paths, settings.substitution_variables())
    with store.session() as db:
        return catalog.sync_definitions(db, loaded=loaded)


def runs_of(store: Any, definition_id: str) -> list[Any]:
    """The definition's ActivityRuns, oldest first."""
    from activitycore.store import runs

    with store.session() as db:
        found = runs.list_runs(db, definition_id=definition_id, limit=1000)
    return sorted((row for row, _ in found), key=lambda row: row.scheduled_for)


def worker_process(settings: Any, log: Path) -> subprocess.Popen[bytes]:
    """`activity-core worker` as its own process, configured like ``settings``."""
    env = {
        **os.environ,
        "ACTIVITY_CORE_HOME": str(settings.home),
        "ACTIVITY_CORE_DATABASE_URL": settings.resolved_database_url,
        "ACTIVITY_CORE_TASK_QUEUE": settings.task_queue,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "ACTIVITY_CORE_HEARTBEAT_TIMEOUT_SECONDS": str(settings.heartbeat_timeout_seconds),
        "ACTIVITY_CORE_MISFIRE_GRACE_SECONDS": str(settings.misfire_grace_seconds),
    }
    if settings.state_hub_url:
        env["STATE_HUB_URL"] = settings.state_hub_url
    if settings.token():
        env["STATE_HUB_TOKEN"] = settings.token()
    if settings.metrics_address:
        env["ACTIVITY_CORE_METRICS_ADDRESS"] = settings.metrics_address
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(BIN / "activity-core"), "worker"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


# As printed in the runbook (../shared/seed/runbook.md); compared with it below when present.
RUNBOOK_SQL = """\
select
run_id,
fired_at,
scheduled_for,
context_snapshot->'consistency_sweep_remote_all' as sweep_result
from activity_runs
where definition_id = '7c4e9a12-8f3b-4d5e-9c6a-1b2d3e4f5a6b'
order by fired_at desc
limit 5;"""

RUNBOOKS = [
    REPO / "docs" / "runbooks" / "state-hub-consistency-sweep.md",
    REPO.parent / "shared" / "seed" / "runbook.md",
]


def runbook_sql() -> str:
    for path in RUNBOOKS:
        if path.is_file() and "## ActivityRun Check" in (text := path.read_text()):
            section = text.split("## ActivityRun Check", 1)[1]
            found = re.search(r"```sql\n(.*?)\n```", section, re.S)
            assert found, f"{path}: the ActivityRun Check has no sql block"
            sql = "\n".join(line.strip() for line in found.group(1).splitlines())
            assert sql == RUNBOOK_SQL, f"{path} changed its SQL; update this test"
            return found.group(1)
    return RUNBOOK_SQL


def start_scheduled_run(db: Any, *, index: int, slot: datetime) -> str:
    """Record the sweep's schedule firing for ``slot`` (a second late), as the worker would;
    returns the run id, which ``index`` makes unique and readable."""
    from activitycore.store import runs

    run_id = f"00000000-0000-4000-8000-{index:012d}"
    runs.start_run(
        db,
        run=runs.NewRun(
            run_id=run_id,
            definition_id=SWEEP_ID,
            workflow_id=f"wf-{index}",
            fired_at=slot + timedelta(seconds=1),
            scheduled_for=slot,
            trigger="schedule",
            triggered_by="activity-core:sweep",
        ),
    )
    return run_id
