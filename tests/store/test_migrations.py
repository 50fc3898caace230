"""State Hub's schema has the indexes its queries need (opening, migrating and refusing a newer
schema are tested for both stores in tests/sqlstore)."""

from __future__ import annotations

from sqlalchemy import inspect

from sqlstore.engine import build_engine
from statehub.store import Store


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
