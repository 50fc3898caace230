"""The server's watchdog: is the sweep overdue? Announced once when it becomes so, once
when it is back on schedule.

It asks what ``GET /consistency/status`` answers (no real sweep within cadence + grace),
every ``interval`` seconds (a minute; tests inject less). A sweep that never ran is not
overdue before the server has been up for one cadence + grace: a fresh install is not late.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from statehub.cadence import status as cadence
from statehub.notify import alerts
from statehub.notify.observer import Steps, enqueue_all
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.summaries import last_completed

logger = logging.getLogger("statehub.notify")


def _now() -> datetime:
    return datetime.now(UTC)


class Watchdog:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        channels: Sequence[str],
        *,
        interval: float = 60.0,
        clock: Callable[[], datetime] = _now,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.channels = list(channels)
        self.interval = interval
        self.clock = clock
        self.on_enqueued = on_enqueued
        self.started_at = clock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="notify-watchdog", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(wait)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self.check() and self.on_enqueued is not None:
                    self.on_enqueued()
            except Exception:
                logger.exception("the overdue watchdog's check failed; checking again later")

    def verdict(self, now: datetime) -> tuple[bool, str | None]:
        minutes = (self.settings.cadence_minutes, self.settings.cadence_grace_minutes)
        with self.store.reading() as db:
            completed = last_completed(db)
        if completed is None and now - self.started_at <= timedelta(minutes=sum(minutes)):
            return False, None
        return cadence.overdue(completed, now, cadence_minutes=minutes[0], grace_minutes=minutes[1])

    def check(self) -> int:
        """One look: how many messages it enqueued (0 or 1)."""
        now = self.clock()
        is_overdue, reason = self.verdict(now)
        with self.store.session() as db:
            steps = Steps(db, [alerts.OVERDUE_KEY], after=1)  # cadence + grace is the damping
            news = steps.step(alerts.OVERDUE_KEY, is_overdue, quiet=False)
            steps.save(now)
            if news is None:
                return 0
            message = alerts.overdue_message(is_overdue, reason, host=self.settings.hostname)
            enqueue_all(db, [message], self.channels, sweep_id=None, now=now)
        return 1
