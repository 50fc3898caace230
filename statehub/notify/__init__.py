"""Telling the operator without being asked: alerts (Apprise), pings to a dead man's switch,
and the Prometheus metrics collector.

Everything here sits beside the sweep, never on its path: the sweep tells its observers
(``statehub.sweep.observers``) and goes on. This package imports ``sweep`` and ``store``;
neither imports it. Libraries for the network (Apprise, prometheus_client) are imported only
where a channel or a scrape uses them, never by a sweep with nothing configured: metrics
(``metrics``, fed by ``scrape``) are loaded by the API's ``GET /metrics`` route alone.

Alerts: ``alerts`` decides what is announced (pure), ``observer`` enqueues it when a sweep
is recorded, ``watchdog`` when the sweep becomes overdue, ``delivery`` sends the outbox
(statehub.store.deliveries) to the ``channels``; ``service`` wires them for the server and
the CLI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from statehub.sweep.observers import SweepObserver

if TYPE_CHECKING:
    # Named in signatures only: whoever calls these has built both already.
    from statehub.settings import Settings
    from statehub.store import Store

logger = logging.getLogger("statehub.notify")


def sweep_observers(settings: Settings, store: Callable[[], Store]) -> list[SweepObserver]:
    """The observers the CLI and the server give their Sweeper, from what is configured.

    Each observer's module is imported, and ``store`` (the ORM store they write to) called,
    only when it is configured: the timer's sweep with nothing configured pays for none of
    them (tests/cli/test_startup_imports.py)."""
    observers: list[SweepObserver] = []
    if settings.ping_url is not None:
        from statehub.notify.ping import PingObserver, stored_in

        observers.append(
            PingObserver(
                settings.ping_url,
                timeout=settings.ping_timeout,
                host=settings.hostname,
                record=stored_in(store()),
            )
        )
    if settings.notify or settings.resolved_config_file is not None:
        from statehub.notify.channels import configured_channels
        from statehub.notify.observer import AlertObserver

        channels = configured_channels(settings)
        if channels:
            observers.append(AlertObserver(settings, store(), [c.redacted for c in channels]))
    return observers


def deliver_pending(settings: Settings, store: Store) -> None:
    """The CLI's bounded delivery pass after a sweep (``service.deliver_after_sweep``)."""
    from statehub.notify.service import deliver_after_sweep

    deliver_after_sweep(settings, store)


def settle(observers: Sequence[SweepObserver]) -> None:
    """Before a short-lived process (the CLI) exits: let each observer finish the work it
    does off the sweep's thread, within its own bound (an observer with a ``settle()``)."""
    for observer in observers:
        finish = getattr(observer, "settle", None)
        if callable(finish):
            try:
                finish()
            except Exception:
                logger.exception(
                    "sweep observer %r failed to settle; exiting all the same", observer
                )
