"""A recorded sweep reduced to the facts its summary row keeps. Pure: no I/O.

A sweep's payload is its whole result document — a megabyte for a thousand repos — and the
dashboard, its strip, the status banner and ``/metrics`` want a dozen numbers of it. So each
sweep event gets a row in ``sweep_summaries``, written from this digest in the event's own
transaction (and backfilled from it by migration 0004), and those readers read the row.

This is also the one reader of when a sweep started, who fired it, whether it was a lock
skip and whether it failed: cadence's marks (``statehub.cadence.marks``) are built from
``facts_of``, so a mark read from a payload and one read from a summary row never disagree.
It imports nothing of State Hub's but the health rule, so the store, the sweep and cadence
may all use it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from statehub.health import Health, health_of, observe

# The sweep's event type (statehub.sweep.result.EVENT_TYPE; a test keeps them equal).
SWEEP_EVENT = "consistency_sweep_remote_all"

# A sweep's outcome as /metrics counts it (the `outcome` label of statehub_sweeps_total): a
# lock skip, else its health. Read from a summary row's columns (statehub.store.sweep_totals).
OK, DEGRADED, FAILED, LOCK_SKIPPED = "ok", "degraded", "failed", "lock_skipped"
OUTCOMES = (OK, DEGRADED, FAILED, LOCK_SKIPPED)


@dataclass(frozen=True)
class Facts:
    """What a sweep's document says about when and how it ran (``mark_from_payload``)."""

    sweep_id: str | None
    triggered_by: str | None
    caller_run_id: str | None
    started_at: datetime
    finished_at: datetime
    lock_skipped: bool
    exit_code: int | None
    failed: bool
    health: Health
    fetched: int
    fetch_attempted: int


def _parse_time(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} {value!r} is not an ISO-8601 time") from None
    else:
        raise ValueError(f"{name} is missing or not a time: {value!r}")
    if parsed.tzinfo is None:
        raise ValueError(f"{name} {value!r} has no time zone")
    return parsed.astimezone(UTC)


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def facts_of(payload: dict[str, Any], *, recorded_at: datetime | None = None) -> Facts:
    """The facts of a ``consistency_sweep_remote_all`` payload; ValueError when its times
    cannot be read.

    ``failed``: the exit code is missing or says the sweep could not run. Warn
    sweeps always exit 0 and fix-mode's 1 only means findings remain, so both ran.
    ``recorded_at`` (the event's created_at) stands in for a missing time, so
    one odd row cannot hide a whole week from the verdict.
    """
    started = payload.get("started_at")
    finished = payload.get("finished_at")
    if started is None and recorded_at is not None:
        started = recorded_at
    started_at = _parse_time(started, "started_at")
    finished_at = _parse_time(finished if finished is not None else started_at, "finished_at")
    raw_exit = payload.get("exit_code")
    exit_code = raw_exit if isinstance(raw_exit, int) and not isinstance(raw_exit, bool) else None
    ok_codes = {0, 1} if payload.get("mode") == "fix" else {0}
    health, _, _ = health_of(payload)
    seen = observe(payload)
    return Facts(
        sweep_id=_text(payload.get("sweep_id")),
        triggered_by=_text(payload.get("triggered_by")),
        caller_run_id=_text(payload.get("caller_run_id")),
        started_at=started_at,
        finished_at=finished_at,
        lock_skipped=payload.get("lock_skipped") is True,
        exit_code=exit_code,
        failed=exit_code not in ok_codes or health is Health.FAILED,
        health=health,
        fetched=seen.fetched,
        fetch_attempted=seen.fetch_attempted,
    )


