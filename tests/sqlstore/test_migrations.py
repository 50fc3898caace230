"""Opening a database brings it to the store's schema, once, even when raced; a schema this
code does not know is refused. Both stores, SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from sqlstore.database import Database
from sqlstore.engine import build_engine
from sqlstore.revisions import declared_heads
from sqlstore.schema import script_directory
from tests.sqlstore.kinds import KINDS, StoreKind


def _context(connection: Connection, kind: StoreKind) -> MigrationContext:
    return MigrationContext.configure(
        connection, opts={"version_table": kind.store.schema.version_table}
    )


def _revision(url: str, kind: StoreKind) -> str | None:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return _context(connection, kind).get_current_revision()
    finally:
        engine.dispose()


def _head(kind: StoreKind) -> str | None:
    return script_directory(kind.store.schema).get_current_head()


# A migration the test adds after the store's own; ``revision`` is a Python expression.
PLANTED_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = {revision}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("planted_by_the_test", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("planted_by_the_test")
"""


def _with_planted_migration(kind: StoreKind, tmp_path: Path, revision: str) -> type[Database]:
    """The store of ``kind`` with one more migration, in a copy of its migrations directory."""
    copy = tmp_path / "migrations"
    shutil.copytree(
        kind.store.schema.migrations, copy, ignore=shutil.ignore_patterns("__pycache__")
    )
    text = PLANTED_MIGRATION.format(revision=revision, down=_head(kind))
    (copy / "versions" / "9999_planted.py").write_text(text)
    schema = dataclasses.replace(kind.store.schema, migrations=copy)
    return type("Planted", (kind.store,), {"schema": schema})


def test_the_heads_read_from_the_files_are_alembics(kind: StoreKind) -> None:
    # Opening an up-to-date database trusts these, to spare Alembic's import.
    assert declared_heads(kind.store.schema.migrations) == {_head(kind)}


@pytest.mark.parametrize(
    "revision",
    [
        pytest.param('"f1a7ed"', id="read-from-the-file"),
        # Not a literal: only Alembic can read it, and the store must ask it.
        pytest.param('"f1a" + "7ed"', id="only-alembic-can-read"),
    ],
)
def test_a_new_migration_is_applied_to_a_database_at_the_previous_head(
    kind: StoreKind, database_url: str, tmp_path: Path, revision: str
) -> None:
    kind.store.open(database_url).dispose()
    planted = _with_planted_migration(kind, tmp_path, revision)

    planted.open(database_url).dispose()

    engine = build_engine(database_url)
    try:
        assert "planted_by_the_test" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert _revision(database_url, kind) == "f1a7ed"


def test_it_creates_the_tables_at_head(kind: StoreKind, database_url: str) -> None:
    kind.store.open(database_url).dispose()

    engine = build_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) == kind.tables
    finally:
        engine.dispose()
    assert _revision(database_url, kind) == _head(kind)


def test_it_keeps_the_models_in_step_with_the_migrations(
    kind: StoreKind, any_store: Database
) -> None:
    with any_store.engine.connect() as connection:
        diff = compare_metadata(_context(connection, kind), kind.metadata)
    assert diff == []


def test_it_reopens_an_up_to_date_database_without_changing_it(
    kind: StoreKind, database_url: str
) -> None:
    first = kind.store.open(database_url)
    with first.session() as db:
        kind.write(db, "api")
    first.dispose()

    second = kind.store.open(database_url)
    try:
        with second.session() as db:
            assert kind.names(db) == ["api"]
    finally:
        second.dispose()
    assert _revision(database_url, kind) == _head(kind)


def test_it_refuses_a_database_migrated_by_a_newer_program(
    kind: StoreKind, database_url: str
) -> None:
    schema = kind.store.schema
    kind.store.open(database_url).dispose()
    engine = build_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {schema.version_table} SET version_num = 'f00dfacade42'"))
    engine.dispose()

    expected = rf"newer {schema.product} \(revision f00dfacade42\); upgrade {schema.product}$"
    with pytest.raises(kind.store.errors.too_new, match=expected):
        kind.store.open(database_url)
    with pytest.raises(kind.store.errors.too_new):
        kind.store.open(database_url, migrate=False)


def test_it_only_checks_when_told_not_to_migrate(kind: StoreKind, database_url: str) -> None:
    with pytest.raises(kind.store.errors.error, match="open it once with migrations enabled"):
        kind.store.open(database_url, migrate=False)

    kind.store.open(database_url).dispose()
    kind.store.open(database_url, migrate=False).dispose()


def test_it_needs_no_alembic_ini_in_the_working_directory(
    kind: StoreKind, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    kind.store.open(database_url).dispose()
    assert _revision(database_url, kind) == _head(kind)


def _open_after_barrier(kind_name: str, url: str, barrier: Any, results: Any) -> None:
    barrier.wait(timeout=30)
    try:
        KINDS[kind_name].store.open(url).dispose()
        results.put("ok")
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(f"{type(exc).__name__}: {exc}")


def test_it_survives_several_processes_migrating_a_fresh_database_at_once(
    kind: StoreKind, database_url: str
) -> None:
    # On SQLite this is also the race for the switch to WAL (see test_wal.py).
    processes = 4
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(
            target=_open_after_barrier, args=(kind.name, database_url, barrier, results)
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)

    assert outcomes == ["ok"] * processes
    assert _revision(database_url, kind) == _head(kind)
