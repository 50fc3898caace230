"""The worker's Prometheus endpoint: the Temporal SDK's own metrics and the ActivityRuns'.

The SDK's Rust core serves ``/metrics`` itself (``PrometheusConfig``), so activity-core's
two families are made on the same runtime's meter instead of a second HTTP server: one
address, one scrape job. They mirror the ``activity_runs`` table, re-read every
``REFRESH_SECONDS``, so manual runs, other workers' runs and runs from before this worker
started count too; a restarted worker starts again from the table's totals, so the
counter never goes down unless runs are deleted.

* ``activitycore_runs_total{definition,status}``: finished runs (succeeded, failed,
  skipped) per definition *name* — a handful of definitions, never a run id;
* ``activitycore_run_last_success_timestamp_seconds{definition}``: when its newest
  succeeded run finished, Unix time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from sqlalchemy.exc import SQLAlchemyError
from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from activitycore.errors import ConfigError, StoreError
from activitycore.settings import Settings
from activitycore.store import Store
from activitycore.store.runs import SUCCEEDED, RunTotal, run_totals

logger = logging.getLogger("activitycore.metrics")

# A scrape every 15 to 60 s sees runs at most this old; one aggregate query each time.
REFRESH_SECONDS = 10.0


def metrics_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime serving Prometheus metrics at ACTIVITY_CORE_METRICS_ADDRESS,
    or None when it is unset (the SDK's default runtime, no endpoint)."""
    address = settings.metrics_address
    if address is None:
        return None
    try:
        return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    except ValueError as exc:  # the core's exporter could not bind (address in use, …)
        raise ConfigError(
            f"ACTIVITY_CORE_METRICS_ADDRESS={address}: the metrics endpoint cannot listen "
            f"there ({_reason(exc)}); choose a free port, or unset it"
        ) from None


def _reason(exc: ValueError) -> str:
    text = str(exc).removeprefix("Failed starting Prometheus exporter: ")
    return text.split(" (os error")[0].strip() or "refused"


def deltas(
    exported: dict[tuple[str, str], int], totals: Iterable[RunTotal]
) -> dict[tuple[str, str], int]:
    """How much each (definition, status) counter must grow to equal the table. Pure.

    A total below what was exported (runs deleted) adds nothing: a counter never goes down.
    """
    grow: dict[tuple[str, str], int] = {}
    for total in totals:
        key = (total.definition, total.status)
        if total.runs > exported.get(key, 0):
            grow[key] = total.runs - exported.get(key, 0)
    return grow


class RunMetrics:
    """The two families on a runtime's meter, brought up to the table by ``update``."""

    def __init__(self, meter: MetricMeter) -> None:
        self._runs = meter.create_counter(
            "activitycore_runs_total", "Finished ActivityRuns by definition name and status"
        )
        self._last_success = meter.create_gauge_float(
            "activitycore_run_last_success_timestamp_seconds",
            "When the definition's newest succeeded run finished, Unix time",
        )
        self._exported: dict[tuple[str, str], int] = {}

    def update(self, totals: list[RunTotal]) -> None:
        for (definition, status), grow in deltas(self._exported, totals).items():
            self._runs.add(grow, {"definition": definition, "status": status})
            self._exported[(definition, status)] = (
                self._exported.get((definition, status), 0) + grow
            )
        for total in totals:
            if total.status == SUCCEEDED and total.last_finished_at is not None:
                self._last_success.set(
                    total.last_finished_at.timestamp(), {"definition": total.definition}
                )


def read_totals(store: Store) -> list[RunTotal]:
    with store.reading() as db:
        return run_totals(db)


async def export_runs(
    store: Store, meter: MetricMeter, stop: asyncio.Event, every: float = REFRESH_SECONDS
) -> None:
    """Keep ``RunMetrics`` in step with the table until ``stop`` is set.

    A store that cannot be read keeps the last values (logged once per failure): the
    scrape still answers with the SDK's metrics, and the rules alert on the stale age.
    """
    metrics = RunMetrics(meter)
    while not stop.is_set():
        try:
            metrics.update(await asyncio.to_thread(read_totals, store))
        except (StoreError, SQLAlchemyError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            logger.warning("metrics: activity_runs cannot be read, values kept: %s", first)
        except Exception:
            # The worker runs the schedules; its metrics must never be what stops it.
            logger.exception("metrics: updating the run metrics failed, values kept")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
