"""What a dead man's switch hears of a sweep: which URL is pinged, with what body.

The protocol is ``hcping``'s (start, success, fail, each with ``?rid=`` the sweep's id). A
lock skip is no run of ours (another sweep is running and pings for itself), so it sends
nothing. Pure: no I/O, so the rules are tested without a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from hcping import Signal, ping_url
from statehub.health import Health
from statehub.sweep.request import SweepRequest
from statehub.sweep.result import SweepResult

_REASONS_SHOWN: Final = 20


@dataclass(frozen=True)
class Ping:
    signal: Signal
    url: str  # with /start or /fail and ?rid=: secret (its path is the check's key)
    sweep_id: str
    body: str


def start_ping(check_url: str, request: SweepRequest, started_at: datetime, host: str) -> Ping:
    sweep_id = str(request.sweep_id)
    body = (
        f"sweep {sweep_id} started on {host} at {started_at:%Y-%m-%d %H:%M:%S} UTC "
        f"(triggered by {request.triggered_by}, mode {request.mode}, "
        f"{'fetching' if request.fetch else 'no fetch'}, budget {request.max_seconds:g}s)"
    )
    return Ping("start", ping_url(check_url, "start", sweep_id), sweep_id, body)


def finish_ping(check_url: str, result: SweepResult) -> Ping | None:
    """Success on health ok, fail on degraded or failed; None for a lock skip."""
    if result.lock_skipped:
        return None
    signal: Signal = "success" if result.health == Health.OK else "fail"
    sweep_id = str(result.sweep_id)
    return Ping(signal, ping_url(check_url, signal, sweep_id), sweep_id, summary(result))


def summary(result: SweepResult) -> str:
    """Health, its reasons and the counts, as a few lines the service shows with the ping."""
    lines = [
        f"health: {result.health}",
        f"sweep {result.sweep_id} on {result.host} (triggered by {result.triggered_by}), "
        f"{result.duration_seconds:.1f}s",
        f"repos: {result.repos_total} total, {len(result.repos_processed)} need action, "
        f"{len(result.skipped_clean)} clean, {len(result.skipped_missing)} missing, "
        f"{len(result.skipped_budget)} over budget, {len(result.errors)} errors",
    ]
    reasons = result.health_reasons
    lines += [f"- {reason}" for reason in reasons[:_REASONS_SHOWN]]
    if len(reasons) > _REASONS_SHOWN:
        lines.append(f"- … and {len(reasons) - _REASONS_SHOWN} more (statehub progress)")
    return "\n".join(lines)
