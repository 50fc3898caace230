"""One repo as an operator asks about it: its state now, each finding explained with
since when it has held, its last changes and its last fetch.

The same pydantic models are the body of ``GET /repos/{name}`` and
``GET /repos/{name}/history`` and the output of ``statehub repos show --json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from statehub.documents import RepoOut
from statehub.fleet.explain import Detail, describe
from statehub.store.history import ChangeRecord, held_since, list_changes
from statehub.store.repos import RepoRecord, get_repo

Status = Literal["needs_action", "clean", "missing", "error", "unchecked"]

_DETAILS = TypeAdapter(list[Detail])
LAST_CHANGES = 10


class FetchResult(BaseModel):
    """How the last check's fetch went."""

    fetched: bool = Field(description="false for a --no-fetch check")
    ok: bool | None = Field(description="null when nothing was fetched")
    finding: str | None = Field(description="fetch_failed or fetch_timeout when it did not go")
    message: str | None = Field(description="git's line for each remote that failed")


class HeldFinding(BaseModel):
    finding: str
    since: datetime | None = Field(
        description="when the unbroken run of observations holding it began (null: before "
        "the history was kept)"
    )
    detail: Detail


class RepoChange(BaseModel):
    """One row of the repo's history: what a sweep saw when something had changed."""

    id: int = Field(description="the paging cursor (?before=id)")
    observed_at: datetime
    sweep_id: str | None
    status: str = Field(description="needs_action, clean, missing or error")
    findings: list[str]
    appeared: list[str] = Field(description="findings the previous row did not have")
    cleared: list[str] = Field(description="findings of the previous row that are gone")
    heads: dict[str, str] = Field(description="each local branch's commit (HEAD when detached)")
    upstream_heads: dict[str, str | None] = Field(
        description="each tracked branch's upstream commit (null: its upstream ref is gone)"
    )


class RepoView(RepoOut):
    """``GET /repos/{name}`` and ``statehub repos show --json``: the listing's entry for the
    repo (one document, so the two never drift apart), explained, with since when."""

    status: Status
    findings: list[HeldFinding] = Field(description="each finding now, explained, with since")
    last_fetch: FetchResult | None
    changes: list[RepoChange] = Field(description=f"the last {LAST_CHANGES} changes, newest first")


def status_of(record: RepoRecord) -> Status:
    state = record.last_state if isinstance(record.last_state, dict) else {}
    if record.last_checked_at is None:
        return "unchecked"
    if state.get("missing") is True:
        return "missing"
    if "error" in state:
        return "error"
    return "needs_action" if record.last_findings else "clean"


def _details(record: RepoRecord) -> dict[str, Detail]:
    try:
        details = _DETAILS.validate_python(record.last_details)
    except ValidationError:  # written by another version: explain from the code alone
        details = []
    return {d.finding: d for d in details}


def _fetch(record: RepoRecord) -> FetchResult | None:
    if record.last_fetch is None:
        return None
    try:
        return FetchResult.model_validate(record.last_fetch)
    except ValidationError:
        return None


def changes_of(records: list[ChangeRecord], limit: int) -> list[RepoChange]:
    """``records`` newest first, up to ``limit`` of them, each compared with the one
    before it (the record after it in the list, when there is one)."""
    shown: list[RepoChange] = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1].findings if index + 1 < len(records) else []
        shown.append(
            RepoChange(
                id=record.id,
                observed_at=record.observed_at,
                sweep_id=record.sweep_id,
                status=record.status,
                findings=record.findings,
                appeared=[f for f in record.findings if f not in older],
                cleared=[f for f in older if f not in record.findings],
                heads=record.heads,
                upstream_heads=record.upstream_heads,
            )
        )
    return shown


def repo_history(
    db: Session, *, name: str, limit: int = 20, before_id: int | None = None
) -> list[RepoChange]:
    """The repo's changes, newest first. RepoNotFound for a name nobody registered."""
    record = get_repo(db, name=name)
    # One more than shown: the oldest shown row is compared with the one before it.
    rows = list_changes(db, repo_id=record.id, limit=limit + 1, before_id=before_id)
    return changes_of(rows, limit)


def repo_view(db: Session, *, name: str) -> RepoView:
    """Everything ``statehub repos show`` prints. RepoNotFound for an unknown name."""
    record = get_repo(db, name=name)
    details = _details(record)
    since = held_since(db, repo_id=record.id)
    rows = list_changes(db, repo_id=record.id, limit=LAST_CHANGES + 1)
    return RepoView(
        **RepoOut.model_validate(record).model_dump(),
        status=status_of(record),
        findings=[
            HeldFinding(
                finding=code,
                since=since.get(code),
                detail=details.get(code) or describe(code, record.path),
            )
            for code in record.last_findings
        ],
        last_fetch=_fetch(record),
        changes=changes_of(rows, LAST_CHANGES),
    )
