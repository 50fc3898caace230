"""Opening a database brings it to this code's schema, once, even when raced."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from statehub.errors import SchemaTooNew, StoreError
from statehub.store import Store
from statehub.store.database import build_engine
from statehub.store.models import Base
from statehub.store.repos import add_repo, list_repos
from statehub.store.schema import head_revision


def _revision(url: str) -> str | None:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def test_it_creates_both_tables_and_their_indexes(database_url: str) -> None:
    Store.open(database_url).dispose()

    engine = build_engine(database_url)
    try:
        inspector = inspect(engine)
        assert {"repos", "progress_events", "alembic_version"} <= set(inspector.get_table_names())
        indexes = {
            ix["name"]: ix["column_names"] for ix in inspector.get_indexes("progress_events")
        }
    finally:
        engine.dispose()
    assert indexes["ix_progress_events_event_type_id"] == ["event_type", "id"]
    assert indexes["ix_progress_events_sweep_id"] == ["sweep_id"]
    assert _revision(database_url) == head_revision()


def test_it_keeps_the_models_in_step_with_the_migrations(store: Store) -> None:
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_it_reopens_an_up_to_date_database_without_changing_it(database_url: str) -> None:
    first = Store.open(database_url)
    with first.session() as db:
        add_repo(db, name="api", path="/src/api")
    first.dispose()

    second = Store.open(database_url)
    try:
        with second.session() as db:
            assert [repo.name for repo in list_repos(db)] == ["api"]
    finally:
        second.dispose()
    assert _revision(database_url) == head_revision()


def test_it_refuses_a_database_migrated_by_a_newer_state_hub(database_url: str) -> None:
    Store.open(database_url).dispose()
    engine = build_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfacade42'"))
    engine.dispose()

    with pytest.raises(SchemaTooNew, match=r"newer State Hub \(revision f00dfacade42\)"):
        Store.open(database_url)
    with pytest.raises(SchemaTooNew):
        Store.open(database_url, migrate=False)


def test_it_only_checks_when_told_not_to_migrate(database_url: str) -> None:
    with pytest.raises(StoreError, match="open it once with migrations enabled"):
        Store.open(database_url, migrate=False)

    Store.open(database_url).dispose()
    Store.open(database_url, migrate=False).dispose()


def test_it_needs_no_alembic_ini_in_the_working_directory(
    database_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Store.open(database_url).dispose()
    assert _revision(database_url) == head_revision()


def _open_after_barrier(url: str, barrier: Any, results: Any) -> None:
    barrier.wait(timeout=30)
    try:
        Store.open(url).dispose()
        results.put("ok")
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(f"{type(exc).__name__}: {exc}")


def test_it_survives_several_processes_migrating_a_fresh_database_at_once(
    database_url: str,
) -> None:
    processes = 4
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=_open_after_barrier, args=(database_url, barrier, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)

    assert outcomes == ["ok"] * processes
    assert _revision(database_url) == head_revision()
