"""The runbook's Manual Canary: `activity-core trigger` against the real State Hub ends with an
ActivityRun whose context_snapshot holds the sweep result, and a State Hub progress event
whose caller_run_id is that run's run_id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from activitycore.cli import app
from activitycore.settings import Settings
from activitycore.store import Store
from testing.waiting import wait_for
from tests.activitycore.support import (
    REPO,
    SWEEP_ID,
    StateHubServer,
    runbook_sql,
    runs_of,
    worker_process,
)

pytestmark = pytest.mark.temporal


@pytest.fixture
def cli_env(
    temporal_settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The operator's environment; the database is SQLite, then PostgreSQL."""
    settings = temporal_settings.model_copy(update={"database_url": database_url})
    monkeypatch.setenv("ACTIVITY_CORE_DATABASE_URL", database_url)
    monkeypatch.setenv("ACTIVITY_CORE_HOME", str(settings.home))
    monkeypatch.setenv("ACTIVITY_CORE_TASK_QUEUE", settings.task_queue)
    monkeypatch.setenv("TEMPORAL_ADDRESS", settings.temporal_address)
    monkeypatch.setenv("ACTIVITY_DEFINITION_DIRS", str(REPO / "activities"))
    monkeypatch.setenv("STATE_HUB_URL", settings.state_hub_url or "")
    monkeypatch.setenv("STATE_HUB_TOKEN", settings.token() or "")
    return settings


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_manual_run_records_the_sweep_result(
    cli_env: Settings, state_hub: StateHubServer, tmp_path: Path
) -> None:
    invoke("sync-activity-definitions")
    sync = invoke("sync-schedules")
    assert "[paused]" in sync  # the sweep ships disabled until the canary has passed

    worker = worker_process(cli_env, tmp_path / "worker.log")
    try:
        output = invoke(
            "trigger", "State Hub Consistency Sweep", "--as", "canary@ops", "--timeout", "60"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert "status succeeded" in output, output

    store = Store.open(cli_env.resolved_database_url)
    try:
        (run,) = runs_of(store, SWEEP_ID)
        # The runbook's ActivityRun Check, verbatim, on the row the worker wrote.
        with store.engine.connect() as connection:
            (checked,) = connection.exec_driver_sql(runbook_sql()).all()
    finally:
        store.dispose()
    assert checked[0] == run.run_id
    checked_sweep = json.loads(checked[3]) if isinstance(checked[3], str) else checked[3]

    assert run.status == "succeeded"
    assert run.trigger == "manual"
    assert run.triggered_by == "canary@ops"
    assert run.attempts == 1
    assert run.error is None
    assert run.scheduled_for <= run.fired_at < run.finished_at
    sweep = run.context_snapshot["consistency_sweep_remote_all"]
    assert sweep["event_type"] == "consistency_sweep_remote_all"
    assert sweep["triggered_by"] == "activity-core"
    assert sweep["caller_run_id"] == run.run_id
    assert sweep["max_seconds"] == 300
    assert sweep["exit_code"] == 0
    assert checked_sweep == sweep

    events = wait_for(
        lambda: [e for e in state_hub.progress_events() if e["sweep_id"] == sweep["sweep_id"]],
        what="the sweep's progress event",
    )
    assert events[0]["payload"]["caller_run_id"] == run.run_id

    listed = json.loads(invoke("runs", "--definition", SWEEP_ID, "--json"))
    assert [r["run_id"] for r in listed] == [run.run_id]
    assert listed[0]["context_snapshot"]["consistency_sweep_remote_all"] == sweep
