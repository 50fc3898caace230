"""Recording checks in a test's own session, as a sweep records them (``ledger``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sqlstore.database import in_session
from statehub.store import ledger
from statehub.store.records import CheckRecord


def record_checks(
    db: Session, *, checked_at: datetime, checks: Sequence[CheckRecord], sweep_id: str | None = None
) -> None:
    with in_session(db) as tx:
        ledger.record_checks(tx, checked_at=checked_at, checks=checks, sweep_id=sweep_id)


def record_check(
    db: Session,
    *,
    name: str,
    checked_at: datetime,
    state: dict[str, Any] | None,
    findings: list[str],
) -> None:
    record_checks(db, checked_at=checked_at, checks=[CheckRecord(name, state, findings)])
