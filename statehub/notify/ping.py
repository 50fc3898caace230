"""The dead man's switch: ping a healthchecks.io-compatible check when each sweep starts and ends.

An in-host watchdog cannot report that the host is off; a check outside can, when the pings
stop. The sweep's thread only queues a ping (``sweep_started`` must not delay the first git
process); one background thread per observer sends them in order, so a /start never arrives
after its run's end. The finish ping is queued after the sweep is recorded (the seam calls
``sweep_finished`` then). A ping is never retried: a late /start or success would tell the
service a sweep ran when it did not. A failed ping is logged and recorded, never raised.

The CLI calls ``settle`` before it exits: outstanding pings get at most ``timeout`` more, so
a hanging endpoint costs a sweep's process that long and never changes its exit status.
httpx is imported on the sending thread, so a process with no ping configured never loads it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hcping import redacted
from statehub.notify.ping_message import Ping, finish_ping, start_ping
from statehub.store import Store, deliveries
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import SweepResult

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("statehub.notify")


@dataclass(frozen=True)
class PingOutcome:
    ping: Ping
    channel: str  # redacted: scheme and host, never the check's key
    error: str | None  # None: the endpoint took the ping (2xx)
    sent_at: datetime


Recorder = Callable[[PingOutcome], None]


def log_outcome(outcome: PingOutcome) -> None:
    ping = outcome.ping
    if outcome.error is None:
        logger.info("ping %s for sweep %s sent to %s", ping.signal, ping.sweep_id, outcome.channel)
    else:
        logger.warning(
            "ping %s for sweep %s to %s failed: %s (the sweep is unaffected)",
            ping.signal,
            ping.sweep_id,
            outcome.channel,
            outcome.error,
        )


def stored_in(store: Store) -> Recorder:
    """A Recorder that keeps each attempt in the outbox's log (kind ``ping``), where
    ``statehub notifications`` and the dashboard show it. Written once the attempt is over,
    as delivered or gave_up: a ping is never retried, so the deliverer must never see it due.
    """

    def record(outcome: PingOutcome) -> None:
        ping, now = outcome.ping, outcome.sent_at
        with store.session() as db:
            row = deliveries.enqueue(
                db,
                kind="ping",
                channel=outcome.channel,
                title=f"ping {ping.signal}",
                body=ping.body,
                sweep_id=ping.sweep_id,
                now=now,
            )
            deliveries.claim(db, row, now=now, lease=timedelta(0))  # counts the one attempt
            if outcome.error is None:
                deliveries.mark_delivered(db, row.id, now=now)
            else:
                deliveries.mark_failed(db, row.id, error=outcome.error, now=now, give_up=True)

    return record


class PingObserver:
    """A SweepObserver that pings ``check_url``; ``record`` keeps each attempt's outcome."""

    def __init__(
        self, check_url: str, *, timeout: float, host: str, record: Recorder | None = None
    ) -> None:
        self.check_url = check_url
        self.timeout = timeout
        self.host = host
        self._record = record
        self._channel = redacted(check_url)
        self._queue: deque[Ping] = deque()
        self._busy = 0  # queued or being sent
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"PingObserver({self._channel})"

    # -- the SweepObserver seam: the sweep's thread only queues ----------------

    def sweep_started(self, request: SweepRequest, started_at: datetime) -> None:
        self._enqueue(start_ping(self.check_url, request, started_at, self.host))

    def sweep_finished(self, result: SweepResult, *, recorded: bool) -> None:
        ping = finish_ping(self.check_url, result)
        if ping is not None:
            self._enqueue(ping)

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until every queued ping is sent, at most ``timeout`` (default: the pings'
        own); True if none is left."""
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        with self._changed:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    logger.warning(
                        "%d ping(s) to %s not sent within %gs; exiting without them",
                        self._busy,
                        self._channel,
                        wait,
                    )
                    return False
                self._changed.wait(left)
        return True

    # -- the sending thread ----------------------------------------------------

    def _enqueue(self, ping: Ping) -> None:
        with self._changed:
            self._queue.append(ping)
            self._busy += 1
            if self._thread is None:
                # A daemon: a ping still hanging when the process exits is abandoned, not waited.
                self._thread = threading.Thread(target=self._send_all, name="ping", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def _send_all(self) -> None:
        # Here, not at import: a sweep with no ping configured never loads httpx.
        import httpx

        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while True:
                with self._changed:
                    while not self._queue:
                        self._changed.wait()
                    ping = self._queue.popleft()
                try:
                    self._deliver(client, ping)
                finally:
                    with self._changed:
                        self._busy -= 1
                        self._changed.notify_all()

    def _deliver(self, client: httpx.Client, ping: Ping) -> None:
        from hcping.send import send

        error = send(client, ping.url, ping.body)
        if error is not None and error.startswith("timed out"):
            error += " (STATEHUB_PING_TIMEOUT)"
        outcome = PingOutcome(ping, self._channel, error, datetime.now().astimezone())
        log_outcome(outcome)
        if self._record is not None:
            try:
                self._record(outcome)
            except Exception:
                logger.exception("the outcome of ping %s could not be recorded", ping.signal)
