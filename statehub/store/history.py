"""Each repo's history: a row each time its findings or its heads change.

Not a row per sweep: a fleet of a thousand quiet repos swept every 15 minutes would
otherwise write a hundred thousand rows a day that say nothing. ``ledger.record_changes``
compares each check with the repo's newest row, in the sweep's own transaction, and
writes only the differences, in bulk; this module reads them.

Ids only grow, so an id is the paging cursor, as for progress events. "Since when" is
the earliest row of the unbroken run of rows, newest backwards, that holds a finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from statehub.store.models import ChangeRow, RepoRow


@dataclass(frozen=True)
class ChangeRecord:
    id: int
    observed_at: datetime
    sweep_id: str | None
    status: str
    findings: list[str]
    heads: dict[str, str]
    upstream_heads: dict[str, str | None]

    @classmethod
    def from_row(cls, row: ChangeRow) -> ChangeRecord:
        return cls(
            id=row.id,
            observed_at=row.observed_at,
            sweep_id=row.sweep_id,
            status=row.status,
            findings=list(row.findings),
            heads=dict(row.heads),
            upstream_heads=dict(row.upstream_heads),
        )


def list_changes(
    db: Session, *, repo_id: int, limit: int = 20, before_id: int | None = None
) -> list[ChangeRecord]:
    """A repo's rows, newest first; ``before_id`` pages on (ids below it)."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    query = (
        select(ChangeRow)
        .where(ChangeRow.repo_id == repo_id)
        .order_by(ChangeRow.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(ChangeRow.id < before_id)
    return [ChangeRecord.from_row(row) for row in db.scalars(query)]


def held_since(db: Session, *, repo_id: int) -> dict[str, datetime]:
    """For each finding of the repo's newest row: since when it has held without a break."""
    query = (
        select(ChangeRow.observed_at, ChangeRow.findings)
        .where(ChangeRow.repo_id == repo_id)
        .order_by(ChangeRow.id.desc())
    )
    since: dict[str, datetime] = {}
    holding: set[str] | None = None
    for observed_at, findings in db.execute(query):
        present = set(findings)
        holding = present if holding is None else holding & present
        if not holding:
            break
        for finding in holding:
            since[finding] = observed_at
    return since


def changed_by(db: Session, *, sweep_id: str) -> set[str]:
    """The names of the repos whose findings (or status) that sweep changed: its rows
    whose findings differ from the repo's row before, or that are the repo's first row.
    A change of heads alone is not a change an operator is asked to look at."""
    return _findings_changed(db, ChangeRow.sweep_id == sweep_id)


def changed_at_last_check(db: Session) -> set[str]:
    """The same for each repo's last check, whichever sweep it was (one over budget
    leaves a repo's last check in an earlier sweep): its rows written at that check."""
    return _findings_changed(db, ChangeRow.observed_at == RepoRow.last_checked_at)


def _findings_changed(db: Session, condition: ColumnElement[bool]) -> set[str]:
    rows = db.execute(
        select(ChangeRow.id, ChangeRow.repo_id, ChangeRow.status, ChangeRow.findings, RepoRow.name)
        .join(RepoRow, RepoRow.id == ChangeRow.repo_id)
        .where(condition)
    ).all()
    changed: set[str] = set()
    for row_id, repo_id, status, findings, name in rows:
        before = db.execute(
            select(ChangeRow.status, ChangeRow.findings)
            .where(ChangeRow.repo_id == repo_id, ChangeRow.id < row_id)
            .order_by(ChangeRow.id.desc())
            .limit(1)
        ).first()
        if before is None or (before[0], sorted(before[1])) != (status, sorted(findings)):
            changed.add(name)
    return changed
