"""What was last announced about each subject of the alerts (statehub.notify.alerts), and
the new state waiting to hold long enough to be announced. One row per subject; a fleet
whose state does not change writes nothing here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statehub.store.models import AlertStateRow, ChangeRow, RepoRow


@dataclass(frozen=True)
class StoredAlert:
    key: str
    announced: Any
    candidate: Any
    streak: int


def load_alerts(db: Session, keys: Iterable[str] | None = None) -> dict[str, StoredAlert]:
    """The stored states of ``keys`` (all of them when None); a key never seen is absent."""
    query = select(AlertStateRow)
    if keys is not None:
        query = query.where(AlertStateRow.key.in_(list(keys)))
    return {
        row.key: StoredAlert(row.key, row.announced, row.candidate, row.streak)
        for row in db.scalars(query)
    }


def save_alerts(db: Session, alerts: Sequence[StoredAlert], *, now: datetime) -> None:
    for alert in alerts:
        row = db.get(AlertStateRow, alert.key)
        if row is None:
            row = AlertStateRow(key=alert.key)
            db.add(row)
        row.announced, row.candidate = alert.announced, alert.candidate
        row.streak, row.updated_at = alert.streak, now
    db.flush()


def upstream_tips(db: Session, names: Sequence[str]) -> dict[str, dict[str, str | None]]:
    """Each named repo's upstream commits (branch -> commit) as its newest history row has
    them: the remote tips its findings stand against."""
    if not names:
        return {}
    newest = (
        select(func.max(ChangeRow.id).label("id"))
        .join(RepoRow, RepoRow.id == ChangeRow.repo_id)
        .where(RepoRow.name.in_(list(names)))
        .group_by(ChangeRow.repo_id)
        .subquery()
    )
    query = (
        select(RepoRow.name, ChangeRow.upstream_heads)
        .join(ChangeRow, ChangeRow.repo_id == RepoRow.id)
        .join(newest, ChangeRow.id == newest.c.id)
    )
    return {name: dict(heads or {}) for name, heads in db.execute(query)}
