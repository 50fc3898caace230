"""Sending what the outbox holds, off the sweep's path: each attempt bounded, each recorded.

``deliver_due`` is one pass: every due row of a configured channel, one attempt each, until
the pass's own budget would be overrun; what is left stays due for the next pass. The
server runs passes on a worker thread (``DeliveryWorker``); the CLI runs one bounded pass
after a sweep is recorded and printed, so a hanging channel costs the command at most its
budget and never its exit status.

An attempt runs Apprise on a daemon thread joined with the attempt's timeout: Apprise's own
socket timeouts bound the HTTP exchange, the join bounds everything else (a resolver that
hangs, a plugin that sleeps between retries). A thread left behind by a hang is abandoned,
not waited for; its row is already marked failed and is retried after its back-off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from statehub.notify.channels import Channel, plugin_for
from statehub.store import Store
from statehub.store.deliveries import GAVE_UP, Delivery, claim, due, mark_delivered, mark_failed

logger = logging.getLogger("statehub.notify")

# Beyond the attempt's timeout, before a claimed row is due again should this process die.
_LEASE_MARGIN = timedelta(seconds=30)


def _now() -> datetime:
    return datetime.now(UTC)


def send(channel: Channel, title: str, body: str, *, timeout: float) -> str | None:
    """One attempt; None when the channel took it, else the error in one line."""
    outcome: list[str | None] = []

    def attempt() -> None:
        outcome.append(_attempt(channel, title, body, timeout=timeout))

    thread = threading.Thread(target=attempt, name="notify-attempt", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if thread.is_alive() or not outcome:
        return f"no answer within {timeout:g}s"
    return outcome[0]


def _attempt(channel: Channel, title: str, body: str, *, timeout: float) -> str | None:
    import apprise  # only a process that delivers loads it

    plugin = plugin_for(channel.url)
    if plugin is None:
        return "Apprise cannot use this URL any more"
    plugin.socket_connect_timeout = plugin.socket_read_timeout = timeout
    try:
        capture = apprise.LogCapture(level=logging.WARNING, fmt="%(message)s")  # type: ignore[no-untyped-call]
        with capture as captured:
            ok = plugin.notify(body=body, title=title)
            said = [line for line in str(captured.getvalue()).splitlines() if line.strip()]
    except Exception as exc:  # a plugin's own bug must not end the pass
        return f"{type(exc).__name__}: {exc}"
    if ok:
        return None
    return " ".join(said[-2:]) or "the channel refused it (Apprise gave no reason)"


@dataclass(frozen=True)
class PassReport:
    delivered: int = 0
    failed: int = 0
    left: int = 0  # due but not attempted: the pass's budget ran out


def deliver_due(
    store: Store,
    channels: Sequence[Channel],
    *,
    timeout: float,
    budget: float | None = None,
    clock: Callable[[], datetime] = _now,
) -> PassReport:
    """One pass over the due rows of ``channels``; within ``budget`` seconds if given."""
    by_name = {c.redacted: c for c in channels}
    if not by_name:
        return PassReport()
    started = time.monotonic()
    delivered = failed = 0
    with store.reading() as db:
        waiting = due(db, now=clock(), channels=list(by_name))
    for index, delivery in enumerate(waiting):
        # An attempt may take its whole timeout: start one only if it fits in the budget.
        if budget is not None and time.monotonic() - started + timeout + 1.0 > budget:
            return PassReport(delivered, failed, left=len(waiting) - index)
        outcome = _deliver_one(store, by_name[delivery.channel], delivery, timeout, clock)
        if outcome is True:
            delivered += 1
        elif outcome is False:
            failed += 1
    return PassReport(delivered, failed)


def _deliver_one(
    store: Store,
    channel: Channel,
    delivery: Delivery,
    timeout: float,
    clock: Callable[[], datetime],
) -> bool | None:
    """True delivered, False failed, None when another process had claimed it."""
    lease = timedelta(seconds=timeout) + _LEASE_MARGIN
    with store.session() as db:
        if not claim(db, delivery, now=clock(), lease=lease):
            return None
    error = send(channel, delivery.title, delivery.body, timeout=timeout)
    with store.session() as db:
        if error is None:
            mark_delivered(db, delivery.id, now=clock())
            return True
        marked = mark_failed(db, delivery.id, error=error, now=clock())
    then = "gave up" if marked.status == GAVE_UP else "tried again later"
    logger.warning(
        "notification %d to %s not delivered (attempt %d, %s): %s",
        delivery.id,
        channel.redacted,
        marked.attempts,
        then,
        error,
    )
    return False


class DeliveryWorker:
    """The server's thread that delivers: a pass now and then, sooner when woken."""

    def __init__(
        self,
        store: Store,
        channels: Sequence[Channel],
        *,
        timeout: float,
        poll_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.channels = list(channels)
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="notify-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Something was enqueued: deliver it now rather than at the next poll."""
        self._wake.set()

    def stop(self, wait: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(wait)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                deliver_due(self.store, self.channels, timeout=self.timeout)
            except Exception:
                # The database away, say: the rows wait; the next pass tries again.
                logger.exception("notification delivery pass failed; retrying later")
            self._wake.wait(self.poll_seconds)
