"""The definitions table: upsert from loaded files, look up by name or id.

Functions take an open session and keyword arguments; they know nothing of HTTP or Temporal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from activitycore.definitions import Definition, LoadedDefinition
from activitycore.errors import DefinitionNotFound
from activitycore.store.models import DefinitionRow


@dataclass(frozen=True)
class SyncEntry:
    id: str
    name: str
    source_path: str


@dataclass
class SyncReport:
    created: list[SyncEntry] = field(default_factory=list)
    changed: list[SyncEntry] = field(default_factory=list)
    unchanged: list[SyncEntry] = field(default_factory=list)
    removed: list[SyncEntry] = field(default_factory=list)


def sync_definitions(
    db: Session, *, loaded: list[LoadedDefinition], now: datetime | None = None
) -> SyncReport:
    """Make the table match the files: upsert each by id, mark the vanished ones removed.

    Removal is a soft delete (``removed_at``), so past runs keep their definition.
    """
    now = now or datetime.now(UTC)
    report = SyncReport()
    rows = {row.id: row for row in db.scalars(select(DefinitionRow))}
    seen: set[str] = set()
    for item in loaded:
        definition, path = item.definition, str(item.path)
        key = str(definition.id)
        seen.add(key)
        entry = SyncEntry(key, definition.name, path)
        row = rows.get(key)
        if row is None:
            db.add(_new_row(definition, path, now))
            report.created.append(entry)
        elif row.removed_at is not None:
            _apply(row, definition, path, now)
            row.removed_at = None
            report.created.append(entry)
        elif row.spec_hash != definition.digest():
            _apply(row, definition, path, now)
            report.changed.append(entry)
        else:
            row.source_path = path  # a moved file is not a changed definition
            report.unchanged.append(entry)
    for key, row in rows.items():
        if key not in seen and row.removed_at is None:
            row.removed_at = now
            report.removed.append(SyncEntry(key, row.name, row.source_path))
    return report


def _new_row(definition: Definition, path: str, now: datetime) -> DefinitionRow:
    row = DefinitionRow(id=str(definition.id), created_at=now)
    _apply(row, definition, path, now)
    return row


def _apply(row: DefinitionRow, definition: Definition, path: str, now: datetime) -> None:
    row.name = definition.name
    row.trigger = definition.trigger
    row.timezone = definition.timezone
    row.misfire_policy = definition.misfire_policy
    row.enabled = definition.enabled
    row.spec = definition.document()
    row.spec_hash = definition.digest()
    row.source_path = path
    row.updated_at = now


def active_definitions(db: Session) -> list[DefinitionRow]:
    return list(
        db.scalars(
            select(DefinitionRow)
            .where(DefinitionRow.removed_at.is_(None))
            .order_by(DefinitionRow.name)
        )
    )


def removed_definitions(db: Session) -> list[DefinitionRow]:
    return list(db.scalars(select(DefinitionRow).where(DefinitionRow.removed_at.is_not(None))))


def find_definition(
    db: Session, *, name_or_id: str, include_removed: bool = False
) -> DefinitionRow:
    """The definition with that id, or else that name (exact, then case-insensitive)."""
    query = select(DefinitionRow)
    if not include_removed:
        query = query.where(DefinitionRow.removed_at.is_(None))
    row = db.scalars(query.where(DefinitionRow.id == name_or_id.strip().lower())).first()
    if row is None:
        candidates = list(db.scalars(query.order_by(DefinitionRow.removed_at.desc())))
        row = next((r for r in candidates if r.name == name_or_id), None) or next(
            (r for r in candidates if r.name.casefold() == name_or_id.casefold()), None
        )
    if row is None:
        raise DefinitionNotFound(name_or_id)
    return row


def load_definition(row: DefinitionRow) -> Definition:
    return Definition.model_validate(row.spec)
