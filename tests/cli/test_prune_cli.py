"""``statehub prune``: what it would delete, what it deleted, and one line for bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from statehub.notify.scrape import read_snapshot
from statehub.store import Store
from statehub.store.events import list_events
from statehub.store.sweep_totals import pruned_totals
from testing.history import record_sweep
from tests.cli.conftest import RunCli

NOW = datetime.now(UTC)


def _old_sweeps(database_url: str) -> Store:
    store = Store.open(database_url)
    with store.session() as db:
        for days in (120, 100, 1):
            record_sweep(db, triggered_by="activity-core", started_at=NOW - timedelta(days=days))
    return store


def test_it_says_what_it_would_delete_then_deletes_it(run_cli: RunCli, database_url: str) -> None:
    store = _old_sweeps(database_url)
    try:
        counted = read_snapshot(store).sweeps  # what /metrics exports
        dry = run_cli("prune", "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        assert json.loads(dry.stdout)["would_delete"]["progress_events"] == 2
        with store.reading() as db:
            assert len(list_events(db, limit=10)) == 3

        done = run_cli("prune", "--older-than", "110d")
        assert done.returncode == 0, done.stderr
        assert "older than 110d: deleted 1 events, 1 sweep summaries, 0 repo changes" in done.stdout
        with store.reading() as db:
            kinds = [e.event_type for e in list_events(db, limit=10)]
            tally = pruned_totals(db)
        # The deleted sweep still counts: the tally holds it, and no counter fell.
        assert tally == {("activity-core", "ok"): 1}
        assert read_snapshot(store).sweeps == counted == {("activity-core", "ok"): 3}
    finally:
        store.dispose()
    # Its own record, and the two sweeps newer than 110 days.
    assert kinds == ["store_pruned", "consistency_sweep_remote_all", "consistency_sweep_remote_all"]


def test_a_bad_older_than_is_one_line(run_cli: RunCli) -> None:
    out = run_cli("prune", "--older-than", "3 months")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1].startswith("error: --older-than: '3 months'")
    assert "Traceback" not in out.stderr


def test_a_bad_retention_names_the_variable(run_cli: RunCli) -> None:
    out = run_cli("prune", STATEHUB_RETENTION="forever")
    assert out.returncode == 2
    assert "STATEHUB_RETENTION: 'forever' is not a duration" in out.stderr
    assert "Traceback" not in out.stderr
