"""While its action is being retried, a run's row says so — status ``retrying``, the attempts
so far and the last attempt's error — and the worker logs one line per failed attempt, not a
traceback per retry."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from activitycore.devserver import free_port
from activitycore.settings import Settings
from activitycore.store import Store, runs
from activitycore.store.models import RunRow
from activitycore.temporal import connect
from activitycore.trigger import trigger_run
from activitycore.worker import running_worker
from testing.waiting import until
from tests.activitycore.support import load_and_sync_definitions, write_definition

pytestmark = pytest.mark.temporal
DOWN_ID = "31313131-8888-4888-8888-888888888888"


def test_a_run_shows_retrying_with_its_last_error_and_logs_one_line_per_attempt(
    temporal_settings: Settings,
    store: Store,
    definitions_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nobody listens on this port: a connection refused, retryable, as a State Hub restarting.
    down = f"http://127.0.0.1:{free_port()}"
    write_definition(
        definitions_dir,
        id=DOWN_ID,
        name="Down",
        action={
            "http": {"method": "POST", "url": f"{down}/consistency/sweep/remote-all"},
            "context_key": "k",
            # Long enough between the two attempts for the test to see the first one's mark.
            "retry": {"maximum_attempts": 2, "initial_interval_seconds": 3},
        },
    )
    load_and_sync_definitions(temporal_settings, store)

    def row(run_id: str) -> RunRow | None:
        with store.session() as db:
            return runs.get_run(db, run_id=run_id)

    async def scenario() -> tuple[RunRow, RunRow]:
        client = await connect(temporal_settings)
        async with running_worker(client, store, temporal_settings):
            started = await trigger_run(
                client,
                store,
                temporal_settings,
                name_or_id="Down",
                identity="t",
                wait_seconds=None,
            )

            def retrying() -> RunRow | None:
                found = row(started.run_id)
                return found if found is not None and found.status == runs.RETRYING else None

            def finished() -> RunRow | None:
                found = row(started.run_id)
                return found if found is not None and found.status == runs.FAILED else None

            between = await until(retrying, timeout=20, interval=0.05, what="the retrying mark")
            final = await until(finished, timeout=30, what="the failed run")
            return between, final

    with caplog.at_level(logging.DEBUG):
        between, final = asyncio.run(scenario())

    assert between.attempts == 1 and between.finished_at is None
    assert between.error and "127.0.0.1" in between.error, between.error
    assert (final.status, final.attempts) == ("failed", 2)
    attempts = [r for r in caplog.records if r.name == "temporalio.activity" and r.levelno > 10]
    assert [r.getMessage().split(":")[1].strip() for r in attempts] == [
        "attempt 1 failed (will be retried if attempts remain)",
        "attempt 2 failed (will be retried if attempts remain)",
    ]
    # No traceback for an attempt: the SDK's own "Completing activity as failed" (with its
    # stack) is at debug for these expected failures.
    tracebacks = [r for r in caplog.records if r.levelno > logging.DEBUG and r.exc_info is not None]
    assert [r.name for r in tracebacks if r.name == "temporalio.activity"] == []
    assert len(tracebacks) <= 1, [(r.name, r.getMessage()) for r in tracebacks]
