"""Opening a database brings it to the store's schema, once, even when raced; a schema this
code does not know is refused. Both stores, SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from sqlstore.database import Database
from sqlstore.engine import build_engine
from sqlstore.schema import alembic_head
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


def test_the_declared_head_is_the_newest_migration(kind: StoreKind) -> None:
    # Opening an up-to-date database trusts the declared head, to spare Alembic's import.
    assert kind.store.schema.head == alembic_head(kind.store.schema)


def test_it_creates_the_tables_at_head(kind: StoreKind, database_url: str) -> None:
    kind.store.open(database_url).dispose()

    engine = build_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) == kind.tables
    finally:
        engine.dispose()
    assert _revision(database_url, kind) == kind.store.schema.head


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
    assert _revision(database_url, kind) == kind.store.schema.head


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
    assert _revision(database_url, kind) == kind.store.schema.head


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
    assert _revision(database_url, kind) == kind.store.schema.head
