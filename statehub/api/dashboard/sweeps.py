"""Recent sweeps and one sweep's document, as the dashboard shows them. Pure: no I/O.

Rows are read from each sweep's summary row (``statehub.digest``), which reads its payload
defensively: the event log is append-only and outlives schema changes, and one odd row must
not take the whole page down. When a sweep started, who fired it, whether it was a lock skip
and its exit code come through its mark (``statehub.cadence.marks``), so a row and the strip
never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from statehub.cadence.marks import mark_from_digest
from statehub.digest import SweepDigest, digest
from statehub.health import Health
from statehub.store.events import ProgressEvent
from statehub.sweep.result import SweepResult
from statehub.sweep.result_schema import read_result


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
    fetch_failed: int  # repos a remote of which could not be fetched, timeouts included
    fetch_timed_out: int  # of those, the ones whose fetch timed out
    unreadable: int  # repos that could not be inspected (the document's ``errors``)
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


def row_of(summary: SweepDigest) -> SweepRow:
    """The row of a sweep's summary (``sweep_summaries``): the page never parses payloads."""
    mark = mark_from_digest(summary)
    return SweepRow(
        event_id=summary.event_id,
        sweep_id=summary.sweep_id,
        triggered_by=summary.triggered_by or mark.triggered_by or "untagged",
        started_at=mark.started_at,
        duration_seconds=summary.duration_seconds,
        mode=summary.mode,
        processed=summary.processed,
        clean=summary.clean,
        missing=summary.missing,
        budget=summary.budget,
        # Counted as the recorded line counts them (SweepResult.summary, "N fetch failed, M
        # unreadable"): a fetch that timed out failed too, and a repo whose fetch failed was
        # still read, so it is not unreadable. A repo gets one fetch finding, never both.
        fetch_failed=summary.fetch_failed + summary.fetch_timeout,
        fetch_timed_out=summary.fetch_timeout,
        unreadable=summary.errors,
        lock_skipped=mark.lock_skipped,
        held_by=summary.held_by,
        exit_code=mark.exit_code,
        health=Health(summary.health),
        health_reasons=tuple(summary.health_reasons),
    )


def row_for(event: ProgressEvent) -> SweepRow:
    """The same row read from the event itself (one sweep's page has its payload anyway)."""
    return row_of(digest(event))


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
        result: SweepResult | None = read_result(event.payload)
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
