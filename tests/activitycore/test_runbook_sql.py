"""The runbook's "ActivityRun Check" SQL runs as written on SQLite and PostgreSQL and returns
the sweep result from context_snapshot->'consistency_sweep_remote_all'."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from activitycore.definitions import load_definitions
from activitycore.store import Store, catalog, runs
from tests.activitycore.support import REPO, runbook_sql, start_scheduled_run


def test_the_runbook_sql_returns_the_sweep_result(database_url: str) -> None:
    store = Store.open(database_url)
    loaded = load_definitions([REPO / "activities"], {"STATE_HUB_URL": "http://hub:8000"})
    base = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with store.session() as db:
        catalog.sync_definitions(db, loaded=loaded)
        for i in range(7):
            slot = base + timedelta(minutes=15 * i)
            run_id = start_scheduled_run(db, index=i, slot=slot)
            snapshot = {
                "consistency_sweep_remote_all": {
                    "sweep_id": f"sweep-{i}",
                    "caller_run_id": run_id,
                    "lock_skipped": False,
                    "exit_code": 0,
                    "skipped_clean": ["api", "ünïcode"],
                }
            }
            runs.finish_run(
                db,
                run_id=run_id,
                status="succeeded",
                finished_at=slot + timedelta(seconds=30),
                context_snapshot=snapshot,
            )
    try:
        with store.engine.connect() as connection:
            rows = connection.exec_driver_sql(runbook_sql()).all()
    finally:
        store.dispose()

    assert [row[0] for row in rows] == [
        f"00000000-0000-4000-8000-{i:012d}" for i in (6, 5, 4, 3, 2)
    ]
    newest = rows[0]
    assert str(newest[2]).startswith("2026-01-01 13:30:00")
    sweep = newest[3]
    # SQLite hands JSON back as text, PostgreSQL's driver as a decoded value.
    if isinstance(sweep, str):
        sweep = json.loads(sweep)
    assert sweep["sweep_id"] == "sweep-6"
    assert sweep["caller_run_id"] == newest[0]
    assert sweep["skipped_clean"] == ["api", "ünïcode"]
