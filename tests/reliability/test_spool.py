"""The spool, with the real PostgreSQL this module starts and stops: sweeps that finish
while the database is away — one that ran, and one that found the lock held — are written
to ``$STATEHUB_HOME/spool``, said so to their callers, and recorded once, in order, with
their own times, by the next server start (or sweep) that reaches the database."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store
from statehub.store.repos import get_repo
from testing.fleet import FleetBuilder, register
from testing.serve import LiveServer, free_port, serve_process, statehub_env
from tests.reliability.support import (
    OwnPostgres,
    cli_sweep,
    parse_json,
    sweep_events,
    wait_until,
)
from tests.reliability.test_storage_faults import BUDGET, _wait_for_sweep


def test_sweeps_finished_while_postgres_is_down_are_recorded_once_in_order_at_server_start(
    tmp_path: Path,
    running_postgres: OwnPostgres,
    pg_url: str,
    settings: Settings,
    fleet_builder: FleetBuilder,
) -> None:
    store = Store.open(pg_url)
    register(
        store,
        {"hangs": fleet_builder.hanging_remote("hangs"), "clean": fleet_builder.clean("clean")},
        trusted={"hangs"},  # the hang is a repo-local upload-pack (docs/security.md)
    )
    env = statehub_env(settings.home, pg_url)
    spool = settings.home / "spool"
    try:
        with LiveServer(create_app(settings, store)) as server, server.client() as client:
            started = client.post(
                "/consistency/sweep/remote-all",
                json={"max_seconds": BUDGET, "triggered_by": "local-timer"},
                headers={"Prefer": "respond-async"},
            )
            assert started.status_code == 202, started.text
            _wait_for_sweep(settings, fleet_builder)
            running_postgres.stop("fast")
            skipped = client.post(
                "/consistency/sweep/remote-all", json={"triggered_by": "activity-core"}
            )
            ran = wait_until(
                lambda: (
                    (s := client.get(started.headers["Location"]).json())["status"] != "running"
                    and s
                ),
                timeout=30,
                what="the sweep to end",
            )
        assert skipped.status_code == 503, skipped.text
        assert ran["status"] == "failed"
        skip_doc, ran_doc = skipped.json()["result"], ran["result"]
        assert skip_doc["lock_skipped"] and skip_doc["held_by"]["sweep_id"] == ran_doc["sweep_id"]
        for answer in (skipped.json(), ran):
            assert Path(answer["spooled_to"]).parent == spool
            assert "spooled in" in answer["detail"]
        files = sorted(spool.iterdir())
        assert [f.name.split("-", 1)[1] for f in files] == [
            f"{skip_doc['sweep_id']}.json",  # it finished first
            f"{ran_doc['sweep_id']}.json",
        ]
        kept = tmp_path / "kept"
        shutil.copytree(spool, kept)

        running_postgres.start()
        port = free_port()
        with serve_process(env, tmp_path / "serve.log", port=port):
            wait_until(lambda: not any(spool.iterdir()), timeout=30, what="the spool to drain")
        events = sweep_events(store)
        # Newest first: the skip (finished first) got the lower id, each its own time.
        assert [e.sweep_id for e in events] == [ran_doc["sweep_id"], skip_doc["sweep_id"]]
        for event, doc in zip(events, (ran_doc, skip_doc), strict=True):
            assert event.payload == doc
            assert event.created_at == datetime.fromisoformat(doc["finished_at"])
        with store.reading() as db:
            assert get_repo(db, name="clean").last_checked_at == events[0].created_at

        # A crash between a spooled sweep's commit and the removal of its file leaves the
        # file behind (that instant cannot be hit for real: the file is put back instead).
        # The next sweep must not record it twice.
        shutil.copy(kept / files[1].name, spool / files[1].name)
        after = cli_sweep(env, "--json", "--max-seconds", "2")
        assert after.returncode == 0, after.stderr
        assert [e.sweep_id for e in sweep_events(store)] == [
            parse_json(after.stdout)["sweep_id"],
            ran_doc["sweep_id"],
            skip_doc["sweep_id"],
        ]
        assert not any(spool.iterdir())
    finally:
        store.dispose()
