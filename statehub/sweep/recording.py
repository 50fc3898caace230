"""Writing a sweep to the store: its event and every repo's observed state, in one
transaction — and, once the database is back, the sweeps spooled while it was not."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from statehub.store import Store
from statehub.store.events import append_event, get_event_by_sweep_id
from statehub.store.repos import CheckRecord, record_checks
from statehub.sweep import spool
from statehub.sweep.check import RepoCheck, Verdict
from statehub.sweep.document import observed_state
from statehub.sweep.result import EVENT_TYPE, SweepResult

logger = logging.getLogger("statehub.sweep")


def check_records(checks: list[RepoCheck]) -> list[CheckRecord]:
    return [
        CheckRecord(name=check.name, state=stored_state(check), findings=check.findings)
        for check in checks
        # Not checked: it stays stalest and goes first next time.
        if check.verdict is not Verdict.BUDGET
    ]


def write_sweep(
    db: Session, result: SweepResult, payload: dict[str, object], records: list[CheckRecord]
) -> None:
    record_checks(db, checked_at=result.finished_at, checks=records)
    append_event(
        db,
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
    state = observed_state(check.state) if check.state else None
    return state.model_dump(mode="json") if state else None


def drain_spool(store: Store, home: Path) -> int:
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
        payload = item.result.model_dump(mode="json")
        with store.session() as db:
            # A crash after the commit and before the unlink must not record it twice.
            if get_event_by_sweep_id(db, sweep_id=str(item.result.sweep_id)) is None:
                write_sweep(db, item.result, payload, item.checks)
        path.unlink(missing_ok=True)
        recorded += 1
        logger.info("spooled sweep %s recorded", item.result.sweep_id)
    return recorded
