"""Recent sweeps and one sweep's document, as the dashboard shows them. Pure: no I/O.

Rows are read from the payload defensively: the event log is append-only and
outlives schema changes, and one odd row must not take the whole page down. When a sweep
started, who fired it, whether it was a lock skip and its exit code come from the one
payload reader (``statehub.cadence.marks``), so a row and the strip never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from statehub.cadence.marks import mark_of
from statehub.health import Health, health_of
from statehub.store.events import ProgressEvent
from statehub.sweep.result import SweepResult


@dataclass(frozen=True)
class SweepRow:
    event_id: int
    sweep_id: str | None
    triggered_by: str
    started_at: datetime
    duration_seconds: float | None
    mode: str | None
    processed: int
    clean: int
    missing: int
    budget: int
    errors: int
    lock_skipped: bool
    held_by: str | None
    exit_code: int | None
    health: Health = Health.OK
    health_reasons: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        if self.lock_skipped:
            return "lock skipped"
        if self.health is Health.FAILED:
            return "failed"
        if self.exit_code != 0:
            return "no exit code" if self.exit_code is None else f"exit {self.exit_code}"
        return "degraded" if self.health is Health.DEGRADED else "ok"

    @property
    def outcome_tone(self) -> str:
        if self.lock_skipped:
            return "skip"
        if self.health is Health.DEGRADED and self.exit_code == 0:
            return "warn"
        return "ok" if self.exit_code == 0 and self.health is Health.OK else "danger"


def _count(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    return len(value) if isinstance(value, list) else 0


def row_for(event: ProgressEvent) -> SweepRow:
    payload = event.payload
    mark = mark_of(event)
    duration = payload.get("duration_seconds")
    held = payload.get("held_by")
    held_by = held.get("triggered_by") if isinstance(held, dict) else None
    health, reasons, _ = health_of(payload)
    return SweepRow(
        event_id=event.id,
        sweep_id=event.sweep_id,
        triggered_by=event.triggered_by or mark.triggered_by or "untagged",
        started_at=mark.started_at,
        duration_seconds=float(duration) if isinstance(duration, int | float) else None,
        mode=payload.get("mode") if isinstance(payload.get("mode"), str) else None,
        processed=_count(payload, "repos_processed"),
        clean=_count(payload, "skipped_clean"),
        missing=_count(payload, "skipped_missing"),
        budget=_count(payload, "skipped_budget"),
        errors=_count(payload, "errors"),
        lock_skipped=mark.lock_skipped,
        held_by=str(held_by) if held_by else None,
        exit_code=mark.exit_code,
        health=health,
        health_reasons=tuple(reasons),
    )


@dataclass(frozen=True)
class SweepDocument:
    """A recorded sweep for its own page: the parsed document when it parses, and
    always the raw JSON, so nothing in the record is ever hidden."""

    event: ProgressEvent
    row: SweepRow
    result: SweepResult | None
    problem: str | None  # why the document did not parse
    raw_json: str


def document_for(event: ProgressEvent) -> SweepDocument:
    try:
        result: SweepResult | None = SweepResult.model_validate(event.payload)
        problem = None
    except ValidationError as exc:
        result, problem = None, f"{exc.error_count()} field(s) do not match the current schema"
    return SweepDocument(
        event=event,
        row=row_for(event),
        result=result,
        problem=problem,
        raw_json=json.dumps(event.payload, indent=2, ensure_ascii=False, sort_keys=False),
    )
