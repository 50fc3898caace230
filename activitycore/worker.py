"""The worker: the ActivityRun workflow and its activities on the configured task queue."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import httpx
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.worker import Worker

from activitycore.metrics import export_runs
from activitycore.run_activities import RunActivities
from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.workflow import ActivityRunWorkflow

# Database activities are synchronous and run on these threads; the SDK wants as many
# threads as concurrent activities. A handful is plenty for a few schedules.
DB_THREADS = 8


@asynccontextmanager
async def running_worker(client: Client, store: Store, settings: Settings) -> AsyncIterator[Worker]:
    """A started worker, shut down (in-flight activities cancelled) when the block ends."""
    async with httpx.AsyncClient(follow_redirects=False) as http:
        activities = RunActivities(store, http, settings)
        with ThreadPoolExecutor(max_workers=DB_THREADS) as executor:
            worker = Worker(
                client,
                task_queue=settings.task_queue,
                workflows=[ActivityRunWorkflow],
                activities=[activities.start_run, activities.call_action, activities.finish_run],
                activity_executor=executor,
                max_concurrent_activities=DB_THREADS,
            )
            async with worker:
                yield worker


async def run_until_stopped(
    client: Client, store: Store, settings: Settings, runtime: Runtime | None = None
) -> None:
    """Run the worker until SIGINT or SIGTERM; with ``runtime`` (the client's, serving
    metrics) keep activity-core's run metrics on its meter."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running_worker(client, store, settings):
            if runtime is None:
                await stop.wait()
            else:
                await export_runs(store, runtime.metric_meter, stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
