"""Manual runs: the runbook's canary, recorded with ``trigger: manual`` and who asked."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from temporalio.client import Client, WorkflowFailureError

from activitycore.schedules import schedule_id
from activitycore.settings import Settings
from activitycore.store import Store, catalog, runs
from activitycore.store.models import RunRow
from activitycore.workflow import ActivityRunWorkflow, RunRequest


def operator_identity() -> str:
    """``user@host`` of whoever runs the command, for the run's ``triggered_by``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass
class TriggeredRun:
    run_id: str
    workflow_id: str
    definition_name: str
    row: RunRow | None  # None: not waited for, or no worker picked it up in time


async def trigger_run(
    client: Client,
    store: Store,
    settings: Settings,
    *,
    name_or_id: str,
    identity: str,
    wait_seconds: float | None,
) -> TriggeredRun:
    """Start one run now; with ``wait_seconds``, wait that long for it to finish."""
    with store.reading() as db:
        definition = catalog.find_definition(db, name_or_id=name_or_id)
        definition_id, name = definition.id, definition.name
    now = datetime.now(UTC)
    workflow_id = (
        f"{schedule_id(settings, definition_id)}-manual-{now:%Y-%m-%dT%H:%M:%SZ}-"
        f"{uuid.uuid4().hex[:6]}"
    )
    handle = await client.start_workflow(
        ActivityRunWorkflow.run,
        RunRequest(
            definition_id=definition_id,
            trigger="manual",
            triggered_by=identity,
            requested_at=now,
        ),
        id=workflow_id,
        task_queue=settings.task_queue,
    )
    run_id = handle.first_execution_run_id or handle.result_run_id or ""
    row = None
    if wait_seconds is not None:
        # The row tells what happened; a failed action fails the workflow too.
        with contextlib.suppress(TimeoutError, WorkflowFailureError):
            await asyncio.wait_for(handle.result(), timeout=wait_seconds)
        with store.reading() as db:
            row = runs.get_run(db, run_id=run_id)
    return TriggeredRun(run_id, workflow_id, name, row)