class RecordedSweep(Protocol):
    """What a digest is read from: the store's ProgressEvent has these (named here, not
    imported, so that reading a payload stays free of the store)."""

    @property
    def id(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def sweep_id(self) -> str | None: ...
    @property
    def triggered_by(self) -> str | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class SweepDigest:
    """One sweep's summary row. ``sweep_id``, ``triggered_by``, ``created_at`` and
    ``summary`` are the event's columns; ``document_*`` what its document says (the
    same for every sweep State Hub records). ``problem``: why the document's times could
    not be read — such a sweep counts as failed at its created_at, as cadence counts it."""

    event_id: int
    created_at: datetime
    sweep_id: str | None
    triggered_by: str | None
    summary: str
    started_at: datetime
    finished_at: datetime
    lock_skipped: bool
    exit_code: int | None
    failed: bool
    health: str
    problem: str | None = None
    document_sweep_id: str | None = None
    document_triggered_by: str | None = None
    caller_run_id: str | None = None
    health_reasons: list[str] = field(default_factory=list)
    health_derived: bool = False
    duration_seconds: float | None = None
    mode: str | None = None
    held_by: str | None = None
    repos_total: int | None = None
    processed: int = 0
    clean: int = 0
    missing: int = 0
    budget: int = 0
    errors: int = 0
    fetched: int = 0
    fetch_attempted: int = 0
    fetch_failed: int = 0
    fetch_timeout: int = 0
    findings: dict[str, int] = field(default_factory=dict)  # finding -> repos with it

    def columns(self) -> dict[str, Any]:
        """The row's columns, as ``sweep_summaries`` names them."""
        return asdict(self)


def _count(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    return len(value) if isinstance(value, list) else 0


def _findings(payload: dict[str, Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    processed = payload.get("repos_processed")
    for repo in processed if isinstance(processed, list) else []:
        found = repo.get("findings") if isinstance(repo, dict) else None
        if isinstance(found, list):
            counts.update({str(f) for f in found})
    return counts


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def digest(event: RecordedSweep) -> SweepDigest:
    """The summary row of a sweep event. Tolerant, as every reader of the append-only log
    must be: one odd document gets a row that says so, never an exception."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    health, reasons, derived = health_of(payload)
    findings = _findings(payload)
    held = payload.get("held_by")
    held_by = held.get("triggered_by") if isinstance(held, dict) else None
    common: dict[str, Any] = {
        "event_id": event.id,
        "created_at": event.created_at,
        "sweep_id": event.sweep_id,
        "triggered_by": event.triggered_by,
        "summary": event.summary,
        "health": health.value,
        "health_reasons": list(reasons),
        "health_derived": derived,
        "duration_seconds": _number(payload.get("duration_seconds")),
        "mode": payload.get("mode") if isinstance(payload.get("mode"), str) else None,
        "held_by": str(held_by) if held_by else None,
        "repos_total": _integer(payload.get("repos_total")),
        "processed": _count(payload, "repos_processed"),
        "clean": _count(payload, "skipped_clean"),
        "missing": _count(payload, "skipped_missing"),
        "budget": _count(payload, "skipped_budget"),
        "errors": _count(payload, "errors"),
        "fetch_failed": findings.get("fetch_failed", 0),
        "fetch_timeout": findings.get("fetch_timeout", 0),
        "findings": dict(sorted(findings.items())),
    }
    try:
        facts = facts_of(payload, recorded_at=event.created_at)
    except ValueError as exc:
        # Counted as a failed sweep at the time it was recorded, as cadence counts it.
        return SweepDigest(
            **common,
            started_at=event.created_at,
            finished_at=event.created_at,
            lock_skipped=False,
            exit_code=None,
            failed=True,
            problem=str(exc),
        )
    return SweepDigest(
        **common,
        started_at=facts.started_at,
        finished_at=facts.finished_at,
        lock_skipped=facts.lock_skipped,
        exit_code=facts.exit_code,
        failed=facts.failed,
        document_sweep_id=facts.sweep_id,
        document_triggered_by=facts.triggered_by,
        caller_run_id=facts.caller_run_id,
        fetched=facts.fetched,
        fetch_attempted=facts.fetch_attempted,
    )
