"""The two stores on the SQL foundation, as subjects the generic store tests run against.

Each kind knows how to write one named row and list the names back, so a test about
transactions, errors or migrations says nothing about either service's tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import Session

from activitycore.store import Store as ActivityStore
from activitycore.store import catalog
from activitycore.store.models import Base as ActivityBase
from activitycore.store.models import DefinitionRow
from sqlstore.database import Database
from statehub.store import Store as StateHubStore
from statehub.store.models import Base as StateHubBase
from statehub.store.repos import add_repo, list_repos


@dataclass(frozen=True)
class StoreKind:
    name: str
    store: type[Database]
    metadata: MetaData
    write: Callable[[Session, str], None]  # add one row called ``name``
    names: Callable[[Session], list[str]]  # the names written, sorted

    @property
    def tables(self) -> set[str]:
        return set(self.metadata.tables) | {self.store.schema.version_table}

    def __str__(self) -> str:
        return self.name


def _add_repo(db: Session, name: str) -> None:
    add_repo(db, name=name, path=f"/src/{name}")


def _add_definition(db: Session, name: str) -> None:
    now = datetime.now(UTC)
    db.add(
        DefinitionRow(
            id=str(uuid.uuid4()),
            name=name,
            trigger="*/15 * * * *",
            timezone="UTC",
            misfire_policy="skip",
            enabled=False,
            spec={"name": name},
            spec_hash="0" * 64,
            source_path=f"/definitions/{name}.yaml",
            created_at=now,
            updated_at=now,
        )
    )


KINDS = {
    "statehub": StoreKind(
        name="statehub",
        store=StateHubStore,
        metadata=StateHubBase.metadata,
        write=_add_repo,
        names=lambda db: [repo.name for repo in list_repos(db)],
    ),
    "activitycore": StoreKind(
        name="activitycore",
        store=ActivityStore,
        metadata=ActivityBase.metadata,
        write=_add_definition,
        names=lambda db: [row.name for row in catalog.active_definitions(db)],
    ),
}
