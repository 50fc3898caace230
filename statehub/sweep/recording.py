"""Writing a sweep to the store: its event and every repo's observed state, each finding
explained, the fetch's outcome and what the history compares (findings and heads), in one
transaction — and, once the database is back, the sweeps spooled while it was not."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlstore.dbapi import Transaction
from statehub.fleet.state import Finding, RepoState
from statehub.store import ledger
from statehub.store.records import CheckRecord, Observation
from statehub.store.sweepstore import SweepStore
from statehub.sweep import spool
from statehub.sweep.check import RepoCheck, Verdict
from statehub.sweep.result import EVENT_TYPE, SweepResult

logger = logging.getLogger("statehub.sweep")


_FETCH_FINDINGS = (Finding.FETCH_FAILED.value, Finding.FETCH_TIMEOUT.value)


def check_records(checks: list[RepoCheck], *, fetched: bool = True) -> list[CheckRecord]:
    return [
        CheckRecord(
            name=check.name,
            state=stored_state(check),
            findings=check.findings,
            details=[d.document() for d in check.details],
            fetch=fetch_outcome(check, fetched=fetched),
            observation=observation(check),
        )
        for check in checks
        # Not checked: it stays stalest and goes first next time.
        if check.verdict is not Verdict.BUDGET
    ]


def write_sweep(
    tx: Transaction, result: SweepResult, payload: dict[str, Any], records: list[CheckRecord]
) -> None:
    """The sweep's repos, history, event and summary row, in the caller's transaction."""
    ledger.record_checks(
        tx, checked_at=result.finished_at, checks=records, sweep_id=str(result.sweep_id)
    )
    ledger.append_event(
        tx,
        event_type=EVENT_TYPE,
        summary=result.summary(),
        payload=payload,
        triggered_by=result.triggered_by,
        sweep_id=str(result.sweep_id),
        created_at=result.finished_at,
    )


def stored_state(check: RepoCheck) -> dict[str, object] | None:
    if check.verdict is Verdict.MISSING:
        return {"missing": True}
    if check.verdict is Verdict.ERROR:
        return {"error": check.message}
    return check.observed.document() if check.observed else None


def fetch_outcome(check: RepoCheck, *, fetched: bool) -> dict[str, Any] | None:
    """How the fetch went, when the check got as far as inspecting the repo after it."""
    if check.verdict not in (Verdict.NEEDS_ACTION, Verdict.CLEAN):
        return None
    if not fetched:
        return {"fetched": False, "ok": None, "finding": None, "message": None}
    failed = next((f for f in check.findings if f in _FETCH_FINDINGS), None)
    return {
        "fetched": True,
        "ok": failed is None,
        "finding": failed,
        "message": check.message if failed else None,
    }


def heads(state: RepoState) -> tuple[dict[str, str], dict[str, str | None]]:
    """Each branch's commit (HEAD's when detached), and each tracked branch's upstream's."""
    local: dict[str, str] = {}
    upstream: dict[str, str | None] = {}
    if state.head is not None:
        local[state.branch or "HEAD"] = state.head
    if state.branch is not None and state.upstream is not None:
        upstream[state.branch] = state.upstream_head
    for branch in state.other_branches:
        if branch.head is not None:
            local[branch.name] = branch.head
        if branch.upstream is not None:
            upstream[branch.name] = branch.upstream_head
    return local, upstream


def observation(check: RepoCheck) -> Observation:
    local, upstream = heads(check.state) if check.state else ({}, {})
    return Observation(
        status=check.verdict.value,
        findings=list(check.findings),
        heads=local,
        upstream_heads=upstream,
    )


def drain_spool(sweeps: SweepStore, home: Path) -> int:
    """Record every spooled sweep, oldest first, each once; how many were recorded.

    Call it only holding the sweep lock: two drainers could both find a file unrecorded.
    """
    recorded = 0
    for path in spool.pending(home):
        try:
            item = spool.read(path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Kept for an operator, out of the way of the sweeps that can be recorded.
            logger.error("spooled sweep %s cannot be read (%s); renamed *.unreadable", path, exc)
            path.rename(path.with_suffix(".unreadable"))
            continue
        payload = item.result.document()
        with sweeps.writing() as tx:
            # A crash after the commit and before the unlink must not record it twice.
            if not ledger.sweep_recorded(tx, sweep_id=str(item.result.sweep_id)):
                write_sweep(tx, item.result, payload, item.checks)
        path.unlink(missing_ok=True)
        recorded += 1
        logger.info("spooled sweep %s recorded", item.result.sweep_id)
    return recorded
