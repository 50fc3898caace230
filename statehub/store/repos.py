"""The fleet registry: which repos State Hub watches, and what it last saw.

Functions take the Session first and keyword-only arguments after it; they know
nothing of HTTP or the CLI and raise statehub.errors for the edges to translate.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from statehub.errors import RepoConflict, RepoNotFound
from statehub.store.history import Observation, record_changes
from statehub.store.models import RepoRow

RepoSource = Literal["cli", "discover", "config"]
REPO_SOURCES: tuple[str, ...] = get_args(RepoSource)


@dataclass(frozen=True)
class RepoRecord:
    id: int
    name: str
    path: str
    allow_push: bool
    source: str
    added_at: datetime
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    last_state: dict[str, Any] | None
    last_findings: list[str]
    last_details: list[dict[str, Any]] = field(default_factory=list)
    last_fetch: dict[str, Any] | None = None
    trust_repo_config: bool = False  # the repo's own programs may run (docs/security.md)

    @classmethod
    def from_row(cls, row: RepoRow) -> RepoRecord:
        return cls(
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
    return RepoRecord.from_row(row)


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
    return RepoRecord.from_row(row), False


def remove_repo(db: Session, *, name: str) -> RepoRecord:
    row = _get_row(db, name=name)
    record = RepoRecord.from_row(row)
    db.delete(row)
    db.flush()
    return record


def get_repo(db: Session, *, name: str) -> RepoRecord:
    return RepoRecord.from_row(_get_row(db, name=name))


def find_repo_by_path(db: Session, *, path: str) -> RepoRecord | None:
    row = db.scalars(select(RepoRow).where(RepoRow.path == path)).one_or_none()
    return None if row is None else RepoRecord.from_row(row)


def list_repos(db: Session) -> list[RepoRecord]:
    rows = db.scalars(select(RepoRow).order_by(RepoRow.name))
    return [RepoRecord.from_row(row) for row in rows]


def list_repos_stalest_first(db: Session) -> list[RepoRecord]:
    """Never-checked repos first, then least recently checked; ties by name.

    The sweep takes repos in this order so that consecutive budget-limited
    sweeps cover the whole fleet.
    """
    # NULLS FIRST spelled portably: the two dialects disagree on the default.
    never_checked_first = RepoRow.last_checked_at.is_not(None)
    rows = db.scalars(
        select(RepoRow).order_by(never_checked_first, RepoRow.last_checked_at, RepoRow.name)
    )
    return [RepoRecord.from_row(row) for row in rows]


def count_repos(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(RepoRow)) or 0


@dataclass(frozen=True)
class CheckRecord:
    """What one check saw, for ``record_checks``."""

    name: str
    state: dict[str, Any] | None
    findings: list[str]
    # JSON-shaped already (dicts, lists, str), as the sweep builds them: stored as they are.
    details: list[dict[str, Any]] = field(default_factory=list)
    fetch: dict[str, Any] | None = None
    # What the history keeps; None: the status from the state, no heads.
    observation: Observation | None = None

    def observed(self) -> Observation:
        if self.observation is not None:
            return self.observation
        state = self.state or {}
        status = "missing" if state.get("missing") else "error" if "error" in state else None
        status = status or ("needs_action" if self.findings else "clean")
        return Observation(status=status, findings=list(self.findings))


def record_check(
    db: Session,
    *,
    name: str,
    checked_at: datetime,
    state: dict[str, Any] | None,
    findings: list[str],
) -> None:
    """Store what a check saw. ``last_changed_at`` moves only when state or findings differ."""
    _apply_check(_get_row(db, name=name), checked_at, state, findings)
    db.flush()


def record_checks(
    db: Session,
    *,
    checked_at: datetime,
    checks: Sequence[CheckRecord],
    sweep_id: str | None = None,
) -> None:
    """``record_check`` for a whole sweep, a chunk of names at a time: one SELECT of plain
    rows, then bulk UPDATEs by primary key, and a history row for each repo whose findings
    or heads changed (statehub.store.history).

    One SELECT per repo made recording 1,000 repos take most of a second, and ORM rows for a
    whole fleet of 10,000 cost 60 MB (see docs/benchmarks.md). Repos removed while the sweep
    ran are skipped, not an error: the sweep's event must still be recorded.
    """
    by_name = {check.name: check for check in checks}
    names = list(by_name)
    for start in range(0, len(names), _NAMES_PER_QUERY):
        query = select(
            RepoRow.name,
            RepoRow.id,
            RepoRow.last_checked_at,
            RepoRow.last_state,
            RepoRow.last_findings,
        ).where(RepoRow.name.in_(names[start : start + _NAMES_PER_QUERY]))
        changed: list[dict[str, Any]] = []
        checked_only: list[dict[str, Any]] = []
        observations: list[tuple[int, Observation]] = []
        for name, row_id, last_checked_at, last_state, last_findings in db.execute(query):
            check = by_name[name]
            # Compared as the database returns them (see _apply_check).
            state, findings = _as_json(check.state), _as_json(list(check.findings))
            # Written, never compared: reading them back to compare cost more than writing.
            seen = {
                "id": row_id,
                "last_checked_at": checked_at,
                "last_details": check.details,
                "last_fetch": check.fetch,
            }
            if last_checked_at is None or (last_state, last_findings) != (state, findings):
                changed.append(
                    {
                        **seen,
                        "last_changed_at": checked_at,
                        "last_state": state,
                        "last_findings": findings,
                    }
                )
            else:
                checked_only.append(seen)
            observations.append((row_id, check.observed()))
        for parameters in (changed, checked_only):
            if parameters:
                db.execute(update(RepoRow), parameters)
        record_changes(db, observed_at=checked_at, sweep_id=sweep_id, observations=observations)


# Well under SQLite's oldest bound-parameter limit (999).
_NAMES_PER_QUERY = 900


def _apply_check(
    row: RepoRow, checked_at: datetime, state: dict[str, Any] | None, findings: list[str]
) -> None:
    # Compare as the database will return them (JSON round trip: tuples become
    # lists, and so on), or every check would look like a change.
    state, findings = _as_json(state), _as_json(list(findings))
    if row.last_checked_at is None or (row.last_state, row.last_findings) != (state, findings):
        row.last_changed_at = checked_at
    row.last_checked_at = checked_at
    row.last_state, row.last_findings = state, findings


def _as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


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
