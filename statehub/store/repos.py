"""The fleet registry: which repos State Hub watches, and what it last saw.

Functions take the Session first and keyword-only arguments after it; they know
nothing of HTTP or the CLI and raise statehub.errors for the edges to translate. What a
sweep reads and records (the fleet stalest first, each check) is ``ledger``'s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from statehub.errors import RepoConflict, RepoNotFound
from statehub.store.models import RepoRow
from statehub.store.records import RepoRecord as RepoRecord  # named here too, as before

RepoSource = Literal["cli", "discover", "config"]
REPO_SOURCES: tuple[str, ...] = get_args(RepoSource)


def _record(row: RepoRow) -> RepoRecord:
    return RepoRecord(
        id=row.id,
        name=row.name,
        path=row.path,
        allow_push=row.allow_push,
        source=row.source,
        added_at=row.added_at,
        last_checked_at=row.last_checked_at,
        last_changed_at=row.last_changed_at,
        last_state=row.last_state,
        last_findings=list(row.last_findings),
        last_details=list(row.last_details or []),
        last_fetch=row.last_fetch,
        trust_repo_config=row.trust_repo_config,
    )


def add_repo(
    db: Session,
    *,
    name: str,
    path: str,
    allow_push: bool = False,
    source: str = "cli",
    trust_repo_config: bool = False,
) -> RepoRecord:
    """Register a repo. RepoConflict names the registered repo that clashes."""
    _check_source(source)
    _refuse_clash(db, name=name, path=path)
    row = RepoRow(
        name=name,
        path=path,
        allow_push=allow_push,
        trust_repo_config=trust_repo_config,
        source=source,
        added_at=datetime.now(UTC),
        last_findings=[],
    )
    db.add(row)
    try:
        db.flush()
    except IntegrityError as exc:
        # Another process registered it between our check and our insert.
        raise RepoConflict(f"repo {name!r} or path {path!r} was registered concurrently") from exc
    return _record(row)


def upsert_repo(
    db: Session,
    *,
    name: str,
    path: str,
    allow_push: bool,
    source: str,
    trust_repo_config: bool = False,
) -> tuple[RepoRecord, bool]:
    """Create the repo, or update path/allow_push/trust_repo_config/source of the one
    named ``name``.

    For syncing a config file. Returns the record and whether it was created.
    RepoConflict when ``path`` belongs to a different repo.
    """
    _check_source(source)
    row = db.scalars(select(RepoRow).where(RepoRow.name == name)).one_or_none()
    if row is None:
        record = add_repo(
            db,
            name=name,
            path=path,
            allow_push=allow_push,
            source=source,
            trust_repo_config=trust_repo_config,
        )
        return record, True
    if row.path != path:
        _refuse_path_clash(db, path=path)
    row.path, row.allow_push, row.source = path, allow_push, source
    row.trust_repo_config = trust_repo_config
    db.flush()
    return _record(row), False


def remove_repo(db: Session, *, name: str) -> RepoRecord:
    row = _get_row(db, name=name)
    record = _record(row)
    db.delete(row)
    db.flush()
    return record


def get_repo(db: Session, *, name: str) -> RepoRecord:
    return _record(_get_row(db, name=name))


def find_repo_by_path(db: Session, *, path: str) -> RepoRecord | None:
    row = db.scalars(select(RepoRow).where(RepoRow.path == path)).one_or_none()
    return None if row is None else _record(row)


def list_repos(db: Session) -> list[RepoRecord]:
    rows = db.scalars(select(RepoRow).order_by(RepoRow.name))
    return [_record(row) for row in rows]


def _get_row(db: Session, *, name: str) -> RepoRow:
    row = db.scalars(select(RepoRow).where(RepoRow.name == name)).one_or_none()
    if row is None:
        raise RepoNotFound(name)
    return row


def _check_source(source: str) -> None:
    if source not in REPO_SOURCES:
        raise ValueError(f"repo source must be one of {', '.join(REPO_SOURCES)}, not {source!r}")


def _refuse_clash(db: Session, *, name: str, path: str) -> None:
    existing = db.scalars(select(RepoRow).where(RepoRow.name == name)).one_or_none()
    if existing is not None:
        raise RepoConflict(f"a repo named {name!r} is already registered (path {existing.path!r})")
    _refuse_path_clash(db, path=path)


def _refuse_path_clash(db: Session, *, path: str) -> None:
    existing = db.scalars(select(RepoRow).where(RepoRow.path == path)).one_or_none()
    if existing is not None:
        raise RepoConflict(f"path {path!r} is already registered as repo {existing.name!r}")
