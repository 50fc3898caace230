"""The server prunes in the background, shortly after start and then every interval (a day
by default; a fraction of a second here), while it keeps answering."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from statehub.api import create_app
from statehub.settings import Settings
from statehub.store import Store
from testing.history import record_sweep
from testing.serve import LiveServer
from testing.waiting import wait_for


def test_the_server_prunes_at_start_and_again_each_interval(
    settings: Settings, store: Store
) -> None:
    now = datetime.now(UTC)
    with store.session() as db:
        for days in (200, 100, 1):
            record_sweep(db, triggered_by="activity-core", started_at=now - timedelta(days=days))
    quick = replace(settings, prune_delay_seconds=0, prune_interval_seconds=0.2)
    app = create_app(quick, store)
    with LiveServer(app) as server, server.client() as http:
        wait_for(lambda: app.state.pruner.runs >= 2, timeout=30, what="two prunes")
        pruned = http.get("/progress/", params={"event_type": "store_pruned"}).json()
        sweeps = http.get(
            "/progress/", params={"event_type": "consistency_sweep_remote_all"}
        ).json()
        assert http.get("/").status_code == 200
    # The first prune deleted the two old sweeps and said so; the later ones found nothing
    # to delete, so they were logged only.
    assert [p["triggered_by"] for p in pruned] == ["server"]
    assert pruned[0]["payload"]["deleted"]["progress_events"] == 2
    assert len(sweeps) == 1
    assert app.state.pruner.last.progress_events == 0
