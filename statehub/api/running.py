"""Sweeps this server started, run on threads of their own — never on the event loop.

A sweep that won the lock runs on a dedicated non-daemon thread and is known
here by id until it is recorded; from then on the store answers for it, so a
status poll works across restarts. The lifespan's shutdown waits for every
thread, which is what makes SIGTERM graceful: a sweep is bounded by its budget
and is always recorded.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.exc import SQLAlchemyError

from statehub.api.schemas import SweepStatus
from statehub.errors import StateHubError
from statehub.notify import settle, sweep_observers
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.events import get_event_by_sweep_id
from statehub.sweep.engine import ActiveSweep, Sweeper
from statehub.sweep.lock import current_holder
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import SweepNotRecorded, SweepResult
from statehub.sweep.result_schema import read_result

logger = logging.getLogger("statehub.api")

# Failures are kept for polling; the store never saw them. Bounded: a database
# outage must not turn this into a leak.
_KEEP_FAILURES = 100


@dataclass
class _Running:
    future: cf.Future[SweepResult]
    thread: threading.Thread


class RunningSweeps:
    """Starts sweeps and answers "how is sweep X doing?". Thread-safe."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store
        self._sweeper = Sweeper(settings, store, sweep_observers(settings, lambda: store))
        self._mutex = threading.Lock()
        self._running: dict[UUID, _Running] = {}
        # why it failed, its result when it ran but could not be recorded, and its spool file
        self._failed: OrderedDict[UUID, tuple[str, SweepResult | None, str | None]] = OrderedDict()

    def start(self, request: SweepRequest) -> SweepResult | cf.Future[SweepResult]:
        """Take the lock and start the sweep; blocking, so call it from a worker thread.

        Returns the recorded lock-skip result at once, or a future of the sweep's
        result. Nobody can cancel that future: the sweep holds the lock, and it
        must finish and be recorded even when the caller has gone.
        """
        # begin() syncs config.yaml, as for the CLI: edits count from the next sweep.
        started = self._sweeper.begin(request)
        if isinstance(started, SweepResult):
            return started
        future: cf.Future[SweepResult] = cf.Future()
        future.set_running_or_notify_cancel()  # a running future refuses cancel()
        thread = threading.Thread(
            target=self._run, args=(started, future), name=f"sweep-{started.sweep_id}"
        )
        with self._mutex:
            self._running[started.sweep_id] = _Running(future, thread)
        logger.info("sweep %s started (%s)", started.sweep_id, request.triggered_by)
        thread.start()
        return future

    def record_spool(self) -> None:
        """Record the sweeps spooled while the database was away (at server start).

        Never stops the server: when the database is still away, the next sweep does it.
        """
        try:
            recorded = self._sweeper.record_spool()
        except (StateHubError, SQLAlchemyError, OSError) as exc:
            logger.warning("spooled sweeps not recorded yet: %s", str(exc).splitlines()[0])
            return
        if recorded:
            logger.info("recorded %d spooled sweep(s)", recorded)

    def status(self, sweep_id: UUID) -> SweepStatus | None:
        """Running here, failed here, recorded in the store, running elsewhere, or None."""
        with self._mutex:
            running = self._running.get(sweep_id)
            failure = self._failed.get(sweep_id)
        if running is not None and not running.future.done():
            return SweepStatus(sweep_id=sweep_id, status="running")
        if failure is not None:
            detail, result, spooled_to = failure
            return SweepStatus(
                sweep_id=sweep_id,
                status="failed",
                detail=detail,
                result=result,
                spooled_to=spooled_to,
            )
        with self._store.reading() as db:
            event = get_event_by_sweep_id(db, sweep_id=str(sweep_id))
        if event is not None:
            result = read_result(event.payload)
            return SweepStatus(
                sweep_id=sweep_id, status="finished", result=result, summary=event.summary
            )
        # Started by another process (the CLI timer) and still holding the lock.
        holder = current_holder(self._settings.lock_path)
        if holder is not None and holder.sweep_id == str(sweep_id):
            return SweepStatus(sweep_id=sweep_id, status="running")
        return None

    def running_ids(self) -> list[UUID]:
        with self._mutex:
            return [i for i, r in self._running.items() if not r.future.done()]

    def wait_all(self) -> None:
        """Block until every sweep started here has finished and been recorded."""
        while True:
            with self._mutex:
                threads = [r.thread for r in self._running.values()]
            if not threads:
                # The last sweeps' pings were queued as they ended: at shutdown they get their
                # bounded time too (STATEHUB_PING_TIMEOUT), as after a CLI sweep.
                settle(self._sweeper.observers)
                return
            logger.info("waiting for %d running sweep(s) to finish", len(threads))
            for thread in threads:
                thread.join()
            with self._mutex:
                for sweep_id in [i for i, r in self._running.items() if not r.thread.is_alive()]:
                    del self._running[sweep_id]

    def _run(self, sweep: ActiveSweep, future: cf.Future[SweepResult]) -> None:
        try:
            result = sweep.run()
        except BaseException as exc:  # reported to the poller; nothing above this thread
            if isinstance(exc, StateHubError):  # a known fault (the database is down): one line
                logger.error("sweep %s failed: %s", sweep.sweep_id, exc)
            else:
                logger.exception("sweep %s failed", sweep.sweep_id)
            with self._mutex:
                found = exc.result if isinstance(exc, SweepNotRecorded) else None
                spooled = (
                    str(exc.spooled_to)
                    if isinstance(exc, SweepNotRecorded) and exc.spooled_to
                    else None
                )
                self._failed[sweep.sweep_id] = (str(exc) or type(exc).__name__, found, spooled)
                while len(self._failed) > _KEEP_FAILURES:
                    self._failed.popitem(last=False)
                self._running.pop(sweep.sweep_id, None)
            future.set_exception(exc)
            return
        logger.info("sweep %s recorded: %s", sweep.sweep_id, result.summary())
        with self._mutex:
            self._running.pop(sweep.sweep_id, None)
        future.set_result(result)
