"""The result document explains each finding of each processed repo (``details``), and the
store keeps the same explanations and the fetch's outcome for ``repos show``."""

from __future__ import annotations

from pathlib import Path

from statehub.registry import add
from statehub.store import Store
from statehub.store.events import list_events
from statehub.store.repos import get_repo
from statehub.sweep.engine import Sweeper
from statehub.sweep.request import SweepRequest
from testing.fleet import FleetBuilder


def _register(store: Store, paths: dict[str, Path]) -> None:
    with store.session() as db:
        for name, path in paths.items():
            add(db, path=path, name=name)


def test_each_processed_repo_carries_one_detail_per_finding(
    fleet_builder: FleetBuilder, store: Store, sweeper: Sweeper, tmp_path: Path
) -> None:
    paths = {
        "experiments": fleet_builder.ahead_on_other_branch("experiments"),
        "sandbox": fleet_builder.merge_in_progress("sandbox"),
        "notes": fleet_builder.stash("notes"),
        "offline": fleet_builder.behind("offline"),
    }
    fleet_builder.git(paths["offline"], "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    _register(store, paths)

    result = sweeper.run(SweepRequest(max_seconds=60))

    reports = {r.name: r for r in result.repos_processed}
    for report in reports.values():
        assert [d.finding for d in report.details] == report.findings
    (ahead,) = reports["experiments"].details
    assert [(b.name, b.ahead) for b in ahead.branches] == [("feature", 1)]
    assert ahead.suggestion == f"git -C {paths['experiments']} push origin feature"
    (operation,) = reports["sandbox"].details
    assert operation.operation == "merge"
    assert (reports["notes"].details[0].count, reports["notes"].details[0].about) == (1, "1 stash")
    fetch = next(d for d in reports["offline"].details if d.finding == "fetch_failed")
    assert "gone.git" in fetch.about and fetch.remotes

    # The recorded event holds the same details, and so does each repo's row.
    with store.reading() as db:
        (event,) = list_events(db)
        stored = get_repo(db, name="experiments")
        offline = get_repo(db, name="offline")
    payload = {r["name"]: r for r in event.payload["repos_processed"]}
    assert payload["experiments"]["details"][0]["branches"][0]["name"] == "feature"
    assert stored.last_details == payload["experiments"]["details"]
    assert offline.last_fetch is not None and offline.last_fetch["finding"] == "fetch_failed"
