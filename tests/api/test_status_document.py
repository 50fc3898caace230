"""GET /consistency/status reads summary rows: each sweep in it is what that sweep's payload
says, for every shape of document the append-only log may hold. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from statehub.cadence.marks import UNTAGGED, mark_of
from statehub.documents import SweepSummary
from statehub.health import Health, health_of
from statehub.store import Store
from statehub.store.events import ProgressEvent, append_event, list_events
from statehub.sweep.result import EVENT_TYPE
from testing.history import record_sweep

M = timedelta(minutes=1)


def _odd(db: Any, at: datetime, summary: str, payload: dict[str, Any], **columns: Any) -> None:
    append_event(
        db, event_type=EVENT_TYPE, summary=summary, payload=payload, created_at=at, **columns
    )


def _history(store: Store) -> None:
    """Oldest first; the newest of each kind is what the status must pick."""
    t0 = datetime.now(UTC) - 60 * M
    with store.session() as db:
        # Untagged: the event's column is empty, its document names a caller.
        record_sweep(db, triggered_by="local-timer", started_at=t0, untagged=True)
        _odd(db, t0 + 5 * M, "unreadable", {"started_at": "yesterday"}, triggered_by="tests")
        # Recorded before sweeps carried their health: derived degraded from a failed fetch.
        _odd(
            db,
            t0 + 10 * M,
            "old degraded",
            {
                "started_at": (t0 + 9 * M).isoformat(),
                "finished_at": (t0 + 10 * M).isoformat(),
                "exit_code": 0,
                "caller_run_id": "run-1",
                "repos_total": 1,
                "repos_processed": [{"name": "a", "findings": ["fetch_failed"]}],
            },
            triggered_by="old-scheduler",
            sweep_id="0b7e0c1e-4444-4444-8444-444444444444",
        )
        _odd(
            db,
            t0 + 20 * M,
            "fix with findings left",
            {"started_at": (t0 + 19 * M).isoformat(), "mode": "fix", "exit_code": 1},
            triggered_by="manual",
        )
        record_sweep(db, triggered_by="activity-core", started_at=t0 + 30 * M)
        record_sweep(db, triggered_by="local-timer", started_at=t0 + 45 * M, exit_code=3)
        _odd(
            db,
            t0 + 50 * M,
            "failed: the fleet config cannot be read",
            {
                "started_at": (t0 + 50 * M).isoformat(),
                "exit_code": 3,
                "health": "failed",
                "health_reasons": ["the fleet config cannot be read"],
            },
            triggered_by="local-timer",
        )
        record_sweep(db, triggered_by="local-timer", started_at=t0 + 55 * M, lock_skipped=True)
        append_event(db, event_type="deploy", summary="not a sweep", payload={})


def _as_read_from_payload(event: ProgressEvent, now: datetime) -> dict[str, Any]:
    """The sweep as the status showed it when it read payloads (mark_of, health_of)."""
    mark = mark_of(event)
    health, reasons, derived = health_of(event.payload)
    return SweepSummary(
        event_id=event.id,
        sweep_id=event.sweep_id,
        triggered_by=event.triggered_by,
        caller_run_id=mark.caller_run_id,
        finished_at=event.created_at,
        age_seconds=round((now - event.created_at).total_seconds(), 3),
        lock_skipped=mark.lock_skipped,
        exit_code=mark.exit_code,
        health=health,
        health_reasons=reasons,
        health_derived=derived,
        summary=event.summary,
    ).model_dump(mode="json")


def test_each_sweep_in_the_status_is_what_its_payload_says(
    client: httpx.Client, store: Store
) -> None:
    _history(store)
    status = client.get("/consistency/status").json()
    now = datetime.fromisoformat(status["checked_at"])
    with store.reading() as db:
        events = list_events(db, event_type=EVENT_TYPE, limit=100)
    shown = [_as_read_from_payload(e, now) for e in events]
    attempts = [s for s, e in zip(shown, events, strict=True) if not mark_of(e).lock_skipped]
    ran = [s for s in attempts if s["health"] != Health.FAILED.value]
    newest_per_trigger: dict[str, dict[str, Any]] = {}
    for event, summary in zip(events, shown, strict=True):
        newest_per_trigger.setdefault(event.triggered_by or UNTAGGED, summary)

    assert status["last_sweep"] == shown[0]
    assert status["last_attempt"] == attempts[0]
    assert status["last_completed"] == ran[0]
    assert status["last_by_trigger"] == newest_per_trigger
    assert status["health"] == "failed"
    assert status["health_reasons"] == ["the fleet config cannot be read"]
    assert status["overdue"] is False
    # The history has what it is meant to: each of these differs from the next.
    assert [s["summary"] for s in (shown[0], attempts[0], ran[0])] == [
        "lock skipped: held by other",
        attempts[0]["summary"],
        ran[0]["summary"],
    ]
    assert len({shown[0]["event_id"], attempts[0]["event_id"], ran[0]["event_id"]}) == 3
    assert sorted(newest_per_trigger) == [
        UNTAGGED,
        "activity-core",
        "local-timer",
        "manual",
        "old-scheduler",
        "tests",
    ]
    odd = {s["summary"]: s for s in newest_per_trigger.values()}
    assert odd["old degraded"]["health_derived"] is True
    assert odd["old degraded"]["caller_run_id"] == "run-1"
    assert odd["fix with findings left"]["exit_code"] == 1
    assert odd["unreadable"]["exit_code"] is None
    assert newest_per_trigger[UNTAGGED]["triggered_by"] is None
