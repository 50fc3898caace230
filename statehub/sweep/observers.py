"""Who hears of a sweep besides its caller: alerts, pings, anything that reacts to one.

An observer is told when a sweep takes the lock and when any sweep ends (run, lock-skipped
or unable to start). It is a side channel: its failure is logged and never fails, delays
or changes the sweep — so an observer must itself return quickly and do slow work (network)
elsewhere, off the sweep's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from statehub.sweep.request import SweepRequest
from statehub.sweep.result import SweepResult

logger = logging.getLogger("statehub.sweep")


class SweepObserver(Protocol):
    def sweep_started(self, request: SweepRequest, started_at: datetime) -> None:
        """The sweep holds the lock and is about to check the fleet (lock skips never start)."""

    def sweep_finished(self, result: SweepResult, *, recorded: bool) -> None:
        """The sweep ended; ``recorded`` is False when it was spooled or not recorded at all."""


def tell_started(
    observers: Sequence[SweepObserver], request: SweepRequest, started_at: datetime
) -> None:
    for observer in observers:
        try:
            observer.sweep_started(request, started_at)
        except Exception:
            logger.exception("sweep observer %r failed on start; the sweep goes on", observer)


def tell_finished(
    observers: Sequence[SweepObserver], result: SweepResult, *, recorded: bool
) -> None:
    for observer in observers:
        try:
            observer.sweep_finished(result, recorded=recorded)
        except Exception:
            logger.exception("sweep observer %r failed on finish; the sweep is unchanged", observer)
