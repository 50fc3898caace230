"""A definition's dead man's switch: ping its ``ping_url`` when a run starts and when it ends.

``/start?rid=<run_id>`` is sent from a thread of its own once the run's row says running, so
the action is never delayed by the endpoint; the finish (success, or ``/fail`` for a failed
run) is sent by the bookkeeping activity once the run's outcome is recorded, after the start
has been answered or given up (so a service never hears the end before the start). Each is
bounded by ACTIVITY_CORE_PING_TIMEOUT_SECONDS, is never retried (a late ping would tell the
service a run happened when it did not) and never fails the run: what became of it is
logged and kept in the run's row (``start_ping``, ``finish_ping``).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import httpx

from activitycore.store import Store, runs
from hcping import Signal, ping_url, redacted
from hcping.send import send

logger = logging.getLogger("activitycore.ping")


class RunPinger:
    def __init__(self, store: Store, *, timeout: float) -> None:
        self._store = store
        self._timeout = timeout
        self._mutex = threading.Lock()
        self._starting: dict[str, threading.Thread] = {}

    def started(self, check_url: str, *, run_id: str, body: str) -> None:
        """Send /start on a thread of its own; return at once."""
        thread = threading.Thread(
            target=self._ping,
            args=(check_url, "start", run_id, body),
            name=f"ping-start-{run_id}",
            daemon=True,
        )
        with self._mutex:
            self._starting[run_id] = thread
        thread.start()

    def finished(self, check_url: str, *, run_id: str, succeeded: bool, body: str) -> None:
        """Send success or /fail now, after the run's /start (waited for at most the timeout)."""
        with self._mutex:
            start = self._starting.pop(run_id, None)
        if start is not None:
            start.join(self._timeout)
        self._ping(check_url, "success" if succeeded else "fail", run_id, body)

    def _ping(self, check_url: str, signal: Signal, run_id: str, body: str) -> None:
        try:
            with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
                error = send(client, ping_url(check_url, signal, run_id), body)
        except Exception as exc:  # a ping must never fail a run, whatever went wrong
            error = f"{type(exc).__name__}: {exc}"
        if error is not None and error.startswith("timed out"):
            error += " (ACTIVITY_CORE_PING_TIMEOUT_SECONDS)"
        channel = redacted(check_url)
        if error is None:
            logger.info("run %s: ping %s sent to %s", run_id, signal, channel)
        else:
            logger.warning(
                "run %s: ping %s to %s failed: %s (the run is unaffected)",
                run_id,
                signal,
                channel,
                error,
            )
        outcome: dict[str, Any] = {
            "signal": signal,
            "channel": channel,
            "sent_at": datetime.now(UTC).isoformat(),
            "error": error,
        }
        try:
            with self._store.session() as db:
                runs.record_ping(
                    db,
                    run_id=run_id,
                    which="start" if signal == "start" else "finish",
                    outcome=outcome,
                )
        except Exception:
            logger.exception("run %s: the outcome of ping %s could not be recorded", run_id, signal)


def start_body(name: str, run_id: str, trigger: str, triggered_by: str | None) -> str:
    who = f"{trigger} ({triggered_by})" if triggered_by else trigger
    return f"run {run_id} of {name!r} started (trigger {who})"


def finish_body(
    name: str, run_id: str, status: str, error: str | None, snapshot: dict[str, Any] | None
) -> str:
    lines = [f"run {run_id} of {name!r}: {status}"]
    if error:
        lines.append(f"error: {error}")
    for key, document in (snapshot or {}).items():
        # A State Hub sweep's result says how much of the fleet it saw.
        if isinstance(document, dict) and "health" in document:
            lines.append(f"{key}: health {document['health']}")
            lines += [f"- {reason}" for reason in document.get("health_reasons", [])[:20]]
    return "\n".join(lines)
