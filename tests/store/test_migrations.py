"""State Hub's schema has the indexes its queries need (opening, migrating and refusing a newer
schema are tested for both stores in tests/sqlstore)."""

from __future__ import annotations

from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from sqlstore.engine import build_engine
from sqlstore.schema import alembic_config, script_directory
from statehub.store import Store
from statehub.store.repos import add_repo, list_repos
from statehub.store.schema import SCHEMA


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


def _revision(url: str) -> str | None:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            opts = {"version_table": SCHEMA.version_table}
            return MigrationContext.configure(connection, opts=opts).get_current_revision()
    finally:
        engine.dispose()


def test_0002_adds_trust_repo_config_to_existing_repos_as_untrusted(database_url: str) -> None:
    """A database from before the opt-in keeps its repos, each untrusted until asked."""
    engine = build_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(SCHEMA, connection), "0001")
            connection.execute(
                text(
                    "INSERT INTO repos (name, path, allow_push, source, added_at, last_findings)"
                    " VALUES ('old', '/src/old', false, 'cli', CURRENT_TIMESTAMP, '[]')"
                )
            )
    finally:
        engine.dispose()
    assert _revision(database_url) == "0001"

    store = Store.open(database_url)
    try:
        with store.session() as db:
            [old] = list_repos(db)
            added = add_repo(db, name="new", path="/src/new", trust_repo_config=True)
    finally:
        store.dispose()
    # Opened, the store migrated it through 0002 to the newest revision.
    assert _revision(database_url) == script_directory(SCHEMA).get_current_head()
    assert (old.name, old.trust_repo_config) == ("old", False)
    assert added.trust_repo_config is True
