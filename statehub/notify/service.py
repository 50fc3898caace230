"""Notifications, wired: the server's delivery worker and watchdog, the CLI's pass."""

from __future__ import annotations

import logging
import sys

from statehub.notify.channels import Channel, configured_channels
from statehub.notify.delivery import DeliveryWorker, PassReport, deliver_due
from statehub.notify.watchdog import Watchdog
from statehub.settings import Settings
from statehub.store import Store

logger = logging.getLogger("statehub.notify")

# The CLI's whole pass after a sweep: a hanging channel costs a scheduled run this, at most.
CLI_PASS_SECONDS = 10.0


class Notifier:
    """What ``statehub serve`` runs beside the API when channels are configured."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        channels: list[Channel],
        *,
        watchdog_interval: float = 60.0,
        poll_seconds: float = 5.0,
    ) -> None:
        self.channels = channels
        self.worker = DeliveryWorker(
            store, channels, timeout=settings.notify_timeout, poll_seconds=poll_seconds
        )
        self.watchdog = Watchdog(
            settings,
            store,
            [c.redacted for c in channels],
            interval=watchdog_interval,
            on_enqueued=self.worker.wake,
        )

    def start(self) -> None:
        self.worker.start()
        self.watchdog.start()
        logger.info("notifications to %s", ", ".join(c.redacted for c in self.channels))

    def stop(self) -> None:
        self.watchdog.stop()
        self.worker.stop()


def deliver_after_sweep(
    settings: Settings, store: Store, *, budget: float = CLI_PASS_SECONDS
) -> PassReport:
    """The CLI's bounded pass, once the sweep is recorded and printed. Never raises: what
    it could not send stays in the outbox for the next sweep or the server."""
    try:
        channels = configured_channels(settings)
        if not channels:
            return PassReport()
        sys.stdout.flush()  # the sweep's output is out before any channel is waited on
        return deliver_due(store, channels, timeout=settings.notify_timeout, budget=budget)
    except Exception as exc:
        logger.warning("notifications not delivered now (%s); they stay pending", exc)
        return PassReport()
