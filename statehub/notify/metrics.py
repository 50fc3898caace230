"""State Hub's Prometheus metrics: a custom collector that reads a ``Snapshot`` per scrape.

A collector, not counters bumped by the server: the store is the record, so sweeps run by
the CLI, the local timer or another server count the same, and a restarted server exports
the same totals. Every family is emitted on every scrape (zeros included) so an alert rule
never meets a series that appears out of nothing. Labels are bounded: the trigger (a few
callers), the outcome (four) and the finding code (the fixed list); never a repo's name.

When the store cannot be read, the scrape still answers: ``statehub_up 0`` with the lock
and the configured cadence, so "the database is down" is an alert, not a failed scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from statehub.errors import StoreError
from statehub.fleet.state import Finding
from statehub.notify.snapshot import OUTCOMES, Snapshot

logger = logging.getLogger("statehub.metrics")


@dataclass(frozen=True)
class Cadence:
    """The schedule the sweep is judged by, exported so alert rules need not repeat it."""

    every_seconds: float
    grace_seconds: float


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def snapshot_families(snapshot: Snapshot) -> Iterator[Metric]:
    """The families read from the store."""
    last = snapshot.last_run
    yield _gauge(
        "statehub_sweep_last_run_timestamp_seconds",
        "When the newest sweep that ran (not a lock skip) finished, Unix time; 0 if none has",
        last.finished_at.timestamp() if last else 0,
    )
    yield _gauge(
        "statehub_sweep_last_success_timestamp_seconds",
        "When the newest sweep that ran with health ok finished, Unix time; 0 if none has",
        snapshot.last_success_at.timestamp() if snapshot.last_success_at else 0,
    )
    if last is not None and last.duration_seconds is not None:
        yield _gauge(
            "statehub_sweep_last_duration_seconds",
            "How long the newest sweep that ran took",
            last.duration_seconds,
        )
    if last is not None:
        yield _gauge(
            "statehub_fetch_failures",
            "Repos whose fetch failed or timed out in the newest sweep that ran",
            last.fetch_failures,
        )
    sweeps = CounterMetricFamily(
        "statehub_sweeps",
        "Sweeps recorded, by who triggered them and their outcome",
        labels=["trigger", "outcome"],
    )
    for trigger in sorted({trigger for trigger, _ in snapshot.sweeps}):
        for outcome in OUTCOMES:
            sweeps.add_metric([trigger, outcome], snapshot.sweeps.get((trigger, outcome), 0))
    yield sweeps
    repos = GaugeMetricFamily(
        "statehub_repos",
        "Registered repos with each finding, as their last check saw them",
        labels=["finding"],
    )
    for finding in Finding:
        repos.add_metric([finding.value], snapshot.repos_by_finding.get(finding.value, 0))
    yield repos
    yield _gauge("statehub_repos_registered", "Repos registered", snapshot.repos_registered)
    yield _gauge(
        "statehub_repos_needing_action",
        "Registered repos with at least one finding, as their last check saw them",
        snapshot.repos_needing_action,
    )


class StoreCollector:
    """Collects at scrape time; the readers are given, so this module does no I/O itself."""

    def __init__(
        self,
        read_snapshot: Callable[[], Snapshot],
        lock_held: Callable[[], bool],
        cadence: Cadence,
    ) -> None:
        self._read_snapshot = read_snapshot
        self._lock_held = lock_held
        self._cadence = cadence

    def collect(self) -> Iterator[Metric]:
        try:
            snapshot: Snapshot | None = self._read_snapshot()
        except StoreError as exc:
            # One line per failed scrape: the operator's log, not a traceback per 15 s.
            logger.warning("metrics: the store cannot be read (statehub_up 0): %s", exc)
            snapshot = None
        yield _gauge(
            "statehub_up",
            "1 when the store answered this scrape, 0 when it could not be read",
            1 if snapshot is not None else 0,
        )
        if snapshot is not None:
            yield from snapshot_families(snapshot)
        yield _gauge(
            "statehub_lock_held", "1 while a sweep holds the sweep lock", int(self._lock_held())
        )
        yield _gauge(
            "statehub_sweep_cadence_seconds",
            "How often the sweep is meant to run (STATEHUB_CADENCE_MINUTES)",
            self._cadence.every_seconds,
        )
        yield _gauge(
            "statehub_sweep_grace_seconds",
            "How late a sweep may be before it is overdue (STATEHUB_CADENCE_GRACE_MINUTES)",
            self._cadence.grace_seconds,
        )


def registry(collector: Collector) -> CollectorRegistry:
    """A registry of its own (not the process-global one), holding ``collector`` alone."""
    # auto_describe=False: describing would run collect(), i.e. read the store, at register.
    own = CollectorRegistry(auto_describe=False)
    own.register(collector)
    return own
