"""The server's daily prune: retention applied in the background, shortly after start and
then every ``prune_interval_seconds`` (a day).

A thread of its own, never a request's or a sweep's: its deletes go in short batches
(``statehub.store.retention``), so neither waits on it for long. A failed prune is logged
and tried again at the next interval; it never takes the server down. Each prune is logged;
one that deleted something is also recorded as a ``store_pruned`` progress event.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from statehub.cadence.history import MAX_WINDOW
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.retention import PruneReport, prune, record_prune

logger = logging.getLogger("statehub.prune")


class DailyPrune:
    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="statehub-prune", daemon=True)
        self.runs = 0  # prunes done: what a test waits on
        self.last: PruneReport | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        delay = self._settings.prune_delay_seconds
        while not self._stop.wait(delay):
            self.once()
            delay = self._settings.prune_interval_seconds

    def once(self) -> PruneReport | None:
        try:
            report = prune(
                self._store,
                now=datetime.now(UTC),
                older_than=self._settings.retention,
                keep_window=MAX_WINDOW,
            )
            # Recorded when it deleted something: a quiet day's prune is a log line, not
            # an event a day in everyone's progress listing.
            if report.progress_events or report.repo_changes:
                with self._store.session() as db:
                    record_prune(db, report, triggered_by="server")
        except Exception:
            # Whatever went wrong (the database away, most likely), the next day tries again.
            logger.exception(
                "the daily prune failed; it runs again in %gs",
                self._settings.prune_interval_seconds,
            )
            return None
        self.runs += 1
        self.last = report
        logger.info("daily prune: %s", report.sentence())
        return report
