"""Telling the operator without being asked: alerts (Apprise), pings to a dead man's switch,
and the Prometheus metrics collector.

Everything here sits beside the sweep, never on its path: the sweep tells its observers
(``statehub.sweep.observers``) and goes on. This package imports ``sweep`` and ``store``;
neither imports it. Libraries for the network (Apprise, prometheus_client) are imported only
where a channel or a scrape uses them, never by a sweep with nothing configured: metrics
(``metrics``, fed by ``scrape``) are loaded by the API's ``GET /metrics`` route alone.
"""

from __future__ import annotations

from statehub.settings import Settings
from statehub.store import Store
from statehub.sweep.observers import SweepObserver


def sweep_observers(settings: Settings, store: Store) -> list[SweepObserver]:
    """The observers the CLI and the server give their Sweeper, from what is configured."""
    observers: list[SweepObserver] = []
    return observers
